# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.custom_getters.bayes_by_backprop (names only; TFP is optional)."""

import importlib.util
from unittest import mock

import tensorflow as tf

import sonnet as snt

bbb = snt.custom_getters.bayes_by_backprop


class BayesByBackpropTest(tf.test.TestCase):

  def test_estimator_modes(self):
    self.assertEqual((bbb.EstimatorModes.sample, bbb.EstimatorModes.mean,
                      bbb.EstimatorModes.last_sample), ("sample", "mean", "last_sample"))

  def test_without_tfp_names_the_package(self):
    with mock.patch.dict("sys.modules", {"tensorflow_probability": None}):
      for fn in (bbb.bayes_by_backprop, bbb.get_total_kl_cost,
                 bbb.diagonal_gaussian_posterior_builder):
        with self.assertRaisesRegex(ImportError, "tensorflow-probability"):
          fn()

  def test_with_tfp_not_implemented(self):
    if importlib.util.find_spec("tensorflow_probability") is None:
      self.skipTest("tensorflow_probability is not installed")
    with self.assertRaisesRegex(snt.NotSupportedError, "not implemented"):
      bbb.bayes_by_backprop_getter()


if __name__ == "__main__":
  tf.test.main()
