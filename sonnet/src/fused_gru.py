# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""A fused GRU kernel for `snt.dynamic_unroll`: the whole sequence with a hand-written
gradient (the GRU counterpart of `fused_lstm.py`).

`snt.GRU._fused_unroll` uses it for a single (non-nested) input sequence.
"""

import tensorflow as tf


def fused_gru_sequence(projected: tf.Tensor, hidden: tf.Tensor, u_zr: tf.Tensor,
                       u_h: tf.Tensor, sequence_length: tf.Tensor | None = None,
                       parallel_iterations: int = 10) -> tuple[tf.Tensor, tf.Tensor]:
  """A GRU over a whole sequence, with a hand-written backward loop.

  Computes, step by step, exactly what `snt.GRU` does: `z, r = split(sigmoid(x_zr +
  h @ u_zr))`, `h~ = tanh(x_h + (r * h) @ u_h)`, `h' = (1 - z) * h + z * h~`. The forward
  loop keeps only the gates, the candidates and (with `sequence_length`) the held states;
  everything the backward recurrence needs that does not depend on it is computed for all
  steps at once before the backward loop, which then holds few ops (each op inside a
  `tf.while_loop` costs several times what it costs outside); the recurrent weights'
  gradients are two large matrix products after it.

  Args:
    projected: `[T, B, 3H]`: inputs times `[wz, wr, wh]` plus `[bz, br, bh]`.
    hidden: `[B, H]` initial state.
    u_zr: `[H, 2H]`: `[uz, ur]`.
    u_h: `[H, H]`.
    sequence_length: optional int32 `[B]`: outputs past the end are zero and the state is
      held (as `snt.dynamic_unroll`).
    parallel_iterations: passed to the loops.

  Returns:
    `(outputs [T, B, H], final state [B, H])`.
  """
  masked = sequence_length is not None

  @tf.custom_gradient
  def run(projected, h_0, u_zr, u_h):
    num_steps = tf.shape(projected)[0]
    dtype = projected.dtype
    size = tf.compat.dimension_value(u_h.shape[0])
    gates_shape = projected.shape[1:]
    state_shape = h_0.shape
    zr_shape = h_0.shape[:1].concatenate([2 * size])

    def array(element_shape, value=None, dtype=dtype, **kwargs):
      ta = tf.TensorArray(dtype, size=num_steps, element_shape=element_shape, **kwargs)
      return ta if value is None else ta.unstack(value)

    inputs = array(gates_shape, projected)
    valid_ta = valid_mask = None
    if sequence_length is not None:
      # Loop invariants made once, outside the loops.
      valid_mask = (tf.range(num_steps)[:, tf.newaxis, tf.newaxis] <
                    sequence_length[:, tf.newaxis])
      valid_ta = array(None, valid_mask, dtype=tf.bool)
      zeros = tf.zeros_like(h_0)

    def body(t, h, arrays):
      x_zr, x_h = tf.split(inputs.read(t), [2 * size, size], axis=1)
      zr = tf.sigmoid(x_zr + tf.matmul(h, u_zr))
      z, r = tf.split(zr, 2, axis=1)
      candidate = tf.tanh(x_h + tf.matmul(r * h, u_h))
      new_h = (1 - z) * h + z * candidate
      if valid_ta is not None:
        valid = valid_ta.read(t)
        output, new_h = tf.where(valid, new_h, zeros), tf.where(valid, new_h, h)
        values: tuple[tf.Tensor, ...] = (output, new_h, zr, candidate)
      else:
        values = (new_h, zr, candidate)
      return t + 1, new_h, [a.write(t, v) for a, v in zip(arrays, values)]

    shapes = ([state_shape] if masked else []) + [state_shape, zr_shape, state_shape]
    _, h_final, arrays = tf.while_loop(
        lambda t, *_: t < num_steps, body,
        (tf.constant(0), h_0, [array(shape) for shape in shapes]),
        parallel_iterations=parallel_iterations, maximum_iterations=num_steps)
    stacked = [a.stack() for a in arrays]
    if masked:
      outputs, states, gates, candidates = stacked
    else:
      outputs, gates, candidates = stacked
      states = outputs

    def grad(d_outputs, d_h_final):
      d_outputs = tf.zeros_like(outputs) if d_outputs is None else d_outputs
      d_h_final = tf.zeros_like(h_0) if d_h_final is None else d_h_final
      prev = tf.concat([h_0[tf.newaxis], states], 0)[:num_steps]
      z, r = tf.split(gates, 2, axis=2)
      # With d_new the gradient of step t's new state: the candidate's pre-activation gets
      # d_new * z (1 - h~^2); the gates' pre-activations [d_new, d_rh] * factors; the
      # previous state d_new (1 - z) + d_rh r + d_zr @ u_zr^T, where d_rh is the
      # gradient of r * h.
      candidate_factor = z * (1 - candidates * candidates)
      gate_factors = tf.concat([(candidates - prev) * z * (1 - z), prev * r * (1 - r)], 2)
      d_out_ta = array(state_shape, d_outputs)
      candidate_ta, factors_ta = array(state_shape, candidate_factor), array(zr_shape,
                                                                            gate_factors)
      keep_ta, r_ta = array(state_shape, 1 - z), array(state_shape, r)
      u_zr_transposed, u_h_transposed = tf.transpose(u_zr), tf.transpose(u_h)
      # A new array: the gradient function must not capture the forward's (a SavedModel
      # cannot save a captured array).
      valid_ta = None if valid_mask is None else array(None, valid_mask, dtype=tf.bool)

      def backward(t, d_h, d_gates):
        d_new = d_h + d_out_ta.read(t)
        if valid_ta is not None:  # A held step: zero gate gradients, d_h passes on.
          valid = valid_ta.read(t)
          d_new = tf.where(valid, d_new, zeros)
        d_candidate = d_new * candidate_ta.read(t)
        d_rh = tf.matmul(d_candidate, u_h_transposed)
        d_zr = tf.concat([d_new, d_rh], 1) * factors_ta.read(t)
        d_prev = (d_new * keep_ta.read(t) + d_rh * r_ta.read(t) +
                  tf.matmul(d_zr, u_zr_transposed))
        if valid_ta is not None:
          d_prev = tf.where(valid, d_prev, d_h)
        return t - 1, d_prev, d_gates.write(t, tf.concat([d_zr, d_candidate], 1))

      _, d_h_0, d_gates = tf.while_loop(
          lambda t, *_: t >= 0, backward, (num_steps - 1, d_h_final, array(gates_shape)),
          parallel_iterations=parallel_iterations, maximum_iterations=num_steps)
      d_gates = tf.reshape(d_gates.stack(), [-1, 3 * size])
      d_u_zr = tf.matmul(tf.reshape(prev, [-1, size]), d_gates[:, :2 * size],
                         transpose_a=True)
      d_u_h = tf.matmul(tf.reshape(r * prev, [-1, size]), d_gates[:, 2 * size:],
                        transpose_a=True)
      return tf.reshape(d_gates, tf.shape(projected)), d_h_0, d_u_zr, d_u_h

    return (outputs, h_final), grad

  return run(projected, hidden, u_zr, u_h)
