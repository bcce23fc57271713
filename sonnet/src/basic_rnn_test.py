# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for VanillaRNN, DeepRNN and ModelRNN."""

from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

B, IN, H = 2, 3, 4


def _const(value):
  return lambda shape, dtype=tf.float32, **unused: tf.constant(value, dtype)


class ScaleCore(snt.RNNCore):
  """Output = state = prev_state * scale + sum(inputs); accepts a `scale` keyword."""

  def __init__(self, size, name=None):
    super().__init__(name=name)
    self._size = size

  def _build(self, inputs, prev_state, scale=1.0):
    next_state = prev_state * scale + tf.reduce_sum(inputs, 1, keepdims=True)
    return next_state, next_state

  @property
  def state_size(self):
    return tf.TensorShape([self._size])

  @property
  def output_size(self):
    return tf.TensorShape([self._size])


class VanillaRNNTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_matches_numpy(self, mode):
    rng = np.random.RandomState(0)
    w_ih, b_ih = rng.randn(IN, H), rng.randn(H)
    w_hh, b_hh = rng.randn(H, H), rng.randn(H)
    x, h = rng.randn(B, IN).astype(np.float32), rng.randn(B, H).astype(np.float32)

    def fn():
      rnn = snt.VanillaRNN(H, initializers={
          "in_to_hidden": {"w": _const(w_ih), "b": _const(b_ih)},
          "hidden_to_hidden": {"w": _const(w_hh), "b": _const(b_hh)}})
      return rnn(tf.constant(x), tf.constant(h))

    output, state = test_utils.evaluate_in_mode(mode, fn)
    expected = np.tanh(x @ w_ih + b_ih + h @ w_hh + b_hh)
    self.assertAllClose(output, expected, atol=1e-5)
    self.assertAllClose(state, expected, atol=1e-5)

  @test_utils.run_in_modes
  def test_state_of_another_size_as_sonnet1(self, mode):
    # Sonnet 1 computed with it: hidden_to_hidden takes its input size from the state.
    rng = np.random.RandomState(1)
    other = H + 2
    w_ih, w_hh = rng.randn(IN, H), rng.randn(other, H)
    x, h = rng.randn(B, IN).astype(np.float32), rng.randn(B, other).astype(np.float32)

    def fn():
      rnn = snt.VanillaRNN(H, initializers={"in_to_hidden": {"w": _const(w_ih)},
                                            "hidden_to_hidden": {"w": _const(w_hh)}})
      output, state = rnn(tf.constant(x), tf.constant(h))
      self.assertEqual(rnn.hidden_to_hidden_linear.w.shape, (other, H))
      # The Linear keeps its input size: the next step's state (size H) is refused.
      with self.assertRaisesRegex(snt.IncompatibleShapeError,
                                  rf"\[batch_size, {other}\] not: \[batch_size, {H}\]"):
        rnn(tf.constant(x), state)
      return output

    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn),
                        np.tanh(x @ w_ih + h @ w_hh), atol=1e-5)

  @test_utils.run_in_modes
  def test_single_initializer_for_a_linear_refused_when_called(self, mode):
    # As Sonnet 1 (its Linears were built at the first call): accepted at construction,
    # refused by the Linear's check when the core is called, also by an unroll.
    def fn():
      rnn = snt.VanillaRNN(H, initializers={"hidden_to_hidden": tf.zeros_initializer()})
      for call in (lambda: rnn(tf.zeros([B, IN]), rnn.zero_state(B, dtype=tf.float32)),
                   lambda: snt.dynamic_unroll(rnn, tf.zeros([2, B, IN]),
                                              rnn.zero_state(B, dtype=tf.float32))):
        with self.assertRaisesRegex(TypeError, "Expected a dict-like object with possible "
                                    r"keys \['b', 'w'\], received .*A dict of initializers"):
          call()
      self.assertFalse(rnn.is_connected)
      rnn = snt.VanillaRNN(H, regularizers={"in_to_hidden": tf.nn.l2_loss})
      with self.assertRaisesRegex(TypeError, "A dict of regularizers was expected"):
        rnn(tf.zeros([B, IN]), rnn.zero_state(B, dtype=tf.float32))
      # The entries given as dicts are passed on.
      rnn = snt.VanillaRNN(H, initializers={"in_to_hidden": {"b": tf.ones_initializer()}},
                           regularizers={"in_to_hidden": {"b": tf.nn.l2_loss}})
      return rnn(tf.zeros([B, IN]), rnn.zero_state(B, dtype=tf.float32))[0]

    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), np.full([B, H], np.tanh(1.0)))

  def test_variables_and_unroll(self):
    rnn = snt.VanillaRNN(H)
    x = tf.random.normal([5, B, IN])
    dynamic, _ = snt.dynamic_unroll(rnn, x, rnn.initial_state(B))
    static, _ = snt.static_unroll(rnn, x, rnn.initial_state(B))
    self.assertAllClose(dynamic, static, atol=1e-6)
    names = sorted(v.name for v in rnn.variables)
    self.assertEqual(names, [rnn.scope_name + "/" + n + ":0" for n in (
        "hidden_to_hidden/b", "hidden_to_hidden/w", "in_to_hidden/b", "in_to_hidden/w")])
    # Sonnet 1's order: (w, b).
    self.assertEqual([v.name for v in rnn.in_to_hidden_variables],
                     [rnn.scope_name + "/in_to_hidden/" + n + ":0" for n in ("w", "b")])
    self.assertEqual([v.name for v in rnn.hidden_to_hidden_variables],
                     [rnn.scope_name + "/hidden_to_hidden/" + n + ":0" for n in ("w", "b")])

  def test_bad_input(self):
    rnn = snt.VanillaRNN(H)
    with self.assertRaises(snt.IncompatibleShapeError):
      rnn(tf.zeros([B, IN, 1]), rnn.initial_state(B))
    with self.assertRaisesRegex(KeyError, "in_to_hidden"):
      snt.VanillaRNN(H, initializers={"w": tf.zeros_initializer()})


class DeepRNNTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_skip_connections_concatenate(self, mode):
    x = np.arange(B * IN, dtype=np.float32).reshape(B, IN)

    def fn():
      cores = [ScaleCore(1, name="a"), ScaleCore(2, name="b"), ScaleCore(1, name="c")]
      deep = snt.DeepRNN(cores)
      state = (tf.ones([B, 1]), tf.ones([B, 2]), tf.ones([B, 1]))
      return deep(tf.constant(x), state), deep.output_size

    (output, state), output_size = test_utils.evaluate_in_mode(mode, fn)
    out0 = 1 + x.sum(1, keepdims=True)
    in1 = np.concatenate([x, out0], 1)
    out1 = np.ones([B, 2]) + in1.sum(1, keepdims=True)
    in2 = np.concatenate([x, out1], 1)
    out2 = 1 + in2.sum(1, keepdims=True)
    self.assertAllClose(output, np.concatenate([out0, out1, out2], 1))
    self.assertAllClose(state[1], out1)
    self.assertEqual(output_size, tf.TensorShape([4]))

  def test_last_output_only(self):
    deep = snt.DeepRNN([snt.LSTM(3), snt.GRU(5)], concat_final_output_if_skip=False)
    output, _ = deep(tf.zeros([B, IN]), deep.initial_state(B))
    self.assertEqual(output.shape, [B, 5])
    self.assertEqual(deep.output_size, tf.TensorShape([5]))

  def test_without_skip_connections_allows_ops_between_cores(self):
    deep = snt.DeepRNN([snt.LSTM(3), tf.tanh, snt.Linear(2), snt.GRU(4)],
                       skip_connections=False)
    self.assertEqual(deep.output_size, tf.TensorShape([4]))
    self.assertLen(deep.state_size, 2)
    outputs, final = snt.dynamic_unroll(deep, tf.ones([3, B, IN]), deep.initial_state(B))
    self.assertEqual(outputs.shape, [3, B, 4])
    self.assertIsInstance(final[0], snt.LSTMState)
    self.assertLen(deep.trainable_variables, 2 + 2 + 9)

  def test_dynamic_and_static_unroll_agree(self):
    # dynamic_unroll passes on the first LSTM's precomputed input projection.
    x = tf.random.normal([4, B, IN])
    for skip in (True, False):
      deep = snt.DeepRNN([snt.LSTM(3), snt.GRU(2), snt.VanillaRNN(2)], skip_connections=skip)
      with tf.GradientTape(persistent=True) as tape:
        dynamic = snt.dynamic_unroll(deep, x, deep.initial_state(B))
        static = snt.static_unroll(deep, x, deep.initial_state(B))
        losses = [tf.reduce_sum(tf.sin(r[0])) for r in (dynamic, static)]
      self.assertAllClose(dynamic, static, atol=1e-6)
      grads = [tape.gradient(loss, deep.trainable_variables) for loss in losses]
      self.assertAllClose(grads[0], grads[1], atol=1e-5)

  def test_kwargs_forwarded_to_cores_that_accept_them(self):
    deep = snt.DeepRNN([ScaleCore(1), tf.identity, ScaleCore(1)], skip_connections=False)
    state = (tf.ones([B, 1]), tf.ones([B, 1]))
    output, _ = deep(tf.zeros([B, IN]), state, scale=3.0)
    # Core 0: 1 * 3 + 0; identity; core 2: 1 * 3 + 3 (without forwarding: 2).
    self.assertAllClose(output, np.full([B, 1], 6.0))

  def test_trainable_initial_state(self):
    lstm, gru = snt.LSTM(3), snt.GRU(2)
    deep = snt.DeepRNN([lstm, gru])
    init = snt.LSTMState(_const(np.ones([1, 3])), _const(np.full([1, 3], 2.0)))
    state = deep.initial_state(B, trainable=True, trainable_initializers=[init, None])
    self.assertAllClose(state[0].cell, np.full([B, 3], 2.0))
    self.assertAllClose(state[1], np.zeros([B, 2]))
    deep.initial_state(B, trainable=True)
    self.assertLen(lstm.variables, 2)  # Owned by the cores, created once.
    with self.assertRaisesRegex(ValueError, "number of initializers and recurrent cores"):
      deep.initial_state(B, trainable=True, trainable_initializers=[init])

  def test_bad_construction(self):
    with self.assertRaisesRegex(ValueError, "iterable"):
      snt.DeepRNN(snt.LSTM(3))
    with self.assertRaisesRegex(ValueError, "not all cores are"):
      snt.DeepRNN([snt.LSTM(3), tf.tanh])
    with self.assertRaisesRegex(ValueError, "agree beyond the first dimension"):
      snt.DeepRNN([snt.LSTM(3), snt.Conv1DLSTM((4, 2), 3, 1)])

  @test_utils.run_in_modes
  def test_vanilla_rnn_state_of_another_size_as_sonnet1(self, mode):
    # Sonnet 1's DeepRNN passed each core its state: a VanillaRNN takes any state size.
    def fn():
      cores = [snt.VanillaRNN(4, name="rnn1"), snt.VanillaRNN(5, name="rnn2")]
      deep = snt.DeepRNN(cores, skip_connections=False)
      output, state = deep(tf.ones([B, IN]), (tf.ones([B, 4]), tf.ones([B, 4])))
      shapes = sorted((v.name, tuple(v.shape)) for core in cores for v in core.variables)
      self.assertEqual(shapes, [
          ("rnn1/hidden_to_hidden/b:0", (4,)), ("rnn1/hidden_to_hidden/w:0", (4, 4)),
          ("rnn1/in_to_hidden/b:0", (4,)), ("rnn1/in_to_hidden/w:0", (IN, 4)),
          ("rnn2/hidden_to_hidden/b:0", (5,)), ("rnn2/hidden_to_hidden/w:0", (4, 5)),
          ("rnn2/in_to_hidden/b:0", (5,)), ("rnn2/in_to_hidden/w:0", (4, 5))])
      # rnn2 read rnn1's output (its state) with the given [B, 4] state.
      return output, state, cores[1](state[0], tf.ones([B, 4]))[0]

    output, state, expected = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(output.shape, (B, 5))
    self.assertEqual([s.shape for s in state], [(B, 4), (B, 5)])
    self.assertAllClose(output, state[1])
    self.assertAllClose(output, expected)

  def test_bad_state_names_component(self):
    deep = snt.DeepRNN([snt.LSTM(3), snt.GRU(2)])
    with self.assertRaisesRegex(snt.IncompatibleShapeError, r"prev_state\[0\].cell"):
      deep(tf.zeros([B, IN]), (snt.LSTMState(tf.zeros([B, 3]), tf.zeros([B, 4])),
                               tf.zeros([B, 2])))


class DeepRNNOutputSizeTest(tf.test.TestCase):

  def test_final_core_without_output_size_warns(self):
    rnn = snt.DeepRNN([snt.LSTM(H), snt.Linear(7), tf.nn.relu], skip_connections=False)
    with mock.patch.object(tf.compat.v1.logging, "warning") as warning:
      self.assertEqual(rnn.output_size, tf.TensorShape([7]))  # Guessed from the Linear.
    self.assertIn("final core %s does not have the .output_size field", warning.call_args[0][0])
    self.assertEqual(warning.call_args[0][2], 7)
    rnn(tf.zeros([B, IN]), rnn.initial_state(B))
    with mock.patch.object(tf.compat.v1.logging, "warning") as warning:
      self.assertEqual(rnn.output_size, tf.TensorShape([7]))  # Seen in the connection.
    self.assertIn("so inferred output size as %s", warning.call_args[0][0])

  def test_skip_connections_concatenate_multi_dimensional_sizes_on_last_axis(self):
    cores = [snt.Conv2DLSTM((5, 5, 2), 3, 1), snt.Conv2DLSTM((5, 5, 2), 3, 1)]
    rnn = snt.DeepRNN(cores)
    self.assertEqual(rnn.output_size, tf.TensorShape([5, 5, 6]))
    # The second core's input has 2 + 3 channels, not its input_shape's 2 (as Sonnet 1).
    output, _ = rnn(tf.zeros([B, 5, 5, 2]), rnn.initial_state(B))
    self.assertEqual(output.shape, [B, 5, 5, 6])
    self.assertEqual(cores[1]._w_input.shape, [1, 1, 5, 12])


class WrapperCoresTest(tf.test.TestCase):

  def test_model_rnn(self):
    linear = snt.Linear(3)
    core = snt.ModelRNN(linear)
    output, state = core(tf.ones([B, 7]), tf.ones([B, 3]))
    self.assertAllClose(output, linear(tf.ones([B, 3])))
    self.assertEqual(core.state_size, tf.TensorShape([3]))
    with self.assertRaises(TypeError):
      snt.ModelRNN(3)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaises(AttributeError):
      snt.ModelRNN(tf.tanh)
    with self.assertRaises(TypeError):
      snt.ModelRNN(snt.LSTM(3))


if __name__ == "__main__":
  tf.test.main()
