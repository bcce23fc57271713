# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""One descriptor per public module class of `snt` and `snt.nets` (see `harness.Descriptor`).

Configurations and inputs are tiny, so the whole conformance suite stays fast. Functions
passed to modules (activations, halting features, `snt.Module` builds) are module-level
functions, not lambdas, so that the modules can be pickled.

`EXCLUDED` lists the public module classes deliberately without a descriptor, with the
reason; `KNOWN_FAILURES` lists `(descriptor, check)` pairs that fail today, with the reason
(the tests assert they still fail).
"""

import types
import warnings

import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src.conformance import harness

Descriptor = harness.Descriptor
_u = harness.uniform

TRAINING = types.MappingProxyType({"is_training": True})

EXCLUDED = {
    "AbstractModule": "abstract base class (covered through every subclass and snt.Module)",
    "RNNCore": "abstract base class (covered through every recurrent core)",
    "GridWarper": "abstract base class (covered through AffineGridWarper)",
    "OptimizationConstraints": (
        "called without inputs: its constraints are tensors of the graph they were added in, "
        "before the call, so one instance cannot be called in every mode (covered in every "
        "mode by optimization_constraints_test.py)"),
    "nets.AlexNet": (
        "the same _build as nets.AlexNetMini (covered); its minimum input is 195x195 and it "
        "has millions of parameters, too slow for the conformance suite"),
    "nets.AlexNetFull": (
        "the same _build as nets.AlexNetMini (covered); its minimum input is 195x195 and it "
        "has tens of millions of parameters, too slow for the conformance suite"),
}

# (descriptor name, check) -> why it fails today. The check names are the first argument
# of `harness.over_descriptors` in the test files.
KNOWN_FAILURES: dict[tuple[str, str], str] = {
    ("MovingAverage", "registry"): (
        "stateful, but updated by every call: it has no is_training argument to pass"),
    ("MovingAverage", "modes_graph"): (
        "in a graph, the session runs only the second call, so the first call's update (which "
        "marks the average as set) never runs and the second call returns its input, while "
        "eagerly it averages with the assigned state; both are Sonnet 1's behaviour"),
    ("MovingAverage", "modes_legacy"): "as modes_graph (a TF1 legacy graph and session)",
    ("RNNCellWrapper", "modes_legacy"): (
        "Keras 3 cells (the descriptor wraps keras.layers.GRUCell) do not run after "
        "tf.compat.v1.disable_v2_behavior(): their call slices a v1 shape tensor"),
    ("RNNCellWrapper", "unknown_batch_legacy"): "as modes_legacy (Keras 3 cell)",
}


# --- Functions passed to modules (module-level, so modules pickle) -------------------------


def _tiny_net(inputs):
  """A function for `snt.Module`: one weight matrix and a tanh."""
  w = snt.get_variable("w", shape=[inputs.shape[-1], 3], dtype=inputs.dtype)
  b = snt.get_variable("b", shape=[3], dtype=inputs.dtype, initializer=tf.zeros_initializer())
  return tf.tanh(tf.matmul(inputs, w) + b)


def _warp_and_sample(images, theta):
  """A function for `snt.Module` using the resampler op: a learned scale on an affine warp."""
  scale = snt.get_variable("scale", shape=[images.shape[-1]], dtype=images.dtype,
                           initializer=tf.ones_initializer())
  grid = snt.AffineGridWarper(source_shape=images.shape[1:3], output_shape=(3, 3))(theta)
  return snt.resampler(images, grid) * scale


def _identity(state):
  return state


def _bidirectional_call(module, input_sequence, **kwargs):
  # The state comes from the cores, as a user builds it.
  batch = harness.batch_size_of([input_sequence])
  state = (module.forward_core.initial_state(batch),
           module.backward_core.initial_state(batch))
  return module(input_sequence, state, **kwargs)


def _affine_theta(seed):
  """Affine parameters near the identity, `[2, 6]`."""
  return (np.array([[1., 0., 0., 0., 1., 0.]] * 2, np.float32) + 0.2 * _u(seed, [2, 6]))


# --- Constructors --------------------------------------------------------------------------


def _module():
  return snt.Module(_tiny_net, name="tiny_net")


def _module_resampler():
  return snt.Module(_warp_and_sample, name="warp_and_sample")


def _batch_apply():
  return snt.BatchApply(snt.Linear(3))


def _residual():
  return snt.Residual(snt.Linear(4))


def _sequential():
  return snt.Sequential([snt.Linear(4), tf.nn.relu, snt.Linear(2)])


def _attentive_read():
  return snt.AttentiveRead(snt.nets.MLP([3, 1]))


def _act_core():
  return snt.ACTCore(snt.GRU(3), 2, 0.9, _identity, max_steps=3)


def _bidirectional_rnn():
  return snt.BidirectionalRNN(snt.LSTM(3), snt.GRU(2))


def _deep_rnn():
  return snt.DeepRNN([snt.LSTM(3), snt.GRU(2)])


def _model_rnn():
  return snt.ModelRNN(snt.Linear(3))


def _recurrent_dropout_wrapper():
  # Keep probability 1: the masks are all ones, so the outputs are deterministic.
  return snt.RecurrentDropoutWrapper(snt.LSTM(3), snt.LSTMState(1.0, None))


def _zoneout_wrapper():
  # Not training: the expectation, deterministic.
  return snt.ZoneoutWrapper(snt.LSTM(3), snt.LSTMState(0.9, 0.5), is_training=False)


def _trainable_initial_state():
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    return snt.TrainableInitialState(np.tile(_u(40, [1, 3]), [2, 1]))


def _spectral_norm_linear():
  return snt.SpectralNormWrapper(snt.Linear, {"num_iters": 2}, None, 3)


def _rnn_cell_wrapper():
  return snt.RNNCellWrapper(tf.keras.layers.GRUCell, 3)


def _affine_grid_warper():
  return snt.AffineGridWarper(source_shape=(4, 5), output_shape=(3, 3))


def _affine_grid_warper_inverse():
  return snt.AffineGridWarper(source_shape=(4, 5), output_shape=(3, 3)).inverse()


DESCRIPTORS = (
    # Module core.
    Descriptor("Module", "Module", _module, lambda: (_u(1, [2, 4]),)),
    Descriptor("Module_resampler", "Module", _module_resampler,
               lambda: (_u(2, [2, 4, 5, 2]), _affine_theta(3)), uses_op=True),
    Descriptor("Linear", "Linear", lambda: snt.Linear(3), lambda: (_u(4, [2, 4]),),
               transposable=True),
    # Convolutions.
    Descriptor("Conv1D", "Conv1D", lambda: snt.Conv1D(3, 3), lambda: (_u(5, [2, 5, 2]),),
               transposable=True),
    # Transposable by class, but its transpose raises NotSupportedError (causal padding).
    Descriptor("CausalConv1D", "CausalConv1D", lambda: snt.CausalConv1D(3, 3),
               lambda: (_u(6, [2, 5, 2]),)),
    Descriptor("Conv2D", "Conv2D", lambda: snt.Conv2D(3, 3), lambda: (_u(7, [2, 4, 4, 2]),),
               transposable=True),
    Descriptor("Conv3D", "Conv3D", lambda: snt.Conv3D(2, 2),
               lambda: (_u(8, [2, 3, 3, 3, 2]),), transposable=True),
    Descriptor("Conv1DTranspose", "Conv1DTranspose",
               lambda: snt.Conv1DTranspose(3, kernel_shape=3, stride=2),
               lambda: (_u(9, [2, 3, 2]),), transposable=True),
    Descriptor("Conv2DTranspose", "Conv2DTranspose",
               lambda: snt.Conv2DTranspose(3, kernel_shape=3, stride=2),
               lambda: (_u(10, [2, 2, 3, 2]),), transposable=True),
    Descriptor("Conv3DTranspose", "Conv3DTranspose",
               lambda: snt.Conv3DTranspose(2, kernel_shape=2),
               lambda: (_u(11, [2, 2, 2, 3, 2]),), transposable=True),
    Descriptor("DepthwiseConv2D", "DepthwiseConv2D", lambda: snt.DepthwiseConv2D(2, 3),
               lambda: (_u(12, [2, 4, 4, 2]),)),
    Descriptor("InPlaneConv2D", "InPlaneConv2D", lambda: snt.InPlaneConv2D(3),
               lambda: (_u(13, [2, 4, 4, 2]),)),
    Descriptor("SeparableConv1D", "SeparableConv1D", lambda: snt.SeparableConv1D(3, 2, 3),
               lambda: (_u(14, [2, 5, 2]),)),
    Descriptor("SeparableConv2D", "SeparableConv2D", lambda: snt.SeparableConv2D(3, 2, 3),
               lambda: (_u(15, [2, 4, 4, 2]),)),
    # Basic layers and reshapes.
    Descriptor("AddBias", "AddBias", lambda: snt.AddBias(), lambda: (_u(16, [2, 3]),),
               transposable=True),
    Descriptor("BatchApply", "BatchApply", _batch_apply, lambda: (_u(17, [2, 3, 4]),)),
    Descriptor("BatchFlatten", "BatchFlatten", lambda: snt.BatchFlatten(),
               lambda: (_u(18, [2, 3, 2]),), transposable=True),
    Descriptor("BatchReshape", "BatchReshape", lambda: snt.BatchReshape([3, 2]),
               lambda: (_u(19, [2, 6]),), transposable=True),
    Descriptor("BlockDiagonalMatrix", "BlockDiagonalMatrix",
               lambda: snt.BlockDiagonalMatrix((2, 1), 2), lambda: (_u(65, [2, 4]),)),
    Descriptor("BlockTriangularMatrix", "BlockTriangularMatrix",
               lambda: snt.BlockTriangularMatrix((1, 2), 2), lambda: (_u(66, [2, 6]),)),
    Descriptor("ConcatLinear", "ConcatLinear", lambda: snt.ConcatLinear(3),
               lambda: ([_u(20, [2, 3]), _u(21, [2, 2])],)),
    Descriptor("FlattenTrailingDimensions", "FlattenTrailingDimensions",
               lambda: snt.FlattenTrailingDimensions(2), lambda: (_u(22, [2, 3, 2, 2]),),
               transposable=True),
    Descriptor("MergeDims", "MergeDims", lambda: snt.MergeDims(1, 2),
               lambda: (_u(23, [2, 3, 2]),)),
    Descriptor("Residual", "Residual", _residual, lambda: (_u(24, [2, 4]),)),
    Descriptor("SelectInput", "SelectInput", lambda: snt.SelectInput(1),
               lambda: (_u(25, [2, 3]), _u(26, [2, 2]))),
    Descriptor("Sequential", "Sequential", _sequential, lambda: (_u(27, [2, 3]),)),
    # Stateful: the power-iteration vector u0 (updated by each call with the flag on).
    Descriptor("SpectralNormWrapper", "SpectralNormWrapper", _spectral_norm_linear,
               lambda: (_u(67, [2, 4]),), stateful=True,
               call_kwargs=types.MappingProxyType({"enable_power_iteration": True})),
    Descriptor("SliceByDim", "SliceByDim", lambda: snt.SliceByDim([1], [1], [2]),
               lambda: (_u(28, [2, 3, 2]),)),
    Descriptor("TileByDim", "TileByDim", lambda: snt.TileByDim([1], [2]),
               lambda: (_u(29, [2, 3]),)),
    Descriptor("TrainableVariable", "TrainableVariable", lambda: snt.TrainableVariable([2, 3]),
               lambda: (), batched=False),
    # Normalisation, embedding, attention.
    Descriptor("AttentiveRead", "AttentiveRead", _attentive_read,
               lambda: (_u(30, [2, 3, 4]), _u(31, [2, 2]))),
    Descriptor("BatchNorm", "BatchNorm", lambda: snt.BatchNorm(scale=True),
               lambda: (_u(32, [4, 3]),), stateful=True, call_kwargs=TRAINING),
    Descriptor("BatchNormV2", "BatchNormV2", lambda: snt.BatchNormV2(scale=True),
               lambda: (_u(33, [4, 2, 2, 3]),), stateful=True, call_kwargs=TRAINING),
    Descriptor("CrossReplicaBatchNorm", "CrossReplicaBatchNorm",
               lambda: snt.CrossReplicaBatchNorm(scale=True),
               lambda: (_u(64, [4, 3]),), stateful=True, call_kwargs=TRAINING),
    Descriptor("Embed", "Embed", lambda: snt.Embed(vocab_size=5, embed_dim=3),
               lambda: (np.array([[0, 1, 4], [3, 2, 2]], np.int32),)),
    Descriptor("GroupNorm", "GroupNorm", lambda: snt.GroupNorm(2),
               lambda: (_u(34, [2, 3, 4]),)),
    Descriptor("InstanceNorm", "InstanceNorm", lambda: snt.InstanceNorm(),
               lambda: (_u(35, [2, 3, 3, 2]),)),
    Descriptor("LayerNorm", "LayerNorm", lambda: snt.LayerNorm(), lambda: (_u(36, [2, 4]),)),
    # Its state is the average of the inputs: the shape must be fully defined.
    Descriptor("MovingAverage", "MovingAverage", lambda: snt.MovingAverage(0.9),
               lambda: (_u(64, [2, 3]),), stateful=True, batched=False),
    # Recurrent cores.
    Descriptor("ACTCore", "ACTCore", _act_core, lambda: (_u(37, [2, 3]),), recurrent=True),
    Descriptor("BatchNormLSTM", "BatchNormLSTM", lambda: snt.BatchNormLSTM(3),
               lambda: (_u(38, [4, 2]),), recurrent=True, stateful=True,
               call_kwargs=TRAINING),
    Descriptor("BidirectionalRNN", "BidirectionalRNN", _bidirectional_rnn,
               lambda: (_u(39, [2, 3, 2]),), call=_bidirectional_call,
               call_kwargs=types.MappingProxyType({"time_major": False})),
    Descriptor("Conv1DLSTM", "Conv1DLSTM", lambda: snt.Conv1DLSTM((4, 2), 3, 3),
               lambda: (_u(41, [2, 4, 2]),), recurrent=True),
    Descriptor("Conv2DLSTM", "Conv2DLSTM", lambda: snt.Conv2DLSTM((3, 3, 2), 2, 3),
               lambda: (_u(42, [2, 3, 3, 2]),), recurrent=True),
    Descriptor("Conv3DLSTM", "Conv3DLSTM", lambda: snt.Conv3DLSTM((2, 3, 3, 2), 2, 2),
               lambda: (_u(43, [2, 2, 3, 3, 2]),), recurrent=True),
    Descriptor("DeepRNN", "DeepRNN", _deep_rnn, lambda: (_u(44, [2, 3]),), recurrent=True),
    Descriptor("GRU", "GRU", lambda: snt.GRU(3), lambda: (_u(45, [2, 2]),), recurrent=True),
    Descriptor("HighwayCore", "HighwayCore", lambda: snt.HighwayCore(3, num_layers=2),
               lambda: (_u(46, [2, 2]),), recurrent=True),
    Descriptor("LSTM", "LSTM", lambda: snt.LSTM(3), lambda: (_u(47, [2, 2]),), recurrent=True),
    Descriptor("LSTMBlockCell", "LSTMBlockCell",
               lambda: snt.LSTMBlockCell(3, use_peephole=True, cell_clip=2.0),
               lambda: (_u(68, [2, 2]),), recurrent=True),
    Descriptor("ModelRNN", "ModelRNN", _model_rnn, lambda: (_u(48, [2, 2]),), recurrent=True),
    Descriptor("RecurrentDropoutWrapper", "RecurrentDropoutWrapper",
               _recurrent_dropout_wrapper, lambda: (_u(49, [2, 2]),), recurrent=True),
    Descriptor("RelationalMemory", "RelationalMemory",
               lambda: snt.RelationalMemory(mem_slots=2, head_size=2, num_heads=2),
               lambda: (_u(50, [2, 3]),), recurrent=True),
    Descriptor("RNNCellWrapper", "RNNCellWrapper", _rnn_cell_wrapper,
               lambda: (_u(69, [2, 2]),), recurrent=True),
    Descriptor("ResidualCore", "ResidualCore", lambda: snt.ResidualCore(snt.GRU(3)),
               lambda: (_u(51, [2, 3]),), recurrent=True),
    Descriptor("SkipConnectionCore", "SkipConnectionCore",
               lambda: snt.SkipConnectionCore(snt.GRU(3)), lambda: (_u(52, [2, 2]),),
               recurrent=True),
    Descriptor("TrainableInitialState", "TrainableInitialState", _trainable_initial_state,
               lambda: (), batched=False),
    Descriptor("VanillaRNN", "VanillaRNN", lambda: snt.VanillaRNN(3),
               lambda: (_u(53, [2, 2]),), recurrent=True),
    Descriptor("ZoneoutWrapper", "ZoneoutWrapper", _zoneout_wrapper,
               lambda: (_u(54, [2, 2]),), recurrent=True),
    # Spatial transformers (pure TensorFlow: no op library).
    Descriptor("AffineGridWarper", "AffineGridWarper", _affine_grid_warper,
               lambda: (_affine_theta(55),)),
    Descriptor("AffineGridWarperInverse", "AffineGridWarperInverse",
               _affine_grid_warper_inverse, lambda: (_affine_theta(56),)),
    # snt.nets.
    Descriptor("nets_MLP", "nets.MLP", lambda: snt.nets.MLP([4, 3]),
               lambda: (_u(57, [2, 3]),), transposable=True),
    Descriptor("nets_AlexNetMini", "nets.AlexNetMini", lambda: snt.nets.AlexNetMini(),
               lambda: (_u(58, [1, 17, 17, 1]),)),
    Descriptor("nets_ConvNet2D", "nets.ConvNet2D",
               lambda: snt.nets.ConvNet2D([3, 2], [3], [1], ["SAME"]),
               lambda: (_u(59, [2, 4, 4, 2]),), transposable=True),
    Descriptor("nets_ConvNet2DTranspose", "nets.ConvNet2DTranspose",
               lambda: snt.nets.ConvNet2DTranspose([3, 2], [[4, 4], [4, 4]], [3], [1],
                                                   ["SAME"]),
               lambda: (_u(60, [2, 4, 4, 2]),), transposable=True),
    Descriptor("nets_Dilation", "nets.Dilation", lambda: snt.nets.Dilation(2),
               lambda: (_u(61, [1, 3, 3, 2]),)),
    Descriptor("nets_VectorQuantizer", "nets.VectorQuantizer",
               lambda: snt.nets.VectorQuantizer(3, 4, 0.25), lambda: (_u(62, [2, 2, 3]),),
               call_kwargs=TRAINING),
    Descriptor("nets_VectorQuantizerEMA", "nets.VectorQuantizerEMA",
               lambda: snt.nets.VectorQuantizerEMA(3, 4, 0.25, 0.9),
               lambda: (_u(63, [2, 2, 3]),), stateful=True, call_kwargs=TRAINING),
)
