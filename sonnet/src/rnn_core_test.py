# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the RNNCore protocol: zero and trainable initial states, state checks."""

import warnings

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import rnn_core
from sonnet.src import test_utils

B, H = 3, 4


class InitialStateTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_zero_state_with_tensor_batch(self, mode):
    def fn():
      lstm = snt.LSTM(H, projection_size=2)
      batch = tf.constant(B)
      return lstm.initial_state(batch), lstm.zero_state(B, tf.float64)

    state, zero64 = test_utils.evaluate_in_mode(mode, fn)
    self.assertIsInstance(state, snt.LSTMState)
    self.assertAllEqual(state.hidden, np.zeros([B, 2]))
    self.assertAllEqual(state.cell, np.zeros([B, H]))
    self.assertEqual(zero64.cell.dtype, np.float64)

  @test_utils.run_in_modes
  def test_trainable_initial_state(self, mode):
    def fn():
      lstm = snt.LSTM(H)
      init = snt.LSTMState(tf.constant_initializer(2.0), None)
      first = lstm.initial_state(B, trainable=True, trainable_initializers=init)
      batch = tf.constant(B + 1)
      second = lstm.initial_state(batch, trainable=True)
      if mode == test_utils.LEGACY:  # TF1 behaviour: `variables` needs a call (Sonnet 1).
        with self.assertRaises(snt.NotConnectedError):
          lstm.variables  # pylint: disable=pointless-statement
        variables = tf.compat.v1.global_variables()  # The graph holds only these.
      else:
        variables = lstm.variables
      names = sorted(v.name for v in variables)
      return first, second, tf.constant(names), tf.constant(lstm.scope_name)

    first, second, names, scope = test_utils.evaluate_in_mode(mode, fn)
    scope = np.asarray(scope).item().decode()
    self.assertAllEqual(first.hidden, np.full([B, H], 2.0))
    self.assertAllEqual(first.cell, np.zeros([B, H]))
    self.assertEqual(second.hidden.shape, (B + 1, H))
    # Created once, owned by the core (Sonnet 1 made new ones on every call).
    self.assertEqual([np.asarray(n).item().decode() for n in names],
                     [scope + "/initial_state_cell:0", scope + "/initial_state_hidden:0"])

  def test_trainable_initial_state_learns(self):
    gru = snt.GRU(H)
    x = tf.random.normal([3, B, 2])
    with tf.GradientTape() as tape:
      state = gru.initial_state(B, trainable=True)
      outputs, _ = snt.dynamic_unroll(gru, x, state)
      loss = tf.reduce_sum(outputs)
    variables = [v for v in gru.trainable_variables if "initial_state" in v.name]
    self.assertLen(variables, 1)
    grad = tape.gradient(loss, variables[0])
    self.assertGreater(np.abs(grad.numpy()).sum(), 0)

  def test_trainable_initial_state_regularizer(self):
    lstm = snt.LSTM(H)
    l2 = lambda v: tf.reduce_sum(tf.square(v))
    lstm.initial_state(B, trainable=True, trainable_initializers=snt.LSTMState(
        tf.ones_initializer(), tf.ones_initializer()), trainable_regularizers=snt.LSTMState(
            l2, None))
    self.assertAllClose(snt.get_regularization_loss(lstm), float(H))

  @parameterized.parameters(
      (snt.LSTMState(3, None), "not callable|callable objects"),
      ((None,), "structure of the state"),
  )
  def test_bad_trainable_initializers(self, initializers, regex):
    with self.assertRaisesRegex(ValueError, regex):
      snt.LSTM(H).initial_state(B, trainable=True, trainable_initializers=initializers)

  def test_bad_batch_size(self):
    with self.assertRaisesRegex(ValueError, "batch_size must be"):
      snt.LSTM(H).initial_state(-1)
    with self.assertRaisesRegex(ValueError, "batch_size must be"):
      snt.LSTM(H).initial_state("3")

  def test_trainable_initial_state_function_outside_module(self):
    with self.assertRaisesRegex(snt.Error, "outside of any module"):
      snt.trainable_initial_state(B, tf.TensorShape([H]))


class TrainableInitialStateModuleTest(tf.test.TestCase):

  def test_learns_from_first_row_and_masks(self):
    state = (tf.constant([[1.0, 2.0]] * B), tf.constant([[3.0]] * B))
    with warnings.catch_warnings(record=True) as caught:
      warnings.simplefilter("always")
      module = snt.TrainableInitialState(state, mask=(True, False))
    self.assertTrue(any(issubclass(w.category, DeprecationWarning) for w in caught))
    learned, passed = module()
    self.assertAllEqual(learned, state[0])
    self.assertIs(passed, state[1])
    self.assertLen(module.trainable_variables, 1)
    module.trainable_variables[0].assign([[5.0, 6.0]])
    self.assertAllEqual(module()[0], [[5.0, 6.0]] * B)

  def test_errors(self):
    with self.assertRaisesRegex(TypeError, "Mask should be None or a list of boolean"):
      snt.TrainableInitialState((tf.zeros([2, 1]),), mask=(1,))
    module = snt.TrainableInitialState((tf.constant([[1.0], [2.0]]),))
    with self.assertRaises(tf.errors.InvalidArgumentError):
      module()


  def test_first_call_inside_tf_function(self):
    # The variable is created outside the trace: its initializer must not read a tensor
    # of the function graph.
    module = snt.TrainableInitialState((np.array([[1.0, 2.0]] * B, np.float32),))
    learned, = tf.function(module)()
    self.assertAllEqual(learned, [[1.0, 2.0]] * B)
    self.assertAllEqual(module.trainable_variables[0], [[1.0, 2.0]])

  def test_state_computed_from_constants_inside_tf_function(self):
    def run():
      state = tf.fill([B, 2], 3.0)  # Known statically, though built in the trace.
      return snt.TrainableInitialState((state,))()[0]

    self.assertAllEqual(test_utils.evaluate_in_mode("tf_function", run), [[3.0, 3.0]] * B)

  def test_state_from_function_inputs_is_a_clear_error(self):
    @tf.function
    def run(x):
      return snt.TrainableInitialState((x,))()[0]

    with self.assertRaisesRegex(ValueError, r"initial_state\[0\] is a tensor computed inside"):
      run(tf.ones([B, 2]))

  def test_first_call_in_graph_mode(self):
    with tf.Graph().as_default():
      state = tf.constant([[1.0, 2.0]] * B)
      learned, = snt.TrainableInitialState((state,))()
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        self.assertAllEqual(session.run(learned), [[1.0, 2.0]] * B)

  def test_graph_mode_initializer_checks_rows(self):
    # As Sonnet 1: running the variables' initializer already fails on differing rows.
    with tf.Graph().as_default():
      snt.TrainableInitialState((tf.constant([[1.0], [2.0]]),))()
      with tf.compat.v1.Session() as session:
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "initial_state"):
          session.run(tf.compat.v1.global_variables_initializer())

class CheckStateTest(tf.test.TestCase):

  def test_messages_name_components(self):
    size = {"memory": (tf.TensorShape([2]), snt.LSTMState(tf.TensorShape([3]),
                                                          tf.TensorShape([3])))}
    good = {"memory": (tf.zeros([B, 2]), (tf.zeros([B, 3]), tf.zeros([B, 3])))}
    packed = rnn_core.check_state(good, size, module_name="m", arg_name="s", batch_size=B)
    self.assertIsInstance(packed["memory"][1], snt.LSTMState)
    with self.assertRaisesRegex(snt.IncompatibleShapeError,
                                r"m: s component s\['memory'\]\[1\].cell should have size"):
      rnn_core.check_state(
          {"memory": (tf.zeros([B, 2]), (tf.zeros([B, 3]), tf.zeros([B, 1])))}, size,
          module_name="m", arg_name="s")
    with self.assertRaisesRegex(ValueError, r"s\['memory'\]\[1\]: expected a LSTMState"):
      rnn_core.check_state({"memory": (tf.zeros([B, 2]), tf.zeros([B, 3]))}, size,
                           module_name="m", arg_name="s")
    with self.assertRaisesRegex(ValueError, r"expected a dict with keys \['memory'\]"):
      rnn_core.check_state({"other": 1}, size, module_name="m", arg_name="s")

  def test_flatten_up_to_names_the_whole_path(self):
    size = (tf.TensorShape([1]), (tf.TensorShape([2]), tf.TensorShape([3])))
    # A structure where `size` has a leaf is fine; the error further on names its full path.
    self.assertEqual(rnn_core.flatten_up_to(size, ((1, 2), [3, [4]]), "keep_probs"),
                     [(1, 2), 3, [4]])
    with self.assertRaisesRegex(
        ValueError, r"^keep_probs\[1\]: expected a tuple of length 2 but got a tuple of "
        r"length 1$"):
      rnn_core.flatten_up_to(size, ((1, 2), (3,)), "keep_probs")


if __name__ == "__main__":
  tf.test.main()
