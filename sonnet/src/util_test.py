# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the utilities: check_* dicts, kwargs introspection, names, variable summaries."""

import functools
from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils
from sonnet.src import util


class CheckDictsTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(("initializer", snt.check_initializers),
                            ("regularizer", snt.check_regularizers))
  def test_checks(self, kind, check):
    self.assertEqual(check(None, {"w"}), {})
    given = {"w": tf.zeros}
    checked = check(given, {"w", "b"})
    self.assertEqual(checked, given)
    self.assertIsNot(checked, given)
    with self.assertRaisesRegex(
        KeyError, f"Invalid {kind} keys 'a', 'x', {kind}s can only be provided for 'b', 'w'"):
      check({"x": tf.zeros, "a": tf.zeros}, {"w", "b"})
    with self.assertRaisesRegex(TypeError, f"{kind.capitalize()} for 'w' is not a callable"):
      check({"w": 1}, {"w"})
    with self.assertRaisesRegex(TypeError, f"A dict of {kind}s was expected"):
      check(tf.zeros, {"w"})
    # Sonnet 1.36's text first.
    with self.assertRaisesRegex(
        TypeError, r"^Expected a dict-like object with possible keys \['b', 'w'\], received "):
      check(tf.zeros, {"w", "b"})
    nested = check({"w": {"inner": tf.zeros}}, {"w"})
    self.assertIn("inner", nested["w"])
    with self.assertRaisesRegex(TypeError, "'inner' is not a callable"):
      check({"w": {"inner": 3}}, {"w"})

  @test_utils.run_in_modes
  def test_partitioners_checked_in_every_mode(self, mode):
    # As Sonnet 1: accepted in every mode; only creating a partitioned variable outside
    # tf.compat.v1 graph mode fails (see PartitionersTest below).
    partitioner = tf.compat.v1.fixed_size_partitioner(2)

    def check():
      self.assertEqual(snt.check_partitioners(None, {"w"}), {})
      self.assertEqual(snt.check_partitioners({"w": partitioner}, {"w"}), {"w": partitioner})
      with self.assertRaisesRegex(KeyError, "Invalid partitioner keys 'b'"):
        snt.check_partitioners({"b": partitioner}, {"w"})
      with self.assertRaisesRegex(TypeError, "Partitioner for 'w'"):
        snt.check_partitioners({"w": 2}, {"w"})
      return tf.constant(0)

    test_utils.evaluate_in_mode(mode, check)


class CheckVariableOptionsTest(tf.test.TestCase):
  """util.check_variable_options: the three checks in one call, in constructor order."""

  def test_returns_checked_copies(self):
    initializers = {"w": tf.zeros}
    regularizers = {"b": tf.nn.l2_loss}
    checked = util.check_variable_options(initializers, None, regularizers, {"w", "b"})
    self.assertEqual(checked, ({"w": tf.zeros}, {}, {"b": tf.nn.l2_loss}))
    self.assertIsNot(checked[0], initializers)
    self.assertEqual(util.check_variable_options(None, None, None, iter(["w"])), ({}, {}, {}))

  def test_errors_name_the_dict_and_keys(self):
    with self.assertRaisesRegex(
        KeyError, "Invalid initializer keys 'x', initializers can only be provided for 'w'"):
      util.check_variable_options({"x": tf.zeros}, None, None, {"w"})
    with self.assertRaisesRegex(TypeError, "Regularizer for 'w' is not a callable"):
      util.check_variable_options(None, None, {"w": 2}, {"w"})
    with self.assertRaisesRegex(TypeError, "Partitioner for 'w' is not a callable"):
      util.check_variable_options(None, {"w": 2}, None, {"w"})

  def test_separate_partitioner_and_regularizer_keys(self):
    partitioner = tf.compat.v1.fixed_size_partitioner(2)
    with tf.Graph().as_default():
      checked = util.check_variable_options(
          {"gamma": tf.ones}, {"beta": partitioner}, {"gamma": tf.nn.l2_loss}, {"gamma"},
          partitioner_keys={"beta"}, regularizer_keys={"gamma"})
      self.assertEqual(checked[1], {"beta": partitioner})
      with self.assertRaisesRegex(KeyError, "Invalid partitioner keys 'gamma'"):
        util.check_variable_options(None, {"gamma": partitioner}, None, {"gamma"},
                                    partitioner_keys={"beta"})
      with self.assertRaisesRegex(KeyError, "Invalid regularizer keys 'beta'"):
        util.check_variable_options(None, None, {"beta": tf.nn.l2_loss}, {"beta"},
                                    regularizer_keys={"gamma"})


class VariableOptionsTest(parameterized.TestCase, tf.test.TestCase):
  """Modules expose the dicts given to their constructor (util.VariableOptions)."""

  @parameterized.named_parameters(
      ("Linear", lambda **kw: snt.Linear(3, **kw), "w"),
      ("Conv2D", lambda **kw: snt.Conv2D(4, 3, **kw), "w"),
      ("Conv2DTranspose", lambda **kw: snt.Conv2DTranspose(4, None, 3, **kw), "w"),
      ("LayerNorm", lambda **kw: snt.LayerNorm(**kw), "gamma"),
      ("GroupNorm", lambda **kw: snt.GroupNorm(2, **kw), "gamma"),
      ("BatchNorm", lambda **kw: snt.BatchNorm(**kw), "gamma"),
      ("BatchNormV2", lambda **kw: snt.BatchNormV2(**kw), "gamma"),
      ("Embed", lambda **kw: snt.Embed(10, 4, **kw), "embeddings"),
      ("MLP", lambda **kw: snt.nets.MLP([3], **kw), "w"),
      ("ConvNet2D", lambda **kw: snt.nets.ConvNet2D([4], [3], [1], ["SAME"], **kw), "w"),
  )
  def test_properties_return_the_checked_dicts(self, make, key):
    initializer, regularizer = tf.zeros_initializer(), tf.keras.regularizers.L2(0.1)
    module = make(initializers={key: initializer}, regularizers={key: regularizer})
    self.assertEqual(module.initializers, {key: initializer})
    self.assertEqual(module.regularizers, {key: regularizer})
    self.assertEqual(module.partitioners, {})


if __name__ == "__main__":
  tf.test.main()


class PartitionersTest(parameterized.TestCase, tf.test.TestCase):
  """As Sonnet 1: partitioners are accepted at construction in every mode.

  Creating a partitioned variable works in tf.compat.v1 graph mode only; in eager mode and
  in tf.function it raises NotSupportedError when the variable is created.
  """

  _MODULES = (
      ("Linear", lambda p: snt.Linear(3, partitioners=p), [2, 4], "w"),
      ("Conv2D", lambda p: snt.Conv2D(4, 3, partitioners=p), [1, 5, 5, 2], "w"),
      ("MLP", lambda p: snt.nets.MLP([3, 2], partitioners=p), [2, 4], "w"),
      ("Embed", lambda p: snt.Embed(10, 4, partitioners=p), None, "embeddings"),
      ("LayerNorm", lambda p: snt.LayerNorm(partitioners=p), [2, 4], "gamma"),
  )

  def _call(self, make, shape, key):
    partitioners = {key: tf.compat.v1.fixed_size_partitioner(2)}
    module = make(partitioners)
    self.assertEqual(module.partitioners, partitioners)
    if shape is None:
      return module, module(tf.constant([[1, 2]]))
    return module, module(tf.ones(shape))

  @test_utils.run_in_modes
  def test_accepted_at_construction(self, mode):
    def construct():
      for _, make, _, key in self._MODULES:
        partitioners = {key: tf.compat.v1.fixed_size_partitioner(2)}
        self.assertEqual(make(partitioners).partitioners, partitioners)
      return tf.constant(0)

    self.assertEqual(test_utils.evaluate_in_mode(mode, construct), 0)

  @parameterized.named_parameters(*[(name, make, shape, key)
                                    for name, make, shape, key in _MODULES])
  def test_refused_at_variable_creation_in_eager_and_tf_function(self, make, shape, key):
    for mode in ("eager", "tf_function"):
      test_utils.assert_raises_in_mode(
          self, mode, lambda: self._call(make, shape, key)[1], snt.NotSupportedError,
          f"Partitioned variables are only supported in tf.compat.v1 graph mode.*{key}")

  @parameterized.named_parameters(*[(name, make, shape, key)
                                    for name, make, shape, key in _MODULES])
  def test_partitioned_in_graph_mode(self, make, shape, key):
    with tf.Graph().as_default():
      _, out = self._call(make, shape, key)
      names = [v.name for v in tf.compat.v1.global_variables()]
      self.assertTrue(any(f"/{key}/part_1:0" in name for name in names), names)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        self.assertEqual(session.run(out).shape[0], shape[0] if shape else 1)


class SupportsKwargsTest(tf.test.TestCase):

  def test_functions(self):
    def fixed(x, y, *, z=1):
      return x + y + z

    def open_ended(x, **kwargs):
      return x, kwargs

    self.assertEqual(snt.supports_kwargs(fixed, ["x", "z"]), snt.SUPPORTED)
    self.assertEqual(snt.supports_kwargs(fixed, "w"), snt.NOT_SUPPORTED)
    self.assertEqual(snt.supports_kwargs(open_ended, "x"), snt.SUPPORTED)
    self.assertEqual(snt.supports_kwargs(open_ended, ["x", "w"]), snt.MAYBE_SUPPORTED)
    self.assertEqual(snt.supports_kwargs(fixed, []), snt.SUPPORTED)

  def test_modules_and_reuse_variables_methods(self):
    self.assertEqual(snt.supports_kwargs(snt.BatchNorm(), ["is_training", "test_local_stats"]),
                     snt.SUPPORTED)
    self.assertEqual(snt.supports_kwargs(snt.LayerNorm(), "is_training"), snt.NOT_SUPPORTED)

    class Methods(snt.AbstractModule):

      def _build(self, inputs):
        return inputs

      @snt.reuse_variables
      def scaled(self, inputs, scale=2.0):
        return inputs * scale

    self.assertEqual(snt.supports_kwargs(Methods().scaled, "scale"), snt.SUPPORTED)
    self.assertEqual(snt.supports_kwargs(Methods().scaled, "shift"), snt.NOT_SUPPORTED)

  def test_remove_unsupported_kwargs(self):
    def fixed(x, y):
      return x + y

    def open_ended(x, **kwargs):
      return x, kwargs

    self.assertEqual(snt.remove_unsupported_kwargs(fixed, {"x": 1, "z": 3}), {"x": 1})
    self.assertEqual(snt.remove_unsupported_kwargs(open_ended, {"x": 1, "z": 3}),
                     {"x": 1, "z": 3})
    self.assertEqual(snt.remove_unsupported_kwargs(fixed, None), {})
    mlp = snt.nets.MLP([3])
    self.assertEqual(
        snt.remove_unsupported_kwargs(mlp, {"is_training": False, "bogus": 1}),
        {"is_training": False})


class NamesTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(
      ("UpperCamelCase", "upper_camel_case"), ("LSTMModule", "lstm_module"),
      ("lstm1", "lstm_1"), ("LSTM1", "lstm1"), ("__private__", "private"),
      ("endsWithXYZ", "ends_with_xyz"), ("version123P56VFXObject", "version_123p56vfx_object"),
      ("versionVfx123P56Object", "version_vfx_123p56_object"), ("snake_case", "snake_case"),
      ("version123p56vfxObject", "version_123p56vfx_object"),
      ("versionVFX123P56Object", "version_vfx123p56_object"))
  def test_to_snake_case(self, camel, snake):
    self.assertEqual(snt.to_snake_case(camel), snake)

  def test_name_for_callable(self):
    def myFunction(x):  # noqa: N802 (a CamelCase name on purpose)
      return x

    class Callable:

      def __call__(self):
        pass

    self.assertEqual(snt.name_for_callable(myFunction), "my_function")
    self.assertEqual(
        snt.name_for_callable(functools.partial(functools.partial(myFunction), 1)),
        "my_function")
    self.assertIsNone(snt.name_for_callable(lambda x: x))
    self.assertIsNone(snt.name_for_callable(Callable()))

  @parameterized.parameters("LayerNorm", "snt.LayerNorm", "sonnet.LayerNorm")
  def test_parse_string_to_constructor(self, text):
    self.assertIs(snt.parse_string_to_constructor(text), snt.LayerNorm)

  def test_parse_string_to_constructor_paths(self):
    self.assertIs(snt.parse_string_to_constructor("snt.nets.MLP"), snt.nets.MLP)
    self.assertIs(snt.parse_string_to_constructor("sonnet.python.modules.nets.MLP"),
                  snt.nets.MLP)
    for bad in ("NoSuchModule", "snt.nets.Nothing", "os.path.join", ""):
      with self.assertRaisesRegex(ValueError, "could not find"):
        snt.parse_string_to_constructor(bad)


class VariableSummaryTest(tf.test.TestCase):

  def test_count_and_summarize_in_graph_mode(self):
    with tf.Graph().as_default():
      tf.compat.v1.get_variable("a", shape=[100, 10], dtype=tf.float32)
      tf.compat.v1.get_variable("b", shape=[24], dtype=tf.float32)
      tf.compat.v1.get_variable("c", shape=[1024], dtype=tf.int64)
      counts = snt.count_variables_by_type()
      self.assertEqual(counts, {tf.float32: {"num_variables": 2, "num_scalars": 1024},
                                tf.int64: {"num_variables": 1, "num_scalars": 1024}})
      with mock.patch.object(util.logging, "info") as info:
        snt.summarize_variables()
      lines = [call.args[0] % call.args[1:] for call in info.call_args_list]
    self.assertEqual(lines, [
        "tf.float32: 2 variables comprising 1024 scalars, 4.000 KB",
        "tf.int64: 1 variables comprising 1024 scalars, 8.000 KB",
        "Total: 3 variables comprising 2048 scalars, 12.000 KB"])

  def test_count_given_variables_eagerly(self):
    variables = [tf.Variable(np.zeros([3, 4], np.float16)), tf.Variable(np.zeros([5], np.int32))]
    self.assertEqual(snt.count_variables_by_type(variables + variables[:1]),
                     {tf.float16: {"num_variables": 1, "num_scalars": 12},
                      tf.int32: {"num_variables": 1, "num_scalars": 5}})

  def test_human_readable_bytes(self):
    for num_bytes, text in ((5, "5 B"), (1023, "1023 B"), (1536, "1.500 KB"),
                            (2**21, "2.000 MB"), (2**31, "2.000 GB")):
      self.assertEqual(util._human_readable_bytes(num_bytes), text)  # noqa: SLF001

  def test_notify_about_new_variables(self):
    seen: list = []
    linear = snt.Linear(3)
    with snt.notify_about_new_variables(seen.append):
      linear(tf.ones([1, 2]))
      linear(tf.ones([1, 2]))  # Reuses: nothing new.
    self.assertCountEqual([id(v) for v in seen], [id(linear.w), id(linear.b)])

  def test_notify_sees_variables_custom_getters_create(self):
    def two_variables(getter, **kwargs):
      variable = getter(**kwargs)
      kwargs["name"] += "_extra"
      getter(**kwargs)
      return variable

    seen: list = []
    with tf.Graph().as_default():
      with snt.notify_about_new_variables(seen.append):
        with tf.compat.v1.variable_scope("s", custom_getter=two_variables):
          tf.compat.v1.get_variable("v", [])
    self.assertEqual([v.name for v in seen], ["s/v:0", "s/v_extra:0"])

  def test_has_variable_scope(self):
    self.assertFalse(snt.has_variable_scope("string"))
    linear = snt.Linear(2)
    self.assertTrue(snt.has_variable_scope(linear))
    linear(tf.ones([1, 1]))
    self.assertTrue(snt.has_variable_scope(linear))

  def test_deprecation_warning_logs_once(self):
    with mock.patch.object(util.logging, "warning") as warning:
      snt.deprecation_warning("old_fn is deprecated: use new_fn (util_test).")
      snt.deprecation_warning("old_fn is deprecated: use new_fn (util_test).")
    self.assertEqual(warning.call_count, 1)
    self.assertIn("old_fn is deprecated", warning.call_args.args[1])
