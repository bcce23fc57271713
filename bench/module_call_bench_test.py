# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Checks that the module-call benchmark compares equal work (no timing)."""

import tensorflow as tf

from bench import module_call_bench


class ModuleCallBenchAgreementTest(tf.test.TestCase):

  def test_candidates_agree(self):
    for name, (raw_fn, snt_fn) in module_call_bench.build_cases().items():
      self.assertAllClose(raw_fn(), snt_fn(), msg=name)


if __name__ == "__main__":
  tf.test.main()
