// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// CPU kernels of Sonnet>Resampler and Sonnet>ResamplerGrad.
//
// Every input is validated here at run time (the shape functions prove very
// little). Sizes are int64 throughout, empty tensors of every kind give fully
// initialised results, and coordinates are range-checked in floating point
// before any float-to-int conversion, so NaN, +-Inf and huge values give 0.
//
// Threading: the forward pass is sharded over all B * P sampling points. The
// gradient is sharded over (batch, slice of points) units; when there are
// fewer batch entries than threads, the points of one batch entry are split
// into slices and every slice but the first accumulates into its own scratch
// copy of that entry's grad_data, reduced afterwards. No two threads ever
// write the same memory, so no atomics are needed and results are
// deterministic. Small problems run inline, without any thread hand-off.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/register_types.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/platform/threadpool.h"

namespace sonnet {
namespace {

using ::tensorflow::DataTypeToEnum;
using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Tensor;
using ::tensorflow::TensorShape;
using ::tensorflow::thread::ThreadPool;

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
constexpr char kGradOutputShape[] =
    "grad_output shape is not consistent with data and warp shapes; it should "
    "be ";
constexpr char kTooLarge[] =
    "Resampler sizes are too large: the number of sampling points times the "
    "number of channels overflows int64; data shape ";

// Work (sampled channel values) below which we never hand off to threads.
constexpr int64_t kMinParallelWork = 1 << 15;
// Work per shard we aim for at least, so hand-off costs stay negligible.
constexpr int64_t kMinWorkPerShard = 1 << 14;

// Float16 arithmetic happens in float32; float and double stay as they are.
template <typename T>
struct Accumulator {
  using type = float;
};
template <>
struct Accumulator<double> {
  using type = double;
};

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
        for_grad ? kDataRankGrad : kDataRankForward, data.DebugString()));
  }
  if (warp.dims() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(kWarpRank, warp.DebugString()));
  }
  if (warp.dim_size(warp.dims() - 1) != 2) {
    return absl::UnimplementedError(
        absl::StrCat(kWarpLastDim, warp.DebugString()));
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

// The bilinear footprint of one sampling point: four corners, their weights
// and whether each lies inside the image (outside corners count as zeros).
template <typename Acc>
struct Footprint {
  int64_t offset00 = 0;  // element offset of corner (x0, y0) in one image
  Acc ax = 0, ay = 0;    // fractional parts of x and y
  bool x0_in = false, x1_in = false, y0_in = false, y1_in = false;

  // Returns false when the point is outside (-1, W) x (-1, H) or NaN.
  bool Init(Acc x, Acc y, int64_t height, int64_t width, int64_t channels) {
    if (!(x > Acc(-1) && y > Acc(-1) && x < static_cast<Acc>(width) &&
          y < static_cast<Acc>(height))) {
      return false;
    }
    // In range, so x and y convert to int64 safely. Truncate and correct
    // for negatives: a floor without a libm call (no SSE4.1 by default).
    const int64_t tx = static_cast<int64_t>(x);
    const int64_t ty = static_cast<int64_t>(y);
    const int64_t x0 = tx - (static_cast<Acc>(tx) > x);
    const int64_t y0 = ty - (static_cast<Acc>(ty) > y);
    ax = x - static_cast<Acc>(x0);
    ay = y - static_cast<Acc>(y0);
    x0_in = x0 >= 0;
    y0_in = y0 >= 0;
    x1_in = x0 + 1 < width;
    y1_in = y0 + 1 < height;
    offset00 = (y0 * width + x0) * channels;
    return true;
  }
  bool AllIn() const { return x0_in && x1_in && y0_in && y1_in; }
};

// Footprints are computed kLookahead points ahead of use and their corners
// prefetched: the coordinates jitter, so the hardware prefetcher alone
// leaves the loop waiting on memory (measured: about 1.8x slower on a
// 256x256x32 image), and each footprint is still computed only once.
constexpr int64_t kLookahead = 8;
constexpr int64_t kRing = 16;  // power of two, > kLookahead
constexpr int64_t kMaxPrefetchBytesPerRow = 512;

template <typename Acc>
inline void PrefetchCorners(const Footprint<Acc>& f, const void* image,
                            int64_t element_size, int64_t width,
                            int64_t channels, bool for_write) {
  const char* base = static_cast<const char*>(image) + f.offset00 * element_size;
  const int64_t row_bytes = width * channels * element_size;
  // Corners (x0, y) and (x0 + 1, y) are adjacent: one span per row.
  const int64_t skip = f.x0_in ? 0 : channels * element_size;
  const int64_t bytes = std::min<int64_t>(
      (f.x0_in && f.x1_in ? 2 : 1) * channels * element_size,
      kMaxPrefetchBytesPerRow);
  for (int row = 0; row < 2; ++row) {
    if (!(row == 0 ? f.y0_in : f.y1_in)) continue;
    const char* start = base + row * row_bytes + skip;
    for (int64_t offset = 0; offset < bytes; offset += 64) {
      if (for_write) {
        __builtin_prefetch(start + offset, 1);
      } else {
        __builtin_prefetch(start + offset, 0);
      }
    }
  }
}

// Calls fn(i, footprint, inside) for the points [first, last) of one batch
// entry. `image` (and `accumulator`, if not null) are prefetched.
template <typename Acc, typename T, typename Fn>
inline void ForEachPoint(const T* coords, int64_t first, int64_t last,
                         int64_t height, int64_t width, int64_t channels,
                         const void* image, int64_t image_element_size,
                         const void* accumulator,
                         int64_t accumulator_element_size, Fn fn) {
  Footprint<Acc> ring[kRing];
  bool inside[kRing];
  auto prepare = [&](int64_t i) {
    const int64_t slot = (i - first) & (kRing - 1);
    inside[slot] = ring[slot].Init(static_cast<Acc>(coords[2 * i]),
                                   static_cast<Acc>(coords[2 * i + 1]),
                                   height, width, channels);
    if (!inside[slot]) return;
    PrefetchCorners(ring[slot], image, image_element_size, width, channels,
                    /*for_write=*/false);
    if (accumulator != nullptr) {
      PrefetchCorners(ring[slot], accumulator, accumulator_element_size,
                      width, channels, /*for_write=*/true);
    }
  };
  const int64_t lead = std::min(last, first + kLookahead);
  for (int64_t i = first; i < lead; ++i) prepare(i);
  for (int64_t i = first; i < last; ++i) {
    if (i + kLookahead < last) prepare(i + kLookahead);
    const int64_t slot = (i - first) & (kRing - 1);
    fn(i, ring[slot], inside[slot]);
  }
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
  const uintptr_t hi = (begin + static_cast<uintptr_t>(bytes)) & ~(kHugePage - 1);
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#endif
}

// Interior points (all four corners inside): the hot loops, written so the
// compiler vectorises them over channels. Corner rows never overlap the
// output or each other, hence __restrict; the warp-gradient sums are
// vectorised with `omp simd reduction` (compiled with -fopenmp-simd, no
// OpenMP runtime), which allows them to be summed in lanes.
template <typename T, typename Acc>
inline void InteriorForward(int64_t C, const T* __restrict p00,
                            const T* __restrict p10, const T* __restrict p01,
                            const T* __restrict p11, Acc w00, Acc w10,
                            Acc w01, Acc w11, T* __restrict out) {
#pragma omp simd
  for (int64_t c = 0; c < C; ++c) {
    out[c] = static_cast<T>(
        w00 * static_cast<Acc>(p00[c]) + w10 * static_cast<Acc>(p10[c]) +
        w01 * static_cast<Acc>(p01[c]) + w11 * static_cast<Acc>(p11[c]));
  }
}

template <typename T, typename Acc>
inline void InteriorGrad(int64_t C, const T* __restrict p00,
                         const T* __restrict p10, const T* __restrict p01,
                         const T* __restrict p11, const T* __restrict go,
                         Acc ax, Acc ay, Acc* __restrict a00,
                         Acc* __restrict a10, Acc* __restrict a01,
                         Acc* __restrict a11, Acc* grad_x, Acc* grad_y) {
  const Acc w00 = (1 - ax) * (1 - ay), w10 = ax * (1 - ay);
  const Acc w01 = (1 - ax) * ay, w11 = ax * ay;
  Acc gx = 0, gy = 0;
#pragma omp simd reduction(+ : gx, gy)
  for (int64_t c = 0; c < C; ++c) {
    const Acc gc = static_cast<Acc>(go[c]);
    const Acc i00 = static_cast<Acc>(p00[c]);
    const Acc i10 = static_cast<Acc>(p10[c]);
    const Acc i01 = static_cast<Acc>(p01[c]);
    const Acc i11 = static_cast<Acc>(p11[c]);
    gx += gc * ((1 - ay) * (i10 - i00) + ay * (i11 - i01));
    gy += gc * ((1 - ax) * (i01 - i00) + ax * (i11 - i10));
    a00[c] += gc * w00;
    a10[c] += gc * w10;
    a01[c] += gc * w01;
    a11[c] += gc * w11;
  }
  *grad_x = gx;
  *grad_y = gy;
}

// Number of shards for `work` units of cost spread over `num_threads`.
int64_t NumShards(int64_t work, int num_threads) {
  if (num_threads <= 1 || work < kMinParallelWork) return 1;
  return std::max<int64_t>(
      1, std::min<int64_t>(4 * num_threads, work / kMinWorkPerShard));
}

// Runs fn(begin, end) over [0, total) in `num_shards` blocks.
template <typename Fn>
void RunSharded(ThreadPool* pool, int64_t total, int64_t num_shards, Fn fn) {
  if (num_shards <= 1 || total <= 1) {
    fn(0, total);
    return;
  }
  const int64_t block = (total + num_shards - 1) / num_shards;
  pool->ParallelFor(total, ThreadPool::SchedulingParams::Fixed(block),
                    [&fn](int64_t begin, int64_t end) { fn(begin, end); });
}

template <typename T>
class ResamplerOp : public OpKernel {
 public:
  using Acc = typename Accumulator<T>::type;

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
    const T* image_base = data.flat<T>().data();
    const T* coords = warp.flat<T>().data();
    const int64_t H = g.height, W = g.width, C = g.channels, P = g.num_points;
    const int64_t image_size = H * W * C;
    auto sample_point = [&](const T* image, int64_t i,
                            const Footprint<Acc>& f, bool inside) {
      T* o = out + i * C;
      if (!inside) {
        std::fill(o, o + C, T(0));
        return;
      }
      const Acc w00 = (1 - f.ax) * (1 - f.ay), w10 = f.ax * (1 - f.ay);
      const Acc w01 = (1 - f.ax) * f.ay, w11 = f.ax * f.ay;
      const T* p00 = image + f.offset00;
      const T* p10 = p00 + C;
      const T* p01 = p00 + W * C;
      const T* p11 = p01 + C;
      if (f.AllIn()) {
        InteriorForward<T, Acc>(C, p00, p10, p01, p11, w00, w10, w01, w11, o);
        return;
      }
      const bool in00 = f.x0_in && f.y0_in, in10 = f.x1_in && f.y0_in;
      const bool in01 = f.x0_in && f.y1_in, in11 = f.x1_in && f.y1_in;
      for (int64_t c = 0; c < C; ++c) {
        Acc v = 0;
        if (in00) v += w00 * static_cast<Acc>(p00[c]);
        if (in10) v += w10 * static_cast<Acc>(p10[c]);
        if (in01) v += w01 * static_cast<Acc>(p01[c]);
        if (in11) v += w11 * static_cast<Acc>(p11[c]);
        o[c] = static_cast<T>(v);
      }
    };
    auto sample_range = [&](int64_t begin, int64_t end) {
      // One batch entry at a time: [i, segment_end) share an image.
      for (int64_t i = begin; i < end;) {
        const int64_t b = i / P;
        const int64_t segment_end = std::min(end, (b + 1) * P);
        const T* image = image_base + b * image_size;
        ForEachPoint<Acc>(coords, i, segment_end, H, W, C, image, sizeof(T),
                          nullptr, 0,
                          [&](int64_t k, const Footprint<Acc>& f, bool in) {
                            sample_point(image, k, f, in);
                          });
        i = segment_end;
      }
    };
    auto* workers = context->device()->tensorflow_cpu_worker_threads();
    RunSharded(workers->workers, total_points,
               NumShards(total_points * std::max<int64_t>(C, 1),
                         workers->num_threads),
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
    auto* workers = context->device()->tensorflow_cpu_worker_threads();
    const int num_threads = workers->num_threads;
    const int64_t work = B * P * C;
    const bool parallel = num_threads > 1 && work >= kMinParallelWork;

    // Slices per batch entry: enough units to keep every thread busy.
    int64_t slices = 1;
    if (parallel && B < 2 * num_threads) {
      slices = std::min<int64_t>((2 * num_threads + B - 1) / B,
                                 std::max<int64_t>(1, work / B / kMinWorkPerShard));
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
    auto run_units = [&](int64_t begin, int64_t end) {
      for (int64_t unit = begin; unit < end; ++unit) {
        const int64_t b = unit / slices, slice = unit % slices;
        Acc* acc = buffer(slice, b);
        std::fill(acc, acc + image_size, Acc(0));
        const int64_t first = b * P + slice * P / slices;
        const int64_t last = b * P + (slice + 1) * P / slices;
        AccumulateRange(image_base + b * image_size, coords, grad_out, H, W, C,
                        first, last, acc, grad_warp);
      }
    };
    RunSharded(workers->workers, B * slices, parallel ? B * slices : 1,
               run_units);

    if (scratch_copies == 0) return;
    // Reduce the slices (and convert half) into grad_data, in parallel.
    const int64_t num_elements = B * image_size;
    auto reduce = [&](int64_t begin, int64_t end) {
      for (int64_t b = 0; b < B; ++b) {
        const int64_t lo = std::max(begin, b * image_size);
        const int64_t hi = std::min(end, (b + 1) * image_size);
        for (int64_t e = lo; e < hi; ++e) {
          const int64_t k = e - b * image_size;
          Acc sum = 0;
          for (int64_t s = 0; s < slices; ++s) sum += buffer(s, b)[k];
          grad_data[e] = static_cast<T>(sum);
        }
      }
    };
    RunSharded(workers->workers, num_elements,
               NumShards(num_elements * slices, num_threads), reduce);
  }

 private:
  // Gradients of points [first, last) of one batch entry; grad_data
  // contributions go to `acc` (this unit's own buffer).
  static void AccumulateRange(const T* image, const T* coords,
                              const T* grad_out, int64_t H, int64_t W,
                              int64_t C, int64_t first, int64_t last, Acc* acc,
                              T* grad_warp) {
    auto point = [&](int64_t i, const Footprint<Acc>& f, bool inside) {
      if (!inside) {
        grad_warp[2 * i] = T(0);
        grad_warp[2 * i + 1] = T(0);
        return;
      }
      const Acc ax = f.ax, ay = f.ay;
      const Acc w00 = (1 - ax) * (1 - ay), w10 = ax * (1 - ay);
      const Acc w01 = (1 - ax) * ay, w11 = ax * ay;
      const T* p00 = image + f.offset00;
      const T* p10 = p00 + C;
      const T* p01 = p00 + W * C;
      const T* p11 = p01 + C;
      Acc* a00 = acc + f.offset00;
      Acc* a10 = a00 + C;
      Acc* a01 = a00 + W * C;
      Acc* a11 = a01 + C;
      const T* go = grad_out + i * C;
      Acc gx = 0, gy = 0;
      if (f.AllIn()) {
        InteriorGrad<T, Acc>(C, p00, p10, p01, p11, go, ax, ay, a00, a10, a01,
                             a11, &gx, &gy);
      } else {
        const bool in00 = f.x0_in && f.y0_in, in10 = f.x1_in && f.y0_in;
        const bool in01 = f.x0_in && f.y1_in, in11 = f.x1_in && f.y1_in;
        for (int64_t c = 0; c < C; ++c) {
          const Acc gc = static_cast<Acc>(go[c]);
          const Acc i00 = in00 ? static_cast<Acc>(p00[c]) : Acc(0);
          const Acc i10 = in10 ? static_cast<Acc>(p10[c]) : Acc(0);
          const Acc i01 = in01 ? static_cast<Acc>(p01[c]) : Acc(0);
          const Acc i11 = in11 ? static_cast<Acc>(p11[c]) : Acc(0);
          gx += gc * ((1 - ay) * (i10 - i00) + ay * (i11 - i01));
          gy += gc * ((1 - ax) * (i01 - i00) + ax * (i11 - i10));
          if (in00) a00[c] += gc * w00;
          if (in10) a10[c] += gc * w10;
          if (in01) a01[c] += gc * w01;
          if (in11) a11[c] += gc * w11;
        }
      }
      grad_warp[2 * i] = static_cast<T>(gx);
      grad_warp[2 * i + 1] = static_cast<T>(gy);
    };
    ForEachPoint<Acc>(coords, first, last, H, W, C, image, sizeof(T), acc,
                      sizeof(Acc), point);
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
