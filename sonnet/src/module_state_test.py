# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.module_state: a module's bookkeeping and the undo of a failed call."""

import tensorflow as tf

import sonnet as snt
from sonnet.src import module_state
from sonnet.src import naming


def _identity(x):
  return x


class NoSuperInit(snt.AbstractModule):

  def __init__(self):
    pass

  def _build(self, inputs):
    return inputs


class ModuleStateTest(tf.test.TestCase):

  def test_of_and_the_tracked_containers(self):
    module = snt.Linear(2, name="lin")
    state = module_state.state_of(module)
    self.assertIsInstance(state, module_state.ModuleState)
    self.assertIs(module_state.of(module), state)
    self.assertEqual(state.scope_name, module.scope_name)
    self.assertEqual(state.module_name, module.module_name)
    self.assertIsNone(module_state.of(NoSuperInit()))
    module(tf.ones([1, 3]))
    self.assertEqual(sorted(module_state.variables_of(module)), ["b", "w"])
    self.assertIs(module_state.variables_of(module)["w"], module.w)
    self.assertEqual(module_state.submodules_of(module), [])

  def test_record_variable_then_undo(self):
    module = snt.Module(_identity, name="owner")
    state = module_state.state_of(module)
    variable = tf.Variable([1.0, 2.0], name="v")
    regularizer = tf.reduce_sum
    with naming.push_frame(module, "_build", True) as frame:
      state.record_variable(frame, "v", variable, spec=((2,), tf.float32),
                            regularizer=regularizer)
      self.assertEqual(frame.created, [(module, "v")])
      self.assertIs(module_state.variables_of(module)["v"], variable)
      self.assertEqual(state.variable_owners, {"v": "_build"})
      self.assertEqual(state.variable_specs["v"], (variable, (2,), tf.float32))
      self.assertIs(state.regularizers["v"], regularizer)
      self.assertAllClose(snt.get_regularization_loss(module), 3.0)
      module_state.undo_creations(frame.created)
    self.assertEmpty(module_state.variables_of(module))
    self.assertEmpty(state.variable_owners)
    self.assertEmpty(state.variable_specs)
    self.assertEmpty(state.regularizers)
    self.assertEmpty(module.variables)

  def test_undo_in_graph_mode_empties_the_collections(self):
    with tf.Graph().as_default():
      module = snt.Module(_identity, name="owner")
      state = module_state.state_of(module)
      variable = tf.compat.v1.Variable([1.0], name="v", use_resource=True)
      loss = tf.reduce_sum(variable)
      tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES, loss)
      with naming.push_frame(module, "_build", True) as frame:
        state.record_variable(frame, "v", variable, regularizer=tf.reduce_sum)
        state.record_graph_regularization_loss("v", loss)
        module_state.undo_creations(frame.created)
      self.assertEmpty(tf.compat.v1.global_variables())
      self.assertEmpty(tf.compat.v1.trainable_variables())
      self.assertEmpty(
          tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES))
      self.assertEmpty(state.graph_regularization_losses)

  def test_forget_variable_keeps_the_module_saveable(self):
    module = snt.Linear(2)
    module(tf.ones([1, 3]))
    b = module.b
    variable, loss = module_state.state_of(module).forget_variable(module, "b")
    self.assertIs(variable, b)
    self.assertIsNone(loss)
    self.assertEqual(sorted(module_state.variables_of(module)), ["w"])
    path = tf.train.Checkpoint(model=module).save(self.get_temp_dir() + "/ckpt")
    keys = [k for k, _ in tf.train.list_variables(path) if k.startswith("model/")]
    self.assertEqual(keys, ["model/_snt_variables/w/.ATTRIBUTES/VARIABLE_VALUE"])

  def test_add_and_detach_submodule(self):
    parent = snt.Module(_identity, name="parent")
    child = snt.Linear(2, name="child")
    with naming.push_frame(parent, "_build", True) as frame:
      module_state.add_submodule(frame, child)
      self.assertEqual(frame.created, [(child, parent)])
    self.assertEqual(module_state.submodules_of(parent), [child])
    self.assertIn(child, parent.submodules)
    parent_state = module_state.state_of(parent)
    self.assertIsNone(parent_state.claim_call_child(child.scope_name, child))
    self.assertIs(parent_state.claim_call_child(child.scope_name, parent), child)
    module_state.detach_submodule(parent, child)
    self.assertEqual(module_state.submodules_of(parent), [])
    self.assertEmpty(parent_state.call_children)

  def test_record_use_adds_a_used_module_once(self):
    caller = snt.Module(_identity, name="caller")
    used = snt.Linear(2, name="used")
    module_state.record_use(used, module_state.state_of(used))  # No call running: nothing.
    self.assertEqual(module_state.submodules_of(caller), [])
    with naming.push_frame(caller, "_build", True):
      module_state.record_use(used, module_state.state_of(used))
      module_state.record_use(used, module_state.state_of(used))
      module_state.record_use(caller, module_state.state_of(caller))  # Itself: ignored.
    self.assertEqual(module_state.submodules_of(caller), [used])

  def test_adopt_shares_the_variable_bookkeeping(self):
    first = snt.Module(_identity, name="first")
    later = snt.Module(_identity, name="later")
    first_state, later_state = module_state.state_of(first), module_state.state_of(later)
    later_state.adopt(first_state, first)
    self.assertIs(later_state.variable_specs, first_state.variable_specs)
    self.assertIs(later_state.variable_owners, first_state.variable_owners)
    self.assertIs(later_state.tf1_usage, first_state.tf1_usage)
    self.assertIs(later_state.canonical, first)
    later_state.mark_tf1_used()
    self.assertTrue(first_state.tf1_usage["used"])

  def test_attribute_snapshot_and_restore(self):
    module = snt.Module(_identity, name="attributes")
    module.kept = 1
    module.replaced = tf.Variable(1.0)
    snapshot = module_state.attribute_snapshot(module)
    self.assertFalse([k for k in snapshot if k.startswith(("_snt_", "_self_"))])
    original = module.replaced
    module.added = tf.Variable(2.0)
    module.replaced = tf.Variable(3.0)
    module_state.restore_attributes(module, snapshot)
    self.assertFalse(hasattr(module, "added"))
    self.assertIs(module.replaced, original)
    self.assertEqual(module.kept, 1)
    self.assertLen(module.variables, 1)

  def test_first_connection_is_undone_with_the_enclosing_call(self):
    outer = snt.Module(_identity, name="outer")
    inner = snt.Module(_identity, name="inner")
    before = module_state.attribute_snapshot(inner)
    with naming.push_frame(outer, "_build", True) as frame:
      inner(tf.ones([1]))  # Its first call records itself in the enclosing frame.
      inner.extra = 5
      self.assertTrue(inner.is_connected)
      self.assertLen(frame.created, 1)
      module_state.undo_creations(frame.created)
    self.assertFalse(inner.is_connected)
    self.assertIsNone(module_state.state_of(inner).graph)
    self.assertFalse(hasattr(inner, "extra"))
    self.assertEqual(module_state.attribute_snapshot(inner), before)


if __name__ == "__main__":
  tf.test.main()
