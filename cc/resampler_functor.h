// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// The device seam of the Resampler kernels, after TensorFlow's own kernels:
// the OpKernels (resampler_kernels.cc) validate every input, allocate the
// outputs and call ResamplerFunctor / ResamplerGradFunctor for their device;
// each device specialises the functors. The CPU specialisation (scalar and
// AVX2 loops, multi-threaded) lives in resampler_functor_cpu.cc.
//
// Adding a device (e.g. CUDA) touches neither the op registration
// (resampler_ops.cc) nor Python: declare a specialisation here, say
// `template <typename T> struct ResamplerFunctor<Eigen::GpuDevice, T>`,
// define and instantiate it in its own source file (a .cu.cc), and register
// the kernels for that device with SONNET_REGISTER_RESAMPLER_KERNELS in
// resampler_kernels.cc.

#ifndef SONNET_CC_RESAMPLER_FUNCTOR_H_
#define SONNET_CC_RESAMPLER_FUNCTOR_H_

#include <cstdint>

#include "absl/status/status.h"
#include "unsupported/Eigen/CXX11/Tensor"

namespace tensorflow {
class OpKernelContext;
}  // namespace tensorflow

namespace sonnet {
namespace functor {

using CPUDevice = Eigen::ThreadPoolDevice;

// The validated sizes of one call; all int64, each product of them that the
// kernels need (B * P * C, B * H * W * C) fits in int64.
struct ResamplerGeometry {
  int64_t batch = 0;
  int64_t height = 0;
  int64_t width = 0;
  int64_t channels = 0;
  int64_t num_points = 0;  // sampling points per batch entry
};

// The forward pass. `data` is [B, H, W, C], `warp` [B, P, 2] (x, y) and
// `output` [B, P, C], all dense and row-major on the device. The functor
// writes every element of `output` (also when H or W is 0: zeros); the kernel
// calls it only when the output is not empty. A non-OK status fails the op.
// Each device specialises it (see the CPU one below).
template <typename Device, typename T>
struct ResamplerFunctor;

// The gradient. `grad_output` is [B, P, C]; `grad_data` [B, H, W, C] and
// `grad_warp` [B, P, 2] are written in full (the kernel calls it whatever
// the sizes, empty ones included). Samples outside (-1, W) x (-1, H) get zero
// warp gradient.
template <typename Device, typename T>
struct ResamplerGradFunctor;

template <typename T>
struct ResamplerFunctor<CPUDevice, T> {
  absl::Status operator()(::tensorflow::OpKernelContext* context,
                          const CPUDevice& device,
                          const ResamplerGeometry& geometry, const T* data,
                          const T* warp, T* output) const;
};

template <typename T>
struct ResamplerGradFunctor<CPUDevice, T> {
  absl::Status operator()(::tensorflow::OpKernelContext* context,
                          const CPUDevice& device,
                          const ResamplerGeometry& geometry, const T* data,
                          const T* warp, const T* grad_output, T* grad_data,
                          T* grad_warp) const;
};

// The CPU functors are defined for these types in resampler_functor_cpu.cc
// (bfloat16 and float16 compute in float32).
#define SONNET_RESAMPLER_CPU_TYPES(m) \
  m(Eigen::bfloat16) m(Eigen::half) m(float) m(double)

#define SONNET_DECLARE_RESAMPLER_CPU(T)                   \
  extern template struct ResamplerFunctor<CPUDevice, T>; \
  extern template struct ResamplerGradFunctor<CPUDevice, T>;
SONNET_RESAMPLER_CPU_TYPES(SONNET_DECLARE_RESAMPLER_CPU)
#undef SONNET_DECLARE_RESAMPLER_CPU

}  // namespace functor
}  // namespace sonnet

#endif  // SONNET_CC_RESAMPLER_FUNCTOR_H_
