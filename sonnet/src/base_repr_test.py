# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests of `repr()` of modules (the constructor arguments that matter)."""

import copy
import functools
import pickle

from absl.testing import absltest
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import module_repr
from sonnet.src import naming


class _Scale(snt.AbstractModule):

  def __init__(self, factor=2.0, *, offset=0.0, name=None):
    super().__init__(name=name)
    self._factor = factor
    self._offset = offset

  def _build(self, inputs):
    return inputs * self._factor + self._offset


class _NoisyScale(_Scale):
  """Calls its parent's constructor with other arguments: only its own are shown."""

  def __init__(self, noise, name=None):
    super().__init__(factor=3.0, offset=1.0, name=name)
    self._noise = noise


class _Inherited(_Scale):
  """Defines no __init__: the parent's signature is used."""

  def _build(self, inputs):
    return inputs


class _Sized(snt.AbstractModule):
  """Keeps only the result of its (unpicklable) argument."""

  def __init__(self, size_fn, name=None):
    super().__init__(name=name)
    self._size = size_fn()

  def _build(self, inputs):
    return inputs[..., :self._size]


def _double(x):
  return 2 * x


class ModuleReprTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    naming.reset_eager_names()  # Default names without _1, _2 suffixes from other tests.

  def test_linear(self):
    self.assertEqual(repr(snt.Linear(3)), "Linear(output_size=3, name='linear')")
    self.assertEqual(repr(snt.Linear(output_size=4, use_bias=False, name="head")),
                     "Linear(output_size=4, use_bias=False, name='head')")

  def test_name_is_the_unique_module_name(self):
    first, second = snt.Linear(3, name="lin"), snt.Linear(3, name="lin")
    self.assertEqual(repr(first), "Linear(output_size=3, name='lin')")
    self.assertEqual(repr(second), "Linear(output_size=3, name='lin_1')")

  def test_mlp_shows_activation_by_name(self):
    first = snt.nets.MLP([32, 10])  # Kept alive: it keeps its name taken.
    self.assertEqual(repr(first), "MLP(output_sizes=[32, 10], name='mlp')")
    self.assertEqual(repr(snt.nets.MLP([32, 10], activation=tf.nn.tanh)),
                     "MLP(output_sizes=[32, 10], activation=tanh, name='mlp_1')")

  def test_default_values_passed_explicitly_are_left_out(self):
    self.assertEqual(repr(snt.Linear(3, use_bias=True)), "Linear(output_size=3, name='linear')")
    self.assertEqual(repr(_Scale(2.0, offset=0.0)), "_Scale(name='__scale')")

  def test_nested_modules(self):
    seq = snt.Sequential([snt.Linear(3), tf.nn.relu, snt.Linear(2, name="out")])
    self.assertEqual(
        repr(seq),
        "Sequential(layers=[Linear(output_size=3, name='linear'), relu, "
        "Linear(output_size=2, name='out')], name='sequential')")
    batch = snt.BatchApply(snt.Linear(5))
    self.assertEqual(repr(batch),
                     "BatchApply(module_or_op=Linear(output_size=5, name='linear_1'), "
                     "name='batch_apply')")

  def test_module_from_function(self):
    first = snt.Module(_double)  # Kept alive: it keeps its name taken.
    self.assertEqual(repr(first), "Module(build=_double, name='double')")
    self.assertEqual(repr(snt.Module(lambda x: x, name="ident")),
                     "Module(build=<lambda>, name='ident')")
    self.assertEqual(repr(snt.Module(functools.partial(_double))),
                     "Module(build=partial(_double), name='double_1')")

  def test_only_the_outermost_constructor_records(self):
    self.assertEqual(repr(_NoisyScale(0.5)), "_NoisyScale(noise=0.5, name='__noisy_scale')")
    self.assertEqual(repr(_Inherited(offset=1.5)), "_Inherited(offset=1.5, name='__inherited')")

  def test_tensors_and_arrays_by_shape_and_dtype(self):
    self.assertEqual(repr(_Scale(tf.zeros([2, 3]))),
                     "_Scale(factor=Tensor(shape=[2, 3], dtype=float32), name='__scale')")
    self.assertEqual(repr(_Scale(np.zeros([4], np.float64), name="s")),
                     "_Scale(factor=ndarray(shape=[4], dtype=float64), name='s')")
    self.assertEqual(repr(_Scale(tf.Variable(1.0), name="v")),
                     "_Scale(factor=Variable(shape=[], dtype=float32), name='v')")

  def test_long_values_are_truncated(self):
    self.assertEqual(repr(snt.nets.MLP(list(range(1, 10)))),
                     "MLP(output_sizes=[1, 2, 3, 4, 5, 6, ... (9 items)], name='mlp')")
    text = repr(_Scale("x" * 200))
    self.assertLess(len(text), 120)
    self.assertIn("...", text)

  def test_initializers_dict(self):
    linear = snt.Linear(2, initializers={"w": snt.initializers.zeros})
    self.assertEqual(
        repr(linear),
        "Linear(output_size=2, initializers={'w': snt.initializers.zeros}, name='linear')")

  def test_failing_repr_of_an_argument(self):

    class BadRepr:

      def __repr__(self):
        raise RuntimeError("no repr")

    self.assertEqual(repr(_Scale(BadRepr())), "_Scale(factor=<BadRepr>, name='__scale')")

  def test_failed_construction_leaves_nothing_behind(self):
    module = snt.Module.__new__(snt.Module)
    with self.assertRaises(TypeError):
      snt.Module.__init__(module, 3)  # type: ignore[arg-type]  # Not callable: raises.
    self.assertNotIn(module_repr.ARGUMENTS_ATTRIBUTE, module.__dict__)
    snt.Module.__init__(module, _double, name="retry")  # The retry is the outermost call again.
    self.assertEqual(repr(module), "Module(build=_double, name='retry')")

  def test_not_initialized_module(self):

    class NoSuper(snt.AbstractModule):

      def __init__(self, size):  # pylint: disable=super-init-not-called
        self._size = size

      def _build(self, inputs):
        return inputs

    self.assertEqual(repr(NoSuper(3)), "NoSuper(size=3)")

  def test_copy_and_pickle_keep_the_repr(self):
    linear = snt.Linear(3)
    linear(tf.zeros([1, 2]))
    expected = "Linear(output_size=3, name='linear')"
    self.assertEqual(repr(copy.deepcopy(linear)), expected)
    self.assertEqual(repr(pickle.loads(pickle.dumps(linear))), expected)

  def test_pickle_does_not_need_the_argument_values(self):
    # Only the rendered text is kept: an unpicklable argument the module does not store
    # does not stop the module from being pickled.
    module = _Sized(lambda: 4)
    self.assertIsInstance(module.__dict__[module_repr.ARGUMENTS_ATTRIBUTE], str)
    self.assertEqual(repr(pickle.loads(pickle.dumps(module))),
                     "_Sized(size_fn=<lambda>, name='__sized')")

  def test_calls_and_variables_are_unchanged(self):
    linear = snt.Linear(2)
    linear(tf.ones([1, 3]))
    self.assertEqual([v.name for v in linear.variables], ["linear/b:0", "linear/w:0"])
    rows = snt.format_variables(linear.variables, join_lines=False)
    self.assertEqual(rows[0].split(), ["Variable", "Shape", "Type", "Collections", "Device"])
    self.assertEqual(rows[2].split()[:4], ["linear/w", "3x2", "float32", "global_variables,"])

  def test_graph_mode(self):
    with tf.Graph().as_default():
      self.assertEqual(repr(snt.Linear(3)), "Linear(output_size=3, name='linear')")


if __name__ == "__main__":
  absltest.main()
