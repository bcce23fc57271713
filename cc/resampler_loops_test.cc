// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// Memory-safety test of the AVX2 loops, which Python tests cannot see: a
// border point (a corner outside the image) loads clamped corners whose
// values are masked away, so a wrong clamp gives right numbers while reading
// outside the image. Here every image, output and gradient buffer sits
// against inaccessible guard pages, so such a read or write crashes the
// test; the forward pass and both gradients must also match the scalar
// loops. Some coordinates are NaN, infinite or huge: those points must give
// exactly 0, and //cc:resampler_loops_test_ubsan runs everything under
// UBSan (float-cast-overflow included), so converting one to an integer
// fails. Two numerics checks follow (docs/spatial_transformer.md,
// "Numerics"): subnormal coordinates give exactly the results of +0 in both
// loops, with the denormal modes off and on (TensorFlow runs kernels with
// flush-to-zero and denormals-are-zero); and with +-Inf in the image both
// loops give the same NaN and +-Inf values, at every lane position of a
// block of eight and in the scalar tail. Without AVX2 + FMA it has nothing to
// test and passes. tools/test.sh builds and runs both binaries.

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include <xmmintrin.h>

#include "cc/resampler_avx2.h"

namespace sonnet {
namespace resampler_cpu {
namespace {

// `count` floats ending exactly where an inaccessible page begins, with
// another inaccessible page before the mapping's first page.
class GuardedFloats {
 public:
  explicit GuardedFloats(size_t count) : count_(count) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    body_ = (count * sizeof(float) + page_ - 1) / page_ * page_;
    mapping_ = static_cast<char*>(mmap(nullptr, body_ + 2 * page_,
                                       PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (mapping_ == MAP_FAILED) {
      std::perror("mmap");
      std::exit(2);
    }
    mprotect(mapping_, page_, PROT_NONE);
    mprotect(mapping_ + page_ + body_, page_, PROT_NONE);
  }
  ~GuardedFloats() { munmap(mapping_, body_ + 2 * page_); }
  GuardedFloats(const GuardedFloats&) = delete;
  GuardedFloats& operator=(const GuardedFloats&) = delete;

  float* data() const {
    return reinterpret_cast<float*>(mapping_ + page_ + body_) - count_;
  }

 private:
  size_t count_, page_, body_;
  char* mapping_;
};

// Coordinates that must give 0 and zero gradients without undefined
// float-to-int conversions (the UBSan build checks that).
constexpr float kSpecialCoordinates[] = {
    NAN,     INFINITY,  -INFINITY, 1e30f,   -1e30f,  FLT_MAX, -FLT_MAX,
    2.2e9f,  -2.2e9f,   9.3e18f,   -9.3e18f, 4.3e9f, -1.0f,   16777216.0f};

// Points mostly in the border bands (-1, 0) and (size - 1, size) of each
// axis, some anywhere in [-1, size] (inside, border or outside), and every
// eleventh coordinate one of kSpecialCoordinates.
std::vector<float> BorderHeavyWarp(int points, int height, int width,
                                   std::mt19937* rng) {
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  constexpr int kNumSpecial =
      sizeof(kSpecialCoordinates) / sizeof(kSpecialCoordinates[0]);
  int next_special = 0;
  auto coordinate = [&](int size, int k) {
    const float u = unit(*rng);
    if (k % 11 == 10) {
      return kSpecialCoordinates[next_special++ % kNumSpecial];
    }
    if (k % 3 == 0) return -1.0f + u * (size + 1);
    return k % 2 ? -1.0f + u : size - 1 + u;
  };
  std::vector<float> warp(2 * points);
  for (int k = 0; k < points; ++k) {
    warp[2 * k] = coordinate(width, k);
    warp[2 * k + 1] = coordinate(height, k / 2 + k % 5);
  }
  return warp;
}

// Whether `got` is within float rounding of `want` (NaN never is).
bool Close(float got, float want) {
  return std::fabs(got - want) <= 1e-4f * (1.0f + std::fabs(want));
}

// A guarded image with values -3..3 and border-heavy points on it.
struct Case {
  Case(int height, int width, int channels, int points, std::mt19937* rng)
      : height(height),
        width(width),
        channels(channels),
        points(points),
        image(int64_t{height} * width * channels),
        warp(BorderHeavyWarp(points, height, width, rng)) {
    for (int64_t i = 0; i < image_size(); ++i) {
      image.data()[i] = static_cast<float>(i % 7) - 3.0f;
    }
  }
  int64_t image_size() const { return int64_t{height} * width * channels; }
  size_t output_size() const { return static_cast<size_t>(points) * channels; }

  int height, width, channels, points;
  GuardedFloats image;
  std::vector<float> warp;
};

// Whether point k is outside (-1, W) x (-1, H) (NaN is): its output and
// warp gradient must be exactly 0 in both loops.
bool Outside(const Case& c, int k) {
  const float x = c.warp[2 * k], y = c.warp[2 * k + 1];
  return !(x > -1.0f && y > -1.0f && x < c.width && y < c.height);
}

// Runs the AVX2 loop in two chunks split at `split` and the scalar loop over
// all points; returns how many outputs differ. The output starts as NaN, so
// any element left unwritten also differs. With `stream`, the AVX2 loop
// writes with non-temporal stores (the caller checks StreamsOutput's
// conditions other than size).
int CompareWithScalar(const Case& c, int split, bool stream = false) {
  GuardedFloats out(c.output_size());
  std::fill(out.data(), out.data() + c.output_size(), std::nanf(""));
  std::vector<float> want(c.output_size());
  ForwardArgs<float> args{c.image.data(), c.warp.data(), out.data(),
                          c.height,       c.width,       c.channels,
                          c.points,       false,         false};
  args.stream_output = stream;
  if (stream && reinterpret_cast<uintptr_t>(out.data()) % 32 != 0) {
    std::printf("streaming case with an unaligned output\n");
    return 1;
  }
  ForwardFloatAvx2(args, 0, split);
  ForwardFloatAvx2(args, split, c.points);
  ForwardArgs<float> scalar = args;
  scalar.out = want.data();
  ForwardPoints(scalar, c.image.data(), 0, c.points);
  int differ = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!Close(out.data()[i], want[i])) ++differ;
    if (Outside(c, static_cast<int>(i / c.channels)) &&
        (out.data()[i] != 0.0f || want[i] != 0.0f)) {
      ++differ;
    }
  }
  return differ;
}

// The gradient of one image: AVX2 in two chunks split at `split` against the
// scalar loop; returns how many grad_data and grad_warp values differ. The
// accumulators start as NaN, so any element left unwritten also differs.
int CompareGradWithScalar(const Case& c, int split, std::mt19937* rng) {
  const int64_t image_size = c.image_size();
  const int points = c.points;
  GuardedFloats grad_out(c.output_size());
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  for (size_t i = 0; i < c.output_size(); ++i) {
    grad_out.data()[i] = unit(*rng);
  }
  const float nan = std::nanf("");
  GuardedFloats acc(image_size), grad_warp(2 * static_cast<size_t>(points));
  std::fill(acc.data(), acc.data() + image_size, nan);
  std::vector<float> want_acc(image_size, nan), want_warp(2 * points, nan);
  // One buffer per chunk, as the kernel gives each unit its own.
  GuardedFloats acc2(image_size);
  std::fill(acc2.data(), acc2.data() + image_size, nan);
  const GradArgs<float> first{c.image.data(), c.warp.data(),
                              grad_out.data(), acc.data(),
                              grad_warp.data(), c.height,
                              c.width,         c.channels,
                              false};
  GradArgs<float> second = first;
  second.acc = acc2.data();
  GradFloatAvx2(first, 0, split);
  GradFloatAvx2(second, split, points);
  GradArgs<float> scalar = first;
  scalar.acc = want_acc.data();
  scalar.grad_warp = want_warp.data();
  AccumulateRange<float, false>(scalar, 0, points);
  int differ = 0;
  for (int64_t i = 0; i < image_size; ++i) {
    if (!Close(acc.data()[i] + acc2.data()[i], want_acc[i])) ++differ;
  }
  for (int i = 0; i < 2 * points; ++i) {
    if (!Close(grad_warp.data()[i], want_warp[i])) ++differ;
    if (Outside(c, i / 2) &&
        (grad_warp.data()[i] != 0.0f || want_warp[i] != 0.0f)) {
      ++differ;
    }
  }
  return differ;
}

// Whether got and want are the same NaN / +-Inf, or finite and Close.
bool SameValue(float got, float want) {
  if (std::isnan(want) || std::isnan(got)) {
    return std::isnan(want) && std::isnan(got);
  }
  if (std::isinf(want) || std::isinf(got)) return got == want;
  return Close(got, want);
}

struct LoopResults {
  std::vector<float> out, grad_data, grad_warp;
};

// The forward pass and gradient of `warp` on one image through the AVX2
// loops or the scalar ones; every result starts as NaN.
LoopResults RunLoops(bool avx2, const std::vector<float>& image, int height,
                     int width, int channels, const std::vector<float>& warp,
                     const std::vector<float>& grad_out) {
  const int points = static_cast<int>(warp.size() / 2);
  const float nan = std::nanf("");
  LoopResults r;
  r.out.assign(static_cast<size_t>(points) * channels, nan);
  r.grad_data.assign(image.size(), nan);
  r.grad_warp.assign(warp.size(), nan);
  const ForwardArgs<float> forward{image.data(), warp.data(), r.out.data(),
                                   height,       width,       channels,
                                   points,       false,       false};
  const GradArgs<float> grad{image.data(),       warp.data(),
                             grad_out.data(),    r.grad_data.data(),
                             r.grad_warp.data(), height,
                             width,              channels,
                             false};
  if (avx2) {
    ForwardFloatAvx2(forward, 0, points);
    GradFloatAvx2(grad, 0, points);
  } else {
    ForwardPoints(forward, image.data(), 0, points);
    AccumulateRange<float, false>(grad, 0, points);
  }
  return r;
}

// How many values of `got` are not SameValue (or, `exact`, bit-for-bit
// equal up to the sign of 0 and NaN payloads) as those of `want`.
int CountDiffer(const LoopResults& got, const LoopResults& want, bool exact) {
  auto differ = [exact](const std::vector<float>& a,
                        const std::vector<float>& b) {
    int n = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const bool same = exact ? (a[i] == b[i] ||
                                 (std::isnan(a[i]) && std::isnan(b[i])))
                              : SameValue(a[i], b[i]);
      n += !same;
    }
    return n;
  };
  return differ(got.out, want.out) + differ(got.grad_data, want.grad_data) +
         differ(got.grad_warp, want.grad_warp);
}

// Sets or clears flush-to-zero and denormals-are-zero (MXCSR bits 15, 6).
void SetDenormalModes(bool on) {
  constexpr unsigned kFtzDaz = 0x8040;
  _mm_setcsr(on ? (_mm_getcsr() | kFtzDaz) : (_mm_getcsr() & ~kFtzDaz));
}

std::vector<float> TestImage(int height, int width, int channels) {
  std::vector<float> image(static_cast<size_t>(height) * width * channels);
  for (size_t i = 0; i < image.size(); ++i) {
    image[i] = static_cast<float>((i * 5) % 11) - 4.5f;
  }
  return image;
}

std::vector<float> TestGradOut(size_t size, std::mt19937* rng) {
  std::uniform_real_distribution<float> unit(0.25f, 1.0f);
  std::vector<float> grad_out(size);
  for (size_t i = 0; i < size; ++i) {
    grad_out[i] = (i % 3 == 1 ? -1.0f : 1.0f) * unit(*rng);
  }
  return grad_out;
}

// Subnormal coordinates, both signs, in x, y or both, at every lane of three
// blocks and in a tail of five points, must give exactly the results of the
// same coordinates flushed to +0 (in each loop; the loops agree to Close),
// with the denormal modes off and on. Returns the number of failures.
int CheckSubnormalCoordinates(std::mt19937* rng) {
  constexpr float kSubnormal[] = {1e-40f,         -1e-40f,  FLT_TRUE_MIN,
                                  -FLT_TRUE_MIN,  1.1e-38f, -1.1e-38f};
  constexpr float kNormal[] = {1.5f, 0.25f, 2.0f, 0.75f, 1.0f};
  constexpr int kPoints = 3 * kLanes + 5;
  int failures = 0;
  for (int channels : {1, 3, 8, 13}) {
    const int height = 3, width = 4;
    const std::vector<float> image = TestImage(height, width, channels);
    std::vector<float> warp(2 * kPoints), flushed(2 * kPoints);
    for (int k = 0; k < kPoints; ++k) {
      const float s = kSubnormal[k % 6];
      const float n = kNormal[k % 5];
      // Subnormal x, y or both, in turn.
      warp[2 * k] = k % 3 != 1 ? s : n;
      warp[2 * k + 1] = k % 3 != 0 ? kSubnormal[(k + 1) % 6] : n;
      flushed[2 * k] = k % 3 != 1 ? 0.0f : n;
      flushed[2 * k + 1] = k % 3 != 0 ? 0.0f : n;
    }
    const std::vector<float> grad_out =
        TestGradOut(static_cast<size_t>(kPoints) * channels, rng);
    SetDenormalModes(false);
    const LoopResults scalar_ref =
        RunLoops(false, image, height, width, channels, flushed, grad_out);
    const LoopResults avx2_ref =
        RunLoops(true, image, height, width, channels, flushed, grad_out);
    int differ = CountDiffer(avx2_ref, scalar_ref, /*exact=*/false);
    for (bool modes : {false, true}) {
      SetDenormalModes(modes);
      differ += CountDiffer(
          RunLoops(false, image, height, width, channels, warp, grad_out),
          scalar_ref, /*exact=*/true);
      differ += CountDiffer(
          RunLoops(true, image, height, width, channels, warp, grad_out),
          avx2_ref, /*exact=*/true);
    }
    SetDenormalModes(false);
    // Point 0 is (1e-40, 1.5): x0 = 0, so d/dx is the forward difference
    // between columns 1 and 0 (rows 1 and 2 weighted 1/2 each).
    float want_gx = 0.0f;
    for (int c = 0; c < channels; ++c) {
      auto at = [&](int y, int x) {
        return image[(y * width + x) * channels + c];
      };
      want_gx += grad_out[c] * (0.5f * (at(1, 1) - at(1, 0)) +
                                0.5f * (at(2, 1) - at(2, 0)));
    }
    differ += !Close(scalar_ref.grad_warp[0], want_gx);
    if (differ != 0) {
      ++failures;
      std::printf("subnormal coordinates, C=%d: %d values differ\n", channels,
                  differ);
    }
  }
  return failures;
}

// With +Inf or -Inf in one channel of one pixel, every point of three
// blocks and a tail of five touches that pixel with a different corner and
// fraction (so the pixel is each corner at several lane positions, and on
// the border too); both loops must give the same NaN, +-Inf and (Close)
// finite values, and the scalar loop some infinite warp gradients both in
// the blocks and in the tail (or the test would test nothing).
int CheckInfiniteData() {
  constexpr float kOffsets[] = {-0.75f, -0.5f, -0.25f, 0.0f, 0.25f, 0.5f,
                                0.75f};
  constexpr int kPoints = 3 * kLanes + 5;
  std::mt19937 rng(1);
  int failures = 0;
  for (int channels : {1, 3, 8, 13}) {
    for (float inf : {INFINITY, -INFINITY}) {
      // Interior, top-left corner and right edge of a 3 x 4 image.
      const int pixels[][2] = {{1, 1}, {0, 0}, {2, 3}};
      for (const auto& pixel : pixels) {
        const int height = 3, width = 4;
        std::vector<float> image = TestImage(height, width, channels);
        image[(pixel[0] * width + pixel[1]) * channels + channels / 2] = inf;
        std::vector<float> warp(2 * kPoints);
        for (int k = 0; k < kPoints; ++k) {
          warp[2 * k] = pixel[1] + kOffsets[k % 7];
          warp[2 * k + 1] = pixel[0] + kOffsets[(k / 7 + 2 * k) % 7];
        }
        const std::vector<float> grad_out =
            TestGradOut(static_cast<size_t>(kPoints) * channels, &rng);
        const LoopResults scalar =
            RunLoops(false, image, height, width, channels, warp, grad_out);
        const LoopResults avx2 =
            RunLoops(true, image, height, width, channels, warp, grad_out);
        int differ = CountDiffer(avx2, scalar, /*exact=*/false);
        bool inf_in_blocks = false, inf_in_tail = false;
        for (int i = 0; i < 2 * kPoints; ++i) {
          if (!std::isinf(scalar.grad_warp[i])) continue;
          (i < 2 * 3 * kLanes ? inf_in_blocks : inf_in_tail) = true;
        }
        if (differ != 0 || !inf_in_blocks || !inf_in_tail) {
          ++failures;
          std::printf(
              "%g in data at (%d, %d), C=%d: %d values differ, infinite "
              "warp gradients in blocks %d, tail %d\n",
              inf, pixel[0], pixel[1], channels, differ, inf_in_blocks,
              inf_in_tail);
        }
      }
    }
  }
  return failures;
}

int Run() {
  if (!UseAvx2()) {
    std::printf("no AVX2 + FMA on this CPU: nothing to test\n");
    return 0;
  }
  std::mt19937 rng(0);
  int failures = 0, cases = 0, streamed = 0;
  for (int channels : {1, 3, 8, 13, 16, 32}) {
    for (int height : {1, 2, 5}) {
      for (int width : {1, 3, 64}) {
        for (int split : {0, 24, 37}) {
          ++cases;
          const Case c(height, width, channels, /*points=*/64, &rng);
          int differ = CompareWithScalar(c, split);
          // Whole, aligned vectors: the non-temporal stores too (a
          // GuardedFloats of 64 * C floats ends on a page, so starts on 32
          // bytes when C % 8 == 0).
          if (channels % 8 == 0) {
            ++streamed;
            differ += CompareWithScalar(c, split, /*stream=*/true);
          }
          const int grad_differ = CompareGradWithScalar(c, split, &rng);
          if (differ != 0 || grad_differ != 0) {
            ++failures;
            std::printf(
                "H=%d W=%d C=%d split=%d: %d outputs, %d gradients differ\n",
                height, width, channels, split, differ, grad_differ);
          }
        }
      }
    }
  }
  std::printf(
      "%d of %d cases match the scalar loops (%d also with streaming "
      "stores)\n",
      cases - failures, cases, streamed);
  const int subnormal_failures = CheckSubnormalCoordinates(&rng);
  std::printf("subnormal coordinates: %d failures\n", subnormal_failures);
  const int inf_failures = CheckInfiniteData();
  std::printf("infinite data: %d failures\n", inf_failures);
  return failures + subnormal_failures + inf_failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace resampler_cpu
}  // namespace sonnet

int main() { return sonnet::resampler_cpu::Run(); }
