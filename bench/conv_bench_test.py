"""Checks the conv benchmark's candidates compute the same thing (no timing)."""

import tensorflow as tf

from bench import conv_bench


class ConvBenchAgreementTest(tf.test.TestCase):

  def test_candidates_agree(self):
    candidates = conv_bench.build_candidates(batch=2, size=5, channels=3)
    reference = candidates[0][1](candidates[0][2])
    for name, step, inputs in candidates[1:]:
      grads = step(inputs)
      self.assertLen(grads, len(reference), msg=name)
      if "NCHW" in name:  # Input gradient is channels-first.
        grads = [tf.transpose(grads[0], [0, 2, 3, 1])] + list(grads[1:])
      for got, want in zip(grads, reference):
        self.assertAllClose(got, want, atol=1e-5, msg=name)


if __name__ == "__main__":
  tf.test.main()
