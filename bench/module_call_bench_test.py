# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Checks that the module-call benchmark compares equal work (no timing)."""

import tensorflow as tf

from bench import module_call_bench


class ModuleCallBenchAgreementTest(tf.test.TestCase):

  def test_candidates_agree(self):
    for name, (raw_fn, snt_fn) in module_call_bench.build_cases().items():
      self.assertAllClose(raw_fn(), snt_fn(), msg=name)

  def test_first_call_steps_run(self):
    x = tf.random.normal([4, module_call_bench._INPUT_SIZE])
    for name, (make_raw, make_snt) in module_call_bench.FIRST_CALL_CASES.items():
      for make in (make_raw, make_snt):
        loss = make(x)(x)
        self.assertEqual(loss.shape, [], msg=name)
        self.assertTrue(bool(tf.math.is_finite(loss)), msg=name)
      # Variables created by the first call do not make TensorFlow trace a second time.
      self.assertEqual(module_call_bench.count_traces(make_raw, x), 1, msg=name)
      self.assertEqual(module_call_bench.count_traces(make_snt, x), 1, msg=name)


if __name__ == "__main__":
  tf.test.main()
