# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.argument_checks: accepted values, returned types, error texts."""

import fractions
import re
from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import argument_checks as checks


class PredicatesTest(parameterized.TestCase):

  @parameterized.parameters((3, True), (np.int64(3), True), (np.int32(0), True), (-1, True),
                            (True, False), (False, False), (3.0, False), ("3", False),
                            (None, False))
  def test_is_integer(self, value, expected):
    self.assertIs(checks.is_integer(value), expected)

  @parameterized.parameters((1, True), (np.uint8(7), True), (0, False), (-2, False),
                            (True, False), (1.0, False))
  def test_is_positive_int(self, value, expected):
    self.assertIs(checks.is_positive_int(value), expected)

  @parameterized.parameters((1, True), (0.5, True), (np.float32(2), True), (float("nan"), True),
                            (fractions.Fraction(1, 3), True), (True, False), (1j, False),
                            ("1", False), (None, False))
  def test_is_number(self, value, expected):
    self.assertIs(checks.is_number(value), expected)


class CheckPositiveIntTest(parameterized.TestCase):

  @parameterized.parameters(1, 7, np.int64(5), np.int32(2))
  def test_accepts_and_returns_python_int(self, value):
    result = checks.check_positive_int("lstm", "hidden_size", value)
    self.assertEqual(result, int(value))
    self.assertIs(type(result), int)

  @parameterized.parameters(0, -3, 2.0, True, "4", None)
  def test_default_message(self, value):
    expected = f"lstm: hidden_size must be a positive integer, got {value!r}."
    with self.assertRaisesRegex(ValueError, "^" + re.escape(expected) + "$"):
      checks.check_positive_int("lstm", "hidden_size", value)

  @parameterized.parameters(2.0, np.float32(3), np.float64(1), tf.compat.v1.Dimension(4))
  def test_tf1_sizes(self, value):
    # As Sonnet 1's modules: a TF1 program passes integral floats and Dimensions as sizes.
    result = checks.check_positive_int("lstm", "hidden_size", value, tf1_sizes=True)
    self.assertEqual(result, int(value))
    self.assertIs(type(result), int)
    self.assertEqual(checks.check_non_negative_int("m", "start", value, tf1_sizes=True),
                     int(value))

  @parameterized.parameters(2.5, -2.0, 0.0, tf.compat.v1.Dimension(None), True)
  def test_tf1_sizes_refused_with_the_value_given(self, value):
    expected = f"lstm: hidden_size must be a positive integer, got {value!r}."
    with self.assertRaisesRegex(ValueError, "^" + re.escape(expected) + "$"):
      checks.check_positive_int("lstm", "hidden_size", value, tf1_sizes=True)

  @parameterized.parameters(2.5, float("inf"), float("nan"), "2", True)
  def test_as_integral_leaves_other_values(self, value):
    self.assertIs(checks.as_integral(value), value)

  def test_site_templates(self):
    # Keyword, positional and module-less templates, as the modules use them.
    with self.assertRaisesRegex(ValueError, r"^`groups` must be a positive int, got 0\.$"):
      checks.check_positive_int("group_norm", "groups", 0,
                                message="`{arg}` must be a positive int, got {value!r}.")
    with self.assertRaisesRegex(ValueError, r"^max_unique_stats must be >= 1, got -1\.$"):
      checks.check_positive_int("bn_lstm", "max_unique_stats", -1,
                                message="max_unique_stats must be >= 1, got {!r}.")
    with self.assertRaisesRegex(ValueError, r"^num_dim must be a positive integer, got 'a'\.$"):
      checks.check_positive_int(None, "num_dim", "a",
                                message="num_dim must be a positive integer, got {value!r}.")

  def test_type_message_splits_type_and_value_errors(self):
    kwargs: dict[str, Any] = dict(
        message="{module}: n_dims must be >= 1, got {value!r}.",
        type_message="{module}: n_dims must be an integer, got {value!r}.")
    self.assertEqual(checks.check_positive_int("batch_apply", "n_dims", 2, **kwargs), 2)
    with self.assertRaisesRegex(TypeError, r"^batch_apply: n_dims must be an integer, got 2\.5\.$"):
      checks.check_positive_int("batch_apply", "n_dims", 2.5, **kwargs)
    with self.assertRaisesRegex(TypeError, r"^batch_apply: n_dims must be an integer, got True\.$"):
      checks.check_positive_int("batch_apply", "n_dims", True, **kwargs)
    with self.assertRaisesRegex(ValueError, r"^batch_apply: n_dims must be >= 1, got 0\.$"):
      checks.check_positive_int("batch_apply", "n_dims", 0, **kwargs)


class CheckNonNegativeIntTest(parameterized.TestCase):

  @parameterized.parameters(0, 1, np.int16(9))
  def test_accepts(self, value):
    result = checks.check_non_negative_int("act", "max_steps", value)
    self.assertEqual(result, int(value))
    self.assertIs(type(result), int)

  @parameterized.parameters(-1, 0.0, False, None)
  def test_message(self, value):
    expected = f"act: max_steps must be a non-negative integer, got {value!r}."
    with self.assertRaisesRegex(ValueError, "^" + re.escape(expected) + "$"):
      checks.check_non_negative_int("act", "max_steps", value)


class CheckNumbersTest(parameterized.TestCase):

  @parameterized.parameters(1, 1e-5, np.float32(0.5), fractions.Fraction(1, 2))
  def test_positive_number_accepts(self, value):
    result = checks.check_positive_number("ln", "eps", value)
    self.assertIs(type(result), float)
    self.assertEqual(result, float(value))

  @parameterized.parameters(0, -1e-3, float("nan"), True, "1", None)
  def test_positive_number_message(self, value):
    expected = f"`eps` must be a positive number, got {value!r}."
    with self.assertRaisesRegex(ValueError, "^" + re.escape(expected) + "$"):
      checks.check_positive_number("ln", "eps", value)

  def test_positive_number_or_none(self):
    self.assertIsNone(checks.check_positive_number("lstm", "cell_clip_value", None,
                                                   allow_none=True))
    self.assertEqual(checks.check_positive_number("lstm", "cell_clip_value", 3,
                                                  allow_none=True), 3.0)
    with self.assertRaisesRegex(
        ValueError, r"^lstm: cell_clip_value must be None or a positive number, got -1\.$"):
      checks.check_positive_number("lstm", "cell_clip_value", -1, allow_none=True,
                                   message=checks.ERR_POSITIVE_NUMBER_OR_NONE)

  @parameterized.parameters(0, 0.25, np.float64(7))
  def test_non_negative_number_accepts(self, value):
    self.assertEqual(checks.check_non_negative_number("vq", "commitment_cost", value),
                     float(value))

  @parameterized.parameters(-0.5, float("nan"), False, None)
  def test_non_negative_number_message(self, value):
    expected = f"`commitment_cost` must be a non-negative number, got {value!r}."
    with self.assertRaisesRegex(ValueError, "^" + re.escape(expected) + "$"):
      checks.check_non_negative_number("vq", "commitment_cost", value)

  @parameterized.parameters(0, 0.5, 1, np.float32(1))
  def test_closed_range_accepts_bounds(self, value):
    self.assertEqual(checks.check_number_in_range("bn", "decay_rate", value), float(value))

  @parameterized.parameters(-0.1, 1.5, float("nan"), True, "0.5", None)
  def test_closed_range_message(self, value):
    expected = f"`decay_rate` must be in [0, 1], got {value!r}."
    with self.assertRaisesRegex(ValueError, "^" + re.escape(expected) + "$"):
      checks.check_number_in_range("bn", "decay_rate", value)

  def test_half_open_range_and_none(self):
    message = "{arg} must be None or a number in (0, 1], got {value!r}."
    kwargs: dict[str, Any] = dict(low_open=True, allow_none=True, message=message)
    self.assertIsNone(checks.check_number_in_range(None, "keep_probs", None, **kwargs))
    self.assertEqual(checks.check_number_in_range(None, "keep_probs", 1, **kwargs), 1.0)
    with self.assertRaisesRegex(
        ValueError, r"^keep_probs must be None or a number in \(0, 1\], got 0\.$"):
      checks.check_number_in_range(None, "keep_probs", 0, **kwargs)

  def test_custom_bounds(self):
    self.assertEqual(checks.check_number_in_range("m", "x", -2, low=-2, high=2), -2.0)
    with self.assertRaisesRegex(ValueError, r"^`x` must be in \[-2, 2\], got 3\.$"):
      checks.check_number_in_range("m", "x", 3, low=-2, high=2)


class CheckOneOfTest(parameterized.TestCase):

  def test_accepts(self):
    self.assertEqual(checks.check_one_of("rmc", "gate_style", "unit", ("unit", "memory", None)),
                     "unit")
    self.assertIsNone(checks.check_one_of("rmc", "gate_style", None, ("unit", None)))
    self.assertEqual(checks.check_one_of("m", "conv_ndims", np.int64(2), (1, 2, 3)), 2)

  def test_default_message_shows_choices_as_given(self):
    with self.assertRaisesRegex(
        ValueError, r"^conv: data_format must be one of \['NHWC', 'NCHW'\], got 'NWC'\.$"):
      checks.check_one_of("conv", "data_format", "NWC", ["NHWC", "NCHW"])
    with self.assertRaisesRegex(
        ValueError, r"^conv: data_format must be one of \('NHWC', 'NCHW'\), got None\.$"):
      checks.check_one_of("conv", "data_format", None, ("NHWC", "NCHW"))

  def test_bool_does_not_match_an_int_choice(self):
    with self.assertRaisesRegex(ValueError, r"^conv_ndims must be 1, 2 or 3, got True\.$"):
      checks.check_one_of("m", "conv_ndims", True, (1, 2, 3),
                          message="conv_ndims must be 1, 2 or 3, got {!r}.")
    self.assertIs(checks.check_one_of("m", "flag", True, (True, None)), True)


class CheckCallableTest(parameterized.TestCase):

  def test_accepts_and_returns(self):
    self.assertIs(checks.check_callable("mlp", "activation", tf.nn.relu), tf.nn.relu)

  def test_messages(self):
    with self.assertRaisesRegex(TypeError, r"^batch_apply: module_or_op must be callable, "
                                r"got 3\.$"):
      checks.check_callable("batch_apply", "module_or_op", 3)
    with self.assertRaisesRegex(TypeError, r"^activation must be callable, got 'relu'\.$"):
      checks.check_callable("mlp", "activation", "relu",
                            message="activation must be callable, got {!r}.")


class CheckBoolFlagTest(tf.test.TestCase):

  def test_python_and_numpy_bools(self):
    self.assertIs(checks.check_bool_flag("bn", "is_training", True), True)
    self.assertIs(checks.check_bool_flag("bn", "is_training", np.bool_(False)), False)

  def test_boolean_tensor_and_variable(self):
    flag = checks.check_bool_flag("bn", "is_training", tf.constant(True))
    self.assertTrue(tf.is_tensor(flag))
    self.assertTrue(bool(self.evaluate(flag)))
    variable = tf.Variable(False)
    self.assertFalse(bool(self.evaluate(checks.check_bool_flag("bn", "is_training",
                                                               variable))))

  def test_refused(self):
    for value in (1, "True", None, tf.constant(1), tf.constant([True, False])):
      expected = (f"bn: `is_training` must be a Python bool or a boolean scalar tensor, "
                  f"got {value!r}.")
      with self.assertRaisesRegex(TypeError, "^" + re.escape(expected) + "$"):
        checks.check_bool_flag("bn", "is_training", value)


if __name__ == "__main__":
  tf.test.main()
