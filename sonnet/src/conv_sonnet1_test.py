# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Sonnet 1 compatibility of the convolutions: mask broadcasting, error wording, TF1
shapes (tf.compat.v1.Dimension) in legacy mode."""

import os
import subprocess
import sys
import textwrap

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import conv_reference
from sonnet.src import initializers

RANDOM = initializers.random_normal(stddev=1.0)
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class MaskBroadcastTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      # (n, mask shape): leading dimensions of kernel + (in=2, out=3).
      (2, (3,)), (2, (3, 3)), (2, (3, 3, 2)), (2, (3, 3, 2, 3)), (1, (3,)), (1, (3, 2)),
      (1, (3, 2, 3)), (3, (3,)), (3, (3, 3)), (3, (3, 3, 3, 2)))
  def test_leading_dims_mask_is_broadcast(self, n, mask_shape):
    rng = np.random.RandomState(len(mask_shape))
    mask = rng.randint(0, 2, size=mask_shape).astype(np.float32)
    x = rng.randn(1, *([4] * n), 2).astype(np.float32)
    module = {1: snt.Conv1D, 2: snt.Conv2D, 3: snt.Conv3D}[n](
        3, 3, mask=mask, padding=snt.VALID, use_bias=False, initializers={"w": RANDOM})
    out = module(x)
    w = module.w.numpy()
    full = np.broadcast_to(mask.reshape(mask_shape + (1,) * (n + 2 - mask.ndim)), w.shape)
    expected = conv_reference.conv(x, w * full, (1,) * n, (1,) * n, [(0, 0)] * n)
    self.assertAllClose(out, expected, rtol=1e-4, atol=1e-4)

  @parameterized.parameters((3,), (5, 4), (5, 5, 6, 4, 1))
  def test_bad_mask_shape_message_starts_with_sonnet1_words(self, *mask_shape):
    with self.assertRaises(snt.Error) as cm:
      snt.Conv2D(4, 5, mask=np.ones(mask_shape))(tf.zeros([2, 8, 8, 6]))
    self.assertTrue(str(cm.exception).startswith(
        f"Invalid mask shape: {mask_shape}"), str(cm.exception))

  def test_mask_channels_checked_at_call(self):
    module = snt.Conv2D(4, 3, mask=np.ones([3, 3, 5]))
    with self.assertRaises(snt.IncompatibleShapeError) as cm:
      module(tf.zeros([1, 6, 6, 2]))
    self.assertTrue(str(cm.exception).startswith("Invalid mask shape: (3, 3, 5)"))


class ErrorWordingTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      (lambda: snt.Conv2D(2, [3]), r"Invalid kernel shape: x is \[3\], must be either a "
       "positive integer or an iterable of positive integers of size 2"),
      (lambda: snt.DepthwiseConv2D(2, 3, stride=[1, 1, 1]), r"Invalid stride shape: x is "
       r"\[1, 1, 1\], must be either a positive integer or an iterable of positive integers "
       "of size 2"),
      (lambda: snt.SeparableConv1D(2, 1, [3, 3]), r"Invalid kernel shape: x is \[3, 3\]"),
      (lambda: snt.Conv1DTranspose(2, None, 3, stride=[1, 1]), "of size 1"))
  def test_shape_argument_messages(self, make, regex):
    with self.assertRaisesRegex(snt.IncompatibleShapeError, regex):
      make()

  def test_transpose_kernel_none(self):
    with self.assertRaisesRegex(ValueError, "`kernel_shape` cannot be None."):
      snt.Conv2DTranspose(2, None, None)


_LEGACY_SCRIPT = textwrap.dedent("""
    import numpy as np
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    import sonnet as snt

    results = []
    for make, rank in [(lambda: snt.Conv2D(2, 3), 4), (lambda: snt.Conv1D(2, 3), 3),
                       (lambda: snt.Conv3D(2, 3), 5),
                       (lambda: snt.DepthwiseConv2D(2, 3), 4),
                       (lambda: snt.SeparableConv2D(2, 1, 3), 4),
                       (lambda: snt.InPlaneConv2D(3), 4),
                       (lambda: snt.Conv2DTranspose(2, None, 3), 4)]:
      try:
        make()(tf.placeholder(tf.float32, (4,) * (rank - 1) + (None,)))
        results.append("no error")
      except snt.UnderspecifiedError as e:
        results.append("Number of input channels" in str(e))
    print("UNDERSPECIFIED", results)

    x = tf.placeholder(tf.float32, [2, 6, 6, 3])
    outs = [snt.Conv2D(4, 3, padding=(snt.SAME, snt.CAUSAL),
                       padding_value=snt.REFLECT_PADDING)(x),
            snt.DepthwiseConv2D(2, 3, padding=snt.FULL,
                                padding_value=snt.SYMMETRIC_PADDING)(x),
            snt.SeparableConv2D(4, 1, 3, stride=(2, 1))(x),
            snt.Conv2DTranspose(5, tf.Dimension(12), 3, stride=2)(x),
            snt.Conv2DTranspose(5, tf.TensorShape([12, 12]), 3, stride=2)(x),
            snt.Conv1D(2, 3)(tf.placeholder(tf.float32, [None, 7, 3]))]
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      values = sess.run(outs[:-1], {x: np.ones([2, 6, 6, 3], np.float32)})
    print("SHAPES", [list(v.shape) for v in values], outs[-1].shape.as_list())
""")


class LegacyModeTest(tf.test.TestCase):

  def test_tf1_shapes_with_dimension_objects(self):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", _LEGACY_SCRIPT], env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines()
                 if line.startswith(("UNDERSPECIFIED", "SHAPES")))
    self.assertEqual(lines["UNDERSPECIFIED"], str([True] * 7))
    self.assertEqual(
        lines["SHAPES"],
        "[[2, 6, 6, 4], [2, 8, 8, 6], [2, 3, 6, 4], [2, 12, 12, 5], [2, 12, 12, 5]] "
        "[None, 7, 2]")


if __name__ == "__main__":
  tf.test.main()
