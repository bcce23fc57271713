# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""The process side of `distribute_test.py`: trains stateful modules under a strategy.

Device setup must happen before TensorFlow initialises its devices, so the tests run
this file in fresh processes:

  python -m sonnet.src.distribute_test_worker mirrored_batch_norm OUT.json
  TF_CONFIG=... python -m sonnet.src.distribute_test_worker multi_worker OUT.json

The `mirrored_*` groups split the CPU into two logical devices for a `MirroredStrategy`;
`multi_worker` is one worker (one replica) of a `MultiWorkerMirroredStrategy` whose
cluster is in `TF_CONFIG`. Each case builds a module inside `strategy.run` (two replicas
with unequal batches, 3 and 5 rows), trains it for two steps, and records every state
variable's copy on each replica, its value read outside `strategy.run`, its value in a
checkpoint, and the same variable of the module trained on one device on the whole
batch. Results go to OUT.json for the test to compare.
"""

import json
import os
import sys
import time

import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import state_variables

# Rows of the global batch that go to replica (or worker) 0; the rest go to replica 1.
SPLIT = 3
STEPS = 2
GLOBAL_ROWS = 8


def global_batch(shape_tail, seed):
  """The global batch: the rows of replica 1 are far from those of replica 0."""
  rng = np.random.RandomState(seed)
  x = rng.uniform(-1., 1., [GLOBAL_ROWS] + list(shape_tail)).astype(np.float32)
  x[SPLIT:] += 10.
  return x


def _deterministic(shape, dtype=None, **unused_kwargs):
  """An initializer that does not depend on random state (replicas and devices agree)."""
  size = int(np.prod(shape))
  values = np.sin(np.arange(size, dtype=np.float64) * 0.7).reshape(shape) * 0.3
  return tf.constant(values, dtype=dtype or tf.float32)


def _cases():
  """name -> (make_module, input tail shape, seed, step(module, x, flag) -> outputs)."""

  def bn_step(module, x, flag):
    return module(x, is_training=flag)

  def lstm_step(module, x, flag):
    state = module.initial_state(tf.shape(x)[0])
    outputs = []
    for t in range(2):
      out, state = module(x[:, t], state, is_training=flag)
      outputs.append(out)
    return tf.stack(outputs, 1)

  codebook = _deterministic([3, 4]).numpy() * 10.

  def vq_step(module, x, flag):
    return module(x, is_training=flag)["quantize"]

  return {
      "BatchNorm": (lambda: snt.BatchNorm(scale=True, decay_rate=0.5), [3], 1, bn_step),
      "BatchNorm_fused": (lambda: snt.BatchNorm(decay_rate=0.5, fused=True), [2, 2, 3], 2,
                          bn_step),
      "BatchNormV2": (lambda: snt.BatchNormV2(decay_rate=0.5), [2, 2, 3], 3, bn_step),
      "BatchNormV2_unfused": (lambda: snt.BatchNormV2(decay_rate=0.5, fused=False),
                              [2, 3], 4, bn_step),
      "CrossReplicaBatchNorm": (lambda: snt.CrossReplicaBatchNorm(scale=True, decay_rate=0.5),
                                [3], 5, bn_step),
      # Only the input's statistics: with batch norm of the hidden state, the hidden
      # state of a replica (normalised with its own batch) differs from one device's.
      "BatchNormLSTM": (lambda: snt.BatchNormLSTM(
          4, use_batch_norm_h=False, use_batch_norm_x=True, decay_rate=0.5,
          initializers={"w_gates": _deterministic}), [2, 3], 6, lstm_step),
      "VectorQuantizerEMA": (lambda: snt.nets.VectorQuantizerEMA(3, 4, 0.25, decay=0.5),
                             [3], 7, vq_step),
  }, codebook


def _state_variables(module):
  return {v.name.split(":")[0].split("/", 1)[1]: v for v in module.variables
          if not v.trainable and isinstance(v, tf.Variable)}


def _set_codebook(module, codebook):
  # The codebook starts random: give the distributed and single-device modules the same.
  module.embeddings.assign(codebook)
  _state_variables(module)["ema_dw"].assign(codebook)


def run_cases(strategy, replica_id, modes_by_case, checkpoint_dir):
  """Runs the cases in `modes_by_case` ({name: modes}); returns the JSON-able results.

  `replica_id` is None for a MirroredStrategy (two local replicas), else the index of
  this worker (one replica) of a MultiWorkerMirroredStrategy.
  """

  cases, codebook = _cases()
  results = {}
  for name, (make, tail, seed, step) in cases.items():
    if name not in modes_by_case:
      continue
    x = global_batch(tail, seed)
    parts = [x[:SPLIT], x[SPLIT:]]
    for mode in modes_by_case[name]:
      start = time.time()
      # Single device, whole batch: the reference.
      single = make()
      if name == "VectorQuantizerEMA":
        step(single, tf.constant(x), False)
        _set_codebook(single, codebook)
      for _ in range(STEPS):
        step(single, tf.constant(x), True)
      single_state = {k: v.numpy().tolist() for k, v in _state_variables(single).items()}

      with strategy.scope():
        module = make()
      if replica_id is None:
        per_replica = strategy.experimental_distribute_values_from_function(
            lambda ctx, parts=parts: tf.constant(parts[ctx.replica_id_in_sync_group]))
      else:
        per_replica = tf.constant(parts[replica_id])

      def replica_step(inputs, flag, step=step, module=module):
        return step(module, inputs, flag)

      if mode == "eager":
        run = lambda inputs, flag: strategy.run(replica_step, (inputs, flag))  # noqa: E731
        flag = True
      else:
        run = tf.function(lambda inputs, flag: strategy.run(replica_step, (inputs, flag)))
        flag = True if mode == "function" else tf.constant(True)
      if name == "VectorQuantizerEMA":
        run(per_replica, False)  # Creates the variables (not training).
        # The random initial codebook (and ema_dw, initialised from it) as created.
        initial = {k: [c.numpy().tolist() for c in getattr(v, "values", (v,))]
                   for k, v in _state_variables(module).items()}
        _set_codebook(module, codebook)
      else:
        initial = {}
      for _ in range(STEPS):
        run(per_replica, flag)
      state = _state_variables(module)
      copies = {k: [c.numpy().tolist() for c in getattr(v, "values", (v,))]
                for k, v in state.items()}
      read = {k: v.numpy().tolist() for k, v in state.items()}
      path = tf.train.Checkpoint(module=module).save(
          os.path.join(checkpoint_dir, f"{name}_{mode}", "ckpt"))
      # The checkpoint restored into a fresh module on one device: the saved values.
      restored = make()
      tf.train.Checkpoint(module=restored).restore(path).expect_partial()
      step(restored, tf.constant(x), False)
      saved = {k: v.numpy().tolist() for k, v in _state_variables(restored).items()}
      single_keys = sorted(k for k, _ in tf.train.list_variables(tf.train.Checkpoint(
          module=single).save(os.path.join(checkpoint_dir, f"{name}_{mode}_single", "c"))))
      results[f"{name}/{mode}"] = {
          "copies": copies, "read": read, "checkpoint": saved, "single": single_state,
          "keys": sorted(k for k, _ in tf.train.list_variables(path)),
          "single_keys": single_keys, "initial": initial,
          "seconds": time.time() - start}
  return results


def cross_replica_gradients(strategy):
  """CrossReplicaBatchNorm vs BatchNorm on one device: outputs and gradients."""

  x = global_batch([3], 11)
  weights = np.cos(np.arange(x.size)).reshape(x.shape).astype(np.float32)
  parts, weight_parts = [x[:SPLIT], x[SPLIT:]], [weights[:SPLIT], weights[SPLIT:]]

  def loss_and_grads(module, inputs, w):
    with tf.GradientTape() as tape:
      tape.watch(inputs)
      out = module(inputs, is_training=True)
      loss = tf.reduce_sum(out * out * w)
    grads = tape.gradient(loss, [inputs, module.gamma, module.beta])
    return out, grads

  single = snt.BatchNorm(scale=True, fused=False)
  out, (gx, gg, gb) = loss_and_grads(single, tf.constant(x), tf.constant(weights))
  reference = {"outputs": out.numpy().tolist(), "grad_inputs": gx.numpy().tolist(),
               "grad_gamma": gg.numpy().tolist(), "grad_beta": gb.numpy().tolist()}

  with strategy.scope():
    module = snt.CrossReplicaBatchNorm(scale=True)
  values = strategy.experimental_distribute_values_from_function(
      lambda ctx: (tf.constant(parts[ctx.replica_id_in_sync_group]),
                   tf.constant(weight_parts[ctx.replica_id_in_sync_group])))

  @tf.function
  def run(values):
    return strategy.run(lambda v: loss_and_grads(module, v[0], v[1]), (values,))

  out, (gx, gg, gb) = run(values)
  local = strategy.experimental_local_results
  distributed = {
      "outputs": np.concatenate([o.numpy() for o in local(out)]).tolist(),
      "grad_inputs": np.concatenate([g.numpy() for g in local(gx)]).tolist(),
      # An optimizer sums the replicas' gradients of the same variable.
      "grad_gamma": np.sum([g.numpy() for g in local(gg)], 0).tolist(),
      "grad_beta": np.sum([g.numpy() for g in local(gb)], 0).tolist()}
  return {"reference": reference, "distributed": distributed}


def replica_means(strategy):
  """`state_variables.replica_mean` of values 1 and 2 (weights 3 and 5) on the replicas."""
  def replica_fn():
    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
    value = tf.cast(replica + 1, tf.float32) * tf.ones([2])
    weight = tf.where(replica == 0, 3., 5.)
    return (state_variables.replica_mean(value), state_variables.replica_mean(value, weight),
            state_variables.replica_sum(value))

  results = tf.function(lambda: strategy.run(replica_fn))()
  return [[v.numpy().tolist() for v in strategy.experimental_local_results(r)]
          for r in results]


# What each `mirrored_*` group runs: {case: modes}, and whether to check gradients. Every
# case runs with a tensor `is_training` in a tf.function (the update inside tf.cond).
GROUPS = {
    "mirrored_batch_norm": ({"BatchNorm": ("eager", "function", "function_flag"),
                             "BatchNorm_fused": ("eager", "function_flag"),
                             "BatchNormV2": ("eager", "function_flag"),
                             "BatchNormV2_unfused": ("function_flag",),
                             "CrossReplicaBatchNorm": ("eager", "function_flag")}, True),
    "mirrored_other": ({"BatchNormLSTM": ("eager", "function_flag"),
                        "VectorQuantizerEMA": ("eager", "function", "function_flag")}, False),
    "multi_worker": ({"BatchNorm": ("eager", "function_flag"),
                      "CrossReplicaBatchNorm": ("function",),
                      "VectorQuantizerEMA": ("function_flag",)}, False),
}


def main(argv):
  """Runs group `argv[1]` (see `GROUPS`) and writes the results to `argv[2]`."""
  group, out_path = argv[1], argv[2]

  checkpoint_dir = os.path.join(os.path.dirname(os.path.abspath(out_path)),
                                "ckpt_" + os.path.basename(out_path))
  cases, gradients = GROUPS[group]
  if group == "multi_worker":
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    replica_id = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
  else:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    replica_id = None
  results = {"cases": run_cases(strategy, replica_id, cases, checkpoint_dir)}
  if gradients:
    results["gradients"] = cross_replica_gradients(strategy)
  if group == "mirrored_batch_norm":
    results["replica_mean"] = replica_means(strategy)
  with open(out_path, "w") as f:
    json.dump(results, f)
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
