// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// CPU kernels of Sonnet>Resampler and Sonnet>ResamplerGrad.
//
// Every input is validated here at run time (the shape functions prove very
// little). Sizes are int64 throughout (the AVX2 loops hold offsets within one
// image in int32 lanes, and are used only for images of fewer than 2^31
// elements and sides under 2^24), empty tensors of every kind give fully
// initialised results, and coordinates are range-checked in floating point
// before any float-to-int conversion, so NaN, +-Inf and huge values give 0.
//
// Threading: the forward pass is sharded over all B * P sampling points. The
// gradient is sharded over (batch, slice of points) units; when there are
// fewer batch entries than threads, the points of one batch entry are split
// into slices and every slice but the first accumulates into its own scratch
// copy of that entry's grad_data, reduced afterwards. No two threads ever
// write the same memory, so no atomics are needed and results are
// deterministic. Small problems run inline, without any thread hand-off;
// larger ones start on the calling thread at once and share chunks with the
// pool's threads as they arrive (work_sharing.h). The per-point loops live
// in resampler_cpu_loops.h, and the float32 loops for AVX2 + FMA in
// resampler_avx2.h.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/register_types.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/platform/threadpool.h"
#include "cc/resampler_avx2.h"
#include "cc/resampler_cpu_loops.h"
#include "cc/work_sharing.h"

namespace sonnet {
namespace {

using ::tensorflow::DataTypeToEnum;
using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Tensor;
using ::tensorflow::TensorShape;
using ::tensorflow::thread::ThreadPool;
using resampler_cpu::Accumulator;
using resampler_cpu::ForwardArgs;
using resampler_cpu::ForwardLoop;
using resampler_cpu::GradArgs;
using resampler_cpu::GradLoop;
using resampler_cpu::kMinPrefetchBytes;
using resampler_cpu::RunLoop;

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

// Work is counted in channel values; one sampling point's footprint
// arithmetic costs about as much as 50 of them in the scalar loops (measured:
// 7.6 ns per point plus 0.13 ns per channel, AVX2, data in cache), so work =
// points * (C + 48). The float32 AVX2 forward pass computes footprints eight
// at a time: about 1 ns per point, so C + 8 there.
constexpr int64_t kPointCost = 48;
constexpr int64_t kVectorPointCost = 8;
// Work below which we never hand off to threads: about 70 us of work. A
// hand-off to threads that are still spinning costs a few us, but waking
// parked ones costs tens: with the small benchmark shape ([8,32,32,3] ->
// 32x32, about 60 us of work) run interleaved with other work, sharding it
// made the forward pass slower (median 0.26 -> 0.29-0.34 ms).
constexpr int64_t kMinParallelWork = 1 << 19;
// Work per chunk we aim for at least (about 17 us), so taking a chunk costs
// little; more chunks than threads balance the load when a thread is late.
constexpr int64_t kMinWorkPerChunk = 1 << 17;
constexpr int kChunksPerThread = 8;

struct Geometry {
  int64_t batch = 0;
  int64_t height = 0;
  int64_t width = 0;
  int64_t channels = 0;
  int64_t num_points = 0;  // sampling points per batch entry
  TensorShape output_shape;
};

int64_t CheckedMultiply(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_mul_overflow(a, b, &result)) return -1;
  return result;
}

// Validates data and warp; fills `geometry`. Shared by both kernels.
absl::Status ValidateInputs(const TensorShape& data, const TensorShape& warp,
                            bool for_grad, Geometry* geometry) {
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
  TensorShape output_shape;
  for (int i = 0; i < warp.dims() - 1; ++i) {
    output_shape.AddDim(warp.dim_size(i));
  }
  const int64_t total = CheckedMultiply(
      CheckedMultiply(geometry->batch, num_points), geometry->channels);
  absl::Status status = output_shape.AddDimWithStatus(geometry->channels);
  if (total < 0 || !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        kTooLarge, data.DebugString(), ", warp shape ", warp.DebugString()));
  }
  geometry->output_shape = output_shape;
  return absl::OkStatus();
}

// Large outputs are usually fresh memory that this kernel touches first.
// Asking for transparent huge pages (where the system allows it) replaces
// thousands of 4 KiB page faults with a few 2 MiB ones (measured on a 33 MB
// output: 37 ms -> 19 ms). Best effort: failure changes nothing.
inline void AdviseHugePages(void* data, int64_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  if (data == nullptr || bytes < static_cast<int64_t>(4 * kHugePage)) return;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t lo = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t hi =
      (begin + static_cast<uintptr_t>(bytes)) & ~(kHugePage - 1);
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#endif
}

// Work of `points` sampling points of `channels` channels, saturating (only
// B * P * C is known to fit in int64).
int64_t WorkOf(int64_t points, int64_t channels, int64_t point_cost) {
  const int64_t work = CheckedMultiply(points, channels + point_cost);
  return work < 0 ? std::numeric_limits<int64_t>::max() : work;
}

// Number of chunks for `work` units of cost spread over `num_threads`;
// 1 means run inline.
int64_t NumChunks(int64_t work, int num_threads) {
  if (num_threads <= 1 || work < kMinParallelWork) return 1;
  return std::max<int64_t>(
      1, std::min<int64_t>(int64_t{kChunksPerThread} * num_threads,
                           work / kMinWorkPerChunk));
}

// The pool of this kernel's device and how many of its threads may help the
// calling thread.
struct Workers {
  ThreadPool* pool;
  int num_threads;
  // Every pool thread is asked, though the caller works too: whichever
  // wakes first helps, and a late one finds no chunk left and costs nothing
  // (measured, [32,64,64,16] forward after other work: median 1.34-1.44 ms
  // against 1.48-1.56 ms asking one fewer).
  int helpers() const { return std::max(0, num_threads); }
};

Workers WorkersOf(OpKernelContext* context) {
  auto* workers = context->device()->tensorflow_cpu_worker_threads();
  return Workers{workers->workers, workers->num_threads};
}

template <typename T>
class ResamplerOp : public OpKernel {
 public:
  explicit ResamplerOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& data = context->input(0);
    const Tensor& warp = context->input(1);
    Geometry g;
    OP_REQUIRES_OK(context, ValidateInputs(data.shape(), warp.shape(),
                                           /*for_grad=*/false, &g));
    Tensor* output = nullptr;
    OP_REQUIRES_OK(context,
                   context->allocate_output(0, g.output_shape, &output));
    const int64_t total_points = g.batch * g.num_points;
    if (output->NumElements() == 0) return;
    T* out = output->flat<T>().data();
    AdviseHugePages(out, output->NumElements() * sizeof(T));
    if (data.NumElements() == 0) {  // H or W is 0: nothing to sample.
      std::fill(out, out + output->NumElements(), T(0));
      return;
    }
    const bool vectorised = resampler_cpu::UseAvx2FloatLoops<T>(
        g.height, g.width, g.channels);
    const int64_t min_prefetch_bytes =
        vectorised ? resampler_cpu::kMinPrefetchBytesAvx2 : kMinPrefetchBytes;
    const int64_t data_bytes = static_cast<int64_t>(data.TotalBytes());
    const ForwardArgs<T> args{
        data.flat<T>().data(), warp.flat<T>().data(), out, g.height, g.width,
        g.channels, g.num_points, data_bytes >= min_prefetch_bytes,
        /*prefetch_to_l1=*/data_bytes < kMinPrefetchBytes};
    auto sample_range = [&args, vectorised](int64_t begin, int64_t end) {
#if SONNET_AVX2_DISPATCH
      if constexpr (std::is_same<T, float>::value) {
        if (vectorised) {
          return resampler_cpu::ForwardFloatAvx2(args, begin, end);
        }
      }
#endif
      RunLoop<ForwardLoop>(args, begin, end);
    };
    const Workers workers = WorkersOf(context);
    const int64_t work = WorkOf(total_points, g.channels,
                                vectorised ? kVectorPointCost : kPointCost);
    // Chunks start on whole blocks of eight points (the vector width).
    ShareWork(workers.pool, workers.helpers(), total_points,
              NumChunks(work, workers.num_threads), /*grain=*/8,
              sample_range);
  }
};

template <typename T>
class ResamplerGradOp : public OpKernel {
 public:
  using Acc = typename Accumulator<T>::type;
  static constexpr bool kAccumulateInOutput = std::is_same<T, Acc>::value;

  explicit ResamplerGradOp(OpKernelConstruction* context)
      : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& data = context->input(0);
    const Tensor& warp = context->input(1);
    const Tensor& grad_output = context->input(2);
    Geometry g;
    OP_REQUIRES_OK(context, ValidateInputs(data.shape(), warp.shape(),
                                           /*for_grad=*/true, &g));
    OP_REQUIRES(context, grad_output.shape() == g.output_shape,
                absl::InvalidArgumentError(absl::StrCat(
                    kGradOutputShape, g.output_shape.DebugString(), " but is ",
                    grad_output.shape().DebugString())));
    Tensor* grad_data_tensor = nullptr;
    Tensor* grad_warp_tensor = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(0, data.shape(),
                                                     &grad_data_tensor));
    OP_REQUIRES_OK(context, context->allocate_output(1, warp.shape(),
                                                     &grad_warp_tensor));
    T* grad_data = grad_data_tensor->flat<T>().data();
    T* grad_warp = grad_warp_tensor->flat<T>().data();
    AdviseHugePages(grad_data, data.NumElements() * sizeof(T));
    AdviseHugePages(grad_warp, warp.NumElements() * sizeof(T));
    const int64_t B = g.batch, H = g.height, W = g.width, C = g.channels;
    const int64_t P = g.num_points;
    const int64_t image_size = H * W * C;
    if (B * P == 0 || image_size == 0) {
      // Nothing to sample: every gradient is zero.
      std::fill(grad_data, grad_data + data.NumElements(), T(0));
      std::fill(grad_warp, grad_warp + warp.NumElements(), T(0));
      return;
    }
    const Workers workers = WorkersOf(context);
    const int num_threads = workers.num_threads;
    const int64_t work = WorkOf(B * P, C, kPointCost);
    const bool parallel = num_threads > 1 && work >= kMinParallelWork;

    // Slices per batch entry: enough units to keep every thread busy, but
    // each extra slice zeroes and reduces a scratch image, so a slice must
    // bring at least 4x that much point work.
    int64_t slices = 1;
    if (parallel && B < 2 * num_threads) {
      slices = std::min<int64_t>(
          {(2 * num_threads + B - 1) / B, work / B / kMinWorkPerChunk,
           work / B / std::max<int64_t>(1, 4 * image_size)});
      slices = std::max<int64_t>(slices, 1);
    }
    // float/double accumulate slice 0 straight into grad_data; half always
    // accumulates in float scratch.
    const int64_t scratch_copies = kAccumulateInOutput ? slices - 1 : slices;
    Tensor scratch;
    Acc* scratch_base = nullptr;
    if (scratch_copies > 0) {
      const int64_t scratch_size = CheckedMultiply(
          CheckedMultiply(scratch_copies, B), image_size);
      OP_REQUIRES(context, scratch_size >= 0,
                  absl::InvalidArgumentError(absl::StrCat(
                      kTooLarge, data.shape().DebugString(), ", warp shape ",
                      warp.shape().DebugString())));
      OP_REQUIRES_OK(context, context->allocate_temp(
                                  DataTypeToEnum<Acc>::value,
                                  TensorShape({scratch_size}), &scratch));
      scratch_base = scratch.flat<Acc>().data();
      AdviseHugePages(scratch_base, scratch_size * sizeof(Acc));
    }
    auto buffer = [&](int64_t slice, int64_t b) -> Acc* {
      if constexpr (kAccumulateInOutput) {
        if (slice == 0) return grad_data + b * image_size;
        return scratch_base + ((slice - 1) * B + b) * image_size;
      } else {
        return scratch_base + (slice * B + b) * image_size;
      }
    };

    const T* image_base = data.flat<T>().data();
    const T* coords = warp.flat<T>().data();
    const T* grad_out = grad_output.flat<T>().data();
    const bool vectorised = resampler_cpu::UseAvx2FloatLoops<T>(H, W, C);
    // The gradient is bandwidth-bound on large inputs, where the AVX2 loop
    // and prefetching were measured within noise of the scalar loop (16-17
    // ms, [16,256,256,32] -> 128x128); on [32,64,64,16] -> 64x64 it takes
    // 2.1 ms against 2.8 ms.
    const bool prefetch = data.TotalBytes() >= kMinPrefetchBytes;
    auto run_units = [&](int64_t begin, int64_t end) {
      for (int64_t unit = begin; unit < end; ++unit) {
        const int64_t b = unit / slices, slice = unit % slices;
        Acc* acc = buffer(slice, b);
        const int64_t first = b * P + slice * P / slices;
        const int64_t last = b * P + (slice + 1) * P / slices;
        const GradArgs<T> args{image_base + b * image_size, coords, grad_out,
                               acc, grad_warp, H, W, C, prefetch};
#if SONNET_AVX2_DISPATCH
        if constexpr (std::is_same<T, float>::value) {
          if (vectorised) {
            resampler_cpu::GradFloatAvx2(args, first, last);
            continue;
          }
        }
#endif
        RunLoop<GradLoop>(args, first, last);
      }
    };
    ShareWork(workers.pool, workers.helpers(), B * slices,
              parallel ? B * slices : 1, /*grain=*/1, run_units);

    if (scratch_copies == 0) return;
    // Reduce the slices (and convert half) into grad_data, in parallel.
    const int64_t num_elements = B * image_size;
    auto reduce = [&](int64_t begin, int64_t end) {
      for (int64_t b = 0; b < B; ++b) {
        const int64_t lo = std::max(begin, b * image_size);
        const int64_t hi = std::min(end, (b + 1) * image_size);
        if constexpr (kAccumulateInOutput) {
          // Slice 0 is grad_data itself: add the others one after the
          // other (same order as a per-element sum, and vectorised).
          const int64_t k_lo = lo - b * image_size, k_hi = hi - b * image_size;
          for (int64_t s = 1; s < slices; ++s) {
            const Acc* __restrict src = buffer(s, b);
            T* __restrict dst = grad_data + b * image_size;
#pragma omp simd
            for (int64_t k = k_lo; k < k_hi; ++k) dst[k] += src[k];
          }
        } else {
          for (int64_t e = lo; e < hi; ++e) {
            const int64_t k = e - b * image_size;
            Acc sum = 0;
            for (int64_t s = 0; s < slices; ++s) sum += buffer(s, b)[k];
            grad_data[e] = static_cast<T>(sum);
          }
        }
      }
    };
    ShareWork(workers.pool, workers.helpers(), num_elements,
              NumChunks(num_elements * slices, num_threads), /*grain=*/16,
              reduce);
  }

};

#define SONNET_REGISTER_RESAMPLER(T)                                  \
  REGISTER_KERNEL_BUILDER(Name("Sonnet>Resampler")                    \
                              .Device(::tensorflow::DEVICE_CPU)       \
                              .TypeConstraint<T>("T"),                \
                          ResamplerOp<T>);                            \
  REGISTER_KERNEL_BUILDER(Name("Sonnet>ResamplerGrad")                \
                              .Device(::tensorflow::DEVICE_CPU)       \
                              .TypeConstraint<T>("T"),                \
                          ResamplerGradOp<T>);

using ::tensorflow::register_kernel::Name;
SONNET_REGISTER_RESAMPLER(Eigen::half)
SONNET_REGISTER_RESAMPLER(float)
SONNET_REGISTER_RESAMPLER(double)
#undef SONNET_REGISTER_RESAMPLER

}  // namespace
}  // namespace sonnet
