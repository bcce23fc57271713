# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Sonnet: modules that own their variables, for building neural networks on TensorFlow.

`import sonnet as snt`. Everything public is re-exported here explicitly; nothing under
`sonnet.src` is public API.
"""

__version__ = "2.0.0.dev0"

__all__ = ["__version__"]

from sonnet.src import tensorflow_check as _tensorflow_check

_tensorflow_check.check_tensorflow()  # before anything imports TensorFlow

# --- Module core (errors, AbstractModule, variables, nest, utilities) ---------------------
from sonnet import nets
from sonnet.src import custom_getters
from sonnet.src import initializers
from sonnet.src import nest
from sonnet.src.base import AbstractModule
from sonnet.src.base import Module
from sonnet.src.base import reuse_variables
from sonnet.src.base import Transposable
from sonnet.src.errors import DifferentGraphError
from sonnet.src.errors import Error
from sonnet.src.errors import IncompatibleShapeError
from sonnet.src.errors import NotConnectedError
from sonnet.src.errors import NotInitializedError
from sonnet.src.errors import NotSupportedError
from sonnet.src.errors import ParentNotBuiltError
from sonnet.src.errors import UnderspecifiedError
from sonnet.src.linear import Linear
from sonnet.src.util import check_initializers
from sonnet.src.util import check_partitioners
from sonnet.src.util import check_regularizers
from sonnet.src.variable_utils import count_parameters
from sonnet.src.variable_utils import count_parameters_by_module
from sonnet.src.variable_utils import format_variable_map
from sonnet.src.variable_utils import format_variables
from sonnet.src.variable_utils import get_normalized_variable_map
from sonnet.src.variable_utils import get_saver
from sonnet.src.variable_utils import get_variables_in_module
from sonnet.src.variable_utils import get_variables_in_scope
from sonnet.src.variable_utils import log_variables
from sonnet.src.variable_utils import restore_checkpoint
from sonnet.src.variable_utils import restore_initializer
from sonnet.src.variable_utils import variable_map_items
from sonnet.src.variables import get_regularization_loss
from sonnet.src.variables import get_variable

__all__ += [
    "nets", "custom_getters", "initializers", "nest",
    "AbstractModule", "Module", "reuse_variables", "Transposable",
    "DifferentGraphError", "Error", "IncompatibleShapeError", "NotConnectedError",
    "NotInitializedError", "NotSupportedError", "ParentNotBuiltError", "UnderspecifiedError",
    "Linear",
    "check_initializers", "check_partitioners", "check_regularizers",
    "count_parameters", "count_parameters_by_module", "format_variable_map",
    "format_variables", "get_normalized_variable_map", "get_saver",
    "get_variables_in_module", "get_variables_in_scope", "log_variables",
    "restore_checkpoint", "restore_initializer", "variable_map_items",
    "get_regularization_loss", "get_variable",
]


# --- Layers (basic, convolution, normalisation, embedding, attention) ---------------------
# layers: basic, conv
from sonnet.src.basic import AddBias
from sonnet.src.basic import ConcatLinear
from sonnet.src.basic import SelectInput
from sonnet.src.basic import TrainableVariable
from sonnet.src.batch_apply import BatchApply
from sonnet.src.conv import CAUSAL
from sonnet.src.conv import Conv1D
from sonnet.src.conv import Conv2D
from sonnet.src.conv import Conv3D
from sonnet.src.conv import CausalConv1D
from sonnet.src.conv import FULL
from sonnet.src.conv import REVERSE_CAUSAL
from sonnet.src.conv import SAME
from sonnet.src.conv import VALID
from sonnet.src.conv_depthwise import DepthwiseConv2D
from sonnet.src.conv_depthwise import InPlaneConv2D
from sonnet.src.conv_depthwise import SeparableConv1D
from sonnet.src.conv_depthwise import SeparableConv2D
from sonnet.src.conv_transpose import Conv1DTranspose
from sonnet.src.conv_transpose import Conv2DTranspose
from sonnet.src.conv_transpose import Conv3DTranspose
from sonnet.src.gradients import clip_gradient
from sonnet.src.gradients import scale_gradient
from sonnet.src.reshape import BatchFlatten
from sonnet.src.reshape import BatchReshape
from sonnet.src.reshape import FlattenTrailingDimensions
from sonnet.src.reshape import MergeDims
from sonnet.src.reshape import SliceByDim
from sonnet.src.reshape import TileByDim
from sonnet.src.reshape import merge_leading_dims
from sonnet.src.reshape import split_leading_dim
from sonnet.src.sequential import Residual
from sonnet.src.sequential import Sequential

__all__ += ["CAUSAL", "FULL", "REVERSE_CAUSAL", "SAME", "VALID", "CausalConv1D", "Conv1D",
            "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
            "DepthwiseConv2D", "InPlaneConv2D", "SeparableConv1D", "SeparableConv2D",
            "clip_gradient", "scale_gradient"]
__all__ += ["AddBias", "BatchApply", "BatchFlatten", "BatchReshape", "ConcatLinear",
            "FlattenTrailingDimensions", "MergeDims", "Residual", "SelectInput", "Sequential",
            "SliceByDim", "TileByDim", "TrainableVariable", "merge_leading_dims",
            "split_leading_dim"]
# end layers: basic, conv
# layers: normalisation, embedding, attention
from sonnet.src.attention import AttentionOutput
from sonnet.src.attention import AttentiveRead
from sonnet.src.batch_norm import BatchNorm
from sonnet.src.batch_norm_v2 import BatchNormV2
from sonnet.src.embed import Embed
from sonnet.src.group_norm import GroupNorm
from sonnet.src.group_norm import InstanceNorm
from sonnet.src.layer_norm import LayerNorm

__all__ += ["AttentionOutput", "AttentiveRead", "BatchNorm", "BatchNormV2", "Embed",
            "GroupNorm", "InstanceNorm", "LayerNorm"]
# end layers: normalisation, embedding, attention

# --- Recurrent cores and unrolling --------------------------------------------------------
from sonnet.src.basic_rnn import DeepRNN
from sonnet.src.basic_rnn import ModelRNN
from sonnet.src.basic_rnn import VanillaRNN
from sonnet.src.batch_norm_lstm import BatchNormLSTM
from sonnet.src.bidirectional_rnn import BidirectionalRNN
from sonnet.src.conv_lstm import Conv1DLSTM
from sonnet.src.conv_lstm import Conv2DLSTM
from sonnet.src.conv_lstm import Conv3DLSTM
from sonnet.src.gated_rnn import GRU
from sonnet.src.gated_rnn import LSTM
from sonnet.src.gated_rnn import LSTMState
from sonnet.src.pondering_rnn import ACTCore
from sonnet.src.recurrent_dropout import highway_core_with_recurrent_dropout
from sonnet.src.recurrent_dropout import lstm_with_recurrent_dropout
from sonnet.src.recurrent_dropout import lstm_with_zoneout
from sonnet.src.recurrent_dropout import RecurrentDropoutWrapper
from sonnet.src.recurrent_dropout import ZoneoutWrapper
from sonnet.src.relational_memory import RelationalMemory
from sonnet.src.residual_rnn import HighwayCore
from sonnet.src.residual_rnn import ResidualCore
from sonnet.src.residual_rnn import SkipConnectionCore
from sonnet.src.rnn_core import RNNCore
from sonnet.src.rnn_core import trainable_initial_state
from sonnet.src.rnn_core import TrainableInitialState
from sonnet.src.unroll import dynamic_unroll
from sonnet.src.unroll import static_unroll

__all__ += ["ACTCore", "BatchNormLSTM", "BidirectionalRNN", "Conv1DLSTM", "Conv2DLSTM",
            "Conv3DLSTM", "DeepRNN", "GRU", "HighwayCore", "LSTM", "LSTMState", "ModelRNN",
            "RecurrentDropoutWrapper", "RelationalMemory", "ResidualCore", "RNNCore",
            "SkipConnectionCore", "TrainableInitialState", "VanillaRNN", "ZoneoutWrapper",
            "dynamic_unroll", "highway_core_with_recurrent_dropout",
            "lstm_with_recurrent_dropout", "lstm_with_zoneout", "static_unroll",
            "trainable_initial_state"]
# end recurrent cores and unrolling

# --- Ops (resampler) ----------------------------------------------------------------------
# The C++ op library is loaded lazily on the first call, so this import never needs it.
from sonnet.src.ops.resampler import resampler
from sonnet.src.ops.resampler import resampler_is_available

__all__ += ["resampler", "resampler_is_available"]

# --- Spatial transformers -----------------------------------------------------------------
from sonnet.src.affine_warp_constraints import AffineWarpConstraints
from sonnet.src.spatial_transformer import AffineGridWarper
from sonnet.src.spatial_transformer import AffineGridWarperInverse
from sonnet.src.spatial_transformer import GridWarper

__all__ += ["AffineGridWarper", "AffineGridWarperInverse", "AffineWarpConstraints",
            "GridWarper"]
