// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// The kernels of Sonnet>Resampler and Sonnet>ResamplerGrad: thin OpKernels,
// templated on the device, that validate every input, allocate the outputs
// and call the device's functor (resampler_functor.h; the CPU one is in
// resampler_functor_cpu.cc).
//
// Every input is validated here at run time (the shape functions prove very
// little), with no CHECK that could abort the process: errors are statuses.
// Sizes are int64 throughout, and every product the functors use is checked
// against overflow here. The functors write every output element (empty
// tensors of every kind give fully initialised results), and range-check
// coordinates in floating point before any float-to-int conversion, so NaN,
// +-Inf and huge values give 0.

#include <cstdint>

#include "cc/resampler_functor.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/register_types.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor_shape.h"

namespace sonnet {
namespace {

using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Tensor;
using ::tensorflow::TensorShape;
using functor::ResamplerGeometry;

constexpr char kDataRankForward[] =
    "Only bilinear interpolation is currently supported. The input data shape "
    "must be [batch_size, data_height, data_width, data_channels], but is: ";
constexpr char kDataRankGrad[] =
    "Only bilinear interpolation is supported, the input data tensor must be "
    "a batch of 2d data; data shape should have 4 entries corresponding to "
    "[batch_size, data_height, data_width, data_channels], but is: ";
constexpr char kWarpRank[] = "warp should be at least a matrix, got shape ";
constexpr char kWarpLastDim[] =
    "Only bilinear interpolation is supported, warping coordinates must be "
    "2D; warp shape last entry should be 2, but shape vector is: ";
constexpr char kBatchMismatch[] =
    "Batch size of data and warp tensor must be the same, but input shapes "
    "are: ";
// Appended to a rank or last-dimension error: the other input's shape, so that
// the message names both (also where Python adds nothing: TF1 graph mode).
constexpr char kWarpShapeSuffix[] = " (warp shape: ";
constexpr char kDataShapeSuffix[] = " (data shape: ";
constexpr char kGradOutputShape[] =
    "grad_output shape is not consistent with data and warp shapes; it should "
    "be ";
constexpr char kTooLarge[] =
    "Resampler sizes are too large: the number of sampling points times the "
    "number of channels overflows int64; data shape ";

int64_t CheckedMultiply(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_mul_overflow(a, b, &result)) return -1;
  return result;
}

// Validates data and warp; fills `geometry` and the output's shape. Shared
// by both kernels.
absl::Status ValidateInputs(const TensorShape& data, const TensorShape& warp,
                            bool for_grad, ResamplerGeometry* geometry,
                            TensorShape* output_shape) {
  if (data.dims() != 4) {
    return absl::UnimplementedError(absl::StrCat(
        for_grad ? kDataRankGrad : kDataRankForward, data.DebugString(),
        kWarpShapeSuffix, warp.DebugString(), ")"));
  }
  if (warp.dims() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        kWarpRank, warp.DebugString(), kDataShapeSuffix, data.DebugString(), ")"));
  }
  if (warp.dim_size(warp.dims() - 1) != 2) {
    return absl::UnimplementedError(absl::StrCat(
        kWarpLastDim, warp.DebugString(), kDataShapeSuffix, data.DebugString(),
        ")"));
  }
  if (data.dim_size(0) != warp.dim_size(0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        kBatchMismatch, data.DebugString(), ", ", warp.DebugString()));
  }
  geometry->batch = data.dim_size(0);
  geometry->height = data.dim_size(1);
  geometry->width = data.dim_size(2);
  geometry->channels = data.dim_size(3);
  // Product of the middle warp dimensions; no division, so B = 0 is fine.
  int64_t num_points = 1;
  for (int i = 1; i < warp.dims() - 1; ++i) {
    num_points = CheckedMultiply(num_points, warp.dim_size(i));
  }
  geometry->num_points = num_points;
  // warp.shape[:-1] + [C]; the prefix has no more elements than warp.
  TensorShape shape;
  for (int i = 0; i < warp.dims() - 1; ++i) {
    shape.AddDim(warp.dim_size(i));
  }
  const int64_t total = CheckedMultiply(
      CheckedMultiply(geometry->batch, num_points), geometry->channels);
  absl::Status status = shape.AddDimWithStatus(geometry->channels);
  if (total < 0 || !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        kTooLarge, data.DebugString(), ", warp shape ", warp.DebugString()));
  }
  *output_shape = shape;
  return absl::OkStatus();
}

template <typename Device, typename T>
class ResamplerOp : public OpKernel {
 public:
  explicit ResamplerOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& data = context->input(0);
    const Tensor& warp = context->input(1);
    ResamplerGeometry g;
    TensorShape output_shape;
    OP_REQUIRES_OK(context, ValidateInputs(data.shape(), warp.shape(),
                                           /*for_grad=*/false, &g,
                                           &output_shape));
    Tensor* output = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(0, output_shape, &output));
    if (output->NumElements() == 0) return;
    OP_REQUIRES_OK(context, functor::ResamplerFunctor<Device, T>()(
                                context, context->eigen_device<Device>(), g,
                                data.flat<T>().data(), warp.flat<T>().data(),
                                output->flat<T>().data()));
  }
};

template <typename Device, typename T>
class ResamplerGradOp : public OpKernel {
 public:
  explicit ResamplerGradOp(OpKernelConstruction* context)
      : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    ResamplerGeometry g;
    OP_REQUIRES_OK(context, Validate(context, &g));
    Tensor* grad_data = nullptr;
    Tensor* grad_warp = nullptr;
    OP_REQUIRES_OK(context, Allocate(context, &grad_data, &grad_warp));
    OP_REQUIRES_OK(context,
                   functor::ResamplerGradFunctor<Device, T>()(
                       context, context->eigen_device<Device>(), g,
                       context->input(0).flat<T>().data(),
                       context->input(1).flat<T>().data(),
                       context->input(2).flat<T>().data(),
                       grad_data->flat<T>().data(),
                       grad_warp->flat<T>().data()));
  }

 private:
  // Checks data, warp and grad_output; fills `geometry`.
  static absl::Status Validate(OpKernelContext* context,
                               ResamplerGeometry* geometry) {
    const TensorShape& data = context->input(0).shape();
    const TensorShape& warp = context->input(1).shape();
    const TensorShape& grad_output = context->input(2).shape();
    TensorShape output_shape;
    TF_RETURN_IF_ERROR(ValidateInputs(data, warp, /*for_grad=*/true, geometry,
                                      &output_shape));
    if (grad_output != output_shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          kGradOutputShape, output_shape.DebugString(), " but is ",
          grad_output.DebugString()));
    }
    return absl::OkStatus();
  }

  // grad_data and grad_warp, shaped like data and warp.
  static absl::Status Allocate(OpKernelContext* context, Tensor** grad_data,
                               Tensor** grad_warp) {
    TF_RETURN_IF_ERROR(
        context->allocate_output(0, context->input(0).shape(), grad_data));
    return context->allocate_output(1, context->input(1).shape(), grad_warp);
  }
};

// Registers both kernels for one device and type. Another device (e.g.
// DEVICE_GPU with Eigen::GpuDevice) registers the same way once its functors
// exist (resampler_functor.h); the op and Python stay as they are.
#define SONNET_REGISTER_RESAMPLER_KERNELS(DEVICE_NAME, DeviceType, T) \
  REGISTER_KERNEL_BUILDER(Name("Sonnet>Resampler")                   \
                              .Device(DEVICE_NAME)                   \
                              .TypeConstraint<T>("T"),               \
                          ResamplerOp<DeviceType, T>);               \
  REGISTER_KERNEL_BUILDER(Name("Sonnet>ResamplerGrad")               \
                              .Device(DEVICE_NAME)                   \
                              .TypeConstraint<T>("T"),               \
                          ResamplerGradOp<DeviceType, T>);

#define SONNET_REGISTER_RESAMPLER_CPU(T) \
  SONNET_REGISTER_RESAMPLER_KERNELS(::tensorflow::DEVICE_CPU, \
                                    functor::CPUDevice, T)

using ::tensorflow::register_kernel::Name;
SONNET_RESAMPLER_CPU_TYPES(SONNET_REGISTER_RESAMPLER_CPU)
#undef SONNET_REGISTER_RESAMPLER_CPU

}  // namespace
}  // namespace sonnet
