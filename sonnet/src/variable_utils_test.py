# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the variable utilities (scope look-ups, maps, tables, counting, saving)."""

import os
from unittest import mock

from absl import logging
from absl.testing import parameterized
import tensorflow as tf

import sonnet as snt


class ScopeTest(parameterized.TestCase, tf.test.TestCase):

  def test_get_variables_in_scope_graph_mode_prefix_is_literal(self):
    with tf.Graph().as_default():
      snt.Linear(2, name="prefix")(tf.ones([1, 3]))
      snt.Linear(2, name="prefix_more")(tf.ones([1, 3]))
      names = [v.name for v in snt.get_variables_in_scope("prefix")]
      self.assertEqual(names, ["prefix/b:0", "prefix/w:0"])
      scope = tf.compat.v1.VariableScope(reuse=False, name="prefix_more")
      self.assertLen(snt.get_variables_in_scope(scope), 2)

  def test_get_variables_in_scope_eager(self):
    module = snt.Linear(2, name="eager_scope_test")
    module(tf.ones([1, 3]))
    self.assertEqual(snt.get_variables_in_scope(module.scope_name), module.variables)
    self.assertEqual(snt.get_variables_in_module(module), module.variables)
    self.assertEmpty(snt.get_variables_in_scope(
        module.scope_name, tf.compat.v1.GraphKeys.LOCAL_VARIABLES))

  def test_bad_scope(self):
    with self.assertRaisesRegex(TypeError, "Expected a module"):
      snt.get_variables_in_scope(3)

  def test_normalized_variable_map(self):
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("prefix1"):
        mlp = snt.nets.MLP([2], name="mlp")
      mlp(tf.ones([1, 3]))
      self.assertEqual(sorted(snt.get_normalized_variable_map(mlp)),
                       ["linear_0/b", "linear_0/w"])
      self.assertEqual(
          sorted(snt.get_normalized_variable_map(mlp.layers[0], context="prefix1")),
          ["mlp/linear_0/b", "mlp/linear_0/w"])
      with self.assertRaisesRegex(ValueError, "is not prefixed by 'other'"):
        snt.get_normalized_variable_map(mlp, context="other")

  def test_normalized_map_groups_partitions(self):
    with tf.Graph().as_default():
      module = snt.Linear(3, partitioners={"w": tf.compat.v1.fixed_size_partitioner(2)})
      module(tf.ones([1, 4]))
      grouped = snt.get_normalized_variable_map(module)
      self.assertLen(grouped["w"], 2)
      self.assertLen(list(snt.variable_map_items(grouped)), 3)
      ungrouped = snt.get_normalized_variable_map(module, group_sliced_variables=False)
      self.assertEqual(sorted(ungrouped), ["b", "w/part_0", "w/part_1"])


class FormatTest(tf.test.TestCase):

  def test_format_variables_table(self):
    with tf.Graph().as_default():
      module = snt.Linear(3, name="lin")
      with tf.device("/cpu:0"):
        module(tf.ones([1, 4]))
      lines = snt.format_variables(module.variables, join_lines=False)
      # Sonnet 1.36's columns: the graph collections that list each variable.
      self.assertEqual(lines[0].split(),
                       ["Variable", "Shape", "Type", "Collections", "Device"])
      self.assertEqual(lines[1].split()[:5],
                       ["lin/b", "3", "float32", "global_variables,", "trainable_variables"])
      self.assertEqual(lines[2].split()[:4], ["lin/w", "4x3", "float32", "global_variables,"])
      self.assertIn("CPU:0", lines[2].upper())
      table = snt.format_variable_map(snt.get_normalized_variable_map(module))
      self.assertRegex(table, r"Key\s+Variable\s+Shape\s+Type\s+Collections\s+Device\n"
                       r"b\s+lin/b\s+3\s+")

  def test_format_variables_sonnet1_layout(self):
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("m1"):
        v1 = tf.compat.v1.get_variable("v1", shape=[3, 4], use_resource=True)
      with tf.device("/cpu:0"), tf.compat.v1.variable_scope("m2"):
        v2 = tf.compat.v1.get_local_variable("v2", shape=[5], use_resource=True)
      self.assertEqual(
          snt.format_variables([v2, v1]),
          "Variable  Shape  Type     Collections                            Device\n"
          "m1/v1     3x4    float32  global_variables, trainable_variables  (resource)\n"
          "m2/v2     5      float32  local_variables                        "
          "/device:CPU:0 (resource)")
      self.assertEqual(
          snt.format_variable_map({"a": v1}),
          "Key  Variable  Shape  Type     Collections                            Device\n"
          "a    m1/v1     3x4    float32  global_variables, trainable_variables  (resource)")

  def test_format_variables_eager(self):
    trainable = tf.Variable(tf.ones([2]), name="t")
    frozen = tf.Variable(tf.ones([2]), name="f", trainable=False)
    lines = snt.format_variables([trainable, frozen], join_lines=False)
    self.assertEqual(lines[1].split()[:4], ["f", "2", "float32", "global_variables"])
    self.assertEqual(lines[2].split()[:5], ["t", "2", "float32", "global_variables,",
                                            "trainable_variables"])
    self.assertTrue(lines[2].endswith(" (resource)"))  # after the eager device

  def test_log_variables(self):
    module = snt.Linear(3)
    module(tf.ones([1, 4]))
    with mock.patch.object(logging, "info") as info:
      snt.log_variables(module.variables)
    lines = [call.args[0] for call in info.call_args_list]
    self.assertLen(lines, 3)
    self.assertIn("4x3", lines[2])
    with mock.patch.object(logging, "info") as info:
      snt.log_variables()  # Eager: every variable of the live modules.
    lines = [call.args[0] for call in info.call_args_list]
    self.assertTrue(any(line.startswith(module.w.name[:-2] + " ") for line in lines))
    with tf.Graph().as_default():
      snt.Linear(2, name="graph_lin")(tf.ones([1, 3]))
      with mock.patch.object(logging, "info") as info:
        snt.log_variables()
    lines = [call.args[0] for call in info.call_args_list]
    self.assertEqual([line.split()[0] for line in lines[1:]], ["graph_lin/b", "graph_lin/w"])


class CountTest(tf.test.TestCase):

  def test_count_parameters(self):
    mlp = snt.nets.MLP([5, 2])
    mlp(tf.ones([1, 3]))
    self.assertEqual(snt.count_parameters(mlp), 3 * 5 + 5 + 5 * 2 + 2)
    self.assertEqual(snt.count_parameters(mlp.layers[0].variables), 20)
    by_module = snt.count_parameters_by_module(mlp)
    self.assertEqual(list(by_module.values()), [32, 20, 12])
    self.assertEqual(list(by_module)[0], mlp.scope_name)


class SaverTest(parameterized.TestCase, tf.test.TestCase):

  def test_get_saver_round_trip_between_differently_named_modules(self):
    path = os.path.join(self.get_temp_dir(), "model.ckpt")
    with tf.Graph().as_default():
      module = snt.Linear(3, name="first")
      out = module(tf.ones([2, 4]))
      saver = snt.get_saver(module)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        expected = session.run(out)
        saver.save(session, path)
    with tf.Graph().as_default():
      module = snt.Linear(3, name="second")
      out = module(tf.ones([2, 4]))
      with tf.compat.v1.Session() as session:
        snt.get_saver(module).restore(session, path)
        self.assertAllClose(session.run(out), expected)

  @parameterized.parameters(
      *[(mode, save, load) for mode in ("graph", "legacy")
        for save in (True, False) for load in (True, False)])
  def test_get_saver_partitioned_variables_under_their_full_name(self, mode, save, load):
    # As Sonnet 1: a partitioned variable is saved as one tensor `w` (in slices), so a
    # checkpoint restores whether or not either side is partitioned.
    del mode  # Legacy mode: run in a legacy process (conftest.py); both build graphs.
    path = os.path.join(self.get_temp_dir(), f"partitioned_{save}_{load}.ckpt")

    def make(partitioned, name):
      partitioners = {"w": tf.compat.v1.fixed_size_partitioner(3)} if partitioned else None
      module = snt.Linear(6, partitioners=partitioners, name=name)
      module(tf.ones([2, 4]))
      return module, tf.convert_to_tensor(module.w)

    with tf.Graph().as_default():
      module, w = make(save, "source")
      saver = snt.get_saver(module)
      self.assertEqual(sorted(saver._var_list), ["b", "w"])  # noqa: SLF001
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        expected = session.run(w)
        saver.save(session, path)
    self.assertEqual(tf.train.load_checkpoint(path).get_variable_to_shape_map(),
                     {"w": [4, 6], "b": [6]})
    with tf.Graph().as_default():
      module, w = make(load, "target")
      with tf.compat.v1.Session() as session:
        snt.get_saver(module).restore(session, path)
        self.assertAllEqual(session.run(w), expected)

  def test_get_saver_eager_not_supported(self):
    module = snt.Linear(3)
    module(tf.ones([1, 2]))
    with self.assertRaisesRegex(snt.NotSupportedError, "tf.train.Checkpoint"):
      snt.get_saver(module)

  def test_restore_initializer(self):
    source = snt.Linear(3)
    source(tf.ones([1, 4]))
    path = tf.train.Checkpoint(model=source).save(os.path.join(self.get_temp_dir(), "ck"))
    key = "model/_snt_variables/w/.ATTRIBUTES/VARIABLE_VALUE"
    target = snt.Linear(3, initializers={"w": snt.restore_initializer(path, key)})
    target(tf.ones([1, 4]))
    self.assertAllEqual(target.w, source.w)
    wrong = snt.Linear(2, initializers={"w": snt.restore_initializer(path, key)})
    with self.assertRaisesRegex(ValueError, r"has shape \[4, 3\], but the variable has "
                                r"shape \[4, 2\]"):
      wrong(tf.ones([1, 4]))
    self.assertEmpty(wrong.variables)

  def test_restore_initializer_reads_a_later_checkpoint_in_graph_mode(self):
    # Sonnet 1: in graph mode the checkpoint is read when the initializer runs, so it may
    # be written after the variable is declared.
    path = os.path.join(self.get_temp_dir(), "later")
    with tf.Graph().as_default():
      target = snt.Linear(3, name="lin", initializers={"w": snt.restore_initializer(path, "w"),
                                                       "b": snt.restore_initializer(path, "b")})
      out = target(tf.ones([1, 2]))
      partitioned = tf.compat.v1.get_variable(
          "lin/w_part", shape=[2, 3], partitioner=tf.compat.v1.fixed_size_partitioner(2),
          initializer=snt.restore_initializer(path, "w", scope="lin"))
      parts = list(partitioned)
      with tf.Graph().as_default():
        with tf.compat.v1.variable_scope("lin"):
          w = tf.compat.v1.get_variable("w", initializer=[[1., 2., 3.], [4., 5., 6.]])
          b = tf.compat.v1.get_variable("b", initializer=[1., 1., 1.])
        with tf.compat.v1.Session() as sess:
          sess.run(tf.compat.v1.global_variables_initializer())
          tf.compat.v1.train.Saver([w, b]).save(sess, path)
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        self.assertAllClose(sess.run(out), [[6., 8., 10.]])
        self.assertAllClose(sess.run(parts), [[[1., 2., 3.]], [[4., 5., 6.]]])


class RestoreCheckpointTest(tf.test.TestCase):

  def test_all_or_nothing(self):
    source = snt.nets.MLP([3, 2])
    source(tf.ones([1, 4]))
    path = tf.train.Checkpoint(model=source).save(os.path.join(self.get_temp_dir(), "ck"))
    target = snt.nets.MLP([3, 5])  # linear_0 fits, linear_1 does not.
    target(tf.ones([1, 4]))
    before = [v.numpy() for v in target.variables]
    with self.assertRaisesRegex(ValueError, r"linear_1/w:0: shape \[3, 5\] in the module, "
                                r"\[3, 2\] in the checkpoint"):
      snt.restore_checkpoint(tf.train.Checkpoint(model=target), path)
    for old, v in zip(before, target.variables):
      self.assertAllEqual(old, v)
    # Plain tf.train.Checkpoint.restore changes linear_0 before failing on linear_1.
    with self.assertRaises(ValueError):
      tf.train.Checkpoint(model=target).restore(path)
    self.assertNotAllClose(before[1], target.variables[1])

  def test_dtype_mismatch_and_success(self):
    source = snt.Linear(2)
    source(tf.ones([1, 3]))
    path = tf.train.Checkpoint(model=source).save(os.path.join(self.get_temp_dir(), "ck"))
    wrong = snt.Linear(2)
    wrong(tf.ones([1, 3], tf.float64))
    with self.assertRaisesRegex(ValueError, "dtype float64 in the module, float32"):
      snt.restore_checkpoint(tf.train.Checkpoint(model=wrong), path)
    right = snt.Linear(2)
    status = snt.restore_checkpoint(tf.train.Checkpoint(model=right),
                                    os.path.dirname(path))
    right(tf.ones([1, 3]))  # Deferred: restored on creation.
    status.assert_consumed()
    self.assertAllEqual(right.w, source.w)


if __name__ == "__main__":
  tf.test.main()
