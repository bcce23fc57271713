# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: constructing and naming modules, snt.Module, Transposable.

The small modules defined here are also used by the other base_*_test.py files.
"""

import functools

from absl.testing import parameterized
import tensorflow as tf

import sonnet as snt
from sonnet.src import base
from sonnet.src import test_utils


class Scale(snt.AbstractModule):
  """Multiplies by a per-feature variable; records what get_variable returned."""

  def __init__(self, name=None, custom_getter=None):
    super().__init__(name=name, custom_getter=custom_getter)
    self.returned = []

  def _build(self, inputs):
    scale = snt.get_variable("scale", shape=[inputs.shape[-1]], dtype=inputs.dtype,
                             initializer=snt.initializers.ones)
    self.returned.append(scale)
    return inputs * scale


class NoSuperInit(snt.AbstractModule):

  def __init__(self):
    pass

  def _build(self, inputs):
    return inputs


class ConvNet2DStyle(snt.AbstractModule):
  """Builds sub-modules in __init__ under _enter_variable_scope and in _build."""

  def __init__(self, name=None):
    super().__init__(name=name)
    with self._enter_variable_scope():
      self.first = snt.Linear(3, name="first")

  def _build(self, inputs):
    self.second = snt.Linear(2, name="second")
    return self.second(self.first(inputs))


class Wrapper(snt.AbstractModule):
  """Receives a module at construction."""

  def __init__(self, inner, name=None):
    super().__init__(name=name)
    self.inner = inner

  def _build(self, inputs):
    return Scale(name="own")(self.inner(inputs))


class MLP(snt.AbstractModule):

  def _build(self, inputs):
    return inputs


class NamingTest(parameterized.TestCase, tf.test.TestCase):

  def test_default_name_is_snake_case_with_acronyms_whole(self):
    with tf.Graph().as_default():
      self.assertEqual(MLP().module_name, "mlp")
      self.assertEqual(ConvNet2DStyle().module_name, "conv_net2_d_style")
      self.assertEqual(Scale().module_name, "scale")

  def test_names_are_uniquified_per_graph(self):
    with tf.Graph().as_default():
      names = [snt.Linear(2).scope_name for _ in range(3)]
      self.assertEqual(names, ["linear", "linear_1", "linear_2"])
    with tf.Graph().as_default():
      self.assertEqual(snt.Linear(2).scope_name, "linear")

  def test_explicit_name_and_variable_scope_prefix(self):
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("scope"):
        module = snt.Linear(2, name="lin")
      self.assertEqual(module.scope_name, "scope/lin")
      self.assertEqual(module.module_name, "lin")
      module(tf.ones([1, 3]))
      self.assertEqual(module.w.name, "scope/lin/w:0")

  @parameterized.parameters((3, TypeError, "Name must be a string"),
                            ("not valid", ValueError, "not a valid module name"),
                            ("1abc", ValueError, "not a valid module name"))
  def test_bad_names(self, name, error, message):
    with self.assertRaisesRegex(error, message):
      snt.Linear(2, name=name)

  def test_positional_name_is_refused(self):
    # Sonnet 1 raised ValueError for positional arguments to AbstractModule.__init__.
    with self.assertRaisesRegex(ValueError, "without named arguments"):
      Scale.__bases__[0].__init__(Scale.__new__(Scale), "name")

  @test_utils.run_in_modes
  def test_get_all_variables_includes_passed_in_modules(self, mode):
    del mode
    inner = snt.Linear(2, name="inner")
    outer = Wrapper(inner, name="outer")
    with self.assertRaisesRegex(snt.NotConnectedError, "outer not instantiated yet"):
      outer.get_all_variables()
    outer(tf.ones([1, 3]))
    names = [v.name for v in outer.get_all_variables()]
    self.assertEqual(names, ["inner/b:0", "inner/w:0", "outer/own/scale:0"])
    # get_variables stays scope-based: the passed-in module's variables are not in it.
    self.assertEqual([v.name for v in outer.get_variables()], ["outer/own/scale:0"])
    self.assertEqual(len(outer.get_all_variables(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES)),
                     3)
    self.assertEmpty(outer.get_all_variables(tf.compat.v1.GraphKeys.LOCAL_VARIABLES))

  @test_utils.run_in_modes
  def test_variable_properties_before_the_first_call(self, mode):
    # Under TF1 behaviour (legacy mode), as Sonnet 1: `variables` and the like raise before
    # the first call, as get_all_variables. Under TF2 behaviour: tf.Module's empty lists.
    def fn():
      outer = Wrapper(Scale(name="inner"), name="outer")
      for name in ("variables", "trainable_variables", "non_trainable_variables"):
        if mode == test_utils.LEGACY:
          with self.assertRaisesRegex(
              snt.NotConnectedError,
              r"^Variables in outer not instantiated yet, __call__ the module first\.$"):
            getattr(outer, name)
        else:
          self.assertEqual(getattr(outer, name), ())
      self.assertEqual(outer._all_variables, ())  # Sonnet 1's private name: empty.
      outputs = outer(tf.fill([1, 2], 3.0))
      self.assertEqual([v.name for v in outer.variables],
                       ["inner/scale:0", "outer/own/scale:0"])
      self.assertEqual(outer.trainable_variables, outer.variables)
      self.assertEqual(outer.non_trainable_variables, ())
      self.assertEqual(outer._all_variables, outer.variables)
      return outputs
    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), [[3.0, 3.0]])

  def test_get_all_variables_reads_graph_collections(self):
    def local_getter(getter, *args, **kwargs):
      kwargs["trainable"] = False
      kwargs["collections"] = [tf.compat.v1.GraphKeys.LOCAL_VARIABLES]
      return getter(*args, **kwargs)

    with tf.Graph().as_default():
      inner = snt.Linear(2, name="inner", custom_getter=local_getter)
      outer = Wrapper(inner, name="outer")
      outer(tf.ones([1, 3]))
      local = outer.get_all_variables(tf.compat.v1.GraphKeys.LOCAL_VARIABLES)
      self.assertEqual([v.name for v in local], ["inner/b:0", "inner/w:0"])
      self.assertEqual([v.name for v in outer.get_all_variables()], ["outer/own/scale:0"])

  def test_sonnet1_texts_for_subgraphs(self):
    module = Scale(name="texts")
    with self.assertRaisesRegex(snt.NotSupportedError, "not tracked in eager mode"):
      _ = module.connected_subgraphs
    with self.assertRaisesRegex(snt.NotSupportedError, "not tracked in eager mode"):
      _ = module.last_connected_subgraph
    with self.assertRaisesRegex(snt.NotSupportedError, "name_scopes property is not supported "
                                "in eager mode"):
      _ = module.name_scopes
    with tf.Graph().as_default():
      module = Scale(name="texts")
      with self.assertRaisesRegex(snt.NotConnectedError, "texts not instantiated yet"):
        _ = module.last_connected_subgraph
      module(tf.ones([1, 2]))
      self.assertEqual(module.name_scopes, ("texts",))

  def test_sonnet1_texts_for_custom_getter_dicts(self):
    with self.assertRaisesRegex(TypeError, "^Given custom_getter is not callable"):
      Scale(custom_getter={"scale": 0})
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("outer"):
        module = Scale(name="both", custom_getter={".*": lambda g, *a, **k: g(*a, **k),
                                                   "s.*": lambda g, *a, **k: g(*a, **k)})
      with self.assertRaisesRegex(KeyError, r"More than one custom_getter matched "
                                  r"outer/both/scale \(scale\): '\.\*', 's\.\*'"):
        module(tf.ones([1, 2]))

  def test_empty_name_means_default_name(self):
    with tf.Graph().as_default():  # a fresh graph: no earlier "scale" to uniquify against
      self.assertEqual(Scale(name="").module_name, "scale")

  @test_utils.run_in_modes
  def test_private_graph_alias(self, mode):
    del mode
    module = snt.Linear(2)
    self.assertIsNone(module._graph)  # noqa: SLF001 (Sonnet 1's private name, tested)
    module(tf.ones([1, 3]))
    self.assertIs(module._graph, module.graph)  # noqa: SLF001

  @test_utils.run_in_modes
  def test_submodule_names(self, mode):
    def fn():
      net = ConvNet2DStyle(name="net")
      passed_in = snt.Linear(2, name="passed_in")
      wrapped = Wrapper(passed_in, name="wrapper")
      net(tf.ones([1, 4]))
      wrapped(tf.ones([1, 4]))
      self.assertEqual(
          [v.name for v in net.variables],
          [f"{net.scope_name}/{suffix}" for suffix in
           ("first/b:0", "first/w:0", "second/b:0", "second/w:0")])
      self.assertEqual(
          sorted(v.name for v in wrapped.variables),
          sorted([f"{passed_in.scope_name}/b:0", f"{passed_in.scope_name}/w:0",
                  f"{wrapped.scope_name}/own/scale:0"]))
      self.assertIn(net.first, net.submodules)
      self.assertIn(net.second, net.submodules)
      if test_utils.session_mode(mode):
        self.assertEqual(net.scope_name, "net")
      return tf.constant(0)
    test_utils.evaluate_in_mode(mode, fn)

  def test_tf_module_name_and_name_scope(self):
    with tf.Graph().as_default():
      net = ConvNet2DStyle(name="net")
      self.assertEqual(net.name, "net")
      self.assertEqual(net.first.name_scope.name, "net/first/")


class ConstructionTest(parameterized.TestCase, tf.test.TestCase):

  def test_not_initialized(self):
    module = NoSuperInit()
    with self.assertRaisesRegex(snt.NotInitializedError, "super"):
      module(tf.ones([1]))
    with self.assertRaisesRegex(snt.NotInitializedError, "NoSuperInit"):
      with module._enter_variable_scope():
        pass
    for attribute in ("module_name", "scope_name", "is_connected", "variables",
                      "trainable_variables", "non_trainable_variables", "graph"):
      with self.assertRaisesRegex(snt.NotInitializedError, "super", msg=attribute):
        getattr(module, attribute)
    with self.assertRaisesRegex(snt.NotInitializedError, "super"):
      module.get_all_variables()


class ModuleTest(parameterized.TestCase, tf.test.TestCase):

  def test_not_callable(self):
    with self.assertRaisesRegex(TypeError, "Input 'build' must be callable"):
      snt.Module(3)  # type: ignore[arg-type]  # deliberately wrong

  def test_names(self):
    def my_network(x):
      return x
    with tf.Graph().as_default():
      self.assertEqual(snt.Module(my_network).module_name, "my_network")
      self.assertEqual(snt.Module(functools.partial(my_network)).module_name,
                       "my_network_1")
      self.assertEqual(snt.Module(lambda x: x).module_name, "module")

  @test_utils.run_in_modes
  def test_private_function_name_loses_its_underscores(self, mode):
    # As Sonnet 1 (`snt.Module(build=self._build)` is named `build`): a graph's root name
    # scope cannot start with "_", which made such a module fail in graph mode.
    def _private_net(x):
      return x * snt.get_variable("scale", shape=[], initializer=tf.ones_initializer())

    def fn():
      module = snt.Module(build=_private_net)
      self.assertRegex(module.module_name, r"^private_net(_\d+)?$")
      return module(tf.constant([2.0])), module.variables[0]

    out, scale = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(out, [2.0])
    self.assertAllClose(scale, 1.0)

  @test_utils.run_in_modes
  def test_sharing_through_partial(self, mode):
    def build(x, size):
      return snt.Linear(size, name="inner")(x) + snt.get_variable("bias", shape=[size])

    with test_utils.graph_mode_if(mode):
      module = snt.Module(functools.partial(build, size=2))
      for _ in range(3):
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      self.assertLen(module.variables, 3)
      self.assertEqual(module.scope_name.split("_")[0], "build")


class TransposableTest(tf.test.TestCase):

  def test_is_abstract(self):
    with self.assertRaises(TypeError):
      base.Transposable()  # type: ignore[abstract]  # deliberately abstract
    self.assertIsInstance(snt.Linear(2), snt.Transposable)
    self.assertIsInstance(snt.nets.MLP([2]), snt.Transposable)




class EagerNamesPerDefaultGraphTest(tf.test.TestCase):

  def test_reset_default_graph_starts_eager_names_afresh(self):
    # As Sonnet 1, whose names came from the default graph's name scopes.
    first = snt.Linear(2, name="reset_probe")
    second = snt.Linear(2, name="reset_probe")
    self.assertEqual((first.scope_name, second.scope_name), ("reset_probe", "reset_probe_1"))
    tf.compat.v1.reset_default_graph()
    self.assertEqual(snt.Linear(2, name="reset_probe").scope_name, "reset_probe")
    self.assertEqual(snt.Linear(2, name="reset_probe").scope_name, "reset_probe_1")

  def test_variables_by_scope_after_reset_default_graph(self):
    old = snt.Linear(2, name="reset_probe")
    old(tf.ones([1, 3]))
    tf.compat.v1.reset_default_graph()
    new = snt.Linear(2, name="reset_probe")
    new(tf.ones([1, 3]))
    self.assertEqual(new.scope_name, old.scope_name)
    # The scope look-up finds the new module's variables only, not the old one's.
    self.assertEqual([id(v) for v in new.get_variables()], [id(new.b), id(new.w)])
    self.assertLen(old.variables, 2)  # The old module keeps its own.


class TracingTest(tf.test.TestCase):
  """How often tf.function traces a function whose first call creates variables."""

  def test_first_call_creating_variables_traces_once(self):
    scale = Scale()
    traces = []

    @tf.function
    def step(x):
      traces.append(1)
      return scale(x)

    self.assertAllClose(step(tf.ones([2, 3])), [[1.0] * 3] * 2)
    self.assertLen(traces, 1)
    self.assertAllClose(step(tf.fill([2, 3], 2.0)), [[2.0] * 3] * 2)
    self.assertLen(traces, 1)
    self.assertLen(scale.variables, 1)
    # The variable exists outside the function, initialized.
    self.assertAllClose(scale.variables[0], [1.0] * 3)

  def test_module_made_inside_the_function_is_still_refused(self):

    @tf.function
    def step(x):
      return Scale()(x)  # A new module, with new variables, on every trace.

    # As before: TensorFlow traces again and refuses the second trace's variables.
    with self.assertRaisesRegex(ValueError, "singleton"):
      step(tf.ones([2, 3]))

  def test_eager_fast_path_undoes_a_failed_call_of_a_connected_module(self):
    outer = snt.nets.MLP([4, 2])
    outer(tf.ones([1, 3]))
    variables_before = [v.ref() for v in outer.variables]
    with self.assertRaises(snt.IncompatibleShapeError):
      outer(tf.ones([1, 5]))
    self.assertEqual([v.ref() for v in outer.variables], variables_before)
    self.assertAllClose(outer(tf.ones([1, 3])).shape, [1, 2])


if __name__ == "__main__":
  tf.test.main()
