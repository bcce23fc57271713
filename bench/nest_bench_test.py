# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Checks that the nest benchmark compares equal work: both libraries agree (no timing)."""

import tensorflow as tf

from bench import nest_bench


class NestBenchAgreementTest(tf.test.TestCase):

  def test_candidates_agree(self):
    for label, structure in nest_bench.structures().items():
      for name, (tf_fn, snt_fn) in nest_bench.build_cases(structure).items():
        tf_result, snt_result = tf_fn(), snt_fn()
        if name == "assert_same_structure":
          self.assertIsNone(tf_result, msg=label)
          self.assertIsNone(snt_result, msg=label)
          continue
        tf.nest.assert_same_structure(tf_result, snt_result)
        for a, b in zip(tf.nest.flatten(tf_result), tf.nest.flatten(snt_result)):
          self.assertIs(a, b, msg=f"{label}: {name}")


if __name__ == "__main__":
  tf.test.main()
