// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// The CPU specialisation of ResamplerFunctor and ResamplerGradFunctor
// (resampler_functor.h); the kernels (resampler_kernels.cc) have validated
// every input and allocated the outputs.
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
// resampler_avx2.h. float16 and bfloat16 compute in float32.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "cc/resampler_functor.h"
#include "cc/resampler_avx2.h"
#include "cc/resampler_cpu_loops.h"
#include "cc/work_sharing.h"
#include "tensorflow/core/platform/threadpool.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/framework/types.h"

namespace sonnet {
namespace functor {
namespace {

using ::tensorflow::DataTypeToEnum;
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

// Only reachable with sizes no memory holds; the kernels check the same for
// the output.
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

int64_t CheckedMultiply(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_mul_overflow(a, b, &result)) return -1;
  return result;
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

// The threads one call may use: how many may work at once (the caller's
// included) is the device's intra-op thread count, one per core unless the
// user set it (tf.config.threading.set_intra_op_parallelism_threads). Helpers
// are this library's own threads (work_sharing.h) and the device's pool,
// whose threads are often still spinning after other ops and then join at
// once.
struct Workers {
  int max_workers;
  Scheduler schedule;
};

Workers WorkersOf(OpKernelContext* context) {
  const auto* workers = context->device()->tensorflow_cpu_worker_threads();
  ThreadPool* pool = workers->workers;
  Scheduler schedule;
  if (pool != nullptr) {
    schedule = [pool](std::function<void()> task) {
      pool->Schedule(std::move(task));
    };
  }
  return Workers{std::max(1, workers->num_threads), std::move(schedule)};
}

}  // namespace

template <typename T>
absl::Status ResamplerFunctor<CPUDevice, T>::operator()(
    OpKernelContext* context, const CPUDevice& /*device*/,
    const ResamplerGeometry& g, const T* data, const T* warp,
    T* output) const {
  const int64_t total_points = g.batch * g.num_points;
  const int64_t num_outputs = total_points * g.channels;
  if (num_outputs == 0) return absl::OkStatus();
  T* out = output;
  AdviseHugePages(out, num_outputs * sizeof(T));
  if (g.height == 0 || g.width == 0) {  // Nothing to sample.
    std::fill(out, out + num_outputs, T(0));
    return absl::OkStatus();
  }
  const bool vectorised = resampler_cpu::UseAvx2FloatLoops<T>(
      g.height, g.width, g.channels);
  const int64_t min_prefetch_bytes =
      vectorised ? resampler_cpu::kMinPrefetchBytesAvx2 : kMinPrefetchBytes;
  const int64_t data_bytes = static_cast<int64_t>(
      g.batch * g.height * g.width * g.channels * sizeof(T));
  ForwardArgs<T> args{data,       warp,         out,
                      g.height,   g.width,      g.channels,
                      g.num_points, data_bytes >= min_prefetch_bytes,
                      /*prefetch_to_l1=*/data_bytes < kMinPrefetchBytes};
  if constexpr (std::is_same<T, float>::value) {
    args.stream_output =
        vectorised && resampler_cpu::StreamsOutput(
                          out, num_outputs * static_cast<int64_t>(sizeof(T)),
                          g.channels);
  }
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
  ShareWork(workers.max_workers, total_points,
            NumChunks(work, workers.max_workers), /*grain=*/8, sample_range,
            workers.schedule);
  return absl::OkStatus();
}

template <typename T>
absl::Status ResamplerGradFunctor<CPUDevice, T>::operator()(
    OpKernelContext* context, const CPUDevice& /*device*/,
    const ResamplerGeometry& g, const T* data, const T* warp,
    const T* grad_output, T* grad_data, T* grad_warp) const {
  using Acc = typename Accumulator<T>::type;
  // float and double accumulate in grad_data itself where they can.
  constexpr bool kAccumulateInOutput = std::is_same<T, Acc>::value;
  const int64_t B = g.batch, H = g.height, W = g.width, C = g.channels;
  const int64_t P = g.num_points;
  const int64_t image_size = H * W * C;
  AdviseHugePages(grad_data, B * image_size * sizeof(T));
  AdviseHugePages(grad_warp, B * P * 2 * sizeof(T));
  if (B * P == 0 || image_size == 0) {
    // Nothing to sample: every gradient is zero.
    std::fill(grad_data, grad_data + B * image_size, T(0));
    std::fill(grad_warp, grad_warp + B * P * 2, T(0));
    return absl::OkStatus();
  }
  const Workers workers = WorkersOf(context);
  const int num_threads = workers.max_workers;
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
  // float/double accumulate slice 0 straight into grad_data; float16 and
  // bfloat16 always accumulate in float32 scratch.
  const int64_t scratch_copies = kAccumulateInOutput ? slices - 1 : slices;
  Tensor scratch;
  Acc* scratch_base = nullptr;
  if (scratch_copies > 0) {
    const int64_t scratch_size = CheckedMultiply(
        CheckedMultiply(scratch_copies, B), image_size);
    if (scratch_size < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          kTooLarge, "[", B, ",", H, ",", W, ",", C, "], warp shape [", B,
          ",", P, ",2]"));
    }
    TF_RETURN_IF_ERROR(context->allocate_temp(DataTypeToEnum<Acc>::value,
                                              TensorShape({scratch_size}),
                                              &scratch));
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

  const T* image_base = data;
  const T* coords = warp;
  const T* grad_out = grad_output;
  const bool vectorised = resampler_cpu::UseAvx2FloatLoops<T>(H, W, C);
  // The gradient is bandwidth-bound on large inputs, where the AVX2 loop
  // and prefetching were measured within noise of the scalar loop (16-17
  // ms, [16,256,256,32] -> 128x128); on [32,64,64,16] -> 64x64 it takes
  // 2.1 ms against 2.8 ms.
  const bool prefetch =
      B * image_size * static_cast<int64_t>(sizeof(T)) >= kMinPrefetchBytes;
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
  ShareWork(num_threads, B * slices, parallel ? B * slices : 1, /*grain=*/1,
            run_units, workers.schedule);

  if (scratch_copies == 0) return absl::OkStatus();
  // Reduce the slices (and convert to T) into grad_data, in parallel.
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
  ShareWork(num_threads, num_elements,
            NumChunks(num_elements * slices, num_threads), /*grain=*/16,
            reduce, workers.schedule);
  return absl::OkStatus();
}

#define SONNET_DEFINE_RESAMPLER_CPU(T)            \
  template struct ResamplerFunctor<CPUDevice, T>; \
  template struct ResamplerGradFunctor<CPUDevice, T>;
SONNET_RESAMPLER_CPU_TYPES(SONNET_DEFINE_RESAMPLER_CPU)
#undef SONNET_DEFINE_RESAMPLER_CPU

}  // namespace functor
}  // namespace sonnet
