"""Checks the benchmark's candidates compute the same gradients (no timing)."""

import numpy as np
import tensorflow as tf

from bench import batch_norm_bench


class BatchNormBenchAgreementTest(tf.test.TestCase):

  def test_candidates_agree(self):
    inputs = tf.constant(np.random.RandomState(0).randn(4, 3, 3, 5), tf.float32)
    candidates = batch_norm_bench.make_candidates(inputs)
    self.assertLen(candidates, 4)
    reference = [g.numpy() for g in candidates[0][1](inputs)]  # keras
    self.assertLen(reference, 3)  # x, gamma, beta
    for name, step in candidates[1:]:
      for got, want in zip(step(inputs), reference):
        # Shapes differ ([1, 1, 1, C] vs [C]) for BatchNorm's parameters.
        self.assertAllClose(np.reshape(got, want.shape), want, atol=1e-3, msg=name)


if __name__ == "__main__":
  tf.test.main()
