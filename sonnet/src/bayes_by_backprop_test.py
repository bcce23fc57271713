# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.custom_getters.bayes_by_backprop (TensorFlow Probability is optional)."""

import importlib.util
from unittest import mock

import numpy as np
import tensorflow as tf

import sonnet as snt

bbb = snt.custom_getters.bayes_by_backprop
HAS_TFP = importlib.util.find_spec("tensorflow_probability") is not None


def _softplus(x):
  return np.log1p(np.exp(x))


class WithoutTfpTest(tf.test.TestCase):

  def test_estimator_modes(self):
    self.assertEqual((bbb.EstimatorModes.sample, bbb.EstimatorModes.mean,
                      bbb.EstimatorModes.last_sample), ("sample", "mean", "last"))

  def test_inverse_softplus(self):
    y = np.array([0.01, 1.0, 20.0])
    self.assertAllClose(_softplus(bbb.inverse_softplus(y)), y)

  def test_total_kl_cost_without_variables_is_zero(self):
    # Sonnet 1 logged a warning and returned 0.0.
    with tf.Graph().as_default():
      with self.assertLogs(level="WARNING") as logs:
        kl = bbb.get_total_kl_cost()
      with tf.compat.v1.Session() as session:
        self.assertEqual(session.run(kl), 0.0)
    self.assertIn("No Bayes by Backprop variables found!", "\n".join(logs.output))

  def test_functions_name_the_package(self):
    with mock.patch.dict("sys.modules", {"tensorflow_probability": None}):
      with self.assertRaisesRegex(ImportError, "tensorflow-probability"):
        bbb.bayes_by_backprop()
      with self.assertRaisesRegex(ImportError, "tensorflow-probability"):
        bbb.fixed_gaussian_prior_builder(lambda *a, **k: None, "w")


class BayesByBackpropTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    if not HAS_TFP:
      self.skipTest("tensorflow_probability is not installed (pip install sonnet1-tf[bayes])")

  def test_mean_mode_returns_the_posterior_mean(self):
    with tf.Graph().as_default():
      getter = bbb.bayes_by_backprop_getter(sampling_mode_tensor=tf.constant("mean"))
      with tf.compat.v1.variable_scope("scope", custom_getter=getter):
        v = tf.compat.v1.get_variable("v", shape=[3], initializer=tf.constant_initializer(2.5))
      [record] = bbb.get_variable_metadata()
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        value, scale = session.run([v, record.posterior.scale])
    self.assertAllClose(value, [2.5] * 3)
    self.assertAllClose(scale, [bbb.DEFAULT_POSTERIOR_SCALE] * 3)
    self.assertEqual(record.raw_variable_name, "scope/v")
    self.assertEqual(sorted(record.posterior_vars), ["loc", "scale"])

  def test_module_sample_mode_switch_and_kl(self):
    with tf.Graph().as_default():
      mode = tf.compat.v1.get_variable("mode", initializer="sample", trainable=False)
      getter = bbb.bayes_by_backprop_getter(sampling_mode_tensor=mode,
                                            kl_builder=bbb.analytic_kl_builder)
      with tf.compat.v1.variable_scope("", custom_getter=getter):
        linear = snt.Linear(4)
      x = tf.ones([2, 3])
      y1, y2 = linear(x), linear(x)
      self.assertLen(tf.compat.v1.trainable_variables(), 4)  # loc and scale of w and b.
      kl = bbb.get_total_kl_cost()
      records = bbb.get_variable_metadata()
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        sampled = session.run([y1, y2])
        session.run(mode.assign("mean"))
        means = session.run([y1, y2, y1])
        kl_value, parts = session.run([kl, [r.kl_cost for r in records]])
    self.assertGreater(np.abs(sampled[0] - sampled[1]).max(), 0.0)
    self.assertAllClose(means[0], means[1])
    self.assertAllClose(means[0], means[2])
    self.assertLen(records, 2)  # One record per variable, however often it is connected.
    self.assertAllClose(kl_value, sum(parts))
    # KL(N(m, s) || N(0, p)) summed over elements, with s the posterior scale.
    self.assertGreater(kl_value, 0.0)

  def test_fresh_noise_per_connection_false_reuses_the_sample(self):
    with tf.Graph().as_default():
      getter = bbb.bayes_by_backprop_getter(fresh_noise_per_connection=False)
      linear = snt.Linear(3, custom_getter=getter)
      x = tf.ones([1, 2])
      y1, y2 = linear(x), linear(x)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        a, b = session.run([y1, y2])
    self.assertAllClose(a, b)

  def test_adaptive_prior_has_variables_and_passes_non_trainable(self):
    with tf.Graph().as_default():
      getter = bbb.bayes_by_backprop_getter(prior_builder=bbb.adaptive_gaussian_prior_builder)
      with tf.compat.v1.variable_scope("", custom_getter=getter):
        w = tf.compat.v1.get_variable("w", shape=[2, 2])
        counter = tf.compat.v1.get_variable("counter", shape=[], dtype=tf.int32,
                                            trainable=False)
      [record] = bbb.get_variable_metadata()
      self.assertEqual(sorted(record.prior_vars), ["loc", "scale"])
      self.assertIsInstance(counter, tf.Variable)
      self.assertNotIsInstance(w, tf.Variable)
      self.assertLen(tf.compat.v1.trainable_variables(), 4)

  def test_builders_may_return_a_distribution_or_a_pair(self):
    # Sonnet 1 accepted both from user builders; the pre-canned posterior returns one.
    tfp = importlib.import_module("tensorflow_probability")

    def prior_pair(getter, name, *args, **kwargs):
      del getter, args, kwargs
      loc = tf.constant(1.0)
      return tfp.distributions.Normal(loc=loc, scale=2.0, name="prior"), {"loc": loc}

    def posterior_with_default(getter, name, *args, **kwargs):
      kwargs["initializer"] = tf.compat.v1.constant_initializer(0.5)
      posterior = bbb.diagonal_gaussian_posterior_builder(getter, name, *args, **kwargs)
      self.assertIsInstance(posterior, tfp.distributions.Normal)
      return posterior

    with tf.Graph().as_default():
      getter = bbb.bayes_by_backprop_getter(posterior_builder=posterior_with_default,
                                            prior_builder=prior_pair,
                                            sampling_mode_tensor=bbb.EstimatorModes.mean,
                                            kl_builder=bbb.analytic_kl_builder)
      with tf.compat.v1.variable_scope("s", custom_getter=getter):
        v = tf.compat.v1.get_variable("v", shape=[3])
      [record] = bbb.get_variable_metadata()
      kl = bbb.get_total_kl_cost()
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        value, kl_value = session.run([v, kl])
    self.assertEqual(sorted(record.posterior_vars), ["loc", "scale"])
    self.assertEqual(sorted(record.prior_vars), ["loc"])
    np.testing.assert_allclose(value, [0.5] * 3, rtol=1e-6)
    # KL(N(0.5, 0.01) || N(1, 2)) per element, summed over three.
    s, p = bbb.DEFAULT_POSTERIOR_SCALE, 2.0
    expected = 3 * (np.log(p / s) + (s ** 2 + 0.25) / (2 * p ** 2) - 0.5)
    np.testing.assert_allclose(kl_value, expected, rtol=1e-4)

  def test_feeding_the_mode_strings(self):
    with tf.Graph().as_default():
      mode = tf.compat.v1.placeholder(tf.string, [])
      getter = bbb.bayes_by_backprop_getter(sampling_mode_tensor=mode)
      with tf.compat.v1.variable_scope("s", custom_getter=getter):
        v = tf.compat.v1.get_variable("v", shape=[4], initializer=tf.ones_initializer())
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        mean = session.run(v, {mode: "mean"})
        samples = [session.run(v, {mode: "sample"}) for _ in range(2)]
    np.testing.assert_allclose(mean, np.ones(4))
    self.assertGreater(np.abs(samples[0] - samples[1]).max(), 0.0)

  def test_eager_modes(self):
    linear = snt.Linear(2, custom_getter=bbb.bayes_by_backprop_getter(
        sampling_mode_tensor="mean"))
    x = tf.ones([1, 3])
    self.assertAllClose(linear(x), linear(x))
    self.assertLen(linear.trainable_variables, 4)


if __name__ == "__main__":
  tf.test.main()
