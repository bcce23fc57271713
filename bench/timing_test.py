"""Checks the shared benchmark timing (order of calls, results), not speed."""

import tensorflow as tf

from bench import timing


class MeasureTest(tf.test.TestCase):

  def test_interleaves_candidates_after_warmup_and_blocks_on_results(self):
    calls = []

    def candidate(name):
      def fn():
        calls.append(name)
        return {"out": tf.constant([1.0])}
      return fn

    results = timing.measure([("a", candidate("a")), ("b", candidate("b"))], repeats=2,
                             warmup=1)
    self.assertEqual(calls, ["a", "b", "a", "b", "a", "b"])
    self.assertEqual(set(results), {"a", "b"})
    for median, minimum in results.values():
      self.assertGreaterEqual(median, minimum)
      self.assertGreaterEqual(minimum, 0.0)


if __name__ == "__main__":
  tf.test.main()
