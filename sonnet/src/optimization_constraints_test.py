# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.OptimizationConstraints and snt.get_lagrange_multiplier."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import optimization_constraints
from sonnet.src import test_utils


def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def _inverse_softplus(y):
  return np.log(np.expm1(y))


class LagrangeMultiplierTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*[(mode, init, expected) for mode in test_utils.MODES
                              for init, expected in (
                                  (0.5, 0.5), (17.3, 17.3), ([0.25, 3.0], [0.25, 3.0]),
                                  (tf.compat.v1.constant_initializer(3.14), 3.14))])
  def test_initial_value(self, mode, init, expected):
    shape = np.shape(expected)
    value = test_utils.evaluate_in_mode(
        mode, lambda: optimization_constraints.get_lagrange_multiplier(
            shape=shape, initializer=init))
    self.assertAllClose(value, np.broadcast_to(expected, shape), rtol=1e-5)

  @parameterized.parameters(*[(mode, maximize, rate) for mode in test_utils.MODES
                              for maximize, rate in ((True, 1.0), (True, 0.1), (False, 7.3))])
  def test_gradient_is_reversed_and_scaled(self, mode, maximize, rate):
    upstream = np.array([2.0, -1.0], np.float32)

    def fn():
      module = snt.Module(lambda: optimization_constraints.get_lagrange_multiplier(
          shape=[2], rate=rate, initializer=[0.5, 2.0], maximize=maximize))
      with tf.GradientTape() as tape:
        multiplier = module()
      variable = module.trainable_variables[0]
      return tape.gradient(multiplier, variable, output_gradients=tf.constant(upstream)), \
          variable

    grad, variable = test_utils.evaluate_in_mode(mode, fn)
    sign = -1.0 if maximize else 1.0
    expected = sign * rate * upstream * _sigmoid(_inverse_softplus(np.array([0.5, 2.0])))
    self.assertAllClose(variable, _inverse_softplus(np.array([0.5, 2.0])), rtol=1e-5)
    self.assertAllClose(grad, expected, rtol=1e-5)

  @test_utils.run_in_modes
  def test_valid_range_clips(self, mode):
    value = test_utils.evaluate_in_mode(
        mode, lambda: optimization_constraints.get_lagrange_multiplier(
            shape=[3], initializer=[0.5, 3.0, 1.5], valid_range=(1.0, 2.0)))
    self.assertAllClose(value, [1.0, 2.0, 1.5])

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, "must be positive"):
      optimization_constraints.get_lagrange_multiplier(initializer=-1.0)
    with self.assertRaisesRegex(ValueError, "must be positive"):
      optimization_constraints.get_lagrange_multiplier(shape=[2], initializer=[1.0, 0.0])
    with self.assertRaisesRegex(ValueError, "valid_range must be a pair"):
      optimization_constraints.get_lagrange_multiplier(valid_range=(2.0, 1.0))
    with self.assertRaisesRegex(ValueError, "valid_range must be a pair"):
      snt.OptimizationConstraints(valid_range=[1.0])
    with self.assertRaisesRegex(TypeError, "rate must be a number"):
      snt.OptimizationConstraints(rate="1")  # type: ignore[arg-type]


class ConstrainToRangeTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      # (value, sign of the loss, ascent, expected gradient)
      (0.5, 1.0, True, 1.0), (1.5, 1.0, True, 0.0), (1.5, -1.0, True, -1.0),
      (-0.5, 1.0, True, 1.0), (-0.5, -1.0, True, 0.0),
      (1.5, 1.0, False, 1.0), (1.5, -1.0, False, 0.0),
      (-0.5, 1.0, False, 0.0), (-0.5, -1.0, False, -1.0))
  def test_gradients_only_pull_back_into_range(self, value, sign, ascent, expected):
    x = tf.constant(value)
    with tf.GradientTape() as tape:
      tape.watch(x)
      z = optimization_constraints._constrain_to_range(x, 0.0, 1.0, ascent=ascent)
      loss = sign * z
    self.assertAllClose(z, np.clip(value, 0.0, 1.0))
    self.assertAllClose(tape.gradient(loss, x), expected)


class OptimizationConstraintsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      ("lt", [-1.0, 1.0]), ("le", [-1.0, 1.0]), ("gt", [1.0, -1.0]), ("ge", [1.0, -1.0]))
  def test_add_reads_the_comparison(self, op, expected):
    with tf.Graph().as_default():
      lhs = tf.constant([1.0, 3.0])
      rhs = tf.constant([2.0, 2.0])
      expression = {"lt": lhs < rhs, "le": lhs <= rhs, "gt": lhs > rhs, "ge": lhs >= rhs}[op]
      constraints = snt.OptimizationConstraints().add(expression)
      with tf.compat.v1.Session() as session:
        self.assertAllClose(session.run(constraints.constraints[0]), expected)

  def test_add_leq_geq_with_numbers(self):
    constraints = snt.OptimizationConstraints()
    constraints.add_leq(tf.constant(3.0), 1.0).add_geq(tf.constant([1.0, 4.0]))
    self.assertAllClose(constraints.constraints[0], 2.0)
    self.assertAllClose(constraints.constraints[1], [-1.0, -4.0])

  @test_utils.run_in_modes
  def test_call_returns_weighted_sum(self, mode):

    def fn():
      constraints = snt.OptimizationConstraints(valid_range=(0.0, 5.0))
      constraints.add_leq(tf.constant([1.0, 3.0]), 2.0, initializer=[0.5, 2.0])
      constraints.add_geq(tf.constant(1.0), 4.0, initializer=7.0)
      total = constraints()
      return total, constraints.lagrange_multipliers

    total, multipliers = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(multipliers[0], [0.5, 2.0], rtol=1e-5)
    self.assertAllClose(multipliers[1], 5.0)  # Clipped to the module's valid range.
    self.assertAllClose(total, 0.5 * -1.0 + 2.0 * 1.0 + 5.0 * 3.0, rtol=1e-5)

  @test_utils.run_in_modes
  def test_is_connected_flag(self, mode):
    # Sonnet 1's `_is_connected` attribute, read by its tests: False until the first call.
    def fn():
      constraints = snt.OptimizationConstraints().add_leq(tf.constant(3.0), 1.0)
      before = (constraints._is_connected, constraints.is_connected)  # noqa: SLF001
      total = constraints()
      self.assertEqual(before, (False, False))
      self.assertTrue(constraints._is_connected)  # noqa: SLF001
      self.assertTrue(constraints.is_connected)
      return total

    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), 2.0)

  def test_no_constraints(self):
    self.assertAllClose(snt.OptimizationConstraints()(), 0.0)

  def test_rate_overrides_and_variables(self):
    with tf.Graph().as_default():
      constraints = snt.OptimizationConstraints(rate=0.1)
      lhs = tf.constant(0.0)
      constraints.add(lhs < 1.0).add(lhs > 1.0, rate=7.3)
      total = constraints()
      variables = constraints.trainable_variables
      self.assertLen(variables, 2)
      grads = tf.gradients(total, variables)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        values = session.run(grads)
    # d/dv of lambda * g with lambda = softplus(v), the gradient reversed and scaled.
    self.assertAllClose(values[0], 0.1 * 1.0 * _sigmoid(_inverse_softplus(1.0)), rtol=1e-5)
    self.assertAllClose(values[1], -7.3 * 1.0 * _sigmoid(_inverse_softplus(1.0)), rtol=1e-5)

  def test_errors(self):
    with tf.Graph().as_default():
      x = tf.constant(1.0)
      constraints = snt.OptimizationConstraints()
      with self.assertRaisesRegex(ValueError, "expects a comparison tensor"):
        constraints.add(tf.equal(x, 1.0))
      with self.assertRaisesRegex(ValueError, "expects a comparison tensor"):
        constraints.add(x)
      constraints.add(x > 0.5)
      constraints()
      self.assertTrue(constraints.is_connected)
      for add in (lambda: constraints.add(x > 0.5), lambda: constraints.add_geq(x, 0.5),
                  lambda: constraints.add_leq(x, 0.5)):
        with self.assertRaisesRegex(ValueError, "Cannot add further constraints"):
          add()

  def test_minimal_constrained_problem_converges(self):
    # min x^2 subject to x >= 0.5: the saddle point is x = 0.5, lambda = 1.
    with tf.Graph().as_default():
      tf.compat.v1.set_random_seed(1)
      x = snt.TrainableVariable(shape=(), initializers={"w": tf.ones_initializer()})()
      constraints = snt.OptimizationConstraints().add(x > 0.5)
      loss = x ** 2 + constraints()
      update = tf.compat.v1.train.AdamOptimizer(1e-2, beta1=0.0).minimize(loss)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        for _ in range(500):
          session.run(update)
        x_value, multiplier = session.run([x, constraints.lagrange_multipliers[0]])
    self.assertAllClose(x_value, 0.5, atol=1e-4)
    self.assertAllClose(multiplier, 1.0, atol=1e-3)


if __name__ == "__main__":
  tf.test.main()
