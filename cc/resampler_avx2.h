// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// The float32 loops written with AVX2 + FMA intrinsics, chosen at run time
// (resampler_cpu_loops.h, UseAvx2): the forward pass and the gradient.
// Footprints are computed for eight points at once (coordinates deinterleaved
// into lanes), which takes the per-point arithmetic from about 25 cycles to a
// few; the channel loop is then a broadcast weight times four corner rows.
// Measured on one thread, [32,64,64,16] -> 64x64 with every point near the
// same pixel (data in L1, so arithmetic only): forward 1.43-1.46 ms with the
// scalar loops, 0.40 ms here without prefetching and 0.75 ms with it (it is
// on from 2 MiB of data, where spread-out points need it; jittered points:
// 2.2 ms scalar, 1.0 ms here). The gradient works the same way, with the
// warp-gradient sums in lanes and one horizontal sum per point. Channel tails
// (C % 8) avoid masked stores where they can (SamplePointAvx2,
// NarrowGradLanes): on AMD Zen 4 each costs about 15 cycles. Points with a
// corner outside the image have their own vector code (SamplePointAvx2<true>,
// BorderGradAvx2), checked against the scalar loops of resampler_cpu_loops.h
// under guard pages by resampler_loops_test.cc. Included by
// resampler_functor_cpu.cc (and the C++ tests and benchmark) only.

#ifndef SONNET_CC_RESAMPLER_AVX2_H_
#define SONNET_CC_RESAMPLER_AVX2_H_

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cc/resampler_cpu_loops.h"

#if SONNET_AVX2_DISPATCH
#include <immintrin.h>
#endif

namespace sonnet {
namespace resampler_cpu {

// Whether ForwardFloatAvx2 and GradFloatAvx2 handle this geometry: corner
// offsets within one image must fit int32, and sizes must be exact in float32
// (so the range checks in lanes agree with the scalar ones).
inline bool Avx2Supports(int64_t height, int64_t width,
                                int64_t channels) {
#if SONNET_AVX2_DISPATCH
  constexpr int64_t kExactInFloat = int64_t{1} << 24;
  if (height >= kExactInFloat || width >= kExactInFloat) return false;
  // No overflow: the data tensor holds B times this many elements.
  const int64_t image_size = height * width * channels;
  return image_size < std::numeric_limits<int32_t>::max();
#else
  (void)height, (void)width, (void)channels;
  return false;
#endif
}

// Whether the AVX2 float32 loops run for this dtype, CPU and geometry.
template <typename T>
bool UseAvx2FloatLoops(int64_t height, int64_t width, int64_t channels) {
  return std::is_same<T, float>::value && UseAvx2() &&
         Avx2Supports(height, width, channels);
}

// Data from this size on is prefetched: beyond a core's L2 cache (the
// scalar loops, with more work per point, start at 16 MiB). Up to 16 MiB
// the forward pass prefetches into L1, above into L2 like the other loops
// (kPrefetchLocality). Forward medians, 25 runs interleaved with a 64 MB
// read, into L1 / L2: [32,64,64,16] -> 64x64 (8.4 MB) 1.60 / 1.66 ms, and in
// six runs beside torch 1.21-1.39 / 1.29-1.50 ms; [32,64,64,32] -> 64x64
// (16.8 MB) 2.00 / 1.95 ms; [4,256,256,32] -> 128x128 (33.6 MB) 2.89 / 2.42
// ms; [16,256,256,32] -> 128x128 (134 MB) 9.09 / 6.80 ms.
constexpr int64_t kMinPrefetchBytesAvx2 = int64_t{2} << 20;

// Outputs from this size on are written with non-temporal stores, which go
// to memory without first reading each output line into the cache. Below it
// the output may still be in a core's cache when the next op reads it.
// Measured with [32,64,64,16] -> 64x64 (8.4 MB output), 2 threads, medians
// of 40 interleaved runs each, streaming / plain: the forward pass alone
// 0.96 (0.815 / 0.847 ms) with caches warm and 0.86 after a 64 MB read;
// followed by a reduce_sum of the output 0.95 / 0.99, by a matmul 1.02 /
// 0.94, a training step 1.00 / 0.99; [16,256,256,32] -> 128x128 (33.6 MB):
// 0.87-0.92 in all four. With 1-2 MB outputs it made no difference beyond
// noise (0.96-1.04).
constexpr int64_t kMinStreamOutputBytes = int64_t{4} << 20;

// Whether the forward pass should write `output` (`bytes` long, `channels`
// per point) with non-temporal stores: only whole, aligned vectors can be.
inline bool StreamsOutput(const float* output, int64_t bytes,
                          int64_t channels) {
  return bytes >= kMinStreamOutputBytes && channels % 8 == 0 &&
         reinterpret_cast<uintptr_t>(output) % 32 == 0;
}

// Where PrefetchBlock sends lines: the locality of __builtin_prefetch.
constexpr int kToL1 = 3;
constexpr int kToL2 = kPrefetchLocality;
constexpr int kNoPrefetch = -1;

#if SONNET_AVX2_DISPATCH

constexpr int kLanes = 8;
// Footprints are computed four blocks (32 points) before they are used, and
// with prefetching their corners are requested then. Measured on one thread,
// [32,64,64,16] -> 64x64 (8 MiB of data, jittered points): median 1.79 ms
// without prefetching, 1.58 / 1.54 / 1.53 ms with 2 / 4 / 8 blocks ahead.
constexpr int64_t kBlocksAhead = 4;
constexpr int64_t kRingBlocks = 8;  // power of two, > kBlocksAhead

// Footprints of eight consecutive points.
struct alignas(32) FootprintBlock {
  int32_t offset00[kLanes];  // element offset of corner (x0, y0)
  int32_t y0[kLanes];        // row of corner (x0, y0)
  float w00[kLanes], w10[kLanes], w01[kLanes], w11[kLanes];
  float ax[kLanes], ay[kLanes];  // fractional parts of x and y
  uint32_t interior = 0;  // bit k: point k has all four corners inside
  uint32_t inside = 0;    // bit k: point k is in (-1, W) x (-1, H)
};

// For the forward pass of a block with a point that is not interior: every
// point's four corners as element offsets that always lie in the image (a
// corner outside it is clamped to its neighbour, as BorderCorners does; a
// point outside the range has x = y = 0 here), and a lane mask per corner:
// all ones where the corner is inside the image and the point inside the
// range, else 0. Every point of such a block then takes the same code, with
// no branch per point (measured: the benchmark's small grid, [8,32,32,3] ->
// 32x32, where half the blocks hold a point on or past the border, one
// thread, data in cache, median of 20000 runs: 27.3 us -> 25.0 us, and
// 2% slower where every point is interior).
struct alignas(32) BorderBlock {
  int32_t o00[kLanes], o10[kLanes], o01[kLanes], o11[kLanes];
  int32_t m00[kLanes], m10[kLanes], m01[kLanes], m11[kLanes];
};

SONNET_TARGET_AVX2 SONNET_INLINE void ComputeBlock(const float* coords,
                                                   int32_t height,
                                                   int32_t width,
                                                   int32_t channels,
                                                   FootprintBlock* block,
                                                   BorderBlock* border) {
  // x0 y0 x1 y1 | x2 y2 x3 y3 and x4 y4 x5 y5 | x6 y6 x7 y7.
  const __m256 a = _mm256_loadu_ps(coords);
  const __m256 b = _mm256_loadu_ps(coords + kLanes);
  // Per 128-bit lane: x0 x1 x4 x5 | x2 x3 x6 x7; then restore the order.
  constexpr int kOrder = _MM_SHUFFLE(3, 1, 2, 0);
  __m256 x = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  __m256 y = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  x = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(x), kOrder));
  y = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(y), kOrder));
  const __m256 minus_one = _mm256_set1_ps(-1.0f);
  // Ordered comparisons: NaN is outside.
  const __m256 inside = _mm256_and_ps(
      _mm256_and_ps(_mm256_cmp_ps(x, minus_one, _CMP_GT_OQ),
                    _mm256_cmp_ps(y, minus_one, _CMP_GT_OQ)),
      _mm256_and_ps(
          _mm256_cmp_ps(x, _mm256_set1_ps(static_cast<float>(width)),
                        _CMP_LT_OQ),
          _mm256_cmp_ps(y, _mm256_set1_ps(static_cast<float>(height)),
                        _CMP_LT_OQ)));
  // Outside (and NaN) lanes become 0 before any conversion to integers, and
  // so do subnormal coordinates, whatever the denormal modes (see
  // FlushSubnormal): |v| >= FLT_MIN is false for them in either mode.
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 min_normal =
      _mm256_set1_ps(std::numeric_limits<float>::min());
  x = _mm256_and_ps(
      x, _mm256_and_ps(inside, _mm256_cmp_ps(_mm256_and_ps(x, abs_mask),
                                             min_normal, _CMP_GE_OQ)));
  y = _mm256_and_ps(
      y, _mm256_and_ps(inside, _mm256_cmp_ps(_mm256_and_ps(y, abs_mask),
                                             min_normal, _CMP_GE_OQ)));
  const __m256 fx = _mm256_floor_ps(x);
  const __m256 fy = _mm256_floor_ps(y);
  const __m256 ax = _mm256_sub_ps(x, fx);
  const __m256 ay = _mm256_sub_ps(y, fy);
  const __m256i ix = _mm256_cvttps_epi32(fx);
  const __m256i iy = _mm256_cvttps_epi32(fy);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i ix1 = _mm256_add_epi32(ix, one);
  const __m256i iy1 = _mm256_add_epi32(iy, one);
  // x0 >= 0, y0 >= 0, x0 + 1 < W, y0 + 1 < H.
  const __m256i corners_in = _mm256_andnot_si256(
      _mm256_or_si256(_mm256_cmpgt_epi32(zero, ix),
                      _mm256_cmpgt_epi32(zero, iy)),
      _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(width), ix1),
                       _mm256_cmpgt_epi32(_mm256_set1_epi32(height), iy1)));
  block->inside = static_cast<uint32_t>(_mm256_movemask_ps(inside));
  block->interior = block->inside & static_cast<uint32_t>(_mm256_movemask_ps(
                                        _mm256_castsi256_ps(corners_in)));
  // Offsets are only used for interior points, where they are in range.
  const __m256i offset = _mm256_mullo_epi32(
      _mm256_add_epi32(_mm256_mullo_epi32(iy, _mm256_set1_epi32(width)), ix),
      _mm256_set1_epi32(channels));
  _mm256_store_si256(reinterpret_cast<__m256i*>(block->offset00), offset);
  _mm256_store_si256(reinterpret_cast<__m256i*>(block->y0), iy);
  _mm256_store_ps(block->ax, ax);
  _mm256_store_ps(block->ay, ay);
  const __m256 one_f = _mm256_set1_ps(1.0f);
  const __m256 bx = _mm256_sub_ps(one_f, ax);
  const __m256 by = _mm256_sub_ps(one_f, ay);
  _mm256_store_ps(block->w00, _mm256_mul_ps(bx, by));
  _mm256_store_ps(block->w10, _mm256_mul_ps(ax, by));
  _mm256_store_ps(block->w01, _mm256_mul_ps(bx, ay));
  _mm256_store_ps(block->w11, _mm256_mul_ps(ax, ay));
  if (border == nullptr || block->interior == 0xff) return;
  // Corners in the image and the clamped rows and columns, as in
  // BorderCorners; lanes outside the range have ix = iy = 0 (all in) and get
  // all masks 0.
  const __m256i inside_i = _mm256_castps_si256(inside);
  const __m256i x0_in = _mm256_cmpgt_epi32(ix1, zero);  // x0 >= 0
  const __m256i y0_in = _mm256_cmpgt_epi32(iy1, zero);
  const __m256i x1_in = _mm256_cmpgt_epi32(_mm256_set1_epi32(width), ix1);
  const __m256i y1_in = _mm256_cmpgt_epi32(_mm256_set1_epi32(height), iy1);
  const __m256i left = _mm256_blendv_epi8(ix1, ix, x0_in);
  const __m256i right = _mm256_blendv_epi8(ix, ix1, x1_in);
  const __m256i w = _mm256_set1_epi32(width);
  const __m256i c = _mm256_set1_epi32(channels);
  const __m256i top =
      _mm256_mullo_epi32(_mm256_blendv_epi8(iy1, iy, y0_in), w);
  const __m256i bottom =
      _mm256_mullo_epi32(_mm256_blendv_epi8(iy, iy1, y1_in), w);
  _mm256_store_si256(reinterpret_cast<__m256i*>(border->o00),
                     _mm256_mullo_epi32(_mm256_add_epi32(top, left), c));
  _mm256_store_si256(reinterpret_cast<__m256i*>(border->o10),
                     _mm256_mullo_epi32(_mm256_add_epi32(top, right), c));
  _mm256_store_si256(reinterpret_cast<__m256i*>(border->o01),
                     _mm256_mullo_epi32(_mm256_add_epi32(bottom, left), c));
  _mm256_store_si256(reinterpret_cast<__m256i*>(border->o11),
                     _mm256_mullo_epi32(_mm256_add_epi32(bottom, right), c));
  const __m256i top_in = _mm256_and_si256(y0_in, inside_i);
  const __m256i bottom_in = _mm256_and_si256(y1_in, inside_i);
  _mm256_store_si256(reinterpret_cast<__m256i*>(border->m00),
                     _mm256_and_si256(x0_in, top_in));
  _mm256_store_si256(reinterpret_cast<__m256i*>(border->m10),
                     _mm256_and_si256(x1_in, top_in));
  _mm256_store_si256(reinterpret_cast<__m256i*>(border->m01),
                     _mm256_and_si256(x0_in, bottom_in));
  _mm256_store_si256(reinterpret_cast<__m256i*>(border->m11),
                     _mm256_and_si256(x1_in, bottom_in));
}

// Prefetches the two corner rows in `image` (read, or kForWrite: written) of
// every interior point of `block`, with locality kLocality.
template <int kLocality, bool kForWrite = false>
SONNET_TARGET_AVX2 SONNET_INLINE void PrefetchBlock(
    const FootprintBlock& block, const float* image, int64_t row_elements,
    int64_t channels) {
  const int64_t bytes = std::min<int64_t>(
      2 * channels * static_cast<int64_t>(sizeof(float)),
      kMaxPrefetchBytesPerRow);
  for (uint32_t bits = block.interior; bits != 0; bits &= bits - 1) {
    const char* p = reinterpret_cast<const char*>(
        image + block.offset00[__builtin_ctz(bits)]);
    const char* q = p + row_elements * static_cast<int64_t>(sizeof(float));
    for (int64_t offset = 0; offset < bytes; offset += 64) {
      __builtin_prefetch(p + offset, kForWrite ? 1 : 0, kLocality);
      __builtin_prefetch(q + offset, kForWrite ? 1 : 0, kLocality);
    }
  }
}

template <bool kMasked>
SONNET_TARGET_AVX2 SONNET_INLINE __m256 LoadLanes(const float* p,
                                                  const __m256i& mask) {
  if constexpr (kMasked) {
    return _mm256_maskload_ps(p, mask);  // masked lanes never fault
  } else {
    return _mm256_loadu_ps(p);
  }
}

template <bool kMasked>
SONNET_TARGET_AVX2 SONNET_INLINE void StoreLanes(float* p, const __m256i& mask,
                                                 __m256 v) {
  if constexpr (kMasked) {
    _mm256_maskstore_ps(p, mask, v);
  } else {
    _mm256_storeu_ps(p, v);
  }
}

// *mask (0 or all ones) in every lane.
SONNET_TARGET_AVX2 SONNET_INLINE __m256 LaneMask(const int32_t* mask) {
  return _mm256_broadcast_ss(reinterpret_cast<const float*>(mask));
}

// All lanes set where `in`, else +0.
SONNET_TARGET_AVX2 SONNET_INLINE __m256 CornerMask(bool in) {
  return _mm256_castsi256_ps(_mm256_set1_epi32(in ? -1 : 0));
}

// The corners of a point inside (-1, W) x (-1, H) with a corner outside the
// image: which are inside, and element offsets that are always in the image
// (a corner outside is clamped to its neighbour, W, H >= 1). `x0_elements` is
// x0 * C and `y0` the top row; x0 >= -1, y0 >= -1, x0 < W, y0 < H.
struct BorderCorners {
  bool in00, in10, in01, in11;
  int64_t o00, o10, o01, o11;

  SONNET_INLINE BorderCorners(int64_t x0_elements, int64_t y0, int64_t height,
                              int64_t row_elements, int64_t channels) {
    const bool x0_in = x0_elements >= 0;
    const bool x1_in = x0_elements + channels < row_elements;
    const bool y0_in = y0 >= 0, y1_in = y0 + 1 < height;
    in00 = x0_in && y0_in;
    in10 = x1_in && y0_in;
    in01 = x0_in && y1_in;
    in11 = x1_in && y1_in;
    const int64_t left = x0_in ? x0_elements : x0_elements + channels;
    const int64_t right = x1_in ? x0_elements + channels : x0_elements;
    const int64_t top = (y0_in ? y0 : y0 + 1) * row_elements;
    const int64_t bottom = (y1_in ? y0 + 1 : y0) * row_elements;
    o00 = top + left;
    o10 = top + right;
    o01 = bottom + left;
    o11 = bottom + right;
  }
};

// The four corners of one point: where they are and, for a border point
// (kBorder), which lanes count (all for a corner inside the image, none for
// one outside, whose clamped pixel is then read and masked to +0, so an Inf
// or NaN there cannot leak: 0 * Inf is NaN).
struct Corners {
  const float *p00, *p10, *p01, *p11;
  __m256 m00, m10, m01, m11;  // only read with kBorder
};

SONNET_TARGET_AVX2 SONNET_INLINE Corners InteriorCorners(
    const float* p00, int64_t row_elements, int64_t channels) {
  const float* p01 = p00 + row_elements;
  const __m256 all = CornerMask(true);
  return {p00, p00 + channels, p01, p01 + channels, all, all, all, all};
}

SONNET_TARGET_AVX2 SONNET_INLINE Corners CornersOf(const float* image,
                                                   const BorderCorners& b) {
  return {image + b.o00,     image + b.o10,     image + b.o01,
          image + b.o11,     CornerMask(b.in00), CornerMask(b.in10),
          CornerMask(b.in01), CornerMask(b.in11)};
}

// Lanes [c, c + 8) of one corner (or those of `mask`: masked loads never
// fault), masked with kBorder.
template <bool kBorder, bool kMasked>
SONNET_TARGET_AVX2 SONNET_INLINE __m256 CornerLanes(const float* p,
                                                    __m256 corner_mask,
                                                    const __m256i& mask) {
  const __m256 v = LoadLanes<kMasked>(p, mask);
  if constexpr (kBorder) return _mm256_and_ps(corner_mask, v);
  return v;
}

// w00 * p00 + w10 * p10 + w01 * p01 + w11 * p11 for lanes [c, c + 8).
template <bool kBorder, bool kMasked>
SONNET_TARGET_AVX2 SONNET_INLINE __m256 SampleLanes(
    const Corners& k, int64_t c, __m256 v00, __m256 v10, __m256 v01,
    __m256 v11, const __m256i& mask) {
  __m256 v = _mm256_mul_ps(
      v00, CornerLanes<kBorder, kMasked>(k.p00 + c, k.m00, mask));
  v = _mm256_fmadd_ps(
      v10, CornerLanes<kBorder, kMasked>(k.p10 + c, k.m10, mask), v);
  v = _mm256_fmadd_ps(
      v01, CornerLanes<kBorder, kMasked>(k.p01 + c, k.m01, mask), v);
  return _mm256_fmadd_ps(
      v11, CornerLanes<kBorder, kMasked>(k.p11 + c, k.m11, mask), v);
}

// out[0:C) = w00 * p00 + w10 * p10 + w01 * p01 + w11 * p11; with kBorder
// the corners outside the image are skipped (zero padding per corner).
// Non-temporal stores were tried for large outputs and measured slower, so
// the output goes through the cache. With `spill`, the last 1-7 channels are
// stored as a whole vector, whose extra lanes land on the next points'
// outputs: the caller writes those later and guarantees they are its own. A
// masked store costs about 15 cycles more per point on AMD Zen 4 (measured:
// [8,32,32,C] -> 32x32, 8192 points, 95-104 us for C = 1..7 against 66 us
// for C = 8). Border points used to take the scalar loop; against it, one
// thread, medians of 200 alternating runs: the benchmark's medium grid
// ([32,64,64,16] -> 64x64, 6% of points on the border) 1.49-1.76 ms against
// 1.68-1.95 ms; [32,8,8,16] -> 64x64, 38% of points on the border, 0.94 ms
// against 2.38 ms.
// With kStream, whole vectors are written with non-temporal stores (`out`
// must then be 32-byte aligned; see StreamsOutput).
template <bool kBorder, bool kStream = false>
SONNET_TARGET_AVX2 SONNET_INLINE void SamplePointAvx2(
    const Corners& corners, int64_t channels, float w00, float w10, float w01,
    float w11, const __m256i& tail_mask, bool spill, float* out) {
  const __m256 v00 = _mm256_set1_ps(w00), v10 = _mm256_set1_ps(w10);
  const __m256 v01 = _mm256_set1_ps(w01), v11 = _mm256_set1_ps(w11);
  int64_t c = 0;
  for (; c + kLanes <= channels; c += kLanes) {
    const __m256 v = SampleLanes<kBorder, false>(corners, c, v00, v10, v01,
                                                 v11, tail_mask);
    if constexpr (kStream) {
      _mm256_stream_ps(out + c, v);
    } else {
      _mm256_storeu_ps(out + c, v);
    }
  }
  if (c < channels) {  // 1-7 channels left.
    const __m256 v = SampleLanes<kBorder, true>(corners, c, v00, v10, v01,
                                                v11, tail_mask);
    if (spill) {
      _mm256_storeu_ps(out + c, v);
    } else {
      _mm256_maskstore_ps(out + c, tail_mask, v);
    }
  }
}

// Computes block n of a batch entry's points into its ring slot and, unless
// kPrefetch is kNoPrefetch, prefetches its corners (kToL1 or kToL2).
template <int kPrefetch>
SONNET_TARGET_AVX2 SONNET_INLINE void PrepareBlock(
    const float* coords, int64_t n, int32_t height, int32_t width,
    int32_t channels, const float* image, int64_t row_elements,
    FootprintBlock* ring, BorderBlock* border_ring = nullptr) {
  FootprintBlock& block = ring[n & (kRingBlocks - 1)];
  ComputeBlock(coords + 2 * n * kLanes, height, width, channels, &block,
               border_ring == nullptr ? nullptr
                                      : &border_ring[n & (kRingBlocks - 1)]);
  if constexpr (kPrefetch != kNoPrefetch) {
    PrefetchBlock<kPrefetch>(block, image, row_elements, channels);
  }
}

template <int kPrefetch, bool kStream>
SONNET_TARGET_AVX2 void ForwardFloatAvx2Impl(const ForwardArgs<float>& args,
                                             int64_t begin, int64_t end) {
  const int64_t H = args.H, W = args.W, C = args.C, P = args.P;
  const int64_t image_size = H * W * C;
  const int64_t row_elements = W * C;
  const int32_t tail = static_cast<int32_t>(C % kLanes);
  const __m256i tail_mask = _mm256_cmpgt_epi32(
      _mm256_set1_epi32(tail), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const float* coords = args.coords;
  float* out = args.out;
  // Points before this one may spill their last vector past their own
  // output: it stays inside [begin, end), which is written in order.
  const int64_t spill_end =
      tail == 0 ? end : end - (kLanes - tail + C - 1) / C;
  // Footprints are computed kBlocksAhead blocks before use (and, with
  // kPrefetch, their corners prefetched), in a ring.
  FootprintBlock blocks[kRingBlocks];
  BorderBlock borders[kRingBlocks];
  const int32_t h32 = static_cast<int32_t>(H), w32 = static_cast<int32_t>(W);
  const int32_t c32 = static_cast<int32_t>(C);
  for (int64_t i = begin; i < end;) {
    const int64_t b = i / P;
    const int64_t segment_end = std::min(end, (b + 1) * P);
    const float* image = args.image_base + b * image_size;
    const int64_t num_blocks = (segment_end - i) / kLanes;
    const int64_t vector_end = i + num_blocks * kLanes;
    const float* segment_coords = coords + 2 * i;
    for (int64_t n = 0; n < std::min(num_blocks, kBlocksAhead); ++n) {
      PrepareBlock<kPrefetch>(segment_coords, n, h32, w32, c32, image,
                              row_elements, blocks, borders);
    }
    for (int64_t n = 0; n < num_blocks; ++n) {
      if (n + kBlocksAhead < num_blocks) {
        PrepareBlock<kPrefetch>(segment_coords, n + kBlocksAhead, h32, w32,
                                c32, image, row_elements, blocks, borders);
      }
      const FootprintBlock& block = blocks[n & (kRingBlocks - 1)];
      const int64_t first = i + n * kLanes;
      if (block.interior == 0xff) {  // The common case: no branches.
        const bool spill = first + kLanes <= spill_end;
        for (int k = 0; k < kLanes; ++k) {
          SamplePointAvx2<false, kStream>(
              InteriorCorners(image + block.offset00[k], row_elements, C), C,
              block.w00[k], block.w10[k], block.w01[k], block.w11[k],
              tail_mask, spill, out + (first + k) * C);
        }
        continue;
      }
      // A point on or past the border: every point of the block takes the
      // masked code (BorderBlock), in order (spills land on later points).
      const BorderBlock& border = borders[n & (kRingBlocks - 1)];
      for (int k = 0; k < kLanes; ++k) {
        const Corners corners = {
            image + border.o00[k], image + border.o10[k],
            image + border.o01[k], image + border.o11[k],
            LaneMask(border.m00 + k), LaneMask(border.m10 + k),
            LaneMask(border.m01 + k), LaneMask(border.m11 + k)};
        SamplePointAvx2<true, kStream>(corners, C, block.w00[k], block.w10[k],
                              block.w01[k], block.w11[k], tail_mask,
                              first + k < spill_end, out + (first + k) * C);
      }
    }
    // The last 0-7 points of this batch entry's share of the range.
    ForwardPoints(args, image, vector_end, segment_end);
    i = segment_end;
  }
  // Non-temporal stores are weakly ordered: make them visible before the
  // caller reports this range done.
  if constexpr (kStream) _mm_sfence();
}

// Samples points [begin, end) of all B * P (float32, AVX2 + FMA). The caller
// checks UseAvx2() and Avx2Supports().
inline void ForwardFloatAvx2(const ForwardArgs<float>& args, int64_t begin,
                             int64_t end) {
  if (args.stream_output) {
    if (!args.prefetch) {
      return ForwardFloatAvx2Impl<kNoPrefetch, true>(args, begin, end);
    }
    if (args.prefetch_to_l1) {
      return ForwardFloatAvx2Impl<kToL1, true>(args, begin, end);
    }
    return ForwardFloatAvx2Impl<kToL2, true>(args, begin, end);
  }
  if (!args.prefetch) {
    return ForwardFloatAvx2Impl<kNoPrefetch, false>(args, begin, end);
  }
  if (args.prefetch_to_l1) {
    return ForwardFloatAvx2Impl<kToL1, false>(args, begin, end);
  }
  ForwardFloatAvx2Impl<kToL2, false>(args, begin, end);
}


// Weights and fractions of one point, broadcast to all lanes.
struct PointWeights {
  __m256 ax, ay, w00, w10, w01, w11;
};

SONNET_TARGET_AVX2 SONNET_INLINE PointWeights
PointWeightsOf(const FootprintBlock& block, int k) {
  return {_mm256_set1_ps(block.ax[k]),  _mm256_set1_ps(block.ay[k]),
          _mm256_set1_ps(block.w00[k]), _mm256_set1_ps(block.w10[k]),
          _mm256_set1_ps(block.w01[k]), _mm256_set1_ps(block.w11[k])};
}

// acc[lanes of mask] += g * weight. With kWholeVector, all eight lanes are
// loaded and stored back, the others unchanged bit for bit (a masked store
// costs about 15 cycles more on AMD Zen 4); the caller makes sure they lie in
// memory no other thread touches meanwhile.
template <bool kMasked, bool kWholeVector = false>
SONNET_TARGET_AVX2 SONNET_INLINE void AccumulateLanes(float* acc, __m256 g,
                                                      __m256 weight,
                                                      const __m256i& mask) {
  if constexpr (kMasked && kWholeVector) {
    const __m256 old = _mm256_loadu_ps(acc);
    _mm256_storeu_ps(acc, _mm256_blendv_ps(old, _mm256_fmadd_ps(g, weight, old),
                                           _mm256_castsi256_ps(mask)));
  } else {
    StoreLanes<kMasked>(
        acc, mask, _mm256_fmadd_ps(g, weight, LoadLanes<kMasked>(acc, mask)));
  }
}

// gx, gy lanes += g * d out / d x, y for lanes [c, c + 8) (or the masked
// tail) of one point, `go` at lane c of its grad_output; returns g, those
// lanes of grad_output. With kBorder, corners outside the image count as 0.
template <bool kMasked, bool kBorder = false>
SONNET_TARGET_AVX2 SONNET_INLINE __m256 WarpGradLanes(
    const Corners& k, int64_t c, const float* go, const PointWeights& w,
    const __m256i& mask, __m256* gx, __m256* gy) {
  const __m256 g = LoadLanes<kMasked>(go, mask);
  const __m256 i00 = CornerLanes<kBorder, kMasked>(k.p00 + c, k.m00, mask);
  const __m256 i10 = CornerLanes<kBorder, kMasked>(k.p10 + c, k.m10, mask);
  const __m256 i01 = CornerLanes<kBorder, kMasked>(k.p01 + c, k.m01, mask);
  const __m256 i11 = CornerLanes<kBorder, kMasked>(k.p11 + c, k.m11, mask);
  // (1 - ay) * (i10 - i00) + ay * (i11 - i01), and the same for y, as the
  // scalar loops compute it: the shorter dx0 + ay * (dx1 - dx0) gives NaN
  // where they give +-Inf once data holds an Inf (Inf - Inf in dx1 - dx0).
  // 1 - ay is computed here, not broadcast with the weights: measured in
  // cache ([1,8,8,C] and 4096 points, C = 3 and 16, one thread, minimum of
  // 3000 runs), about 5% slower than the shorter form this way, 10-15% with
  // two more broadcasts per point. The forward pass is unchanged.
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 dx0 = _mm256_sub_ps(i10, i00), dx1 = _mm256_sub_ps(i11, i01);
  const __m256 dy0 = _mm256_sub_ps(i01, i00), dy1 = _mm256_sub_ps(i11, i10);
  *gx = _mm256_fmadd_ps(
      g,
      _mm256_fmadd_ps(w.ay, dx1,
                      _mm256_mul_ps(_mm256_sub_ps(one, w.ay), dx0)),
      *gx);
  *gy = _mm256_fmadd_ps(
      g,
      _mm256_fmadd_ps(w.ax, dy1,
                      _mm256_mul_ps(_mm256_sub_ps(one, w.ax), dy0)),
      *gy);
  return g;
}

// Lanes [c, c + 8) (or the masked tail) of one interior point's gradient:
// grad_data corners += g * weight; gx, gy lanes += g * d out / d x, y.
template <bool kMasked>
SONNET_TARGET_AVX2 SONNET_INLINE void GradLanes(
    const Corners& k, int64_t c, const float* go, float* a00, float* a01,
    int64_t channels, const PointWeights& w, const __m256i& mask, __m256* gx,
    __m256* gy) {
  const __m256 g = WarpGradLanes<kMasked>(k, c, go + c, w, mask, gx, gy);
  AccumulateLanes<kMasked>(a00 + c, g, w.w00, mask);
  AccumulateLanes<kMasked>(a00 + channels + c, g, w.w10, mask);
  AccumulateLanes<kMasked>(a01 + c, g, w.w01, mask);
  AccumulateLanes<kMasked>(a01 + channels + c, g, w.w11, mask);
}

// The same for a border point: corners outside the image read as 0 and
// receive nothing (their accumulator is not touched, so an Inf or NaN in
// grad_output cannot reach it).
template <bool kMasked>
SONNET_TARGET_AVX2 SONNET_INLINE void BorderGradLanes(
    const Corners& k, const BorderCorners& border, int64_t c, const float* go,
    float* acc, const PointWeights& w, const __m256i& mask, __m256* gx,
    __m256* gy) {
  const __m256 g =
      WarpGradLanes<kMasked, true>(k, c, go + c, w, mask, gx, gy);
  if (border.in00) {
    AccumulateLanes<kMasked>(acc + border.o00 + c, g, w.w00, mask);
  }
  if (border.in10) {
    AccumulateLanes<kMasked>(acc + border.o10 + c, g, w.w10, mask);
  }
  if (border.in01) {
    AccumulateLanes<kMasked>(acc + border.o01 + c, g, w.w01, mask);
  }
  if (border.in11) {
    AccumulateLanes<kMasked>(acc + border.o11 + c, g, w.w11, mask);
  }
}

SONNET_TARGET_AVX2 SONNET_INLINE float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v),
                        _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Lane masks and the lane order for a gradient's channel tail.
struct GradMasks {
  __m256i tail;       // lanes [0, C % 8)
  __m256i pair;       // C <= 4: lanes [0, 2C), a row's two corners
  __m256i second;     // C <= 4: lanes [C, 2C), the right-hand corner
  __m256i pair_order; // C <= 4: lane j takes g's lane j % C (7, a zero, past 2C)
};

SONNET_TARGET_AVX2 SONNET_INLINE GradMasks MakeGradMasks(int64_t channels) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int32_t tail = static_cast<int32_t>(channels % kLanes);
  GradMasks masks;
  masks.tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(tail), lane);
  masks.pair = _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * tail), lane);
  masks.second = _mm256_andnot_si256(
      _mm256_cmpgt_epi32(_mm256_set1_epi32(tail), lane), masks.pair);
  alignas(32) int32_t order[kLanes];
  for (int j = 0; j < kLanes; ++j) {
    order[j] = (tail > 0 && j < 2 * tail) ? j % tail : kLanes - 1;
  }
  masks.pair_order =
      _mm256_load_si256(reinterpret_cast<const __m256i*>(order));
  return masks;
}

// C <= 4: the gradient of one interior point with both corners of a row in
// one vector (lanes [0, C) the left corner, [C, 2C) the right one): two
// read-modify-writes of the accumulator instead of four overlapping ones;
// with kWholeVector, where the caller has checked that all eight lanes lie in
// the point's two rows, no masked store (about 15 cycles each on AMD Zen 4).
template <bool kWholeVector>
SONNET_TARGET_AVX2 SONNET_INLINE void NarrowGradLanes(
    const Corners& k, const float* go, float* a00, float* a01,
    const PointWeights& w, const GradMasks& masks, __m256* gx, __m256* gy) {
  const __m256 g = WarpGradLanes<true>(k, 0, go, w, masks.tail, gx, gy);
  const __m256 g2 = _mm256_permutevar8x32_ps(g, masks.pair_order);
  const __m256 second = _mm256_castsi256_ps(masks.second);
  AccumulateLanes<true, kWholeVector>(
      a00, g2, _mm256_blendv_ps(w.w00, w.w10, second), masks.pair);
  AccumulateLanes<true, kWholeVector>(
      a01, g2, _mm256_blendv_ps(w.w01, w.w11, second), masks.pair);
}

// The gradient of interior point `k` of `block`, which is point i.
SONNET_TARGET_AVX2 SONNET_INLINE void InteriorGradAvx2(
    const GradArgs<float>& args, const FootprintBlock& block, int k,
    int64_t i, const GradMasks& masks) {
  const int64_t C = args.C, row = args.W * args.C;
  const PointWeights w = PointWeightsOf(block, k);
  const Corners corners =
      InteriorCorners(args.image + block.offset00[k], row, C);
  float* a00 = args.acc + block.offset00[k];
  const float* go = args.grad_out + i * C;
  __m256 gx = _mm256_setzero_ps(), gy = _mm256_setzero_ps();
  if (2 * C <= kLanes) {
    // Whole vectors where the eight lanes stay inside rows y0 and y0 + 1,
    // which the calling thread owns and has zeroed (LazyZeroRows): nothing
    // uninitialised is read, and no other thread's accumulator is touched.
    const int64_t x0_elements = block.offset00[k] - block.y0[k] * row;
    if (x0_elements + kLanes <= row) {
      NarrowGradLanes<true>(corners, go, a00, a00 + row, w, masks, &gx, &gy);
    } else {
      NarrowGradLanes<false>(corners, go, a00, a00 + row, w, masks, &gx, &gy);
    }
  } else {
    int64_t c = 0;
    for (; c + kLanes <= C; c += kLanes) {
      GradLanes<false>(corners, c, go, a00, a00 + row, C, w, masks.tail, &gx,
                       &gy);
    }
    if (c < C) {
      GradLanes<true>(corners, c, go, a00, a00 + row, C, w, masks.tail, &gx,
                      &gy);
    }
  }
  args.grad_warp[2 * i] = HorizontalSum(gx);
  args.grad_warp[2 * i + 1] = HorizontalSum(gy);
}

// The gradient of border point `k` of `block` (inside the range, a corner
// outside the image), which is point i; its rows are zeroed. Against the
// scalar loop these points used before, one thread, medians of 200
// alternating runs: [32,64,64,16] -> 64x64 (6% border points) 3.01-3.41 ->
// 2.91-3.29 ms; [32,8,8,16] -> 64x64 (38%) 3.50 -> 2.73 ms; [8,32,32,3] ->
// 32x32 level (0.10 ms).
SONNET_TARGET_AVX2 SONNET_INLINE void BorderGradAvx2(
    const GradArgs<float>& args, const FootprintBlock& block, int k,
    int64_t i, const __m256i& tail_mask) {
  const int64_t C = args.C, row = args.W * args.C;
  const BorderCorners border(block.offset00[k] - block.y0[k] * row,
                             block.y0[k], args.H, row, C);
  const Corners corners = CornersOf(args.image, border);
  const PointWeights w = PointWeightsOf(block, k);
  const float* go = args.grad_out + i * C;
  __m256 gx = _mm256_setzero_ps(), gy = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + kLanes <= C; c += kLanes) {
    BorderGradLanes<false>(corners, border, c, go, args.acc, w, tail_mask,
                           &gx, &gy);
  }
  if (c < C) {
    BorderGradLanes<true>(corners, border, c, go, args.acc, w, tail_mask, &gx,
                          &gy);
  }
  args.grad_warp[2 * i] = HorizontalSum(gx);
  args.grad_warp[2 * i + 1] = HorizontalSum(gy);
}

// Point i, one of the last 0-7 past the whole blocks: the shared scalar code.
SONNET_INLINE void ScalarGradPoint(const GradArgs<float>& args, int64_t i,
                                   LazyZeroRows<float>* rows) {
  Footprint<float> f;
  if (!f.Init(args.coords[2 * i], args.coords[2 * i + 1], args.H, args.W,
              args.C)) {
    args.grad_warp[2 * i] = 0.0f;
    args.grad_warp[2 * i + 1] = 0.0f;
    return;
  }
  rows->Ensure(f.y0);
  AccumulatePoint<float, float>(args, i, f);
}

// PrepareBlock, also prefetching the accumulator's corners for writing.
template <int kPrefetch>
SONNET_TARGET_AVX2 SONNET_INLINE void PrepareGradBlock(
    const GradArgs<float>& args, const float* coords, int64_t n,
    int32_t height, int32_t width, int32_t channels, FootprintBlock* ring) {
  const int64_t row = args.W * args.C;
  PrepareBlock<kPrefetch>(coords, n, height, width, channels, args.image, row,
                          ring);
  if constexpr (kPrefetch != kNoPrefetch) {
    PrefetchBlock<kPrefetch, /*kForWrite=*/true>(ring[n & (kRingBlocks - 1)],
                                                 args.acc, row, args.C);
  }
}

template <int kPrefetch>
SONNET_TARGET_AVX2 void GradFloatAvx2Impl(const GradArgs<float>& args,
                                          int64_t first, int64_t last) {
  const int64_t C = args.C, row = args.W * args.C;
  const GradMasks masks = MakeGradMasks(C);
  const int32_t h32 = static_cast<int32_t>(args.H);
  const int32_t w32 = static_cast<int32_t>(args.W);
  const int32_t c32 = static_cast<int32_t>(C);
  LazyZeroRows<float> rows(args.acc, args.H, row);
  FootprintBlock blocks[kRingBlocks];
  const float* coords = args.coords + 2 * first;
  const int64_t num_blocks = (last - first) / kLanes;
  for (int64_t n = 0; n < std::min(num_blocks, kBlocksAhead); ++n) {
    PrepareGradBlock<kPrefetch>(args, coords, n, h32, w32, c32, blocks);
  }
  for (int64_t n = 0; n < num_blocks; ++n) {
    if (n + kBlocksAhead < num_blocks) {
      PrepareGradBlock<kPrefetch>(args, coords, n + kBlocksAhead, h32, w32,
                                  c32, blocks);
    }
    const FootprintBlock& block = blocks[n & (kRingBlocks - 1)];
    const int64_t block_first = first + n * kLanes;
    for (int k = 0; k < kLanes; ++k) {
      const int64_t i = block_first + k;
      if (block.interior >> k & 1) {
        rows.Ensure(block.y0[k]);
        InteriorGradAvx2(args, block, k, i, masks);
      } else if (!(block.inside >> k & 1)) {
        args.grad_warp[2 * i] = 0.0f;
        args.grad_warp[2 * i + 1] = 0.0f;
      } else {
        rows.Ensure(block.y0[k]);
        BorderGradAvx2(args, block, k, i, masks.tail);
      }
    }
  }
  for (int64_t i = first + num_blocks * kLanes; i < last; ++i) {
    ScalarGradPoint(args, i, &rows);
  }
  rows.Finish();
}

// Gradients of points [first, last) of one batch entry (float32, AVX2 +
// FMA); see AccumulateRange. The caller checks UseAvx2() and Avx2Supports().
inline void GradFloatAvx2(const GradArgs<float>& args, int64_t first,
                          int64_t last) {
  // The gradient prefetches from kMinPrefetchBytes (16 MiB): into L2.
  if (args.prefetch) return GradFloatAvx2Impl<kToL2>(args, first, last);
  GradFloatAvx2Impl<kNoPrefetch>(args, first, last);
}

#endif  // SONNET_AVX2_DISPATCH

}  // namespace resampler_cpu
}  // namespace sonnet

#endif  // SONNET_CC_RESAMPLER_AVX2_H_
