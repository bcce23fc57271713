# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Spectral normalisation: weights divided by an estimate of their largest singular value.

`spectral_norm(w)` estimates the spectral norm `sigma` of `w` (reshaped to a matrix
`[-1, w.shape[-1]]`) by power iteration from a stored vector `u0`, and returns
`w_bar = w / sigma`; `u0` keeps the last estimate, so one iteration per step converges
over training. `SpectralNormWrapper` (or `wrap_with_spectral_norm`) builds a module whose
weights (its trainable variables of rank >= 2) are spectrally normalised this way.
"""

import functools
from typing import Any

import tensorflow as tf

from sonnet.src import base
from sonnet.src import naming
from sonnet.src import variables

ERR_NOT_MODULE_CLASS = ("SpectralNormWrapper expects a Sonnet module class (a subclass of "
                        "snt.AbstractModule), but got {value!r}.")
ERR_WEIGHT_RANK = "spectral_norm expects a weight of rank >= 2, but got shape {shape}."
ERR_NUM_ITERS = "num_iters must be a positive integer, but got {value!r}."


def _l2_normalize(x: tf.Tensor, eps: float) -> tf.Tensor:
  return x / (tf.sqrt(tf.reduce_sum(tf.square(x))) + eps)


def _power_iteration(weight: tf.Tensor, u: Any, num_iters: int, eps: float):
  """Returns `(w_bar, sigma, u_new)`, computed in float32 and cast back to `weight`'s dtype."""
  dtype = weight.dtype
  w = tf.cast(weight, tf.float32)
  w_mat = tf.reshape(w, [-1, w.shape[-1]])
  u_new = tf.cast(tf.convert_to_tensor(u), tf.float32)
  v_new = None
  for _ in range(num_iters):
    v_new = _l2_normalize(tf.matmul(u_new, w_mat, transpose_b=True), eps)
    u_new = _l2_normalize(tf.matmul(v_new, w_mat), eps)
  # The estimate is a constant for the gradient, as in the spectral normalisation paper.
  u_new = tf.stop_gradient(u_new)
  v_new = tf.stop_gradient(v_new)
  sigma = tf.reshape(tf.matmul(tf.matmul(v_new, w_mat), u_new, transpose_b=True), [])
  w_bar = w / sigma
  return tf.cast(w_bar, dtype), tf.cast(sigma, dtype), u_new


def _check_num_iters(num_iters: Any) -> int:
  if isinstance(num_iters, bool) or not isinstance(num_iters, int) or num_iters < 1:
    raise ValueError(ERR_NUM_ITERS.format(value=num_iters))
  return num_iters


def _normalize(weight: tf.Tensor, u0: Any, num_iters: int, eps: float,
               update_collection: str | None, update: bool) -> dict[str, Any]:
  """Power iteration from `u0`; assigns the new estimate (or registers the assignment)."""
  w_bar, sigma, u_new = _power_iteration(weight, u0, num_iters, eps)
  if update and isinstance(u0, tf.Variable):
    in_graph = not tf.compat.v1.executing_eagerly_outside_functions()
    assign = u0.assign(tf.cast(u_new, u0.dtype), read_value=False)
    if in_graph and update_collection is not None:
      tf.compat.v1.add_to_collection(update_collection, assign)
    elif in_graph:
      with tf.control_dependencies([assign]):
        w_bar = tf.identity(w_bar)
        sigma = tf.identity(sigma)
  return {"w_bar": w_bar, "sigma": sigma, "u0": u0, "u0_updated": u_new}


def _u0_initializer() -> Any:
  return tf.compat.v1.random_normal_initializer()


def spectral_norm(weight: Any, num_iters: int = 1, update_collection: str | None = None,
                  eps: float = 1e-4, name: str = "spectral_norm") -> dict[str, Any]:
  """Spectrally normalises a weight by power iteration from a stored vector `u0`.

  `u0` (`[1, weight.shape[-1]]`, float32, non-trainable, random normal at first) is
  created here: inside a module's call it is the module's variable `<name>/u0` (shared by
  later calls); in a `tf.compat.v1` graph outside modules, `tf.compat.v1.get_variable` in
  a new variable scope `name` (`spectral_norm/u0`, `spectral_norm_1/u0`, ...); eagerly, a
  new `tf.Variable`.

  Each call updates `u0` to the new estimate: eagerly and in `tf.function` at once; in a
  graph as a control dependency of the outputs, or, with `update_collection`, as an op
  added to that graph collection for the caller to run.

  Args:
    weight: a tensor (or variable) of rank >= 2; float16/bfloat16 weights are normalised
      in float32 and the results cast back.
    num_iters: power iterations per call (default 1).
    update_collection: None, or the graph collection for the `u0` update op.
    eps: added to vector norms in the iteration, for stability.
    name: the name of the scope of `u0`.

  Returns:
    A dict: `w_bar` (the normalised weight, `weight`'s shape and dtype), `sigma` (the
    estimated spectral norm, a scalar of `weight`'s dtype), `u0` (the variable) and
    `u0_updated` (the new estimate).

  Raises:
    ValueError: for a weight of rank < 2 or unknown last dimension, or bad `num_iters`.
  """
  weight = tf.convert_to_tensor(weight)
  num_iters = _check_num_iters(num_iters)
  if weight.shape.rank is None or weight.shape.rank < 2 or weight.shape[-1] is None:
    raise ValueError(ERR_WEIGHT_RANK.format(shape=weight.shape))
  shape = [1, int(weight.shape[-1])]
  if naming.current_frame() is not None:
    u0 = variables.get_variable(f"{name}/u0", shape=shape, dtype=tf.float32,
                                initializer=_u0_initializer(), trainable=False)
  elif tf.compat.v1.executing_eagerly_outside_functions():
    with tf.init_scope():
      u0 = tf.Variable(_u0_initializer()(shape, dtype=tf.float32), trainable=False,
                       name=f"{name}/u0")
  else:
    with tf.compat.v1.variable_scope(None, default_name=name):
      u0 = tf.compat.v1.get_variable("u0", shape=shape, dtype=tf.float32,
                                     initializer=_u0_initializer(), trainable=False)
  return _normalize(weight, u0, num_iters, eps, update_collection, update=True)


class SpectralNormWrapper(base.AbstractModule):
  """Wraps a module class so that its weights are spectrally normalised.

  `SpectralNormWrapper(snt.Linear, {"eps": 1e-4}, None, 16)` builds `snt.Linear(16)`
  inside this module; every trainable variable of rank >= 2 it gets (e.g. `w`, not `b`) is
  replaced by `spectral_norm(w)["w_bar"]`, with its `u0` stored next to it (`w/u0`).
  Calling the wrapper calls the module.

  Args:
    module: the module class (a subclass of `snt.AbstractModule`).
    sn_kwargs: keyword arguments of the normalisation: `num_iters` (default 1), `eps`
      (default 1e-4); None for the defaults.
    pow_iter_collection: None (`u0` is updated with each call) or the graph collection
      the `u0` updates are added to instead (graph mode; elsewhere they run at once).
    *args: positional arguments of `module`.
    **kwargs: keyword arguments of `module` (a `custom_getter` stays the module's, applied
      before the normalisation).

  Raises:
    TypeError: if `module` is not a Sonnet module class.
    ValueError: for a bad `num_iters`.
  """

  def __init__(self, module: type, sn_kwargs: dict[str, Any] | None,
               pow_iter_collection: str | None, *args: Any, **kwargs: Any):
    if not (isinstance(module, type) and issubclass(module, base.AbstractModule)):
      raise TypeError(ERR_NOT_MODULE_CLASS.format(value=module))
    super().__init__(name="spectral_norm_wrapper")
    sn_kwargs = dict(sn_kwargs or {})
    self._num_iters = _check_num_iters(sn_kwargs.pop("num_iters", 1))
    self._eps = float(sn_kwargs.pop("eps", 1e-4))
    if sn_kwargs:
      raise TypeError(f"Unexpected spectral norm arguments: {sorted(sn_kwargs)}.")
    self._pow_iter_collection = pow_iter_collection
    self._power_iteration = True
    user_getter = kwargs.pop("custom_getter", None)
    with self._enter_variable_scope():
      if user_getter is not None:
        self._module = module(*args, custom_getter=_Chain(self._sn_getter, user_getter),
                              **kwargs)
      else:
        self._module = module(*args, custom_getter=self._sn_getter, **kwargs)

  def _sn_getter(self, getter: Any, *args: Any, **kwargs: Any) -> Any:
    weight = getter(*args, **kwargs)
    shape = tf.TensorShape(kwargs.get("shape"))
    if not kwargs.get("trainable", True) or shape.rank is None or shape.rank < 2:
      return weight
    u0 = getter(name=kwargs["name"] + "/u0", shape=[1, shape[-1]], dtype=tf.float32,
                initializer=_u0_initializer(), trainable=False)
    return _normalize(tf.convert_to_tensor(weight), u0, self._num_iters, self._eps,
                      self._pow_iter_collection, update=self._power_iteration)["w_bar"]

  @property
  def wrapped_module(self) -> Any:
    """The module whose weights are normalised."""
    return self._module

  def _build(self, *args: Any, enable_power_iteration: bool = True, **kwargs: Any) -> Any:
    """Calls the wrapped module with spectrally normalised weights.

    Args:
      *args: the module's positional arguments.
      enable_power_iteration: whether this call updates the `u0` estimates (False: the
        weights are normalised with the stored estimates, which stay as they are).
      **kwargs: the module's keyword arguments.

    Returns:
      The module's outputs.
    """
    previous = self._power_iteration
    self._power_iteration = bool(enable_power_iteration)
    try:
      return self._module(*args, **kwargs)
    finally:
      self._power_iteration = previous


class _Chain:
  """A custom getter applying `outer` to what `inner` returns (a picklable pair)."""

  def __init__(self, outer: Any, inner: Any):
    self._outer = outer
    self._inner = inner

  def __call__(self, getter: Any, *args: Any, **kwargs: Any) -> Any:
    return self._outer(functools.partial(self._inner, getter), *args, **kwargs)


def wrap_with_spectral_norm(module_class: type, sn_kwargs: dict[str, Any] | None = None,
                            pow_iter_collection: str | None = None) -> Any:
  """Returns a constructor of `module_class` modules with spectrally normalised weights.

  `wrap_with_spectral_norm(snt.Linear)(16)` is `SpectralNormWrapper(snt.Linear, None,
  None, 16)`.

  Args:
    module_class: a Sonnet module class.
    sn_kwargs: see `SpectralNormWrapper`.
    pow_iter_collection: see `SpectralNormWrapper`.

  Returns:
    A callable taking the module's constructor arguments.

  Raises:
    TypeError: if `module_class` is not a Sonnet module class.
  """
  if not (isinstance(module_class, type) and issubclass(module_class, base.AbstractModule)):
    raise TypeError(ERR_NOT_MODULE_CLASS.format(value=module_class))
  return functools.partial(SpectralNormWrapper, module_class, sn_kwargs, pow_iter_collection)
