# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.custom_getters: Context, override_args, restore_initializer, scope getters."""

import os

import numpy as np
import tensorflow as tf

import sonnet as snt


class ScopeGetterTest(tf.test.TestCase):

  def test_module_built_in_scope_with_getter_applies_it(self):
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("", custom_getter=snt.custom_getters.non_trainable):
        linear = snt.Linear(3)
      linear(tf.ones([1, 2]))
      self.assertLen(tf.compat.v1.global_variables(), 2)
      self.assertEmpty(tf.compat.v1.trainable_variables())

  def test_scope_getter_is_outside_the_module_getter(self):
    order = []

    def record(label):
      def getter(next_getter, name, *args, **kwargs):
        order.append(label)
        return next_getter(name, *args, **kwargs)
      return getter

    with tf.compat.v1.variable_scope("", custom_getter=record("scope")):
      linear = snt.Linear(3, custom_getter=record("module"))
    linear(tf.ones([1, 2]))
    self.assertEqual(order, ["module", "scope"] * 2)  # w, then b.


def _doubling_getter(getter, *args, **kwargs):
  return 2.0 * getter(*args, **kwargs)


class ContextTest(tf.test.TestCase):

  def test_applies_only_inside(self):
    context = snt.custom_getters.Context(_doubling_getter, verbose=True)
    with tf.compat.v1.variable_scope("", custom_getter=context):
      linear = snt.Linear(3, name="lin")
    x = tf.ones([1, 2])
    plain = linear(x)
    with context:
      with context:
        doubled = linear(x)
      still_doubled = linear(x)
    plain_again = linear(x)
    self.assertAllClose(doubled, 2.0 * plain)
    self.assertAllClose(still_doubled, 2.0 * plain)
    self.assertAllClose(plain_again, plain)
    self.assertLen(linear.variables, 2)

  def test_contexts_are_independent(self):
    first = snt.custom_getters.Context(_doubling_getter)
    second = snt.custom_getters.Context(_doubling_getter)
    a = snt.Linear(2, name="a", custom_getter=first)
    b = snt.Linear(2, name="b", custom_getter=second)
    x = tf.ones([1, 2])
    a_plain, b_plain = a(x), b(x)
    with first:
      a_out, b_out = a(x), b(x)
    self.assertAllClose(a_out, 2.0 * a_plain)
    self.assertAllClose(b_out, b_plain)


class OverrideArgsTest(tf.test.TestCase):

  def test_override_args_replaces_explicit_arguments(self):
    local = [tf.compat.v1.GraphKeys.LOCAL_VARIABLES]
    with tf.Graph().as_default():
      getter = snt.custom_getters.override_args(collections=local)
      linear = snt.Linear(3, custom_getter=getter)
      linear(tf.ones([1, 2]))
      with tf.compat.v1.variable_scope("", custom_getter=getter):
        v = tf.compat.v1.get_variable(
            "v", [], collections=[tf.compat.v1.GraphKeys.GLOBAL_VARIABLES])
      self.assertCountEqual(tf.compat.v1.local_variables(), [linear.w, linear.b, v])
      self.assertEmpty(tf.compat.v1.global_variables())

  def test_override_default_args_keeps_explicit_arguments(self):
    local = [tf.compat.v1.GraphKeys.LOCAL_VARIABLES]
    with tf.Graph().as_default():
      getter = snt.custom_getters.override_default_args(collections=local)
      linear = snt.Linear(3, custom_getter=getter)
      linear(tf.ones([1, 2]))
      with tf.compat.v1.variable_scope("", custom_getter=getter):
        v = tf.compat.v1.get_variable(
            "v", [], collections=[tf.compat.v1.GraphKeys.GLOBAL_VARIABLES])
      self.assertCountEqual(tf.compat.v1.local_variables(), [linear.w, linear.b])
      self.assertEqual(tf.compat.v1.global_variables(), [v])

  def test_eager_trainable_override(self):
    linear = snt.Linear(3, custom_getter=snt.custom_getters.override_args(trainable=False))
    linear(tf.ones([1, 2]))
    self.assertEmpty(linear.trainable_variables)
    self.assertLen(linear.variables, 2)


class RestoreInitializerGetterTest(tf.test.TestCase):

  def _save(self):
    path = os.path.join(self.get_temp_dir(), "ckpt")
    with tf.Graph().as_default():
      linear = snt.Linear(4, name="source")
      linear(tf.ones([1, 3]))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        session.run(linear.b.assign(tf.fill([4], 0.5)))
        tf.compat.v1.train.Saver().save(session, path)
        values = session.run({"w": linear.w, "b": linear.b})
    return path, values

  def test_restores_with_name_fn(self):
    path, values = self._save()
    with tf.Graph().as_default():
      getter = snt.custom_getters.restore_initializer(
          path, name_fn=lambda name: name.replace("target", "source"))
      with tf.compat.v1.variable_scope("", custom_getter=getter):
        target = snt.Linear(4, name="target")
      target(tf.ones([1, 3]))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        w, b = session.run([target.w, target.b])
    self.assertAllEqual(w, values["w"])
    self.assertAllEqual(b, values["b"])

  def test_only_variables_in_the_collection(self):
    path, values = self._save()
    with tf.Graph().as_default():
      getter = snt.custom_getters.restore_initializer(path, collection="other")
      target = snt.Linear(4, name="source", custom_getter=getter)
      target(tf.ones([1, 3]))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        b = session.run(target.b)
    self.assertAllEqual(b, np.zeros([4]))
    self.assertNotAllClose(values["b"], b)

  def test_eager(self):
    path, values = self._save()
    target = snt.Linear(4, name="source",
                        custom_getter=snt.custom_getters.restore_initializer(path))
    target(tf.ones([1, 3]))
    self.assertAllEqual(target.w, values["w"])


class RestoreInitializerScopeTest(tf.test.TestCase):

  def test_scope_forms(self):
    path = os.path.join(self.get_temp_dir(), "ckpt")
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("agent/layer"):
        tf.compat.v1.get_variable("b", initializer=tf.constant([1.0, 2.0, 3.0]))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().save(session, path)
    expected = [1.0, 2.0, 3.0]
    # Default scope: the scope the variable is created in.
    with tf.compat.v1.variable_scope("agent"):
      layer = snt.AddBias(name="layer", initializers={"b": snt.restore_initializer(path, "b")})
    layer(tf.zeros([1, 3]))
    self.assertAllEqual(layer.b, expected)
    explicit = snt.AddBias(initializers={"b": snt.restore_initializer(path, "b",
                                                                      "agent/layer")})
    explicit(tf.zeros([1, 3]))
    self.assertAllEqual(explicit.b, expected)
    mapped = snt.AddBias(name="layer", initializers={
        "b": snt.restore_initializer(path, "b", lambda scope: "agent/" + scope)})
    mapped(tf.zeros([1, 3]))
    self.assertAllEqual(mapped.b, expected)
    full_key = snt.AddBias(initializers={"b": snt.restore_initializer(path, "agent/layer/b",
                                                                      "")})
    full_key(tf.zeros([1, 3]))
    self.assertAllEqual(full_key.b, expected)

  def test_partitioned_variable_reads_slices(self):
    path = os.path.join(self.get_temp_dir(), "ckpt")
    value = np.arange(20, dtype=np.float32).reshape([10, 2])
    with tf.Graph().as_default():
      tf.compat.v1.get_variable("v", initializer=tf.constant(value))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().save(session, path)
    with tf.Graph().as_default():
      parts = tf.compat.v1.get_variable(
          "v", shape=[10, 2], partitioner=tf.compat.v1.fixed_size_partitioner(3),
          initializer=snt.restore_initializer(path, "v", ""))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        restored = np.concatenate(session.run(list(parts)))
    self.assertAllEqual(restored, value)


if __name__ == "__main__":
  tf.test.main()
