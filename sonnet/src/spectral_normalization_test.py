# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.spectral_norm, snt.SpectralNormWrapper and snt.wrap_with_spectral_norm."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


def _numpy_power_iteration(w, u, num_iters, eps):
  w_mat = w.reshape([-1, w.shape[-1]])
  for _ in range(num_iters):
    v = u @ w_mat.T
    v = v / (np.linalg.norm(v) + eps)
    u = v @ w_mat
    u = u / (np.linalg.norm(u) + eps)
  sigma = (v @ w_mat @ u.T).item()
  return w / sigma, sigma, u


WEIGHT = np.random.RandomState(0).randn(3, 2, 4).astype(np.float32)


class SpectralNormTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*[(mode, n) for mode in test_utils.MODES for n in (1, 3)])
  def test_matches_numpy(self, mode, num_iters):

    def fn():
      module = snt.Module(lambda w: snt.spectral_norm(w, num_iters=num_iters, eps=1e-4))
      first = module(tf.constant(WEIGHT))
      u0 = module.variables[0]
      with tf.control_dependencies([first["w_bar"]]):  # Graph mode: after the first update.
        start = tf.identity(u0)
      with tf.control_dependencies([start]):
        out = module(tf.constant(WEIGHT))
      with tf.control_dependencies([out["w_bar"]]):
        end = tf.identity(u0)
      return start, out["w_bar"], out["sigma"], end

    start, w_bar, sigma, end = test_utils.evaluate_in_mode(mode, fn)
    expected_w_bar, expected_sigma, expected_u = _numpy_power_iteration(
        WEIGHT, start, num_iters, 1e-4)
    self.assertAllClose(w_bar, expected_w_bar, rtol=1e-5)
    self.assertAllClose(sigma, expected_sigma, rtol=1e-5)
    self.assertAllClose(end, expected_u, rtol=1e-5)

  def test_numpy_reference_and_update(self):
    u_start = np.random.RandomState(1).randn(1, 4).astype(np.float32)
    module = snt.Module(lambda w: snt.spectral_norm(w, num_iters=2))
    module(tf.constant(WEIGHT))
    u0 = module.variables[0]
    self.assertEqual(u0.name.split("/")[-1], "u0:0")
    self.assertFalse(u0.trainable)
    u0.assign(u_start)
    out = module(tf.constant(WEIGHT))
    w_bar, sigma, u_new = _numpy_power_iteration(WEIGHT, u_start, 2, 1e-4)
    self.assertAllClose(out["w_bar"], w_bar, rtol=1e-5)
    self.assertAllClose(out["sigma"], sigma, rtol=1e-5)
    self.assertAllClose(u0, u_new, rtol=1e-5)

  def test_converges_to_largest_singular_value(self):
    module = snt.Module(lambda w: snt.spectral_norm(w, num_iters=50)["sigma"])
    sigma = module(tf.constant(WEIGHT))
    self.assertAllClose(sigma, np.linalg.svd(WEIGHT.reshape([-1, 4]), compute_uv=False)[0],
                        rtol=1e-3)

  @parameterized.parameters(tf.float32, tf.bfloat16, tf.float16)
  def test_graph_outside_module_and_dtypes(self, dtype):
    with tf.Graph().as_default():
      weight = 4 * tf.eye(8, 8, dtype=dtype)
      self.assertEmpty(tf.compat.v1.global_variables())
      out = snt.spectral_norm(weight)
      second = snt.spectral_norm(weight)
      names = [v.op.name for v in tf.compat.v1.global_variables()]
      self.assertEqual(names, ["spectral_norm/u0", "spectral_norm_1/u0"])
      self.assertEmpty(tf.compat.v1.trainable_variables())
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        sigma, w_bar, _ = session.run([out["sigma"], out["w_bar"], second["sigma"]])
    self.assertEqual(sigma.dtype, dtype.as_numpy_dtype)
    self.assertAllClose(float(sigma), 4.0, atol=1e-3)
    self.assertAllClose(w_bar.astype(np.float32), np.eye(8), atol=1e-2)

  def test_update_collection(self):
    with tf.Graph().as_default():
      out = snt.spectral_norm(tf.constant(WEIGHT), update_collection="updates")
      updates = tf.compat.v1.get_collection("updates")
      self.assertLen(updates, 1)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        start = session.run(out["u0"])
        session.run(out["w_bar"])
        self.assertAllEqual(session.run(out["u0"]), start)  # Not updated by the output.
        session.run(updates)
        _, _, u_new = _numpy_power_iteration(WEIGHT, start, 1, 1e-4)
        self.assertAllClose(session.run(out["u0"]), u_new, rtol=1e-5)

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "rank >= 2"):
      snt.spectral_norm(tf.ones([3]))
    with self.assertRaisesRegex(ValueError, "num_iters must be a positive integer"):
      snt.spectral_norm(tf.ones([3, 3]), num_iters=0)


class SpectralNormWrapperTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_linear_uses_normalized_weight(self, mode):
    inputs = np.random.RandomState(2).randn(2, 3).astype(np.float32)

    def fn():
      linear = snt.wrap_with_spectral_norm(snt.Linear, {"eps": 1e-4})(4)
      linear(tf.constant(inputs))  # Builds the variables.
      module = linear.wrapped_module
      u_before = tf.identity([v for v in module.variables if "u0" in v.name][0])
      with tf.control_dependencies([u_before]):
        outputs = linear(tf.constant(inputs), enable_power_iteration=False)
      # The variable itself: `module.w` is what the getter returned (the normalized
      # weight), as in Sonnet 1.
      w_variable = [v for v in module.variables if v.name.endswith("/w:0")][0]
      return outputs, w_variable, module.b, u_before

    outputs, w, b, u = test_utils.evaluate_in_mode(mode, fn)
    w_bar, _, _ = _numpy_power_iteration(w, u, 1, 1e-4)
    self.assertAllClose(outputs, inputs @ w_bar + b, rtol=1e-4, atol=1e-5)

  def test_variables_and_names(self):
    with tf.Graph().as_default():
      sn_linear = snt.wrap_with_spectral_norm(snt.Linear)
      first, second = sn_linear(16), sn_linear(16)
      first(tf.zeros([2, 3]))
      second(tf.zeros([2, 3]))
      names = sorted(v.op.name for v in tf.compat.v1.global_variables())
      self.assertEqual(names, [
          "spectral_norm_wrapper/linear/b", "spectral_norm_wrapper/linear/w",
          "spectral_norm_wrapper/linear/w/u0", "spectral_norm_wrapper_1/linear/b",
          "spectral_norm_wrapper_1/linear/w", "spectral_norm_wrapper_1/linear/w/u0"])
      self.assertLen(tf.compat.v1.trainable_variables(), 4)

  def test_power_iteration_flag_and_collection(self):
    with tf.Graph().as_default():
      linear = snt.SpectralNormWrapper(snt.Linear, {}, "power_iteration", 4)
      out = linear(tf.ones([2, 3]))
      out_fixed = linear(tf.ones([2, 3]), enable_power_iteration=False)
      updates = tf.compat.v1.get_collection("power_iteration")
      self.assertLen(updates, 1)  # Only the first call registers an update.
      u0 = [v for v in tf.compat.v1.global_variables() if "u0" in v.name][0]
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        start = session.run(u0)
        session.run([out, out_fixed])
        self.assertAllEqual(session.run(u0), start)
        session.run(updates)
        self.assertNotAllClose(session.run(u0), start)

  def test_eager_updates_each_call(self):
    linear = snt.SpectralNormWrapper(snt.Linear, {"num_iters": 1}, None, 4)
    linear(tf.ones([2, 3]))
    u0 = [v for v in linear.variables if "u0" in v.name][0]
    start = u0.numpy()
    linear(tf.ones([2, 3]), enable_power_iteration=False)
    self.assertAllEqual(u0, start)
    linear(tf.ones([2, 3]))
    self.assertNotAllClose(u0, start)

  def test_inside_another_module(self):
    def build(x):
      sn_linear = snt.wrap_with_spectral_norm(snt.Linear, {"eps": 1e-4})
      return sn_linear(5)(x), sn_linear(5)(x)

    module = snt.Module(build)
    a, b = module(tf.ones([2, 3]))
    self.assertEqual(a.shape, (2, 5))
    self.assertEqual(b.shape, (2, 5))
    self.assertLen(module.trainable_variables, 4)
    self.assertLen(module.non_trainable_variables, 2)

  def test_errors(self):
    with self.assertRaisesRegex(TypeError, "expects a Sonnet module class"):
      snt.wrap_with_spectral_norm(tf.keras.layers.Dense)
    with self.assertRaisesRegex(TypeError, "expects a Sonnet module class"):
      snt.SpectralNormWrapper(snt.Linear(3), {}, None)
    with self.assertRaisesRegex(TypeError, "Unexpected spectral norm arguments"):
      snt.SpectralNormWrapper(snt.Linear, {"epsilon": 1.0}, None, 3)


if __name__ == "__main__":
  tf.test.main()
