# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for RelationalMemory: shapes, initial state, gating, and learning a tiny task."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

B = 3


class RelationalMemoryTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(
      ("unit", dict(mem_slots=2, head_size=3, num_heads=2, num_blocks=2), False),
      ("memory_gates", dict(mem_slots=4, head_size=2, gate_style="memory", key_size=3),
       False),
      ("no_gates_matrix_input", dict(mem_slots=3, head_size=4, gate_style=None,
                                     attention_mlp_layers=1), True),
  )
  def test_shapes(self, config, matrix):
    memory_core = snt.RelationalMemory(**config)
    mem_size = config["head_size"] * config.get("num_heads", 1)
    inputs = tf.random.normal([B, 2, 5] if matrix else [B, 5])
    state = memory_core.initial_state(B)
    output, next_state = memory_core(inputs, state, treat_input_as_matrix=matrix)
    self.assertEqual(output.shape, [B, config["mem_slots"] * mem_size])
    self.assertEqual(next_state.shape, [B, config["mem_slots"], mem_size])
    self.assertEqual(memory_core.output_size, output.shape[1:])
    self.assertEqual(memory_core.state_size, next_state.shape[1:])
    self.assertAllClose(output, tf.reshape(next_state, [B, -1]))

  @parameterized.parameters((2, 5, [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]),
                            (3, 2, [[1, 0], [0, 1], [0, 0]]))
  def test_initial_state_is_identity(self, slots, mem_size, expected):
    core = snt.RelationalMemory(slots, mem_size)
    state = core.initial_state(B)
    self.assertAllEqual(state, np.tile(np.array(expected)[None], [B, 1, 1]))
    learned = core.initial_state(tf.constant(B), trainable=True)
    self.assertAllEqual(learned, state)
    self.assertLen(core.trainable_variables, 1)

  @test_utils.run_in_modes
  def test_modes_and_unroll(self, mode):
    def fn():
      core = snt.RelationalMemory(2, 2, num_heads=2)
      x = tf.ones([4, B, 3])
      dynamic = snt.dynamic_unroll(core, x, core.initial_state(B))
      static = snt.static_unroll(core, x, core.initial_state(B))
      return dynamic, static

    dynamic, static = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(dynamic, static, atol=1e-5)
    self.assertEqual(dynamic[0].shape, (4, B, 2 * 4))

  def test_gating_formula(self):
    # With zero gate weights: input gate sigmoid(input_bias), forget gate
    # sigmoid(forget_bias), mixing tanh(attended memory) and the old memory.
    core = snt.RelationalMemory(2, 3, input_bias=-1.0, forget_bias=2.0)
    memory = tf.random.normal([B, 2, 3])
    x = tf.random.normal([B, 4])
    core(x, memory)
    for gate_linear in (core._gate_inputs, core._gate_memory):
      gate_linear.w.assign(tf.zeros_like(gate_linear.w))
    _, next_memory = core(x, memory)
    projected = core._input_linear(x[:, None])
    attend = core._attend_over_memory
    attended = attend(tf.concat([memory, projected], 1))[:, :2]
    sigmoid = lambda v: 1 / (1 + np.exp(-v))
    expected = sigmoid(-1.0) * np.tanh(attended) + sigmoid(2.0) * memory.numpy()
    self.assertAllClose(next_memory, expected, atol=1e-5)

  def test_learns_tiny_task(self):
    # Recall the first of three inputs at the last step: needs memory.
    tf.random.set_seed(0)
    rng = np.random.RandomState(0)
    core = snt.RelationalMemory(2, 4, num_heads=1, num_blocks=1)
    readout = snt.Linear(2)
    optimizer = tf.compat.v1.train.AdamOptimizer(0.02)

    @tf.function
    def train_step(x):
      with tf.GradientTape() as tape:
        outputs, _ = snt.dynamic_unroll(core, x, core.initial_state(16))
        prediction = readout(outputs[-1])
        loss = tf.reduce_mean(tf.square(prediction - x[0]))
      variables = core.trainable_variables + readout.trainable_variables
      optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
      return loss

    losses = [train_step(tf.constant(rng.randn(3, 16, 2), tf.float32)).numpy()
              for _ in range(100)]
    self.assertLess(np.mean(losses[-10:]), 0.3 * np.mean(losses[:10]))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "gate_style must be"):
      snt.RelationalMemory(2, 2, gate_style="cell")
    with self.assertRaisesRegex(ValueError, "mem_slots must be a positive integer"):
      snt.RelationalMemory(0, 2)
    core = snt.RelationalMemory(2, 2)
    with self.assertRaises(snt.IncompatibleShapeError):
      core(tf.zeros([B]), core.initial_state(B))
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "prev_state should have size"):
      core(tf.zeros([B, 3]), tf.zeros([B, 3, 2]))


if __name__ == "__main__":
  tf.test.main()
