# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.batch_norm (and the ModeRunner helper the norm/net tests share)."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import batch_norm
from sonnet.src import errors
from sonnet.src import test_utils
from sonnet.src import variables

UPDATE_OPS = tf.compat.v1.GraphKeys.UPDATE_OPS


class ModeRunner:
  """Builds a module and a step function once, then runs the step repeatedly in a mode.

  `build()` returns `(module, step)`; `step(*tensors)` returns a nest of tensors. Inputs
  are declared with `specs` (batch dimension may be None): placeholders in graph mode,
  the `input_signature` of the `tf.function`. In graph mode the ops in `UPDATE_OPS` are
  run with every step, as a Sonnet 1 training loop does.
  """

  def __init__(self, mode, build, specs, run_update_ops=True):
    self.mode = mode
    if test_utils.session_mode(mode):
      self.graph = tf.Graph()
      with self.graph.as_default():
        self.module, step = build()
        self.inputs = [tf.compat.v1.placeholder(s.dtype, s.shape) for s in specs]
        self.outputs = step(*self.inputs)
        self.update_ops = (tf.compat.v1.get_collection(UPDATE_OPS) if run_update_ops
                           else [])
        self.session = tf.compat.v1.Session(graph=self.graph)
        self.session.run(tf.compat.v1.global_variables_initializer())
    else:
      self.module, step = build()
      self.step = tf.function(step, input_signature=specs) if mode == "tf_function" else step

  def __call__(self, *values):
    if test_utils.session_mode(self.mode):
      outputs, _ = self.session.run(
          [self.outputs, self.update_ops], feed_dict=dict(zip(self.inputs, values)))
      return outputs
    return tf.nest.map_structure(lambda t: t.numpy(), self.step(*values))

  def value(self, get):
    """Numpy value of `get(module)` (e.g. a variable) now."""
    if test_utils.session_mode(self.mode):
      with self.graph.as_default():
        return self.session.run(get(self.module))
    return tf.nest.map_structure(lambda t: t.numpy(), get(self.module))


def _numpy_bn(x, mean, var, eps, gamma=1.0, beta=0.0):
  return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _spec(shape, dtype=tf.float32):
  return tf.TensorSpec(shape, dtype)


class BatchNormTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(mode=test_utils.MODES, fused=[False, True])
  def test_constant_input(self, mode, fused):
    decay = 0.9
    values = np.array([1., 2., 3.], np.float32)
    x = np.tile(values, [4, 2, 2, 1])  # [4, 2, 2, 3], constant per channel

    def build():
      bn = batch_norm.BatchNorm(decay_rate=decay, fused=fused, scale=True)
      return bn, lambda t: bn(t, is_training=True)

    runner = ModeRunner(mode, build, [_spec([None, 2, 2, 3])])
    out = runner(x)
    self.assertAllClose(out, np.zeros_like(x), atol=1e-5)
    self.assertAllClose(runner.value(lambda m: m.moving_mean).ravel(), (1 - decay) * values)
    self.assertAllClose(runner.value(lambda m: m.moving_variance).ravel(), [decay] * 3)

  @parameterized.product(mode=test_utils.MODES, fused=[False, True])
  def test_two_training_calls(self, mode, fused):
    decay, eps = 0.8, 1e-3
    rng = np.random.RandomState(0)
    x1 = rng.randn(3, 2, 2, 4).astype(np.float32)
    x2 = (rng.randn(5, 2, 2, 4) * 2 + 1).astype(np.float32)

    def build():
      bn = batch_norm.BatchNorm(decay_rate=decay, eps=eps, fused=fused)
      return bn, lambda t: bn(t, is_training=True)

    runner = ModeRunner(mode, build, [_spec([None, 2, 2, 4])])
    mean, var = np.zeros(4), np.ones(4)
    for x in (x1, x2):
      out = runner(x)
      batch_mean, batch_var = x.mean((0, 1, 2)), x.var((0, 1, 2))
      self.assertAllClose(out, _numpy_bn(x, batch_mean, batch_var, eps), atol=1e-4)
      mean = decay * mean + (1 - decay) * batch_mean
      var = decay * var + (1 - decay) * batch_var
      self.assertAllClose(runner.value(lambda m: m.moving_mean).ravel(), mean, atol=1e-5)
      self.assertAllClose(runner.value(lambda m: m.moving_variance).ravel(), var, atol=1e-5)

  @parameterized.product(mode=test_utils.MODES, fused=[False, True])
  def test_moving_statistics_at_test_time(self, mode, fused):
    eps = 1e-3

    def build():
      bn = batch_norm.BatchNorm(
          eps=eps, fused=fused, initializers={"moving_mean": tf.constant_initializer(0.5),
                                              "moving_variance": tf.constant_initializer(2.)})
      return bn, lambda t: bn(t, is_training=False, test_local_stats=False)

    runner = ModeRunner(mode, build, [_spec([None, 1, 1, 3])])
    for batch in (2, 5):  # variable batch size through one trace / one graph
      x = np.random.RandomState(batch).randn(batch, 1, 1, 3).astype(np.float32)
      self.assertAllClose(runner(x), (x - 0.5) / np.sqrt(2. + eps), atol=1e-5)
    self.assertAllClose(runner.value(lambda m: m.moving_mean).ravel(), [0.5] * 3)
    self.assertAllClose(runner.value(lambda m: m.moving_variance).ravel(), [2.] * 3)

  @parameterized.parameters(*test_utils.MODES)
  def test_variable_batch_size_default_moving_stats(self, mode):
    eps = 1e-3

    def build():
      bn = batch_norm.BatchNorm(eps=eps, offset=False)
      return bn, lambda t: bn(t, is_training=False, test_local_stats=False)

    runner = ModeRunner(mode, build, [_spec([None, 3])])
    for batch in (1, 4, 7):
      x = np.arange(batch * 3, dtype=np.float32).reshape(batch, 3)
      self.assertAllClose(runner(x), x / np.sqrt(1. + eps))

  @parameterized.parameters(*test_utils.MODES)
  def test_is_training_tensor(self, mode):
    decay, eps = 0.5, 1e-3

    def build():
      bn = batch_norm.BatchNorm(decay_rate=decay, eps=eps)
      return bn, lambda t, training: bn(t, is_training=training, test_local_stats=False)

    runner = ModeRunner(mode, build, [_spec([None, 2]), _spec([], tf.bool)])
    x = np.array([[1., 2.], [3., 6.]], np.float32)
    out = runner(x, True)  # batch statistics, one update
    self.assertAllClose(out, _numpy_bn(x, x.mean(0), x.var(0), eps), atol=1e-5)
    mean = (1 - decay) * x.mean(0)
    var = decay + (1 - decay) * x.var(0)
    self.assertAllClose(runner.value(lambda m: m.moving_mean).ravel(), mean)
    self.assertAllClose(runner.value(lambda m: m.moving_variance).ravel(), var)
    out = runner(x, False)  # moving statistics, no update
    self.assertAllClose(out, _numpy_bn(x, mean, var, eps), atol=1e-5)
    self.assertAllClose(runner.value(lambda m: m.moving_mean).ravel(), mean)
    self.assertAllClose(runner.value(lambda m: m.moving_variance).ravel(), var)

  def test_graph_mode_update_ops(self):
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [None, 3])
      bn = batch_norm.BatchNorm(offset=True, scale=True)
      out_train = bn(x, is_training=True)
      self.assertLen(tf.compat.v1.get_collection(UPDATE_OPS), 2)
      bn(x, is_training=False)  # a static False adds no update ops
      self.assertLen(tf.compat.v1.get_collection(UPDATE_OPS), 2)
      bn(x, is_training=True)
      self.assertLen(tf.compat.v1.get_collection(UPDATE_OPS), 4)
      self.assertLen(tf.compat.v1.global_variables(), 4)
      self.assertLen(tf.compat.v1.trainable_variables(), 2)
      self.assertCountEqual(
          tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.MOVING_AVERAGE_VARIABLES),
          [bn.moving_mean, bn.moving_variance])
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        sess.run(out_train, {x: np.ones([2, 3])})  # updates not run: user's job
        self.assertAllClose(sess.run(bn.moving_mean), np.zeros([1, 3]))

  def test_graph_mode_tensor_flag_one_update_op_per_statistic(self):
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [None, 2])
      is_training = tf.compat.v1.placeholder(tf.bool, [])
      bn = batch_norm.BatchNorm(decay_rate=0.5)
      out = bn(x, is_training=is_training)
      update_ops = tf.compat.v1.get_collection(UPDATE_OPS)
      self.assertLen(update_ops, 2)
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        values = np.array([[1., 2.], [3., 6.]], np.float32)
        sess.run([out, update_ops], {x: values, is_training: False})
        self.assertAllClose(sess.run(bn.moving_mean), np.zeros([1, 2]))
        sess.run([out, update_ops], {x: values, is_training: True})
        self.assertAllClose(sess.run(bn.moving_mean), 0.5 * values.mean(0, keepdims=True))
        self.assertAllClose(sess.run(bn.moving_variance),
                            0.5 + 0.5 * values.var(0, keepdims=True))

  def test_graph_mode_regularization_losses_beta_first(self):
    with tf.Graph().as_default():
      bn = batch_norm.BatchNorm(scale=True, regularizers={
          "gamma": lambda v: tf.reduce_sum(v) * 2., "beta": lambda v: tf.reduce_sum(v) + 1.})
      bn(tf.ones([2, 3]), is_training=True)
      losses = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES)
      self.assertLen(losses, 2)
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        self.assertAllClose(sess.run(losses), [1., 6.])  # beta's, then gamma's

  def test_graph_mode_control_dependencies(self):
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [None, 3])
      bn = batch_norm.BatchNorm(update_ops_collection=None, decay_rate=0.5)
      out = bn(x, is_training=True)
      self.assertEmpty(tf.compat.v1.get_collection(UPDATE_OPS))
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        sess.run(out, {x: np.full([2, 3], 4.)})
        self.assertAllClose(sess.run(bn.moving_mean), np.full([1, 3], 2.))

  @parameterized.parameters(*test_utils.MODES)
  def test_update_exactly_once_per_call(self, mode):
    # decay 0.5: after k calls on ones the moving mean is 1 - 0.5**k.
    def build():
      bn = batch_norm.BatchNorm(decay_rate=0.5, update_ops_collection=None)
      return bn, lambda t: bn(t, is_training=True)

    runner = ModeRunner(mode, build, [_spec([None, 2])])
    for k in range(1, 4):
      runner(np.ones([3, 2], np.float32))
      self.assertAllClose(runner.value(lambda m: m.moving_mean).ravel(), [1 - 0.5**k] * 2)

  @parameterized.parameters(tf.float16, tf.bfloat16)
  def test_low_precision_keeps_float32_statistics(self, dtype):
    x = np.random.RandomState(1).randn(4, 2, 2, 3).astype(np.float32)
    for fused in (False, True) if dtype == tf.float16 else (False,):
      bn = batch_norm.BatchNorm(fused=fused, scale=True)
      out = bn(tf.constant(x, dtype), is_training=True)
      self.assertEqual(out.dtype, dtype)
      for var in (bn.moving_mean, bn.moving_variance):
        self.assertEqual(var.dtype, tf.float32)
      # Sonnet 1: gamma and beta take the input's dtype.
      for var in (bn.gamma, bn.beta):
        self.assertEqual(var.dtype, dtype)
      expected = _numpy_bn(x, x.mean((0, 1, 2)), x.var((0, 1, 2)), 1e-3)
      self.assertAllClose(tf.cast(out, tf.float32), expected, atol=0.1)

  def test_float64(self):
    x = np.random.RandomState(2).randn(3, 2, 2, 2)
    for fused in (False, True):  # fused falls back to the unfused path for float64
      bn = batch_norm.BatchNorm(fused=fused)
      out = bn(tf.constant(x), is_training=True)
      self.assertEqual(bn.moving_mean.dtype, tf.float64)
      self.assertAllClose(out, _numpy_bn(x, x.mean((0, 1, 2)), x.var((0, 1, 2)), 1e-3))

  @parameterized.parameters(*test_utils.MODES)
  def test_integer_input_rejected(self, mode):
    bn = batch_norm.BatchNorm()
    with self.assertRaisesRegex(TypeError, "batch_norm.*`input_batch` must be a floating "
                                "point tensor.*got dtype int32"):
      test_utils.evaluate_in_mode(mode, lambda: bn(tf.ones([2, 3], tf.int32), True))
    self.assertFalse(bn.is_connected)

  @parameterized.named_parameters(
      ("too_many", [0, 1, 2], [2, 3], r"Too many indices specified in axis: len\(\[0, 1, 2\]\)"),
      ("too_large", [0, 4], [2, 3, 4, 5], r"too large for input shape: \[0, 4\] >= 4"),
      ("negative", [-1], [2, 3], r"must be non-negative: \[-1\] < 0"))
  def test_axis_errors(self, axis, shape, message):
    for mode in test_utils.in_process_modes():
      bn = batch_norm.BatchNorm(axis=axis)

      def connect(bn=bn):
        return bn(tf.ones(shape), is_training=True)

      with self.assertRaisesRegex(errors.IncompatibleShapeError, message):
        test_utils.evaluate_in_mode(mode, connect)
      self.assertFalse(bn.is_connected)

  def test_custom_axis_statistics_shape(self):
    bn = batch_norm.BatchNorm(axis=[0])
    x = np.random.RandomState(3).randn(5, 4, 3).astype(np.float32)
    out = bn(x, is_training=True)
    self.assertEqual(bn.moving_mean.shape, (1, 4, 3))
    self.assertAllClose(out, _numpy_bn(x, x.mean(0), x.var(0), 1e-3), atol=1e-5)

  def test_unknown_kept_dimension(self):
    bn = batch_norm.BatchNorm()
    fn = tf.function(lambda t: bn(t, is_training=True),
                     input_signature=[_spec([None, None])])
    with self.assertRaisesRegex(errors.UnderspecifiedError, r"must be known"):
      fn(tf.ones([2, 3]))

  def test_fused_errors(self):
    with self.assertRaisesRegex(errors.NotSupportedError, "needs 4-D inputs, got rank 2"):
      batch_norm.BatchNorm(fused=True)(tf.ones([2, 3]), is_training=True)
    with self.assertRaisesRegex(errors.NotSupportedError, r"got axis=\(0, 1\)"):
      batch_norm.BatchNorm(fused=True, axis=[0, 1])(tf.ones([2, 3, 3, 2]), is_training=True)

  def test_fused_errors_are_sonnet1_types(self):
    # Sonnet 1 raised NotImplementedError for the rank and ValueError for the axis.
    with self.assertRaises(NotImplementedError):
      batch_norm.BatchNorm(fused=True)(tf.ones([2, 3]), is_training=True)
    with self.assertRaises(ValueError):
      batch_norm.BatchNorm(fused=True, axis=[1, 2, 3])(tf.ones([2, 3, 3, 2]),
                                                       is_training=True)

  def test_fused_matches_unfused(self):
    rng = np.random.RandomState(4)
    unfused = batch_norm.BatchNorm(scale=True)
    fused = batch_norm.BatchNorm(scale=True, fused=True)
    for _ in range(3):
      x = rng.randn(3, 4, 4, 2).astype(np.float32)
      for training, local in ((True, True), (False, False)):
        self.assertAllClose(unfused(x, training, local), fused(x, training, local),
                            atol=1e-4)
      self.assertAllClose(unfused.moving_variance, fused.moving_variance, atol=1e-6)

  def test_nchw_fused(self):
    x = np.random.RandomState(5).randn(2, 3, 4, 4).astype(np.float32)
    bn = batch_norm.BatchNorm(axis=[0, 2, 3], fused=True)
    out = bn(x, is_training=True)
    mean = x.mean((0, 2, 3), keepdims=True)
    var = x.var((0, 2, 3), keepdims=True)
    self.assertAllClose(out, _numpy_bn(x, mean, var, 1e-3), atol=1e-4)
    self.assertEqual(bn.moving_mean.shape, (1, 3, 1, 1))

  def test_empty_batch_gives_no_nan(self):
    for fused in (False, True):
      bn = batch_norm.BatchNorm(fused=fused)
      out = bn(tf.zeros([0, 2, 2, 3]), is_training=True)
      self.assertEqual(out.shape, (0, 2, 2, 3))
      self.assertAllEqual(bn.moving_mean, np.zeros([1, 1, 1, 3]))
      self.assertAllEqual(bn.moving_variance, np.ones([1, 1, 1, 3]))

  def test_batch_of_one(self):
    bn = batch_norm.BatchNorm(decay_rate=0.5)
    out = bn(tf.constant([[3., 4.]]), is_training=True)
    self.assertAllClose(out, [[0., 0.]])
    self.assertAllClose(bn.moving_variance, [[0.5, 0.5]])

  def test_variables_names_and_sharing(self):
    bn = batch_norm.BatchNorm(scale=True)
    x = tf.ones([2, 3])
    bn(x, is_training=True)
    bn(x, is_training=False)
    self.assertRegex(bn.scope_name, r"^batch_norm(_\d+)?$")
    names = sorted(v.name[len(bn.scope_name):] for v in bn.variables)
    self.assertEqual(names, ["/beta:0", "/gamma:0", "/moving_mean:0", "/moving_variance:0"])
    self.assertCountEqual([v.name[len(bn.scope_name):] for v in bn.trainable_variables],
                          ["/beta:0", "/gamma:0"])
    for var in bn.variables:
      self.assertEqual(var.shape, (1, 3))

  def test_gradients(self):
    bn = batch_norm.BatchNorm(scale=True)
    x = tf.constant(np.random.RandomState(6).randn(4, 3))

    def f(t):
      return bn(t, is_training=True) * tf.constant([1., 2., 3.], tf.float64)

    theoretical, numerical = tf.test.compute_gradient(f, [x])
    self.assertAllClose(theoretical, numerical, atol=1e-6)
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(f(x) ** 2 + f(x))
    grads = tape.gradient(loss, bn.trainable_variables)
    self.assertLen(grads, 2)
    for grad in grads:
      self.assertIsNotNone(grad)
      self.assertGreater(np.abs(grad.numpy()).sum(), 0)

  def test_not_connected_and_missing_parameters(self):
    bn = batch_norm.BatchNorm(offset=False, scale=False)
    for prop in ("moving_mean", "moving_variance", "gamma", "beta"):
      with self.assertRaises(errors.NotConnectedError):
        getattr(bn, prop)
    bn(tf.ones([2, 2]), is_training=True)
    with self.assertRaisesRegex(errors.Error, "doesn't have an offset, so no beta"):
      bn.beta
    with self.assertRaisesRegex(errors.Error, "doesn't have a scale, so no gamma"):
      bn.gamma

  def test_constructor_errors(self):
    with self.assertRaisesRegex(ValueError, r"`decay_rate` must be in \[0, 1\], got 1.5"):
      batch_norm.BatchNorm(decay_rate=1.5)
    with self.assertRaisesRegex(ValueError, "`eps` must be a positive number, got 0"):
      batch_norm.BatchNorm(eps=0)
    with self.assertRaisesRegex(KeyError, "Invalid initializer keys"):
      batch_norm.BatchNorm(initializers={"w": tf.ones_initializer()})
    with self.assertRaisesRegex(KeyError, "Invalid partitioner keys"):
      # A stub partitioner, never called: the key is refused first.
      batch_norm.BatchNorm(
          partitioners={"moving_mean": lambda *a, **k: None})  # type: ignore[dict-item]
    with self.assertRaisesRegex(TypeError, "`axis` must be None, an int or an iterable"):
      batch_norm.BatchNorm(axis="0")  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(TypeError, "update_ops_collection"):
      batch_norm.BatchNorm(update_ops_collection=3)  # type: ignore[arg-type]  # deliberately wrong
    self.assertEqual(batch_norm.BatchNorm.get_possible_initializer_keys(),
                     {"gamma", "beta", "moving_mean", "moving_variance"})

  def test_bad_is_training(self):
    bn = batch_norm.BatchNorm()
    with self.assertRaisesRegex(TypeError, "`is_training` must be a Python bool"):
      bn(tf.ones([2, 2]), is_training="yes")
    with self.assertRaisesRegex(TypeError, "`test_local_stats` must be a Python bool"):
      bn(tf.ones([2, 2]), is_training=True, test_local_stats=tf.ones([2], tf.bool))
    with self.assertRaises(TypeError):
      bn(tf.ones([2, 2]))
    self.assertFalse(bn.is_connected)

  def test_custom_getter(self):
    bn = batch_norm.BatchNorm(scale=True, custom_getter={
        "gamma": lambda getter, *a, **k: tf.stop_gradient(getter(*a, **k))})
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(bn(tf.constant([[1., 2.], [3., 5.]]), is_training=True) ** 3)
    grad_gamma, grad_beta = tape.gradient(loss, [bn._gamma, bn._beta])
    self.assertIsNone(grad_gamma)
    self.assertIsNotNone(grad_beta)

  def test_checkpoint_round_trip_restores_on_create(self):
    bn = batch_norm.BatchNorm(scale=True)
    bn(tf.constant(np.random.RandomState(7).randn(4, 3), tf.float32), is_training=True)
    path = tf.train.Checkpoint(module=bn).save(self.get_temp_dir() + "/ckpt")
    restored = batch_norm.BatchNorm(scale=True)
    status = tf.train.Checkpoint(module=restored).restore(path)
    restored(tf.zeros([1, 3]), is_training=False)  # variables created now, values restored
    status.assert_consumed()
    for name in ("moving_mean", "moving_variance", "gamma", "beta"):
      self.assertAllEqual(getattr(restored, name), getattr(bn, name))

  def test_custom_getter_on_moving_statistics(self):
    bn = batch_norm.BatchNorm(custom_getter=lambda getter, *a, **k: getter(*a, **k) + 0.)
    self.assertAllClose(bn(tf.ones([2, 3]), is_training=False, test_local_stats=False),
                        np.ones([2, 3]) / np.sqrt(1. + 1e-3))
    with self.assertRaisesRegex(errors.NotSupportedError, "moving statistics must be variables"):
      bn(tf.ones([2, 3]), is_training=True)

  def test_regularizers(self):
    bn = batch_norm.BatchNorm(scale=True, regularizers={
        "gamma": lambda v: tf.reduce_sum(v) * 2., "beta": lambda v: tf.reduce_sum(v) + 1.})
    bn(tf.ones([2, 3]), is_training=True)
    self.assertAllClose(variables.get_regularization_loss(bn), 3 * 2. + 1.)


if __name__ == "__main__":
  tf.test.main()
