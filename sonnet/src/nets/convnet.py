# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""ConvNet2D and ConvNet2DTranspose: stacks of convolutions with optional normalisation."""

import collections.abc
from collections.abc import Callable, Iterable, Mapping
import inspect
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import batch_norm
from sonnet.src import batch_norm_v2
from sonnet.src import conv
from sonnet.src import conv_transpose
from sonnet.src import errors
from sonnet.src import group_norm
from sonnet.src import layer_norm
from sonnet.src import types
from sonnet.src import util

ERR_NOT_ITERABLE = "`{arg}` must be iterable, got {value!r}."
ERR_EMPTY = "`output_channels` must not be empty."
ERR_LENGTH = "`{arg}` must be of length 1 or len(output_channels) = {n}, got length {length}."
ERR_ACTIVATION = "Input 'activation' must be callable, got {value!r}."
ERR_MAPPING = "`{arg}` must be a mapping, e.g. `dict`, got {value!r}."
ERR_USE_BIAS = "`use_bias` must be a bool or an iterable of bools, got {value!r}."
ERR_NORM_CTOR = (
    "`normalization_ctor` must be None, a callable returning a module, or one of the names "
    "{names}, got {value!r}.")
ERR_BOTH_NORMS = (
    "Give either `normalization_ctor`/`normalization_kwargs` or the deprecated "
    "`use_batch_norm`/`batch_norm_config`, not both.")
ERR_MISSING_BUILD_ARG = (
    "{module}: the normalisation module {norm} needs `{arg}` when the network is called, "
    "e.g. `net(inputs, {arg}=True)`.")
ERR_UNKNOWN_BUILD_ARGS = (
    "{module}: unexpected keyword arguments {args}; the normalisation modules accept "
    "{accepted}.")
ERR_OUTPUT_CHANNELS_LENGTH = (
    "Iterable output_channels length must match the number of layers ({n}), but is "
    "{length} instead.")
ERR_TRANSPOSE_DILATED = "{module}: cannot transpose a network with dilated layers (rates={rates})."
ERR_DATA_FORMAT = "`data_format` must be 'NHWC' or 'NCHW', got {value!r}."

# Accepted (and ignored when no normaliser takes them) so that training loops can always
# pass them, as with Sonnet 1's ConvNet2D.
COMMON_BUILD_KWARGS = ("is_training", "test_local_stats")

NORMALIZATION_NAMES = {
    "batch_norm": batch_norm.BatchNorm,
    "BatchNorm": batch_norm.BatchNorm,
    "batch_norm_v2": batch_norm_v2.BatchNormV2,
    "BatchNormV2": batch_norm_v2.BatchNormV2,
    "layer_norm": layer_norm.LayerNorm,
    "LayerNorm": layer_norm.LayerNorm,
    "group_norm": group_norm.GroupNorm,
    "GroupNorm": group_norm.GroupNorm,
    "instance_norm": group_norm.InstanceNorm,
    "InstanceNorm": group_norm.InstanceNorm,
}


def _as_tuple(arg: str, value: Any) -> tuple:
  if isinstance(value, (str, bytes)) or not isinstance(value, collections.abc.Iterable):
    raise TypeError(ERR_NOT_ITERABLE.format(arg=arg, value=value))
  return tuple(value)


def _replicate(arg: str, values: tuple, n: int) -> tuple:
  """Repeats a length-1 tuple n times; other lengths must be n."""
  if len(values) == 1:
    return values * n
  if len(values) != n:
    raise ValueError(ERR_LENGTH.format(arg=arg, n=n, length=len(values)))
  return values


def _resolve_normalization(normalization_ctor, normalization_kwargs, use_batch_norm,
                           batch_norm_config):
  """Folds the deprecated batch-norm arguments into (ctor, kwargs)."""
  if use_batch_norm is not None or batch_norm_config is not None:
    if normalization_ctor is not None or normalization_kwargs is not None:
      raise ValueError(ERR_BOTH_NORMS)
    if use_batch_norm:
      normalization_ctor = batch_norm.BatchNorm
    normalization_kwargs = batch_norm_config
  if isinstance(normalization_ctor, str):
    if normalization_ctor not in NORMALIZATION_NAMES:
      raise ValueError(ERR_NORM_CTOR.format(names=sorted(NORMALIZATION_NAMES),
                                            value=normalization_ctor))
    normalization_ctor = NORMALIZATION_NAMES[normalization_ctor]
  if normalization_ctor is not None and not callable(normalization_ctor):
    raise TypeError(ERR_NORM_CTOR.format(names=sorted(NORMALIZATION_NAMES),
                                         value=normalization_ctor))
  if normalization_kwargs is None:
    normalization_kwargs = {}
  if not isinstance(normalization_kwargs, collections.abc.Mapping):
    raise TypeError(ERR_MAPPING.format(arg="normalization_kwargs", value=normalization_kwargs))
  return normalization_ctor, dict(normalization_kwargs)


def _build_params(module: Any):
  """(accepted keyword names or None for **kwargs, required names) of `module`'s call."""
  # The signature a Sonnet module's call accepts is its _build's.
  fn = module._build if isinstance(module, base.AbstractModule) else module  # noqa: SLF001
  try:
    params = list(inspect.signature(fn).parameters.values())[1:]  # skip the input
  except (TypeError, ValueError):
    return None, ()
  if any(p.kind == p.VAR_KEYWORD for p in params):
    return None, ()
  names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
  required = tuple(p.name for p in params
                   if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                          p.KEYWORD_ONLY))
  return names, required


class _ConvNet2DBase(base.AbstractModule, base.Transposable,
                     util.VariableOptions):
  """Argument handling and the layer loop shared by ConvNet2D and ConvNet2DTranspose."""

  POSSIBLE_INITIALIZER_KEYS = {"w", "b"}

  def _init_common(self, output_channels, kernel_shapes, strides, paddings, activation,
                   activate_final, normalization_ctor, normalization_kwargs,
                   normalize_final, initializers, partitioners, regularizers,
                   use_batch_norm, use_bias, batch_norm_config, data_format):
    output_channels = _as_tuple("output_channels", output_channels)
    if not output_channels:
      raise ValueError(ERR_EMPTY)
    n = len(output_channels)
    self._output_channels = output_channels
    self._num_layers = n
    self._kernel_shapes = _replicate("kernel_shapes", _as_tuple("kernel_shapes",
                                                                kernel_shapes), n)
    self._strides = _replicate("strides", _as_tuple("strides", strides), n)
    self._paddings = _replicate("paddings", _as_tuple("paddings", paddings), n)
    if isinstance(use_bias, bool):
      use_bias = (use_bias,)
    elif isinstance(use_bias, collections.abc.Iterable) and not isinstance(use_bias, str):
      use_bias = tuple(use_bias)
      if not all(isinstance(b, bool) for b in use_bias):
        raise TypeError(ERR_USE_BIAS.format(value=use_bias))
    else:
      raise TypeError(ERR_USE_BIAS.format(value=use_bias))
    self._use_bias = _replicate("use_bias", use_bias, n)
    argument_checks.check_callable(self.module_name, "activation", activation,
                                   message=ERR_ACTIVATION)
    self._activation = activation
    self._activate_final = bool(activate_final)
    self._normalization_ctor, self._normalization_kwargs = _resolve_normalization(
        normalization_ctor, normalization_kwargs, use_batch_norm, batch_norm_config)
    self._normalize_final = (self._activate_final if normalize_final is None
                             else bool(normalize_final))
    argument_checks.check_one_of(self.module_name, "data_format", data_format,
                                 ("NHWC", "NCHW"), message=ERR_DATA_FORMAT)
    self._data_format = data_format
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, self.POSSIBLE_INITIALIZER_KEYS)
    # The normalisers (None where a layer has none), made by the first call.
    self._normalizers: tuple[Any, ...] | None = None
    self._input_shape: tuple[int | None, ...] | None = None

  def _normalizer_kwargs(self):
    """Constructor kwargs of the normalisers, with the channel axis of `data_format`."""
    kwargs = dict(self._normalization_kwargs)
    ctor = self._normalization_ctor
    if self._data_format == "NCHW":
      if ctor is batch_norm.BatchNorm and "axis" not in kwargs:
        kwargs["axis"] = (0, 2, 3)
      elif (ctor in (batch_norm_v2.BatchNormV2, group_norm.GroupNorm,
                     group_norm.InstanceNorm) and "data_format" not in kwargs):
        kwargs["data_format"] = "NCHW"
    return kwargs

  def _make_normalizers(self) -> tuple[Any, ...]:
    normalizers = []
    for i in range(self._num_layers):
      if self._normalization_ctor is not None and (i != self._num_layers - 1
                                                   or self._normalize_final):
        # Named batch_norm_{i} whatever the normaliser, as in Sonnet 1.
        normalizers.append(self._normalization_ctor(name=f"batch_norm_{i}",
                                                    **self._normalizer_kwargs()))
      else:
        normalizers.append(None)
    return tuple(normalizers)

  def _build(self, inputs: tf.Tensor, **normalization_build_kwargs: Any) -> tf.Tensor:
    """Applies the layers, normalisers and activations to `inputs`.

    Args:
      inputs: a 4-D float tensor in `data_format`.
      **normalization_build_kwargs: passed to each normalisation module that accepts them
        (e.g. `is_training=True, test_local_stats=False` for BatchNorm); ignored by
        modules that do not take them. `is_training` and `test_local_stats` are always
        accepted; other names must be taken by at least one normaliser.

    Returns:
      A 4-D tensor in `data_format`.

    Raises:
      ValueError: a normaliser needs an argument that was not given (e.g. `is_training`).
      TypeError: a keyword argument that no normaliser takes.
      snt.IncompatibleShapeError, snt.UnderspecifiedError, TypeError: from the layers.
    """
    inputs = tf.convert_to_tensor(inputs)
    if self._normalizers is None:
      self._normalizers = self._make_normalizers()
    self._check_build_kwargs(normalization_build_kwargs)
    net = inputs
    final_index = self._num_layers - 1
    for i, (layer, normalizer) in enumerate(zip(self._layers, self._normalizers)):
      net = layer(net)
      if normalizer is not None:
        accepted, required = _build_params(normalizer)
        for arg in required:
          if arg not in normalization_build_kwargs:
            raise ValueError(ERR_MISSING_BUILD_ARG.format(
                module=self.module_name, norm=type(normalizer).__name__, arg=arg))
        kwargs = {k: v for k, v in normalization_build_kwargs.items()
                  if accepted is None or k in accepted}
        net = normalizer(net, **kwargs)
      if i != final_index or self._activate_final:
        net = self._activation(net)
    # Recorded once the layers accepted the input: a failed call leaves the last good shape.
    self._input_shape = tuple(inputs.shape.as_list())
    return net

  def _check_build_kwargs(self, build_kwargs):
    """Rejects keyword arguments no normaliser takes (typos), except the usual flags."""
    accepted = set(COMMON_BUILD_KWARGS)
    assert self._normalizers is not None  # `_build` makes them first.
    for normalizer in self._normalizers:
      if normalizer is not None:
        names, _ = _build_params(normalizer)
        if names is None:
          return
        accepted |= names
    unknown = sorted(set(build_kwargs) - accepted)
    if unknown:
      raise TypeError(ERR_UNKNOWN_BUILD_ARGS.format(module=self.module_name, args=unknown,
                                                    accepted=sorted(accepted)))

  # --- properties ---------------------------------------------------------------------

  @property
  def layers(self) -> tuple:
    """The convolution modules, first to last."""
    return self._layers

  @property
  def normalizers(self) -> tuple:
    """The normalisation modules (None where a layer has none); NotConnectedError before
    the first call."""
    self._ensure_is_connected()
    assert self._normalizers is not None  # Made by the first (successful) call.
    return self._normalizers

  @property
  def output_channels(self) -> tuple:
    return tuple(c() if callable(c) else c for c in self._output_channels)

  @property
  def kernel_shapes(self) -> tuple:
    return self._kernel_shapes

  @property
  def strides(self) -> tuple:
    return self._strides

  @property
  def paddings(self) -> tuple:
    return self._paddings

  @property
  def use_bias(self) -> tuple:
    return self._use_bias

  @property
  def activation(self) -> Callable:
    return self._activation

  @property
  def activate_final(self) -> bool:
    return self._activate_final

  @property
  def normalization_ctor(self):
    return self._normalization_ctor

  @property
  def normalization_kwargs(self) -> dict:
    return dict(self._normalization_kwargs)

  @property
  def normalize_final(self) -> bool:
    return self._normalize_final

  @property
  def use_batch_norm(self) -> bool:
    """Sonnet 1 compatibility: whether the normaliser is `snt.BatchNorm`."""
    return self._normalization_ctor is batch_norm.BatchNorm

  @property
  def data_format(self) -> str:
    return self._data_format

  @property
  def input_shape(self) -> tuple:
    """Shape of the input at the last successful call (NotConnectedError before the first)."""
    self._ensure_is_connected()
    assert self._input_shape is not None  # Set by every successful call.
    return self._input_shape

  def _common_transpose_kwargs(self, activate_final):
    return dict(
        kernel_shapes=tuple(reversed(self._kernel_shapes)),
        strides=tuple(reversed(self._strides)),
        paddings=tuple(reversed(self._paddings)),
        activation=self._activation,
        activate_final=self._activate_final if activate_final is None else activate_final,
        normalization_ctor=self._normalization_ctor,
        normalization_kwargs=self._normalization_kwargs,
        normalize_final=None if activate_final is not None else self._normalize_final,
        initializers=self._initializers,
        partitioners=self._partitioners,
        regularizers=self._regularizers,
        use_bias=tuple(reversed(self._use_bias)),
        data_format=self._data_format)

  def _transposed_channels(self, output_channels):
    if output_channels is None:
      return [lambda layer=layer: layer.input_channels for layer in reversed(self._layers)]
    output_channels = _as_tuple("output_channels", output_channels)
    if len(output_channels) != self._num_layers:
      raise ValueError(ERR_OUTPUT_CHANNELS_LENGTH.format(n=self._num_layers,
                                                         length=len(output_channels)))
    return output_channels

  def _spatial(self, shape):
    return tuple(shape[2:]) if self._data_format == "NCHW" else tuple(shape[1:-1])


class ConvNet2D(_ConvNet2DBase):
  """A stack of `Conv2D` layers (`conv_2d_{i}`), each optionally followed by a
  normalisation module (`batch_norm_{i}`) and an activation.

  By default neither normalisation nor activation are applied after the last layer.
  """

  def __init__(self,
               output_channels: Iterable[int | Callable[[], int]],
               kernel_shapes: Iterable[Any],
               strides: Iterable[Any],
               paddings: Iterable[str],
               rates: Iterable[Any] = (1,),
               activation: types.Activation = tf.nn.relu,
               activate_final: bool = False,
               normalization_ctor: None | str | Callable[..., Any] = None,
               normalization_kwargs: Mapping[str, Any] | None = None,
               normalize_final: bool | None = None,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               use_batch_norm: bool | None = None,
               use_bias: bool | Iterable[bool] = True,
               batch_norm_config: Mapping[str, Any] | None = None,
               data_format: str = "NHWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_net_2d"):
    """Constructs a ConvNet2D.

    Args:
      output_channels: iterable of output channel counts (ints or callables), one per
        layer.
      kernel_shapes: iterable of kernel shapes (as `snt.Conv2D`); length 1 is repeated.
      strides: iterable of strides; length 1 is repeated.
      paddings: iterable of paddings (`snt.SAME`, `snt.VALID`, ...); length 1 is repeated.
      rates: iterable of dilation rates; length 1 is repeated.
      activation: activation applied after every layer but the last.
      activate_final: whether to apply the activation after the last layer too.
      normalization_ctor: None, a callable building a normalisation module (e.g.
        `snt.BatchNorm`, `snt.LayerNorm`), or one of the names in `NORMALIZATION_NAMES`.
      normalization_kwargs: constructor kwargs for the normalisation modules.
      normalize_final: whether to normalise after the last layer; default
        `activate_final`.
      initializers: optional dict with keys 'w', 'b' for all layers.
      partitioners: optional dict with keys 'w', 'b' (graph mode only).
      regularizers: optional dict with keys 'w', 'b'.
      use_batch_norm: deprecated (Sonnet 1): True means `normalization_ctor=snt.BatchNorm`.
      use_bias: bool or iterable of bools (length 1 is repeated).
      batch_norm_config: deprecated (Sonnet 1): the BatchNorm constructor kwargs.
      data_format: 'NHWC' or 'NCHW'.
      custom_getter: optional custom getter (callable or dict) for all layers.
      name: name of the module.

    Raises:
      TypeError: non-iterable sequences, non-callable activation, non-mapping kwargs.
      ValueError: empty `output_channels`, lengths that are not 1 or the number of
        layers, conflicting normalisation arguments, unknown names or data format.
      KeyError: unknown dict keys.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._init_common(output_channels, kernel_shapes, strides, paddings, activation,
                      activate_final, normalization_ctor, normalization_kwargs,
                      normalize_final, initializers, partitioners, regularizers,
                      use_batch_norm, use_bias, batch_norm_config, data_format)
    self._rates = _replicate("rates", _as_tuple("rates", rates), self._num_layers)
    with self._enter_variable_scope():
      self._layers = tuple(
          conv.Conv2D(output_channels=self._output_channels[i],
                      kernel_shape=self._kernel_shapes[i],
                      stride=self._strides[i],
                      rate=self._rates[i],
                      padding=self._paddings[i],
                      use_bias=self._use_bias[i],
                      initializers=self._initializers,
                      partitioners=self._partitioners,
                      regularizers=self._regularizers,
                      data_format=self._data_format,
                      name=f"conv_2d_{i}")
          for i in range(self._num_layers))

  @property
  def rates(self) -> tuple:
    """The dilation rate of each layer."""
    return self._rates

  def transpose(self, name: str | None = None, output_channels: Iterable[Any] | None = None,
                activate_final: bool | None = None) -> "ConvNet2DTranspose":
    """Returns a ConvNet2DTranspose mapping this network's outputs to its input shape.

    Args:
      name: name of the new module; default `<module_name>_transpose`.
      output_channels: optional output channels of the new layers; default the input
        channels of this network's layers (read when the transpose is connected).
      activate_final: default this network's `activate_final`.

    Returns:
      A `ConvNet2DTranspose`, sharing no variables with this network.

    Raises:
      ValueError: `output_channels` has the wrong length.
      snt.NotSupportedError: the network has dilated layers.
    """
    if any(max(conv.fill_shape(r, 2, "rate", self.module_name)) > 1 for r in self._rates):
      raise errors.NotSupportedError(ERR_TRANSPOSE_DILATED.format(module=self.module_name,
                                                                  rates=self._rates))
    output_shapes = [lambda layer=layer: self._spatial(layer.input_shape)
                     for layer in reversed(self._layers)]
    return ConvNet2DTranspose(
        output_channels=self._transposed_channels(output_channels),
        output_shapes=output_shapes,
        name=name or self.module_name + "_transpose",
        **self._common_transpose_kwargs(activate_final))


class ConvNet2DTranspose(_ConvNet2DBase):
  """A stack of `Conv2DTranspose` layers (`conv_2d_transpose_{i}`), each optionally
  followed by a normalisation module and an activation."""

  def __init__(self,
               output_channels: Iterable[int | Callable[[], int]],
               output_shapes: Iterable[Any],
               kernel_shapes: Iterable[Any],
               strides: Iterable[Any],
               paddings: Iterable[str],
               activation: types.Activation = tf.nn.relu,
               activate_final: bool = False,
               normalization_ctor: None | str | Callable[..., Any] = None,
               normalization_kwargs: Mapping[str, Any] | None = None,
               normalize_final: bool | None = None,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               use_batch_norm: bool | None = None,
               use_bias: bool | Iterable[bool] = True,
               batch_norm_config: Mapping[str, Any] | None = None,
               data_format: str = "NHWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_net_2d_transpose"):
    """Constructs a ConvNet2DTranspose.

    Args:
      output_channels: iterable of output channel counts (ints or callables).
      output_shapes: iterable of output spatial shapes `(height, width)` (or callables
        returning them, or None to infer); length 1 is repeated.
      kernel_shapes, strides, paddings, activation, activate_final, normalization_ctor,
      normalization_kwargs, normalize_final, initializers, partitioners, regularizers,
      use_batch_norm, use_bias, batch_norm_config, data_format, custom_getter: as
        `ConvNet2D`.
      name: name of the module.

    Raises:
      TypeError, ValueError, KeyError: as `ConvNet2D`.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._init_common(output_channels, kernel_shapes, strides, paddings, activation,
                      activate_final, normalization_ctor, normalization_kwargs,
                      normalize_final, initializers, partitioners, regularizers,
                      use_batch_norm, use_bias, batch_norm_config, data_format)
    self._output_shapes = _replicate("output_shapes", _as_tuple("output_shapes",
                                                                output_shapes),
                                     self._num_layers)
    with self._enter_variable_scope():
      self._layers = tuple(
          conv_transpose.Conv2DTranspose(output_channels=self._output_channels[i],
                                         output_shape=self._output_shapes[i],
                                         kernel_shape=self._kernel_shapes[i],
                                         stride=self._strides[i],
                                         padding=self._paddings[i],
                                         use_bias=self._use_bias[i],
                                         initializers=self._initializers,
                                         partitioners=self._partitioners,
                                         regularizers=self._regularizers,
                                         data_format=self._data_format,
                                         name=f"conv_2d_transpose_{i}")
          for i in range(self._num_layers))

  @property
  def output_shapes(self) -> tuple:
    """The spatial output shape of each layer."""
    shapes = (s() if callable(s) else s for s in self._output_shapes)
    return tuple(None if s is None else tuple(s) for s in shapes)

  def transpose(self, name: str | None = None, output_channels: Iterable[Any] | None = None,
                activate_final: bool | None = None) -> ConvNet2D:
    """Returns a ConvNet2D mapping this network's outputs back to its input shape.

    Args:
      name: name of the new module; default `<module_name>_transpose`.
      output_channels: optional output channels; default the input channels of this
        network's layers (read when the transpose is connected).
      activate_final: default this network's `activate_final`.

    Returns:
      A `ConvNet2D`, sharing no variables with this network.

    Raises:
      ValueError: `output_channels` has the wrong length.
    """
    return ConvNet2D(
        output_channels=self._transposed_channels(output_channels),
        name=name or self.module_name + "_transpose",
        **self._common_transpose_kwargs(activate_final))
