"""Checks the benchmark's alternatives compute what the op computes (no timing)."""

import numpy as np
import tensorflow as tf

from bench import resampler_bench
import sonnet as snt


class BenchAgreementTest(tf.test.TestCase):

  def test_pure_tf_version_matches_op(self):
    rng = np.random.RandomState(0)
    data = rng.uniform(size=[2, 6, 5, 3]).astype(np.float32)
    warp = resampler_bench.jittered_grid(2, 6, 5, 4, 7, rng)
    self.assertAllClose(resampler_bench.tf_gather_resampler(data, warp),
                        snt.resampler(data, warp), atol=1e-6)
    # The grid spans [-1, W] x [-1, H], so some points fall outside.
    self.assertLess(warp[..., 0].min(), 0.0)
    self.assertGreater(warp[..., 1].max(), 5.0)

  def test_torch_matches_op_when_installed(self):
    if resampler_bench.torch is None:
      self.skipTest("torch not installed (benchmark-only extra)")
    rng = np.random.RandomState(1)
    data = rng.uniform(size=[2, 6, 5, 3]).astype(np.float32)
    warp = resampler_bench.jittered_grid(2, 6, 5, 4, 7, rng)
    grad = rng.uniform(size=[2, 4, 7, 3]).astype(np.float32)
    case = resampler_bench.TorchGridSample(data, warp, grad)
    self.assertAllClose(case.forward().permute(0, 2, 3, 1).numpy(),
                        snt.resampler(data, warp), atol=1e-5)

  def test_interleaved_times_runs_each_candidate_once_per_repeat(self):
    calls = []
    candidates = {name: (lambda n=name: calls.append(n)) for name in "abc"}
    times = resampler_bench.interleaved_times(candidates, repeats=60)
    self.assertEqual(set(times), {"a", "b", "c"})
    for median, minimum in times.values():
      self.assertGreaterEqual(median, minimum)
      self.assertGreaterEqual(minimum, 0.0)
    # Two warm-up calls each, then every repeat runs each candidate once.
    self.assertEqual(calls[:6], list("aabbcc"))
    repeats = [calls[i:i + 3] for i in range(6, len(calls), 3)]
    self.assertLen(repeats, 60)
    for order in repeats:
      self.assertCountEqual(order, "abc")
    # Each candidate runs right after each other one (a fixed rotation gives
    # "a" only "c" before it).
    timed = calls[6:]
    for name in "abc":
      before = {b for b, a in zip(timed, timed[1:]) if a == name and b != name}
      self.assertEqual(before, set("abc") - {name})
    # The orders are seeded: the same seed repeats them.
    again = []
    resampler_bench.interleaved_times(
        {name: (lambda n=name: again.append(n)) for name in "abc"},
        repeats=60)
    self.assertEqual(again, calls)

  def test_wrapper_overhead_times_both_calls(self):
    data, warp = tf.zeros([1, 2, 2, 1]), tf.zeros([1, 3, 2])
    times = resampler_bench.wrapper_overhead(data, warp, repeats=5)
    self.assertEqual(set(times), {"snt.resampler", "generated op"})
    for median, minimum in times.values():
      self.assertGreaterEqual(median, minimum)
      self.assertGreater(minimum, 0.0)

  def test_copy_bandwidth_is_positive(self):
    self.assertGreater(resampler_bench.copy_bandwidth(1 << 20, repeats=1), 0)

  def test_read_bandwidth_is_positive(self):
    self.assertGreater(resampler_bench.read_bandwidth(1 << 20, repeats=1), 0)


if __name__ == "__main__":
  tf.test.main()
