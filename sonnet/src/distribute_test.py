# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""State variables under tf.distribute: replicas agree and match one device.

The strategies need devices configured before TensorFlow initialises them (two logical
CPUs) or a cluster (`TF_CONFIG`), so `distribute_test_worker.py` runs in fresh processes;
here its results are checked against numpy and against the same module trained on one
device on the whole batch.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile

from absl.testing import absltest
import numpy as np
import pytest

from sonnet.src import distribute_test_worker as worker

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER_MODULE = "sonnet.src.distribute_test_worker"
TIMEOUT_S = 240
RTOL = ATOL = 1e-4

# decay 0.5, two steps from (0, 1): m = 0.25 * m0 + 0.75 * stat.
_DECAY_FACTOR = 0.5 ** worker.STEPS

# Batch-norm-like cases: (input tail shape, seed) of the worker's global batch.
_BATCH_NORM_INPUTS = {"BatchNorm": ([3], 1), "BatchNorm_fused": ([2, 2, 3], 2),
                      "BatchNormV2": ([2, 2, 3], 3), "BatchNormV2_unfused": ([2, 3], 4),
                      "CrossReplicaBatchNorm": ([3], 5)}


def _environment(**extra):
  """The subprocess environment: this source tree, no inherited cluster."""
  env = dict(os.environ)
  env.pop("TF_CONFIG", None)
  env.update(PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2", **extra)
  return env


def _run_groups(groups: list[str]) -> list[dict]:
  """Runs `mirrored_*` groups, each in a fresh process (in parallel); returns the results."""
  with tempfile.TemporaryDirectory() as tmp:
    processes = []
    try:
      for group in groups:
        out = os.path.join(tmp, group + ".json")
        processes.append((group, out, subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, group, out], env=_environment(), cwd=tmp,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)))
      results = []
      for group, out, process in processes:
        _, stderr = process.communicate(timeout=TIMEOUT_S)
        if process.returncode != 0:
          raise AssertionError(f"{group} failed:\n{stderr[-4000:]}")
        with open(out) as f:
          results.append(json.load(f))
      return results
    finally:
      for _, _, process in processes:
        if process.poll() is None:
          process.kill()
          process.communicate()


def _free_ports(count: int) -> list[int]:
  sockets = []
  try:
    for _ in range(count):
      s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
      s.bind(("127.0.0.1", 0))
      sockets.append(s)
    return [s.getsockname()[1] for s in sockets]
  finally:
    for s in sockets:
      s.close()


def _run_multi_worker() -> list[dict]:
  """Runs two MultiWorkerMirroredStrategy workers on 127.0.0.1; returns their results."""
  with tempfile.TemporaryDirectory() as tmp:
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes, outs, logs = [], [], []
    try:
      for index in range(2):
        out = os.path.join(tmp, f"worker{index}.json")
        log = open(os.path.join(tmp, f"worker{index}.log"), "w+")  # noqa: SIM115
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, "multi_worker", out],
            env=_environment(TF_CONFIG=json.dumps(config)), cwd=tmp, stdout=log,
            stderr=subprocess.STDOUT))
        outs.append(out)
        logs.append(log)
      for index, process in enumerate(processes):
        if process.wait(timeout=TIMEOUT_S) != 0:
          logs[index].seek(0)
          raise AssertionError(f"worker {index} failed:\n{logs[index].read()[-4000:]}")
      results = []
      for out in outs:
        with open(out) as f:
          results.append(json.load(f))
      return results
    finally:
      for process in processes:
        if process.poll() is None:
          process.kill()
          process.wait()
      for log in logs:
        log.close()


def _numpy_moving_stats(name):
  """The moving mean and variance one device gets: numpy over all but the channels."""
  tail, seed = _BATCH_NORM_INPUTS[name]
  x = worker.global_batch(tail, seed).astype(np.float64)
  axes = tuple(range(x.ndim - 1))
  mean = (1 - _DECAY_FACTOR) * x.mean(axes)
  variance = _DECAY_FACTOR + (1 - _DECAY_FACTOR) * x.var(axes)
  return {"moving_mean": mean, "moving_variance": variance}


def check_case(test: absltest.TestCase, case: str, results: dict, copies_expected: int):
  """Every replica's copy, the value read and the checkpoint equal one device's."""
  single = results["single"]
  test.assertTrue(single, case)
  for name, value in single.items():
    expected = np.asarray(value)
    copies = results["copies"][name]
    test.assertLen(copies, copies_expected, case)
    for copy in copies:
      np.testing.assert_allclose(copy, expected, err_msg=f"{case} {name}", rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(results["read"][name], expected,
                               err_msg=f"{case} {name} read", rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(results["checkpoint"][name], expected,
                               err_msg=f"{case} {name} checkpoint", rtol=RTOL, atol=ATOL)
  test.assertEqual(results["keys"], results["single_keys"], case)
  # Random initial values (VectorQuantizerEMA's codebook) are the same on every replica.
  for name, copies in results["initial"].items():
    for copy in copies[1:]:
      np.testing.assert_array_equal(copy, copies[0], err_msg=f"{case} initial {name}")
  module = case.split("/")[0]
  if module in _BATCH_NORM_INPUTS:
    for name, stat in _numpy_moving_stats(module).items():
      np.testing.assert_allclose(np.reshape(single[name], [-1]), stat,
                                 err_msg=f"{case} {name} numpy", rtol=RTOL, atol=ATOL)


@pytest.mark.slow
class MirroredStrategyTest(absltest.TestCase):
  """Two logical CPUs; replica batches of 3 and 5 rows with very different values."""

  batch_norm: dict
  other: dict

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.batch_norm, cls.other = _run_groups(["mirrored_batch_norm", "mirrored_other"])

  def _check_group(self, results, group):
    expected = {f"{name}/{mode}" for name, modes in worker.GROUPS[group][0].items()
                for mode in modes}
    self.assertEqual(set(results["cases"]), expected)
    for case, case_results in sorted(results["cases"].items()):
      check_case(self, case, case_results, copies_expected=2)

  def test_batch_norms_moving_statistics_are_those_of_the_global_batch(self):
    self._check_group(self.batch_norm, "mirrored_batch_norm")

  def test_lstm_and_vector_quantizer_state_agrees_with_one_device(self):
    self._check_group(self.other, "mirrored_other")

  def test_replica_mean_and_sum(self):
    mean, weighted, total = self.batch_norm["replica_mean"]
    for replica in range(2):  # Every replica gets the same result.
      np.testing.assert_allclose(mean[replica], [1.5, 1.5])
      np.testing.assert_allclose(weighted[replica], [(3 * 1 + 5 * 2) / 8] * 2)
      np.testing.assert_allclose(total[replica], [3., 3.])

  def test_cross_replica_batch_norm_equals_batch_norm_on_the_global_batch(self):
    gradients = self.batch_norm["gradients"]
    for key in ("outputs", "grad_inputs", "grad_gamma", "grad_beta"):
      np.testing.assert_allclose(gradients["distributed"][key], gradients["reference"][key],
                                 err_msg=key, rtol=RTOL, atol=ATOL)
    # The reference itself: numpy batch normalisation of the global batch (eps 1e-3).
    x = worker.global_batch([3], 11).astype(np.float64)
    normalised = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    np.testing.assert_allclose(gradients["reference"]["outputs"], normalised, rtol=RTOL, atol=ATOL)


@pytest.mark.slow
class MultiWorkerMirroredStrategyTest(absltest.TestCase):
  """Two worker processes on 127.0.0.1, one replica each (3 and 5 rows)."""

  def test_workers_agree_with_one_device(self):
    results = _run_multi_worker()
    expected = {f"{name}/{mode}" for name, modes in worker.GROUPS["multi_worker"][0].items()
                for mode in modes}
    for index, worker_results in enumerate(results):
      self.assertEqual(set(worker_results["cases"]), expected, index)
      for case, case_results in sorted(worker_results["cases"].items()):
        check_case(self, f"{case} (worker {index})", case_results, copies_expected=1)
    # Random initial values agree across the workers too.
    for case, case_results in results[0]["cases"].items():
      for name, copies in case_results["initial"].items():
        np.testing.assert_array_equal(results[1]["cases"][case]["initial"][name], copies,
                                      err_msg=f"{case} initial {name}")


if __name__ == "__main__":
  absltest.main()


_PARAMETER_SERVER_SCRIPT = """
import json, socket, sys
import numpy as np
import tensorflow as tf
import sonnet as snt

def free_port():
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]

spec = tf.train.ClusterSpec({job: [f"127.0.0.1:{free_port()}"]
                             for job in ("worker", "ps", "chief")})
servers = [tf.distribute.Server(spec, job_name=job, task_index=0, protocol="grpc")
           for job in ("worker", "ps")]
resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
    spec, rpc_layer="grpc", task_type="chief", task_id=0)
strategy = tf.distribute.experimental.ParameterServerStrategy(resolver)
coordinator = tf.distribute.experimental.coordinator.ClusterCoordinator(strategy)
x = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3) ** 1.5)
results = {}
for name, make in (("BatchNorm", lambda: snt.BatchNorm(decay_rate=0.5)),
                   ("BatchNormV2", lambda: snt.BatchNormV2(decay_rate=0.5)),
                   ("MovingAverage", lambda: snt.MovingAverage(decay=0.5))):
  with strategy.scope():
    module = make()
  single = make()
  call = ((lambda m: m(x)) if name == "MovingAverage"
          else (lambda m: m(x, is_training=True)))
  step = tf.function(lambda module=module, call=call: strategy.run(lambda: call(module)))
  for _ in range(3):
    coordinator.schedule(step)
    coordinator.join()  # One step at a time, as on one device.
    call(single)
  state = lambda m: sorted((v.name.split("/", 1)[1], np.asarray(v.read_value()).tolist())
                           for v in m.variables if not v.trainable)
  results[name] = {"distributed": state(module), "single": state(single)}
print("RESULT" + json.dumps(results))
"""


@pytest.mark.slow
class ParameterServerStrategyTest(absltest.TestCase):
  """An in-process cluster (chief, one worker, one parameter server) on 127.0.0.1."""

  def test_state_matches_one_device(self):
    process = subprocess.run([sys.executable, "-c", _PARAMETER_SERVER_SCRIPT],
                             env=_environment(), capture_output=True, text=True,
                             timeout=TIMEOUT_S, check=False)
    self.assertEqual(process.returncode, 0, process.stderr[-4000:])
    results = json.loads(process.stdout.split("RESULT", 1)[1])
    self.assertEqual(set(results), {"BatchNorm", "BatchNormV2", "MovingAverage"})
    for name, record in results.items():
      distributed, single = record["distributed"], record["single"]
      self.assertEqual([n for n, _ in distributed], [n for n, _ in single], name)
      self.assertNotEmpty(distributed, name)
      for (variable, value), (_, expected) in zip(distributed, single):
        np.testing.assert_allclose(value, expected, rtol=RTOL, atol=ATOL,
                                   err_msg=f"{name} {variable}")
