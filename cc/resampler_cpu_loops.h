// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// The per-point loops of the Resampler CPU functors (resampler_functor_cpu.cc):
// bilinear footprints, prefetching, the vectorised channel loops, and the
// entry points for the baseline and AVX2 + FMA instruction sets. Included by
// resampler_functor_cpu.cc (and the C++ tests and benchmark) only.

#ifndef SONNET_CC_RESAMPLER_CPU_LOOPS_H_
#define SONNET_CC_RESAMPLER_CPU_LOOPS_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

namespace sonnet {
namespace resampler_cpu {

// Hot functions are inlined into two entry points per kernel: one for the
// baseline x86-64 ISA the library is built for, one compiled for AVX2 + FMA
// and chosen at run time where the CPU has them (measured: the channel loops
// and footprint arithmetic then take about 15-25% less time). Functions not
// inlined stay baseline code, so nothing unsupported ever runs.
#if defined(__GNUC__)
#define SONNET_INLINE __attribute__((always_inline)) inline
#define SONNET_LAMBDA_INLINE __attribute__((always_inline))
#else
#define SONNET_INLINE inline
#define SONNET_LAMBDA_INLINE
#endif
#if defined(__GNUC__) && defined(__x86_64__)
#define SONNET_AVX2_DISPATCH 1
#define SONNET_TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define SONNET_AVX2_DISPATCH 0
#endif

// SONNET_RESAMPLER_BASELINE_ISA=1 in the environment forces the baseline
// code (read once; the tests use it to check both paths).
inline bool UseAvx2() {
#if SONNET_AVX2_DISPATCH
  static const bool use =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      std::getenv("SONNET_RESAMPLER_BASELINE_ISA") == nullptr;
  return use;
#else
  return false;
#endif
}

// Float16 arithmetic happens in float32; float and double stay as they are.
template <typename T>
struct Accumulator {
  using type = float;
};
template <>
struct Accumulator<double> {
  using type = double;
};

// Subnormal coordinates (0 < |v| < the smallest normal number of Acc, either
// sign) count as +0, whatever the thread's flush-to-zero and
// denormals-are-zero modes: TensorFlow runs kernels with both on, where
// -1e-40 already reads as 0, but a thread without them would floor it to -1
// (corner x0 = -1 outside the image, fraction 1), so the warp gradient
// would depend on the thread (the output does not: both give data at 0).
// Flushing here makes output and gradient those at exactly 0 in every loop
// and mode. NaN is kept (it is outside).
template <typename Acc>
SONNET_INLINE Acc FlushSubnormal(Acc v) {
  return std::fabs(v) < std::numeric_limits<Acc>::min() ? Acc(0) : v;
}

// The bilinear footprint of one sampling point: four corners, their weights
// and whether each lies inside the image (outside corners count as zeros).
template <typename Acc>
struct Footprint {
  int64_t offset00 = 0;  // element offset of corner (x0, y0) in one image
  int64_t y0 = 0;        // row of corner (x0, y0); -1 to H - 1
  Acc ax = 0, ay = 0;    // fractional parts of x and y
  bool x0_in = false, x1_in = false, y0_in = false, y1_in = false;

  // Returns false when the point is outside (-1, W) x (-1, H) or NaN.
  SONNET_INLINE bool Init(Acc x, Acc y, int64_t height, int64_t width,
                          int64_t channels) {
    x = FlushSubnormal(x);
    y = FlushSubnormal(y);
    if (!(x > Acc(-1) && y > Acc(-1) && x < static_cast<Acc>(width) &&
          y < static_cast<Acc>(height))) {
      return false;
    }
    // In range, so x and y convert to int64 safely. Truncate and correct
    // for negatives: a floor without a libm call (no SSE4.1 by default).
    const int64_t tx = static_cast<int64_t>(x);
    const int64_t ty = static_cast<int64_t>(y);
    const int64_t x0 = tx - (static_cast<Acc>(tx) > x);
    y0 = ty - (static_cast<Acc>(ty) > y);
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

// For large inputs, footprints are computed kLookahead points ahead of use
// and their corners prefetched: the coordinates jitter, so the hardware
// prefetcher alone leaves the loop waiting on memory (measured, one thread,
// [16,256,256,32] -> 128x128: forward 48 ns per point against 55-64 without
// prefetching), and each footprint is still computed only once.
constexpr int64_t kLookahead = 8;
constexpr int64_t kRing = 16;  // power of two, > kLookahead
constexpr int64_t kMaxPrefetchBytesPerRow = 512;
// Prefetches of data from 16 MiB on go to L2 (prefetcht1), not L1: on 2
// cores of AMD Zen 4, float32, 30 interleaved runs after a 64 MB read, median
// forward / gradient [16,256,256,32] -> 128x128: 9.8 / 20.6 ms into L1,
// 7.1 / 16.4 ms into L2 (locality 1, also L2 there: 7.1 / 15.7;
// non-temporal: 10.1 / 20.4); float64: 17-19 / 35-36 ms -> 13-17 / 27-30 ms.
// Prefetches into L1 hold its few miss buffers for the whole trip to memory.
// (The AVX2 forward also prefetches smaller data, into L1: resampler_avx2.h.)
constexpr int kPrefetchLocality = 2;
// Inputs smaller than this mostly stay in cache, where prefetching only adds
// instructions (measured: about 10% slower on a 2x48x48x32 input).
constexpr int64_t kMinPrefetchBytes = int64_t{16} << 20;

// Always inlined: GCC deems a function that only prefetches free of side
// effects and deletes every call to it (seen with GCC 12: no prefetch
// instruction was left in the library); inlined early, the prefetches stay.
template <typename Acc>
SONNET_INLINE void PrefetchCorners(const Footprint<Acc>& f, const void* image,
                            int64_t element_size, int64_t width,
                            int64_t channels, bool for_write) {
  const char* base =
      static_cast<const char*>(image) + f.offset00 * element_size;
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
        __builtin_prefetch(start + offset, 1, kPrefetchLocality);
      } else {
        __builtin_prefetch(start + offset, 0, kPrefetchLocality);
      }
    }
  }
}

// Calls fn(i, footprint, inside) for the points [first, last) of one batch
// entry. With kLookAhead, footprints are computed kLookahead points early;
// with kPrefetch, `image` (and `accumulator`, if not null) are prefetched.
template <typename Acc, bool kPrefetch, bool kLookAhead, typename T,
          typename Fn>
SONNET_INLINE void ForEachPoint(const T* coords, int64_t first, int64_t last,
                         int64_t height, int64_t width, int64_t channels,
                         const void* image, int64_t image_element_size,
                         const void* accumulator,
                         int64_t accumulator_element_size, Fn fn) {
  static_assert(kLookAhead || !kPrefetch, "prefetching needs the lookahead");
  if constexpr (!kLookAhead) {  // One point at a time.
    for (int64_t i = first; i < last; ++i) {
      Footprint<Acc> f;
      const bool inside = f.Init(static_cast<Acc>(coords[2 * i]),
                                 static_cast<Acc>(coords[2 * i + 1]), height,
                                 width, channels);
      fn(i, f, inside);
    }
    return;
  }
  Footprint<Acc> ring[kRing];
  bool inside[kRing];
  auto prepare = [&](int64_t i) SONNET_LAMBDA_INLINE {
    const int64_t slot = (i - first) & (kRing - 1);
    inside[slot] = ring[slot].Init(static_cast<Acc>(coords[2 * i]),
                                   static_cast<Acc>(coords[2 * i + 1]),
                                   height, width, channels);
    if (!kPrefetch || !inside[slot]) return;
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

// Interior points (all four corners inside): the hot loops, written so the
// compiler vectorises them over channels. Corner rows never overlap the
// output or each other, hence __restrict; the warp-gradient sums are
// vectorised with `omp simd reduction` (compiled with -fopenmp-simd, no
// OpenMP runtime), which allows them to be summed in lanes.
template <typename T, typename Acc>
SONNET_INLINE void InteriorForward(int64_t C, const T* __restrict p00,
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
SONNET_INLINE void InteriorGrad(int64_t C, const T* __restrict p00,
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

template <typename T>
struct ForwardArgs {
  const T* image_base;
  const T* coords;
  T* out;
  int64_t H, W, C, P;
  bool prefetch;
  // The AVX2 loop prefetches into L1 instead of L2 (data under
  // kMinPrefetchBytes; see kMinPrefetchBytesAvx2).
  bool prefetch_to_l1;
  // The AVX2 loop writes whole vectors with non-temporal stores (see
  // StreamsOutput); the scalar loops ignore it.
  bool stream_output = false;
};

// Samples one point: out[i * C, (i + 1) * C) from this batch entry's image.
template <typename T, typename Acc>
SONNET_INLINE void SamplePoint(const T* image, int64_t W, int64_t C,
                               int64_t i, const Footprint<Acc>& f, bool inside,
                               T* out) {
  T* o = out + i * C;
  if (!inside) {
    for (int64_t c = 0; c < C; ++c) o[c] = T(0);
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
}

// Samples the points [first, last) of one batch entry, whose image is
// `image`, one at a time (no lookahead).
template <typename T>
SONNET_INLINE void ForwardPoints(const ForwardArgs<T>& args, const T* image,
                                 int64_t first, int64_t last) {
  using Acc = typename Accumulator<T>::type;
  ForEachPoint<Acc, /*kPrefetch=*/false, /*kLookAhead=*/false>(
      args.coords, first, last, args.H, args.W, args.C, image, sizeof(T),
      nullptr, 0,
      [&](int64_t k, const Footprint<Acc>& f, bool in) SONNET_LAMBDA_INLINE {
        SamplePoint<T, Acc>(image, args.W, args.C, k, f, in, args.out);
      });
}

// Samples the points [begin, end) of all B * P into the output.
template <typename T, bool kPrefetch>
SONNET_INLINE void ForwardRange(const ForwardArgs<T>& args, int64_t begin,
                                int64_t end) {
  using Acc = typename Accumulator<T>::type;
  const int64_t image_size = args.H * args.W * args.C;
  // One batch entry at a time: [i, segment_end) share an image.
  for (int64_t i = begin; i < end;) {
    const int64_t b = i / args.P;
    const int64_t segment_end = std::min(end, (b + 1) * args.P);
    const T* image = args.image_base + b * image_size;
    // Without prefetching the forward pass is faster without the lookahead
    // (measured: 15-25% less time per point); the gradient is not.
    ForEachPoint<Acc, kPrefetch, /*kLookAhead=*/kPrefetch>(
        args.coords, i, segment_end, args.H, args.W, args.C, image, sizeof(T),
        nullptr, 0,
        [&](int64_t k, const Footprint<Acc>& f, bool in) SONNET_LAMBDA_INLINE {
          SamplePoint<T, Acc>(image, args.W, args.C, k, f, in, args.out);
        });
    i = segment_end;
  }
}

template <typename T>
struct GradArgs {
  const T* image;     // this batch entry's image
  const T* coords;    // all B * P coordinates
  const T* grad_out;  // all B * P * C output gradients
  // This unit's grad_data buffer, not yet zeroed: AccumulateRange zeroes
  // it row by row just before first use (see there).
  typename Accumulator<T>::type* acc;
  T* grad_warp;
  int64_t H, W, C;
  bool prefetch;
};

// A unit's grad_data buffer, zeroed lazily: rows from the top down to the
// lowest row a point touches are zeroed when that point comes, the rest at
// the end. Points usually move down the image, so each row is zeroed in cache
// just before it is accumulated into, instead of in a separate pass over the
// whole buffer that memory must then deliver again (measured,
// [16,256,256,32] -> 128x128 gradient, 2 threads, three alternating runs:
// median 19.4 ms -> 16.5 ms).
template <typename Acc>
class LazyZeroRows {
 public:
  LazyZeroRows(Acc* acc, int64_t height, int64_t row_elements)
      : acc_(acc),
        height_(height),
        row_(row_elements),
        // At least ~16 KiB per fill.
        rows_per_fill_(std::max<int64_t>(
            1, (int64_t{16} << 10) /
                   std::max<int64_t>(
                       1, row_elements * static_cast<int64_t>(sizeof(Acc))))) {}

  // Makes sure rows y0 and y0 + 1 (those that exist) are zeroed.
  SONNET_INLINE void Ensure(int64_t y0) {
    const int64_t needed = std::min(height_, y0 + 2);
    if (needed <= zeroed_) return;
    const int64_t upto =
        std::min(height_, std::max(needed, zeroed_ + rows_per_fill_));
    std::fill(acc_ + zeroed_ * row_, acc_ + upto * row_, Acc(0));
    zeroed_ = upto;
  }

  // Zeroes the rows no point touched.
  void Finish() {
    std::fill(acc_ + zeroed_ * row_, acc_ + height_ * row_, Acc(0));
    zeroed_ = height_;
  }

 private:
  Acc* acc_;
  int64_t height_, row_, rows_per_fill_;
  int64_t zeroed_ = 0;  // rows [0, zeroed_) are zeroed
};

// The gradients of one point inside the range (its rows already zeroed):
// adds to args.acc and writes grad_warp[2 * i, 2 * i + 2).
template <typename T, typename Acc>
SONNET_INLINE void AccumulatePoint(const GradArgs<T>& args, int64_t i,
                                   const Footprint<Acc>& f) {
  const int64_t W = args.W, C = args.C;
  const Acc ax = f.ax, ay = f.ay;
  const Acc w00 = (1 - ax) * (1 - ay), w10 = ax * (1 - ay);
  const Acc w01 = (1 - ax) * ay, w11 = ax * ay;
  const T* p00 = args.image + f.offset00;
  const T* p10 = p00 + C;
  const T* p01 = p00 + W * C;
  const T* p11 = p01 + C;
  Acc* a00 = args.acc + f.offset00;
  Acc* a10 = a00 + C;
  Acc* a01 = a00 + W * C;
  Acc* a11 = a01 + C;
  const T* go = args.grad_out + i * C;
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
  args.grad_warp[2 * i] = static_cast<T>(gx);
  args.grad_warp[2 * i + 1] = static_cast<T>(gy);
}

// Gradients of points [first, last) of one batch entry; grad_data
// contributions go to `args.acc` (this unit's own buffer), which this zeroes
// (LazyZeroRows).
template <typename T, bool kPrefetch>
SONNET_INLINE void AccumulateRange(const GradArgs<T>& args, int64_t first,
                                   int64_t last) {
  using Acc = typename Accumulator<T>::type;
  LazyZeroRows<Acc> rows(args.acc, args.H, args.W * args.C);
  auto point = [&](int64_t i, const Footprint<Acc>& f, bool inside)
                   SONNET_LAMBDA_INLINE {
    if (!inside) {
      args.grad_warp[2 * i] = T(0);
      args.grad_warp[2 * i + 1] = T(0);
      return;
    }
    rows.Ensure(f.y0);
    AccumulatePoint<T, Acc>(args, i, f);
  };
  ForEachPoint<Acc, kPrefetch, /*kLookAhead=*/true>(
      args.coords, first, last, args.H, args.W, args.C, args.image, sizeof(T),
      args.acc, sizeof(Acc), point);
  rows.Finish();
}

// The loops as types, for RunLoop.
struct ForwardLoop {
  template <bool kPrefetch, typename T>
  SONNET_INLINE static void Run(const ForwardArgs<T>& args, int64_t begin,
                                int64_t end) {
    ForwardRange<T, kPrefetch>(args, begin, end);
  }
};
struct GradLoop {
  template <bool kPrefetch, typename T>
  SONNET_INLINE static void Run(const GradArgs<T>& args, int64_t begin,
                                int64_t end) {
    AccumulateRange<T, kPrefetch>(args, begin, end);
  }
};

// One entry point per instruction set; each inlines the whole loop.
template <typename Loop, typename Args>
SONNET_INLINE void RunWithPrefetchChoice(const Args& args, int64_t begin,
                                         int64_t end) {
  if (args.prefetch) return Loop::template Run<true>(args, begin, end);
  Loop::template Run<false>(args, begin, end);
}

template <typename Loop, typename Args>
void RunBaseline(const Args& args, int64_t begin, int64_t end) {
  RunWithPrefetchChoice<Loop>(args, begin, end);
}

#if SONNET_AVX2_DISPATCH
template <typename Loop, typename Args>
SONNET_TARGET_AVX2 void RunAvx2(const Args& args, int64_t begin,
                                int64_t end) {
  RunWithPrefetchChoice<Loop>(args, begin, end);
}
#endif

// Runs Loop over [begin, end) with the best instruction set of this CPU.
template <typename Loop, typename Args>
void RunLoop(const Args& args, int64_t begin, int64_t end) {
#if SONNET_AVX2_DISPATCH
  if (UseAvx2()) return RunAvx2<Loop>(args, begin, end);
#endif
  RunBaseline<Loop>(args, begin, end);
}

}  // namespace resampler_cpu
}  // namespace sonnet

#endif  // SONNET_CC_RESAMPLER_CPU_LOOPS_H_
