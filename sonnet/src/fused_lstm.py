# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""A fused LSTM kernel for `snt.dynamic_unroll`: the whole sequence with a hand-written
gradient.

`snt.LSTM._fused_unroll` uses it for the plain LSTM (no peepholes, layer norm, projection
or clipping); other configurations run step by step in `snt.dynamic_unroll`'s loop.
"""


import tensorflow as tf


def fused_lstm_sequence(projected: tf.Tensor, hidden: tf.Tensor, cell: tf.Tensor,
                        w_hidden: tf.Tensor, sequence_length: tf.Tensor | None = None,
                        parallel_iterations: int = 10
                        ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
  """A plain LSTM over a whole sequence, with a hand-written backward loop.

  Automatic differentiation of a `tf.while_loop` stores every intermediate of every step
  and accumulates the recurrent weights' gradient with one small matrix product per step.
  Here the forward loop keeps only what the backward loop reads (each step's incoming
  cell, tanh of its new cell and its gate activations, and with `sequence_length` the held
  hidden states), and the backward loop
  computes the gates' gradients, from which the recurrent weights' gradient is one large
  matrix product after the loop. Each op inside a `tf.while_loop` costs several times what
  it costs outside (executor scheduling per iteration), so the loops hold as few ops as
  possible: loop invariants (masks, zeros, transposed weights) are made once, the four
  gate derivatives are one expression on the concatenated activations, and the
  sequence_length mask selects with `tf.where` (a held step's gradient passes on exactly,
  even if not finite).

  Args:
    projected: `[T, B, 4H]`: inputs times input weights plus biases (forget bias
      included), gates in the order i, j, f, o.
    hidden: `[B, H]` initial hidden state.
    cell: `[B, H]` initial cell state.
    w_hidden: `[H, 4H]` recurrent weights.
    sequence_length: optional int32 `[B]`: outputs past the end are zero and the state is
      held (as `snt.dynamic_unroll`).
    parallel_iterations: passed to the loops.

  Returns:
    `(outputs [T, B, H], final hidden, final cell)`.
  """
  masked = sequence_length is not None

  @tf.custom_gradient
  def run(projected, h_0, c_0, w_h):
    num_steps = tf.shape(projected)[0]
    dtype = projected.dtype
    gates_shape = projected.shape[1:]
    hidden = tf.compat.dimension_value(w_h.shape[0])

    def array(element_shape, value=None):
      ta = tf.TensorArray(dtype, size=num_steps, element_shape=element_shape)
      return ta if value is None else ta.unstack(value)

    inputs = array(gates_shape, projected)
    if sequence_length is not None:
      # Loop invariants computed once: every op inside the loop costs far more.
      valid_mask = (tf.range(num_steps)[:, tf.newaxis, tf.newaxis] <
                    sequence_length[:, tf.newaxis])
      valid_ta = tf.TensorArray(tf.bool, size=num_steps).unstack(valid_mask)
      zeros = tf.zeros_like(h_0)

    def body(t, h, c, arrays):
      i, j, f, o = tf.split(inputs.read(t) + tf.matmul(h, w_h), 4, axis=1)
      i, j, f, o = tf.sigmoid(i), tf.tanh(j), tf.sigmoid(f), tf.sigmoid(o)
      new_c = f * c + i * j
      tanh_c = tf.tanh(new_c)
      new_h = tanh_c * o
      # What the backward loop reads: the step's incoming cell, tanh of its new cell and
      # its gate activations (and, with a mask, the held hidden state for the weights).
      values: tuple[tf.Tensor, ...] = (c, tanh_c, tf.concat([i, j, f, o], 1))
      if masked:
        valid = valid_ta.read(t)
        output = tf.where(valid, new_h, zeros)
        new_h, new_c = tf.where(valid, new_h, h), tf.where(valid, new_c, c)
        values = (output, new_h) + values
      else:
        values = (new_h,) + values
      return t + 1, new_h, new_c, [a.write(t, v) for a, v in zip(arrays, values)]

    shapes = [h_0.shape] * (2 if masked else 1) + [c_0.shape, c_0.shape, gates_shape]
    _, h_final, c_final, arrays = tf.while_loop(
        lambda t, *_: t < num_steps, body,
        (tf.constant(0), h_0, c_0, [array(shape) for shape in shapes]),
        parallel_iterations=parallel_iterations, maximum_iterations=num_steps)
    outputs = arrays[0].stack()
    hidden_states = arrays[1].stack() if masked else outputs
    # Stacked, not the arrays themselves: a SavedModel cannot capture the loop's variant
    # outputs in the gradient function it saves.
    prev_cells, tanh_cells, activations = (a.stack() for a in arrays[-3:])

    def grad(d_outputs, d_h_final, d_c_final):
      d_outputs = tf.zeros_like(outputs) if d_outputs is None else d_outputs
      d_h_final = tf.zeros_like(h_0) if d_h_final is None else d_h_final
      d_c_final = tf.zeros_like(c_0) if d_c_final is None else d_c_final
      d_out_ta, prev_ta = array(h_0.shape, d_outputs), array(c_0.shape, prev_cells)
      tanh_ta, act_ta = array(c_0.shape, tanh_cells), array(gates_shape, activations)
      if masked:  # A new array: the gradient function must not capture the forward's.
        valid_ta = tf.TensorArray(tf.bool, size=num_steps).unstack(valid_mask)
      w_h_transposed = tf.transpose(w_h)
      # sigmoid' = s (1 - s), tanh' = (1 + t)(1 - t): one expression for all four gates.
      tanh_offset = tf.constant([0] * hidden + [1] * hidden + [0] * (2 * hidden), dtype)
      gate_zeros = tf.zeros([tf.shape(h_0)[0], 4 * hidden], dtype) if masked else None

      def backward(t, d_h, d_c, d_gates):
        # d_h, d_c: gradients of the state after step t.
        d_h_new = d_h + d_out_ta.read(t)
        activations = act_ta.read(t)
        i, j, f, o = tf.split(activations, 4, axis=1)
        tanh_c = tanh_ta.read(t)
        d_c_new = d_c + d_h_new * (o - o * tanh_c * tanh_c)
        d_g = (tf.concat([d_c_new, d_c_new, d_c_new, d_h_new], 1) *
               tf.concat([j, i, prev_ta.read(t), tanh_c], 1) *
               ((tanh_offset + activations) * (1 - activations)))
        if masked:  # Past the end the state was held: its gradient passes on unchanged.
          valid = valid_ta.read(t)
          d_g = tf.where(valid, d_g, gate_zeros)
          d_h_prev = tf.where(valid, tf.matmul(d_g, w_h_transposed), d_h)
          d_c_prev = tf.where(valid, d_c_new * f, d_c)
        else:
          d_h_prev, d_c_prev = tf.matmul(d_g, w_h_transposed), d_c_new * f
        return t - 1, d_h_prev, d_c_prev, d_gates.write(t, d_g)

      _, d_h_0, d_c_0, d_gates = tf.while_loop(
          lambda t, *_: t >= 0, backward,
          (num_steps - 1, d_h_final, d_c_final, array(gates_shape)),
          parallel_iterations=parallel_iterations, maximum_iterations=num_steps)
      d_gates = d_gates.stack()
      prev_hidden = tf.concat([h_0[tf.newaxis], hidden_states], 0)[:num_steps]
      d_w_h = tf.matmul(tf.reshape(prev_hidden, [-1, w_h.shape[0]]),
                        tf.reshape(d_gates, [-1, w_h.shape[1]]), transpose_a=True)
      return d_gates, d_h_0, d_c_0, d_w_h

    return (outputs, h_final, c_final), grad

  return run(projected, hidden, cell, w_hidden)
