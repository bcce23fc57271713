# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.dynamic_unroll and snt.static_unroll."""

import collections
from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

T, B, D = 4, 3, 2

NestedState = collections.namedtuple("NestedState", ("total", "extra"))


class NestedCore(snt.RNNCore):
  """A core with nested inputs, outputs and states, and one variable."""

  def __init__(self, name=None):
    super().__init__(name=name)

  def _build(self, inputs, prev_state):
    scale = snt.get_variable("scale", shape=[D], dtype=inputs["a"].dtype,
                             initializer=tf.constant_initializer(0.5))
    total = prev_state.total + scale * inputs["a"] + inputs["b"][:, :D]
    extra = (prev_state.extra[0] + 1.0, prev_state.extra[1] * 0.9 + tf.reduce_sum(
        inputs["b"], 1, keepdims=True))
    return {"sum": total, "pair": (total * 2, extra[1])}, NestedState(total, extra)

  @property
  def state_size(self):
    return NestedState(tf.TensorShape([D]), (tf.TensorShape([1]), tf.TensorShape([1])))

  @property
  def output_size(self):
    return {"sum": tf.TensorShape([D]), "pair": (tf.TensorShape([D]), tf.TensorShape([1]))}


def _nested_inputs(num_steps=T, batch=B):
  rng = np.random.RandomState(0)
  return {"a": rng.randn(num_steps, batch, D).astype(np.float32),
          "b": rng.randn(num_steps, batch, D + 1).astype(np.float32)}


def _numpy_nested_unroll(inputs, lengths=None):
  """Reference for NestedCore with sequence lengths."""
  num_steps, batch = inputs["a"].shape[:2]
  lengths = np.full([batch], num_steps) if lengths is None else np.asarray(lengths)
  total = np.zeros([batch, D])
  count = np.zeros([batch, 1])
  acc = np.zeros([batch, 1])
  outs: dict[str, Any] = {"sum": np.zeros([num_steps, batch, D]),
                          "pair": (np.zeros([num_steps, batch, D]),
                                   np.zeros([num_steps, batch, 1]))}
  for t in range(num_steps):
    valid = (t < lengths)[:, None]
    new_total = total + 0.5 * inputs["a"][t] + inputs["b"][t][:, :D]
    new_acc = acc * 0.9 + inputs["b"][t].sum(1, keepdims=True)
    outs["sum"][t] = np.where(valid, new_total, 0)
    outs["pair"][0][t] = np.where(valid, 2 * new_total, 0)
    outs["pair"][1][t] = np.where(valid, new_acc, 0)
    total = np.where(valid, new_total, total)
    count = np.where(valid, count + 1, count)
    acc = np.where(valid, new_acc, acc)
  return outs, NestedState(total, (count, acc))


UNROLLS = (("dynamic", snt.dynamic_unroll), ("static", snt.static_unroll))


class UnrollTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(*[
      (f"{name}_{mode}_{with_lengths}", unroll, mode, with_lengths)
      for name, unroll in UNROLLS for mode in test_utils.MODES
      for with_lengths in (False, True)])
  def test_nested_matches_numpy(self, unroll, mode, with_lengths):
    inputs = _nested_inputs()
    lengths = [4, 0, 2] if with_lengths else None

    def fn():
      core = NestedCore()
      return unroll(core, tf.nest.map_structure(tf.constant, inputs),
                    core.initial_state(B), sequence_length=lengths)

    outputs, final_state = test_utils.evaluate_in_mode(mode, fn)
    expected_outputs, expected_state = _numpy_nested_unroll(inputs, lengths)
    self.assertAllClose(outputs, expected_outputs, atol=1e-5)
    self.assertAllClose(final_state, expected_state, atol=1e-5)
    self.assertIsInstance(final_state, NestedState)

  @parameterized.parameters(False, True)
  def test_dynamic_and_static_agree_on_lstm(self, with_lengths):
    lstm = snt.LSTM(3, use_peepholes=True)
    x = tf.random.normal([5, B, D])
    lengths = tf.constant([5, 1, 3]) if with_lengths else None
    initial = lstm.initial_state(B)
    dynamic = snt.dynamic_unroll(lstm, x, initial, sequence_length=lengths)
    static = snt.static_unroll(lstm, x, initial, sequence_length=lengths)
    self.assertAllClose(dynamic, static, atol=1e-6)
    if with_lengths:
      # The final state of sequence 1 is its state after one step.
      one_step = snt.static_unroll(lstm, x[:1], initial)[1]
      self.assertAllClose(dynamic[1].cell[1], one_step.cell[1], atol=1e-6)
      self.assertAllEqual(dynamic[0][1:, 1], np.zeros([4, 3]))

  def test_lengths_outside_the_sequence_count_as_its_ends(self):
    x = tf.random.normal([5, B, D])
    for lstm in (snt.LSTM(3), snt.LSTM(3, use_peepholes=True)):  # Fused and step paths.
      initial = lstm.initial_state(B)
      expected = snt.static_unroll(lstm, x, initial, sequence_length=[5, 0, 3])
      for unroll in (snt.dynamic_unroll, snt.static_unroll):
        self.assertAllClose(unroll(lstm, x, initial, sequence_length=[7, -2, 3]), expected)

  @parameterized.named_parameters(*[(name, unroll) for name, unroll in UNROLLS])
  def test_batch_major(self, unroll):
    lstm = snt.GRU(3)
    x = tf.random.normal([B, 5, D])
    initial = lstm.initial_state(B)
    outputs, final = unroll(lstm, x, initial, time_major=False)
    expected, expected_final = unroll(lstm, tf.transpose(x, [1, 0, 2]), initial)
    self.assertAllClose(outputs, tf.transpose(expected, [1, 0, 2]))
    self.assertAllClose(final, expected_final)

  @parameterized.named_parameters(*[
      (f"{name}_{mode}", unroll, mode) for name, unroll in UNROLLS
      for mode in test_utils.MODES])
  def test_zero_length(self, unroll, mode):
    def fn():
      core = snt.LSTM(3, projection_size=2)
      initial = snt.LSTMState(tf.ones([B, 2]), tf.ones([B, 3]))
      return unroll(core, tf.zeros([0, B, D]), initial)

    outputs, final = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(outputs.shape, (0, B, 2))
    self.assertAllEqual(final.hidden, np.ones([B, 2]))
    self.assertAllEqual(final.cell, np.ones([B, 3]))

  def test_zero_length_dynamic_unknown_length(self):
    lstm = snt.LSTM(3)

    @tf.function(input_signature=[tf.TensorSpec([None, None, D])])
    def run(x):
      return snt.dynamic_unroll(lstm, x, lstm.initial_state(tf.shape(x)[1]))

    outputs, final = run(tf.zeros([0, 2, D]))
    self.assertEqual(outputs.shape, (0, 2, 3))
    self.assertAllEqual(final.cell, np.zeros([2, 3]))
    outputs, _ = run(tf.ones([3, 4, D]))
    self.assertEqual(outputs.shape, (3, 4, 3))
    eager, _ = snt.dynamic_unroll(lstm, tf.ones([3, 4, D]), lstm.initial_state(4))
    self.assertAllClose(outputs, eager)

  def test_graph_with_placeholders(self):
    with tf.Graph().as_default():
      lstm = snt.LSTM(3)
      x = tf.compat.v1.placeholder(tf.float32, [None, None, D])
      lengths = tf.compat.v1.placeholder(tf.int32, [None])
      outputs, final = snt.dynamic_unroll(lstm, x, lstm.initial_state(tf.shape(x)[1]),
                                          sequence_length=lengths)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        out, fin = session.run([outputs, final], {x: np.ones([4, 2, D]), lengths: [4, 2]})
        self.assertEqual(out.shape, (4, 2, 3))
        self.assertAllEqual(out[2:, 1], np.zeros([2, 3]))
        out, fin = session.run([outputs, final], {x: np.ones([0, 2, D]), lengths: [0, 0]})
        self.assertEqual(out.shape, (0, 2, 3))
        self.assertAllEqual(fin.cell, np.zeros([2, 3]))

  def test_graph_does_not_grow_with_sequence_length(self):
    # The fused kernel, the step-by-step path and a nested core; forward and backward.
    for core in (snt.LSTM(3), snt.LSTM(3, use_peepholes=True), NestedCore()):
      def train_step(x, core=core):
        with tf.GradientTape() as tape:
          tape.watch(x)
          outputs, _ = snt.dynamic_unroll(core, x, core.initial_state(B))
          loss = tf.add_n([tf.reduce_sum(o) for o in tf.nest.flatten(outputs)])
        return tape.gradient(loss, x)

      run = tf.function(train_step)
      sizes = []
      for num_steps in (40, 100):  # (Small zero tensors become constants, not fills.)
        spec = tf.TensorSpec([num_steps, B, D])
        if isinstance(core, NestedCore):
          spec = {"a": spec, "b": tf.TensorSpec([num_steps, B, D + 1])}
        graph_def = run.get_concrete_function(spec).graph.as_graph_def(add_shapes=False)
        sizes.append(len(graph_def.node) +
                     sum(len(f.node_def) for f in graph_def.library.function))
      self.assertEqual(sizes[0], sizes[1], core.module_name)

  def test_variables_do_not_grow(self):
    lstm = snt.LSTM(3)
    for num_steps in (1, 5, 9):
      snt.dynamic_unroll(lstm, tf.ones([num_steps, B, D]), lstm.initial_state(B))
      snt.static_unroll(lstm, tf.ones([num_steps, B, D]), lstm.initial_state(B))
      lstm.initial_state(B, trainable=True)
    self.assertLen(lstm.variables, 4)

  @parameterized.named_parameters(*[(name, unroll) for name, unroll in UNROLLS])
  def test_tf_function_unknown_batch(self, unroll):
    lstm = snt.LSTM(3)

    @tf.function(input_signature=[tf.TensorSpec([5, None, D])])
    def run(x):
      return unroll(lstm, x, lstm.initial_state(tf.shape(x)[1]))[0]

    out = run(tf.ones([5, 2, D]))
    expected = unroll(lstm, tf.ones([5, 2, D]), lstm.initial_state(2))[0]
    self.assertAllClose(out, expected)

  @parameterized.named_parameters(
      ("lstm_fused_time_major", snt.LSTM, True),
      ("lstm_fused_batch_major", snt.LSTM, False),
      ("gru_time_major", snt.GRU, True),
      ("gru_batch_major", snt.GRU, False))
  def test_dynamic_unroll_keeps_static_number_of_steps(self, make_core, time_major):
    # The fused LSTM path stacked its outputs without the statically known T.
    core = make_core(3)
    shape = [5, None, D] if time_major else [None, 5, D]

    @tf.function(input_signature=[tf.TensorSpec(shape)])
    def run(x):
      batch = tf.shape(x)[1 if time_major else 0]
      output = snt.dynamic_unroll(core, x, core.initial_state(batch),
                                  time_major=time_major)[0]
      self.assertEqual(output.shape.as_list(), [5, None, 3] if time_major else [None, 5, 3])
      return output

    run.get_concrete_function()

  def test_tf1_dynamic_rnn_and_static_rnn_accept_cores(self):
    x_value = np.random.RandomState(1).randn(B, 4, D).astype(np.float32)
    with tf.Graph().as_default():
      lstm = snt.LSTM(3)
      x = tf.constant(x_value)
      ours, _ = snt.dynamic_unroll(lstm, x, lstm.initial_state(B), time_major=False)
      theirs, _ = tf.compat.v1.nn.dynamic_rnn(lstm, x, initial_state=lstm.initial_state(B))
      static, _ = tf.compat.v1.nn.static_rnn(lstm, tf.unstack(x, axis=1),
                                             initial_state=lstm.initial_state(B))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        ours, theirs, static = session.run([ours, theirs, static])
    self.assertAllClose(ours, theirs, atol=1e-6)
    self.assertAllClose(ours, np.stack(static, 1), atol=1e-6)
    self.assertLen(lstm.variables, 2)

  @parameterized.named_parameters(*[
      (f"{name}_{mode}_{case}", unroll, mode, case)
      for name, unroll in UNROLLS for mode in test_utils.MODES
      for case in ("structure", "size", "batch")])
  def test_bad_initial_state(self, unroll, mode, case):
    states = {
        "structure": (lambda: (tf.zeros([B, 3]),), ValueError,
                      r"initial_state.*expected a LSTMState"),
        "size": (lambda: snt.LSTMState(tf.zeros([B, 3]), tf.zeros([B, 4])),
                 snt.IncompatibleShapeError, r"initial_state.cell should have size \[3\]"),
        "batch": (lambda: snt.LSTMState(tf.zeros([B + 2, 3]), tf.zeros([B + 2, 3])),
                  snt.IncompatibleShapeError, r"initial_state.hidden has batch size 5"),
    }
    make_state, error, regex = states[case]

    def fn():
      return unroll(snt.LSTM(3), tf.zeros([T, B, D]), make_state())

    test_utils.assert_raises_in_mode(self, mode, fn, error, regex)

  def test_bad_inputs(self):
    lstm = snt.LSTM(3)
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "rank >= 2"):
      snt.dynamic_unroll(lstm, tf.zeros([T]), lstm.initial_state(B))
    with self.assertRaisesRegex(snt.IncompatibleShapeError, r"input_sequence\['b'\] has 5"):
      snt.dynamic_unroll(NestedCore(), {"a": tf.zeros([T, B, D]), "b": tf.zeros([5, B, 3])},
                         NestedCore().initial_state(B))
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "sequence_length must be"):
      snt.dynamic_unroll(lstm, tf.zeros([T, B, D]), lstm.initial_state(B),
                         sequence_length=[1, 2])
    with self.assertRaisesRegex(TypeError, "sequence_length must be integer"):
      snt.dynamic_unroll(lstm, tf.zeros([T, B, D]), lstm.initial_state(B),
                         sequence_length=[1.0, 2.0, 3.0])
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "inputs have size 3"):
      snt.dynamic_unroll(lstm, tf.zeros([T, B, D]), lstm.initial_state(B))
      snt.dynamic_unroll(lstm, tf.zeros([T, B, D + 1]), lstm.initial_state(B))

  def test_static_unroll_needs_known_length(self):
    lstm = snt.LSTM(3)
    run = tf.function(lambda x: snt.static_unroll(lstm, x, lstm.initial_state(B)))
    with self.assertRaisesRegex(ValueError, "statically known number of time steps"):
      run.get_concrete_function(tf.TensorSpec([None, B, D]))

  def test_core_changing_state_structure(self):
    bad = snt.Module(lambda x, s: (x, (s, s)), name="bad_core")
    with self.assertRaisesRegex(ValueError, "next_state whose structure differs"):
      snt.dynamic_unroll(bad, tf.zeros([T, B, D]), tf.zeros([B, D]))

  def test_fused_hook_is_asked_of_rnn_cores_only(self):
    x = np.random.RandomState(3).randn(T, B, D).astype(np.float32)
    initial = np.ones([B, D], np.float32)
    # The generic path's result for the step x + state: running sums from `initial`.
    generic = (np.cumsum(x, axis=0) + initial, np.sum(x, axis=0) + initial)

    class SumCore(snt.RNNCore):

      def _build(self, inputs, prev_state):
        return inputs + prev_state, inputs + prev_state

      @property
      def state_size(self):
        return tf.TensorShape([D])

      @property
      def output_size(self):
        return tf.TensorShape([D])

    class FusedSumCore(SumCore):

      def _fused_unroll(self, input_sequence, initial_state, sequence_length=None,
                        parallel_iterations=10):
        return -input_sequence, -initial_state

    # The default hook means "no fused path": the step-by-step result.
    self.assertIsNone(SumCore()._fused_unroll(x, initial))
    output, final = snt.dynamic_unroll(SumCore(), x, initial)
    self.assertAllClose(output, generic[0])
    self.assertAllClose(final, generic[1])
    # An override's result is returned as it is.
    output, final = snt.dynamic_unroll(FusedSumCore(), x, initial)
    self.assertAllEqual(output, -x)
    self.assertAllEqual(final, -initial)
    # Another callable's `_fused_unroll` attribute is not a hook.
    step = lambda inputs, state: (inputs + state, inputs + state)
    step._fused_unroll = (  # type: ignore[attr-defined]  # deliberately dynamic
        lambda *args: self.fail("called a non-core's _fused_unroll"))
    output, final = snt.dynamic_unroll(step, x, initial)
    self.assertAllClose(output, generic[0])
    self.assertAllClose(final, generic[1])


CORES = (
    ("vanilla", lambda: snt.VanillaRNN(3), [D]),
    ("lstm", lambda: snt.LSTM(3), [D]),
    ("lstm_options", lambda: snt.LSTM(3, use_peepholes=True, projection_size=2,
                                      use_layer_norm=True, cell_clip_value=5.0), [D]),
    ("batch_norm_lstm", lambda: snt.BatchNormLSTM(
        3, use_batch_norm_x=True, max_unique_stats=2).with_batch_norm_control(True), [D]),
    ("gru", lambda: snt.GRU(3), [D]),
    ("highway", lambda: snt.HighwayCore(3, 2), [D]),
    ("conv_lstm", lambda: snt.Conv1DLSTM((4, D), 2, 3), [4, D]),
    ("deep", lambda: snt.DeepRNN([snt.LSTM(3), snt.GRU(2)]), [D]),
    ("relational_memory", lambda: snt.RelationalMemory(2, 2, num_heads=2), [D]),
)


class AllCoresTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(*CORES)
  def test_gradients_variables_and_input_size(self, make_core, input_shape):
    core = make_core()
    counts = []
    for num_steps in (2, 5):
      x = tf.random.normal([num_steps, B] + input_shape)
      with tf.GradientTape() as tape:
        initial = core.initial_state(B, trainable=True)
        outputs, final = snt.dynamic_unroll(core, x, initial)
        loss = tf.add_n([tf.reduce_sum(tf.sin(tf.cast(t, tf.float32)))
                         for t in tf.nest.flatten((outputs, final))
                         if t.dtype.is_floating])
      grads = tape.gradient(loss, core.trainable_variables)
      for variable, grad in zip(core.trainable_variables, grads):
        self.assertIsNotNone(grad, variable.name)
        self.assertGreater(np.abs(tf.convert_to_tensor(grad).numpy()).sum(), 0,
                           variable.name)
      counts.append(len(core.variables))
    self.assertEqual(counts[0], counts[1])
    # Unknown batch size inside tf.function gives the eager results.
    @tf.function(input_signature=[tf.TensorSpec([3, None] + input_shape)])
    def run(x):
      return snt.dynamic_unroll(core, x, core.initial_state(tf.shape(x)[1]))

    x = tf.random.normal([3, B] + input_shape)
    traced = run(x)
    self.assertAllClose(traced, snt.dynamic_unroll(core, x, core.initial_state(B)),
                        atol=1e-5)
    bigger = input_shape[:-1] + [input_shape[-1] + 1]
    with self.assertRaises(snt.IncompatibleShapeError):
      snt.dynamic_unroll(core, tf.zeros([2, B] + bigger), core.initial_state(B))


if __name__ == "__main__":
  tf.test.main()
