# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.MovingAverage."""

import json
import os
import subprocess
import sys
import textwrap

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


def _numpy_averages(values, decay):
  averages: list[np.ndarray] = []
  for value in values:
    average = value if not averages else decay * averages[-1] + (1 - decay) * value
    averages.append(average)
  return np.array(averages)


VALUES = np.array([[1.0, -2.0, 3.0], [4.0, 0.5, -1.0], [2.0, 2.0, 2.0], [-3.0, 1.0, 0.0]],
                  np.float32)


class MovingAverageTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_averages_match_numpy(self, mode):
    decay = 0.9

    def fn():
      module = snt.MovingAverage(decay=decay)
      outputs: list = []
      for value in VALUES:
        # Graph mode: each output must wait for the previous call's update.
        with tf.control_dependencies(outputs[-1:]):
          outputs.append(module(tf.constant(value)))
      return outputs

    outputs = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(np.stack(outputs), _numpy_averages(VALUES, decay), rtol=1e-6)

  def test_eager_state_and_reset(self):
    module = snt.MovingAverage(decay=0.5)
    self.assertAllClose(module(tf.constant([2.0, 4.0])), [2.0, 4.0])
    self.assertAllClose(module(tf.constant([4.0, 0.0])), [3.0, 2.0])
    self.assertAllClose(module(tf.constant([1.0, 2.0])), [2.0, 2.0])
    self.assertIsNone(module.reset())
    self.assertAllClose(module(tf.constant([-1.0, 5.0])), [-1.0, 5.0])
    self.assertEqual(module.decay, 0.5)
    self.assertTrue(module.local)
    self.assertEmpty(module.trainable_variables)
    self.assertEqual(sorted(v.name.split("/")[-1] for v in module.variables),
                     ["initialized:0", "moving_average:0"])

  def test_tf_function_repeated_calls(self):
    module = snt.MovingAverage(decay=0.75)
    step = tf.function(module)
    results = [step(tf.constant(v)).numpy() for v in VALUES]
    self.assertAllClose(np.stack(results), _numpy_averages(VALUES, 0.75), rtol=1e-6)
    tf.function(module.reset)()
    self.assertAllClose(step(tf.constant(VALUES[2])), VALUES[2])

  @parameterized.parameters(True, False)
  def test_graph_session_runs_update_and_collections(self, local):
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [3])
      module = snt.MovingAverage(decay=0.8, local=local)
      out = module(x)
      reset = module.reset()
      local_names = [v.op.name for v in tf.compat.v1.local_variables()]
      global_names = [v.op.name for v in tf.compat.v1.global_variables()]
      expected = ["moving_average/initialized", "moving_average/moving_average"]
      self.assertEqual(sorted(local_names if local else global_names), expected)
      self.assertEmpty(global_names if local else local_names)
      self.assertEmpty(tf.compat.v1.trainable_variables())
      with tf.compat.v1.Session() as session:
        session.run([tf.compat.v1.global_variables_initializer(),
                     tf.compat.v1.local_variables_initializer()])
        results = [session.run(out, {x: v}) for v in VALUES]
        self.assertAllClose(np.stack(results), _numpy_averages(VALUES, 0.8), rtol=1e-6)
        session.run(reset)
        self.assertAllClose(session.run(out, {x: VALUES[3]}), VALUES[3])

  @test_utils.run_in_modes
  def test_gradient_is_identity(self, mode):
    upstream = np.array([1.0, -2.0, 3.0], np.float32)

    def fn():
      module = snt.MovingAverage(decay=0.9)
      x = tf.constant(VALUES[0])
      with tf.GradientTape() as tape:
        tape.watch(x)
        y = module(x)
      return tape.gradient(y, x, output_gradients=tf.constant(upstream))

    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), upstream)

  def test_output_is_exactly_the_average(self):
    # No `x + (avg - x)` rounding: large inputs keep a small average exact.
    module = snt.MovingAverage(decay=0.5)
    module(tf.constant([1.0]))
    self.assertAllEqual(module(tf.constant([1.0])), [1.0])
    module.reset()
    module(tf.constant([1e8]))
    self.assertAllClose(module(tf.constant([-1e8])), [0.0])

  def test_float64(self):
    module = snt.MovingAverage(decay=0.25)
    module(tf.constant([1.0], tf.float64))
    out = module(tf.constant([3.0], tf.float64))
    self.assertEqual(out.dtype, tf.float64)
    self.assertAllClose(out, [2.5])

  @parameterized.parameters(-0.1, 1.5, "0.5", True, None)
  def test_bad_decay(self, decay):
    with self.assertRaisesRegex(ValueError, "decay must be a number in"):
      snt.MovingAverage(decay=decay)

  def test_errors(self):
    with self.assertRaises(snt.NotConnectedError):
      snt.MovingAverage().reset()
    with self.assertRaisesRegex(ValueError, "Expected floating point type"):
      snt.MovingAverage()(tf.constant([1]))
    module = snt.MovingAverage()
    module(tf.ones([2]))
    with self.assertRaises(snt.IncompatibleShapeError):
      module(tf.ones([3]))
    with tf.Graph().as_default():
      with self.assertRaises(snt.UnderspecifiedError):
        snt.MovingAverage()(tf.compat.v1.placeholder(tf.float32, [None]))


_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_MIRRORED_SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import sonnet as snt

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
      average = snt.MovingAverage(decay=0.5)

    @tf.function
    def step(first, second):
      def replica_fn():
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        return average(tf.where(tf.equal(replica, 0), first, second))
      return strategy.run(replica_fn)

    results = []
    for i in range(3):
      first = np.float32([1., 2.]) * (i + 1)
      second = np.float32([3., 5.]) * (i + 1)
      outputs = strategy.experimental_local_results(step(first, second))
      results.append([o.numpy().tolist() for o in outputs])
    path = tf.train.Checkpoint(m=average).write("%s/ckpt")
    saved = tf.train.load_variable(path, "m/_average/.ATTRIBUTES/VARIABLE_VALUE")
    print("RESULT", json.dumps({"outputs": results, "saved": saved.tolist()}))
""")


class MirroredTest(tf.test.TestCase):

  def test_replicas_agree_on_the_average_of_their_inputs(self):
    env = dict(os.environ, PYTHONPATH=_REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    script = _MIRRORED_SCRIPT % self.get_temp_dir()
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=300, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    record = json.loads(result.stdout.split("RESULT", 1)[1])
    # One device fed the mean of the two replicas' inputs: the reference.
    expected: list[np.ndarray] = []
    previous = None
    for i in range(3):
      mean = (np.array([1., 2.], np.float32) + np.array([3., 5.], np.float32)) / 2 * (i + 1)
      previous = mean if previous is None else 0.5 * previous + 0.5 * mean
      expected.append(previous)
    for outputs, reference in zip(record["outputs"], expected):
      self.assertLen(outputs, 2)
      for replica_output in outputs:
        self.assertAllClose(replica_output, reference)
    self.assertAllClose(record["saved"], expected[-1])


if __name__ == "__main__":
  tf.test.main()
