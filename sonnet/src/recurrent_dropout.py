# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Recurrent dropout (Gal, 2016) and zoneout (Krueger et al., 2016) around any core, and
the LSTM / highway-core variants that use them: `lstm_with_recurrent_dropout`,
`lstm_with_zoneout`, `highway_core_with_recurrent_dropout`."""

from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import gated_rnn
from sonnet.src import residual_rnn
from sonnet.src import rnn_core
from sonnet.src import types

ERR_KEEP_PROBS_STRUCTURE = (
    "keep_probs must have the structure of the core's state_size {state_size}: {error}")
ERR_KEEP_PROB = "{arg} must be None or a number in (0, 1], got {value!r}."


def _check_keep_prob(arg: str, value: Any) -> float | None:
  return argument_checks.check_number_in_range(None, arg, value, low_open=True, allow_none=True,
                                              message=ERR_KEEP_PROB)


def _flat_keep_probs(core: Any, keep_probs: Any) -> list:
  """Checks `keep_probs` against `core.state_size`; returns them flat (None: not applied)."""
  try:
    flat = rnn_core.flatten_up_to(core.state_size, keep_probs, "keep_probs")
  except (TypeError, ValueError) as e:
    raise ValueError(
        ERR_KEEP_PROBS_STRUCTURE.format(state_size=core.state_size, error=e)) from e
  return [_check_keep_prob("keep_probs", p) for p in flat]


class RecurrentDropoutWrapper(rnn_core.CoreWrapper):
  """Applies the same dropout mask to a core's new state at every step (Gal, 2016).

  The masks are sampled by `initial_state` and carried in the state:
  `state = (core_state, masks)`, so each sequence uses one mask throughout. As in Sonnet 1,
  `masks` is a list with one mask per component of the flattened core state that has a keep
  probability (e.g. `[hidden_mask]` for `LSTMState(keep_prob, None)`).
  """

  def __init__(self, core: rnn_core.RNNCore, keep_probs: types.Nest,
               name: str | None = None):
    """Constructs the wrapper.

    Args:
      core: the core to wrap.
      keep_probs: a nest with the structure of `core.state_size` of keep probabilities
        (None for components not dropped out).
      name: module name (default "recurrent_dropout_wrapper").

    Raises:
      ValueError: if `keep_probs` does not match the core's state or a probability is not
        in (0, 1].
    """
    super().__init__(core, name or "recurrent_dropout_wrapper")
    self._keep_probs = _flat_keep_probs(core, keep_probs)
    # Positions in the flattened core state of the components that are dropped out.
    self._dropout_indexes = [i for i, p in enumerate(self._keep_probs) if p is not None]

  def initial_state(self,
                    batch_size: types.BatchSize,
                    dtype: types.DTypeLike | None = None,
                    trainable: bool = False,
                    trainable_initializers: types.Nest | None = None,
                    trainable_regularizers: types.Nest | None = None,
                    name: str | None = None,
                    **unused_kwargs) -> tuple[Any, Any]:
    """Returns `(core initial state, dropout masks)`; the masks are sampled here.

    Args:
      batch_size: Python int or int scalar tensor.
      dtype: the state's dtype; default as for `snt.RNNCore.initial_state`.
      trainable: whether the core's initial state is learned.
      trainable_initializers: see `snt.RNNCore.initial_state`.
      trainable_regularizers: see `snt.RNNCore.initial_state`.
      name: name scope.
      **unused_kwargs: ignored.

    Returns:
      `(core_state, masks)`: a list of masks, one per component with a keep probability
      (in the order of the flattened core state), 0 or 1/keep_prob per unit.
    """
    dtype = rnn_core.state_dtype(self._core, dtype)
    core_state = self._core.initial_state(
        batch_size, dtype=dtype, trainable=trainable,
        trainable_initializers=trainable_initializers,
        trainable_regularizers=trainable_regularizers, name=name)
    return core_state, self._sample_masks(batch_size, dtype)

  def _sample_masks(self, batch_size: Any, dtype: Any) -> list:
    zeros = tf.nest.flatten(rnn_core.zero_state_for(self._core.state_size, batch_size, dtype))
    return [tf.nn.dropout(tf.ones_like(zeros[i]), rate=1 - self._keep_probs[i])
            for i in self._dropout_indexes]

  def _build(self, inputs: Any, prev_state: Any):
    """Runs the core; its next state is multiplied by the masks (as Sonnet 1, so the
    returned state is the dropped-out one); the masks are passed on."""
    core_state, masks = prev_state
    output, next_core_state = self._core(inputs, core_state)
    flat = tf.nest.flatten(next_core_state)
    for i, mask in zip(self._dropout_indexes, masks):
      flat[i] = flat[i] * mask
    return output, (tf.nest.pack_sequence_as(next_core_state, flat), list(masks))

  def zero_state(self,
                 batch_size: types.BatchSize,
                 dtype: types.DTypeLike | None = None) -> tuple[Any, Any]:
    """`(core zero state, dropout masks)`: zero masks would drop every unit, so the masks
    are sampled as by `initial_state` (e.g. when `tf.compat.v1.nn.dynamic_rnn` asks for a
    zero state).

    Args:
      batch_size: Python int or int scalar tensor.
      dtype: the state's dtype; default as for `snt.RNNCore.initial_state`.

    Returns:
      `(core_state, masks)`.
    """
    dtype = rnn_core.state_dtype(self._core, dtype)
    return self._core.zero_state(batch_size, dtype), self._sample_masks(batch_size, dtype)

  @property
  def state_size(self) -> Any:
    """`(core state_size, [sizes of the dropped components])`: the state and the masks."""
    flat = tf.nest.flatten(self._core.state_size)
    return (self._core.state_size, [flat[i] for i in self._dropout_indexes])


class ZoneoutWrapper(rnn_core.CoreWrapper):
  """Zoneout (Krueger et al., 2016): each state unit keeps its previous value at random.

  Training: `next = prev + mask * (new - prev)`, mask ~ Bernoulli(keep_prob) per unit and
  step. Testing: the expectation, `next = keep_prob * new + (1 - keep_prob) * prev`.
  """

  def __init__(self, core: rnn_core.RNNCore, keep_probs: types.Nest, is_training: bool = True,
               name: str | None = None):
    """Constructs the wrapper.

    Args:
      core: the core to wrap.
      keep_probs: a nest with the structure of `core.state_size` of probabilities that a
        unit is updated (None: always updated).
      is_training: sample masks (True) or use the expectation (False).
      name: module name (default "zoneout_wrapper").

    Raises:
      ValueError: if `keep_probs` does not match the core's state or a probability is not
        in (0, 1].
    """
    super().__init__(core, name or "zoneout_wrapper")
    self._keep_probs = _flat_keep_probs(core, keep_probs)
    self._is_training = is_training

  def _build(self, inputs: Any, prev_state: Any):
    """Runs the core, then mixes its new state with `prev_state` unit by unit."""
    output, next_state = self._core(inputs, prev_state)
    mixed = []
    for new, prev, p in zip(tf.nest.flatten(next_state), tf.nest.flatten(prev_state),
                            self._keep_probs):
      if p is None:
        mixed.append(new)
      elif self._is_training:
        mask = tf.cast(tf.random.uniform(tf.shape(new)) < p, new.dtype)
        mixed.append(prev + mask * (new - prev))
      else:
        mixed.append(p * new + (1 - p) * prev)
    return output, tf.nest.pack_sequence_as(next_state, mixed)



def lstm_with_recurrent_dropout(hidden_size: int, keep_prob: float = 0.5,
                                **kwargs) -> tuple[RecurrentDropoutWrapper, gated_rnn.LSTM]:
  """An LSTM with recurrent dropout on its hidden state, and the same LSTM without it.

  Args:
    hidden_size: the LSTM's hidden size.
    keep_prob: keep probability of the hidden-state dropout.
    **kwargs: other `snt.LSTM` arguments.

  Returns:
    `(train_core, test_core)`: `train_core` applies dropout (its state is
    `(LSTMState, masks)`, build it with `train_core.initial_state`), `test_core` is the
    plain LSTM sharing the variables.
  """
  lstm = gated_rnn.LSTM(hidden_size, **kwargs)
  return RecurrentDropoutWrapper(lstm, gated_rnn.LSTMState(keep_prob, None)), lstm


def lstm_with_zoneout(hidden_size: int, keep_prob_c: float = 0.5,
                      keep_prob_h: float = 0.95,
                      **kwargs) -> tuple[ZoneoutWrapper, ZoneoutWrapper]:
  """An LSTM with zoneout on cell and hidden state, for training and for testing.

  Args:
    hidden_size: the LSTM's hidden size.
    keep_prob_c: probability that a cell unit is updated at a step.
    keep_prob_h: probability that a hidden unit is updated at a step.
    **kwargs: other `snt.LSTM` arguments.

  Returns:
    `(train_core, test_core)` sharing one LSTM's variables: random zoneout, and its
    expectation.
  """
  lstm = gated_rnn.LSTM(hidden_size, **kwargs)
  keep_probs = gated_rnn.LSTMState(keep_prob_h, keep_prob_c)
  return (ZoneoutWrapper(lstm, keep_probs, is_training=True),
          ZoneoutWrapper(lstm, keep_probs, is_training=False))


def highway_core_with_recurrent_dropout(hidden_size: int, num_layers: int,
                                        keep_prob: float = 0.5, **kwargs
                                        ) -> tuple[RecurrentDropoutWrapper, Any]:
  """A `HighwayCore` with recurrent dropout on its state, and the same core without.

  Args:
    hidden_size: the core's hidden size.
    num_layers: its number of layers.
    keep_prob: keep probability of the state dropout.
    **kwargs: other `HighwayCore` arguments.

  Returns:
    `(train_core, test_core)` sharing variables.
  """
  core = residual_rnn.HighwayCore(hidden_size, num_layers, **kwargs)
  return RecurrentDropoutWrapper(core, keep_prob), core
