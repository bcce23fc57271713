# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Sonnet: modules that own their variables, for building neural networks on TensorFlow.

`import sonnet as snt`. Everything public is re-exported here explicitly; nothing under
`sonnet.src` is public API.
"""

__version__ = "2.0.0.dev0"

# Warn when another distribution (dm-sonnet) also installs a `sonnet` package.
import sonnet.src.distribution_check as _distribution_check

_distribution_check.warn_on_clash(__file__)

# Say clearly when TensorFlow is missing, before anything below imports it.
from sonnet.src import tensorflow_check as _tensorflow_check

_tensorflow_check.check_tensorflow()

# One import block and one `__all__`, both sorted case-insensitively (`key=str.lower`);
# sonnet/src/conformance/api_test.py checks them against `dir(snt)` and against the
# checked-in list of the public API. Importing the resampler loads its op library if it
# can (a missing one is reported by the first call).
from sonnet import custom_getters
from sonnet import experimental
from sonnet import nets
from sonnet.src import initializers
from sonnet.src import mixed_precision
from sonnet.src import nest
from sonnet.src.affine_warp_constraints import AffineWarpConstraints
from sonnet.src.attention import AttentionOutput
from sonnet.src.attention import AttentiveRead
from sonnet.src.base import AbstractModule
from sonnet.src.base import Module
from sonnet.src.base import reuse_variables
from sonnet.src.base import Transposable
from sonnet.src.basic import AddBias
from sonnet.src.basic import ConcatLinear
from sonnet.src.basic import SelectInput
from sonnet.src.basic import TrainableVariable
from sonnet.src.basic_rnn import DeepRNN
from sonnet.src.basic_rnn import ModelRNN
from sonnet.src.basic_rnn import VanillaRNN
from sonnet.src.batch_apply import BatchApply
from sonnet.src.batch_norm import BatchNorm
from sonnet.src.batch_norm_lstm import BatchNormLSTM
from sonnet.src.batch_norm_v2 import BatchNormV2
from sonnet.src.bidirectional_rnn import BidirectionalRNN
from sonnet.src.block_matrix import BlockDiagonalMatrix
from sonnet.src.block_matrix import BlockTriangularMatrix
from sonnet.src.conv import CAUSAL
from sonnet.src.conv import CausalConv1D
from sonnet.src.conv import CONSTANT_PADDING
from sonnet.src.conv import Conv1D
from sonnet.src.conv import Conv2D
from sonnet.src.conv import Conv3D
from sonnet.src.conv import FULL
from sonnet.src.conv import REFLECT_PADDING
from sonnet.src.conv import REVERSE_CAUSAL
from sonnet.src.conv import SAME
from sonnet.src.conv import SYMMETRIC_PADDING
from sonnet.src.conv import VALID
from sonnet.src.conv_depthwise import DepthwiseConv2D
from sonnet.src.conv_depthwise import InPlaneConv2D
from sonnet.src.conv_depthwise import SeparableConv1D
from sonnet.src.conv_depthwise import SeparableConv2D
from sonnet.src.conv_lstm import Conv1DLSTM
from sonnet.src.conv_lstm import Conv2DLSTM
from sonnet.src.conv_lstm import Conv3DLSTM
from sonnet.src.conv_transpose import Conv1DTranspose
from sonnet.src.conv_transpose import Conv2DTranspose
from sonnet.src.conv_transpose import Conv3DTranspose
from sonnet.src.cross_replica_batch_norm import CrossReplicaBatchNorm
from sonnet.src.custom_getters import custom_getter_router
from sonnet.src.embed import Embed
from sonnet.src.errors import DifferentGraphError
from sonnet.src.errors import Error
from sonnet.src.errors import IncompatibleShapeError
from sonnet.src.errors import NotConnectedError
from sonnet.src.errors import NotInitializedError
from sonnet.src.errors import NotSupportedError
from sonnet.src.errors import ParentNotBuiltError
from sonnet.src.errors import UnderspecifiedError
from sonnet.src.gated_rnn import GRU
from sonnet.src.gated_rnn import LSTM
from sonnet.src.gated_rnn import LSTMState
from sonnet.src.gradients import clip_gradient
from sonnet.src.gradients import scale_gradient
from sonnet.src.group_norm import GroupNorm
from sonnet.src.group_norm import InstanceNorm
from sonnet.src.keras_layer import KerasLayer
from sonnet.src.layer_norm import LayerNorm
from sonnet.src.linear import Linear
from sonnet.src.lstm_block_cell import LSTMBlockCell
from sonnet.src.module_info import ModuleInfoError
from sonnet.src.module_info import observe_connections
from sonnet.src.module_info import SONNET_COLLECTION_NAME
from sonnet.src.moving_average import MovingAverage
from sonnet.src.ops.resampler import resampler
from sonnet.src.ops.resampler import resampler_is_available
from sonnet.src.optimization_constraints import get_lagrange_multiplier
from sonnet.src.optimization_constraints import OptimizationConstraints
from sonnet.src.pondering_rnn import ACTCore
from sonnet.src.recurrent_dropout import highway_core_with_recurrent_dropout
from sonnet.src.recurrent_dropout import lstm_with_recurrent_dropout
from sonnet.src.recurrent_dropout import lstm_with_zoneout
from sonnet.src.recurrent_dropout import RecurrentDropoutWrapper
from sonnet.src.recurrent_dropout import ZoneoutWrapper
from sonnet.src.relational_memory import RelationalMemory
from sonnet.src.reshape import BatchFlatten
from sonnet.src.reshape import BatchReshape
from sonnet.src.reshape import FlattenTrailingDimensions
from sonnet.src.reshape import merge_leading_dims
from sonnet.src.reshape import MergeDims
from sonnet.src.reshape import SliceByDim
from sonnet.src.reshape import split_leading_dim
from sonnet.src.reshape import TileByDim
from sonnet.src.residual_rnn import HighwayCore
from sonnet.src.residual_rnn import ResidualCore
from sonnet.src.residual_rnn import SkipConnectionCore
from sonnet.src.rnn_cell_wrapper import RNNCellWrapper
from sonnet.src.rnn_core import RNNCore
from sonnet.src.rnn_core import trainable_initial_state
from sonnet.src.rnn_core import TrainableInitialState
from sonnet.src.sequential import Residual
from sonnet.src.sequential import Sequential
from sonnet.src.spatial_transformer import AffineGridWarper
from sonnet.src.spatial_transformer import AffineGridWarperInverse
from sonnet.src.spatial_transformer import GridWarper
from sonnet.src.spectral_normalization import spectral_norm
from sonnet.src.spectral_normalization import SpectralNormWrapper
from sonnet.src.spectral_normalization import wrap_with_spectral_norm
from sonnet.src.unroll import dynamic_unroll
from sonnet.src.unroll import static_unroll
from sonnet.src.util import check_initializers
from sonnet.src.util import check_partitioners
from sonnet.src.util import check_regularizers
from sonnet.src.util import count_variables_by_type
from sonnet.src.util import deprecation_warning
from sonnet.src.util import has_variable_scope
from sonnet.src.util import MAYBE_SUPPORTED
from sonnet.src.util import name_for_callable
from sonnet.src.util import NOT_SUPPORTED
from sonnet.src.util import notify_about_new_variables
from sonnet.src.util import parse_string_to_constructor
from sonnet.src.util import remove_unsupported_kwargs
from sonnet.src.util import summarize_variables
from sonnet.src.util import SUPPORTED
from sonnet.src.util import supports_kwargs
from sonnet.src.util import to_snake_case
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

__all__ = [
    "__version__",
    "AbstractModule",
    "ACTCore",
    "AddBias",
    "AffineGridWarper",
    "AffineGridWarperInverse",
    "AffineWarpConstraints",
    "AttentionOutput",
    "AttentiveRead",
    "BatchApply",
    "BatchFlatten",
    "BatchNorm",
    "BatchNormLSTM",
    "BatchNormV2",
    "BatchReshape",
    "BidirectionalRNN",
    "BlockDiagonalMatrix",
    "BlockTriangularMatrix",
    "CAUSAL",
    "CausalConv1D",
    "check_initializers",
    "check_partitioners",
    "check_regularizers",
    "clip_gradient",
    "ConcatLinear",
    "CONSTANT_PADDING",
    "Conv1D",
    "Conv1DLSTM",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DLSTM",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DLSTM",
    "Conv3DTranspose",
    "count_parameters",
    "count_parameters_by_module",
    "count_variables_by_type",
    "CrossReplicaBatchNorm",
    "custom_getter_router",
    "custom_getters",
    "DeepRNN",
    "deprecation_warning",
    "DepthwiseConv2D",
    "DifferentGraphError",
    "dynamic_unroll",
    "Embed",
    "Error",
    "experimental",
    "FlattenTrailingDimensions",
    "format_variable_map",
    "format_variables",
    "FULL",
    "get_lagrange_multiplier",
    "get_normalized_variable_map",
    "get_regularization_loss",
    "get_saver",
    "get_variable",
    "get_variables_in_module",
    "get_variables_in_scope",
    "GridWarper",
    "GroupNorm",
    "GRU",
    "has_variable_scope",
    "highway_core_with_recurrent_dropout",
    "HighwayCore",
    "IncompatibleShapeError",
    "initializers",
    "InPlaneConv2D",
    "InstanceNorm",
    "KerasLayer",
    "LayerNorm",
    "Linear",
    "log_variables",
    "LSTM",
    "lstm_with_recurrent_dropout",
    "lstm_with_zoneout",
    "LSTMBlockCell",
    "LSTMState",
    "MAYBE_SUPPORTED",
    "merge_leading_dims",
    "MergeDims",
    "mixed_precision",
    "ModelRNN",
    "Module",
    "ModuleInfoError",
    "MovingAverage",
    "name_for_callable",
    "nest",
    "nets",
    "NOT_SUPPORTED",
    "NotConnectedError",
    "notify_about_new_variables",
    "NotInitializedError",
    "NotSupportedError",
    "observe_connections",
    "OptimizationConstraints",
    "ParentNotBuiltError",
    "parse_string_to_constructor",
    "RecurrentDropoutWrapper",
    "REFLECT_PADDING",
    "RelationalMemory",
    "remove_unsupported_kwargs",
    "resampler",
    "resampler_is_available",
    "Residual",
    "ResidualCore",
    "restore_checkpoint",
    "restore_initializer",
    "reuse_variables",
    "REVERSE_CAUSAL",
    "RNNCellWrapper",
    "RNNCore",
    "SAME",
    "scale_gradient",
    "SelectInput",
    "SeparableConv1D",
    "SeparableConv2D",
    "Sequential",
    "SkipConnectionCore",
    "SliceByDim",
    "SONNET_COLLECTION_NAME",
    "spectral_norm",
    "SpectralNormWrapper",
    "split_leading_dim",
    "static_unroll",
    "summarize_variables",
    "SUPPORTED",
    "supports_kwargs",
    "SYMMETRIC_PADDING",
    "TileByDim",
    "to_snake_case",
    "trainable_initial_state",
    "TrainableInitialState",
    "TrainableVariable",
    "Transposable",
    "UnderspecifiedError",
    "VALID",
    "VanillaRNN",
    "variable_map_items",
    "wrap_with_spectral_norm",
    "ZoneoutWrapper",
]

# Importing from `sonnet.src` bound the subpackage here as `src`: not public API.
del src  # type: ignore[name-defined]  # noqa: F821 (bound by the imports above)
del _distribution_check
del _tensorflow_check
