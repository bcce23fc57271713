# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.nets.MLP."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


def _numpy_mlp(x, weights, activation, activate_final):
  for index, (w, b) in enumerate(weights):
    x = x @ w + b
    if index < len(weights) - 1 or activate_final:
      x = activation(x)
  return x


class MLPTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_numpy_reference_and_names(self, mode):
    x = np.random.RandomState(0).randn(4, 5).astype(np.float32)

    def fn():
      mlp = snt.nets.MLP([6, 3, 2], activate_final=True)
      out = mlp(tf.constant(x))
      self.assertEqual([v.name for v in mlp.variables],
                       [f"{mlp.scope_name}/linear_{i}/{n}:0"
                        for i in range(3) for n in ("b", "w")])
      self.assertEqual(mlp.output_sizes, (6, 3, 2))
      self.assertEqual(mlp.output_size, 2)
      return out, [(layer.w, layer.b) for layer in mlp.layers]
    out, weights = test_utils.evaluate_in_mode(mode, fn)
    expected = _numpy_mlp(x, weights, lambda v: np.maximum(v, 0), activate_final=True)
    self.assertAllClose(out, expected, rtol=1e-5, atol=1e-6)

  def test_graph_mode_names(self):
    with tf.Graph().as_default():
      mlp = snt.nets.MLP([3, 2])
      mlp(tf.ones([1, 4]))
      self.assertEqual(sorted(v.name for v in tf.compat.v1.global_variables()),
                       ["mlp/linear_0/b:0", "mlp/linear_0/w:0",
                        "mlp/linear_1/b:0", "mlp/linear_1/w:0"])

  @test_utils.run_in_modes
  def test_sharing(self, mode):
    with test_utils.graph_mode_if(mode):
      mlp = snt.nets.MLP([3, 2], activation=tf.tanh)
      for batch in (1, 2, 3):
        test_utils.run_fn_in_mode(mode, mlp, tf.ones([batch, 4]))
      self.assertLen(mlp.variables, 4)
      self.assertLen(mlp.get_variables(), 4)

  def test_unknown_batch_signature(self):
    mlp = snt.nets.MLP([3, 2])
    function = tf.function(mlp, input_signature=[tf.TensorSpec([None, 4])])
    self.assertEqual(function(tf.zeros([0, 4])).shape, (0, 2))
    self.assertEqual(function(tf.zeros([5, 4])).shape, (5, 2))
    self.assertLen(mlp.variables, 4)

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "must not be empty"):
      snt.nets.MLP([])
    for not_iterable in (3, None):
      with self.assertRaisesRegex(TypeError, "^output_sizes must be iterable$"):
        snt.nets.MLP(not_iterable)  # type: ignore[arg-type]  # deliberately not an iterable
    with self.assertRaisesRegex(ValueError, "output_size must be a positive"):
      snt.nets.MLP([3, 0])
    with self.assertRaisesRegex(TypeError, "^Input 'activation' must be callable$"):
      snt.nets.MLP([3], activation="relu")  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(KeyError, "Invalid initializer keys"):
      snt.nets.MLP([3], initializers={"x": tf.zeros})
    mlp = snt.nets.MLP([3])
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "mlp.*/linear_0: rank"):
      mlp(tf.ones([2, 3, 4]))
    self.assertFalse(mlp.is_connected)
    with self.assertRaises(snt.NotConnectedError):
      _ = mlp.input_shape

  def test_initializers_and_regularizers_for_every_layer(self):
    mlp = snt.nets.MLP([2, 2], initializers={"w": snt.initializers.ones},
                       regularizers={"b": lambda b: tf.reduce_sum(b + 1.0)})
    out = mlp(tf.ones([1, 3]))
    self.assertAllClose(out, [[6.0, 6.0]])
    self.assertAllClose(snt.get_regularization_loss(mlp), 4.0)

  @test_utils.run_in_modes
  def test_transpose(self, mode):
    with test_utils.graph_mode_if(mode):
      mlp = snt.nets.MLP([5, 3], activate_final=True, name="encoder")
      transposed = mlp.transpose()
      self.assertTrue(transposed.module_name.startswith(mlp.module_name + "_transpose"))
      self.assertTrue(transposed.activate_final)
      self.assertFalse(mlp.transpose(activate_final=False).activate_final)
      with self.assertRaises(snt.NotConnectedError):
        test_utils.run_fn_in_mode(mode, transposed, tf.ones([1, 3]))
      code = test_utils.run_fn_in_mode(mode, mlp, tf.ones([2, 7]))
      back = test_utils.run_fn_in_mode(mode, transposed, code)
      self.assertEqual(back.shape.as_list(), [2, 7])
      self.assertEqual(transposed.output_sizes, (5, 7))

  def test_clone(self):
    mlp = snt.nets.MLP([4, 2], use_bias=False)
    clone = mlp.clone()
    self.assertTrue(clone.module_name.startswith(mlp.module_name + "_clone"))
    mlp(tf.ones([1, 3]))
    clone(tf.ones([1, 3]))
    self.assertLen(clone.variables, 2)
    self.assertFalse(any(a is b for a in mlp.variables for b in clone.variables))

  def test_dropout(self):
    mlp = snt.nets.MLP([50, 2], use_dropout=True)
    x = tf.ones([2, 3])
    tf.random.set_seed(0)
    train_a = mlp(x, is_training=True, dropout_keep_prob=0.5)
    train_b = mlp(x, is_training=True, dropout_keep_prob=0.5)
    test_a = mlp(x, is_training=False)
    test_b = mlp(x, is_training=False)
    self.assertAllEqual(test_a, test_b)
    self.assertNotAllClose(train_a, train_b)
    with self.assertRaisesRegex(ValueError, "dropout_keep_prob"):
      mlp(x, dropout_keep_prob=0.0)

  def test_dropout_on_activated_output_and_tensor_flag(self):
    # As Sonnet 1: dropout before every activation, also the final one with
    # `activate_final`; `is_training` may be a bool tensor.
    with tf.Graph().as_default():
      mlp = snt.nets.MLP([4], use_dropout=True, activate_final=True, name="drop_mlp")
      is_training = tf.compat.v1.placeholder(tf.bool, [])
      out = mlp(tf.ones([100, 3]), is_training=is_training, dropout_keep_prob=0.5)
      names = [op.name for op in tf.compat.v1.get_default_graph().get_operations()]
      # The constructor took the name scope `drop_mlp`, as in Sonnet 1.
      self.assertIn("drop_mlp_1/dropout/Shape", names)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        train = session.run(out, {is_training: True})
        test_a, test_b = session.run([out, out], {is_training: False})
    self.assertAllClose(test_a, test_b)
    self.assertTrue(np.any(train == 0.0) and np.any(train > 0.0))
    dropped = train == 0.0
    self.assertTrue(np.all(train[~dropped] >= 0.0))  # Scaled kept units, after the ReLU.

  def test_no_dropout_ops_without_use_dropout_or_when_not_training(self):
    with tf.Graph().as_default():
      snt.nets.MLP([2], use_dropout=False, activate_final=True)(
          tf.ones([1, 3]), is_training=True)
      snt.nets.MLP([2], use_dropout=True, activate_final=True)(
          tf.ones([1, 3]), is_training=False)
      names = [op.name for op in tf.compat.v1.get_default_graph().get_operations()]
      self.assertFalse([n for n in names if "dropout" in n])

  def test_custom_getter_reaches_layers(self):
    mlp = snt.nets.MLP([2], custom_getter=snt.custom_getters.stop_gradient)
    x = tf.ones([1, 3])
    with tf.GradientTape() as tape:
      y = tf.reduce_sum(mlp(x))
    self.assertEqual(list(tape.gradient(y, mlp.trainable_variables)), [None, None])

  def test_checkpoint_round_trip(self):
    mlp = snt.nets.MLP([3, 2])
    x = tf.random.normal([2, 4])
    expected = mlp(x)
    path = tf.train.Checkpoint(model=mlp).save(self.get_temp_dir() + "/ckpt")
    other = snt.nets.MLP([3, 2])
    tf.train.Checkpoint(model=other).restore(path)
    self.assertAllEqual(other(x), expected)


def _numpy_of(mlp, x, activation, activate_final):
  weights = [(layer.w.numpy(), layer.b.numpy()) for layer in mlp.layers]
  return _numpy_mlp(x, weights, activation, activate_final)


class EagerCachedCallTest(parameterized.TestCase, tf.test.TestCase):
  """Later eager calls run the layers' cached fast paths (without `_build`)."""

  @parameterized.parameters(False, True)
  def test_later_calls_match_numpy_and_give_gradients(self, activate_final):
    rng = np.random.RandomState(3)
    mlp = snt.nets.MLP([5, 4, 3], activate_final=activate_final)
    mlp(tf.constant(rng.randn(2, 6).astype(np.float32)))
    x = rng.randn(7, 6).astype(np.float32)
    with tf.GradientTape() as tape:
      out = mlp(tf.constant(x))
      loss = tf.reduce_sum(out)
    relu = lambda v: np.maximum(v, 0.0)
    self.assertAllClose(out, _numpy_of(mlp, x, relu, activate_final), rtol=1e-5)
    grads = tape.gradient(loss, mlp.trainable_variables)
    self.assertLen(grads, 6)
    self.assertTrue(all(g is not None for g in grads))
    last_b = mlp.layers[-1].b
    grad_last_b = dict(zip([v.ref() for v in mlp.trainable_variables], grads))[last_b.ref()]
    expected = (_numpy_of(mlp, x, relu, activate_final) > 0).sum(axis=0) if activate_final \
        else np.full([3], 7.0)
    self.assertAllClose(grad_last_b, expected)

  def test_other_activations_run_build_on_every_call(self):
    calls = []

    def activation(v):
      calls.append(v)
      return tf.tanh(v)

    mlp = snt.nets.MLP([4, 2], activation=activation)
    x = np.ones([1, 3], np.float32)
    for _ in range(3):
      out = mlp(tf.constant(x))
    self.assertLen(calls, 3)
    self.assertAllClose(out, _numpy_of(mlp, x, np.tanh, False), rtol=1e-5)

  def test_observers_see_every_layer_on_later_calls(self):
    mlp = snt.nets.MLP([4, 2])
    x = tf.ones([1, 3])
    mlp(x)
    seen: list = []
    with snt.observe_connections(seen.append):
      mlp(x)
    self.assertEqual([s.module for s in seen], list(mlp.layers) + [mlp])

  def test_bad_inputs_and_arguments_after_cached_calls(self):
    mlp = snt.nets.MLP([4, 2], name="mlp")
    x = tf.ones([1, 3])
    mlp(x)
    mlp(x)
    with self.assertRaisesRegex(snt.IncompatibleShapeError, r"\[batch_size, 3\]"):
      mlp(tf.ones([1, 5]))
    self.assertAllClose(mlp(x, is_training=False), mlp(x))


if __name__ == "__main__":
  tf.test.main()
