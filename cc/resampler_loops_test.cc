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
// fails. Without AVX2 + FMA it has nothing to test and passes. tools/test.sh
// builds and runs both binaries.

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

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
// any element left unwritten also differs.
int CompareWithScalar(const Case& c, int split) {
  GuardedFloats out(c.output_size());
  std::fill(out.data(), out.data() + c.output_size(), std::nanf(""));
  std::vector<float> want(c.output_size());
  const ForwardArgs<float> args{c.image.data(), c.warp.data(), out.data(),
                                c.height,       c.width,       c.channels,
                                c.points,       false,         false};
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

int Run() {
  if (!UseAvx2()) {
    std::printf("no AVX2 + FMA on this CPU: nothing to test\n");
    return 0;
  }
  std::mt19937 rng(0);
  int failures = 0, cases = 0;
  for (int channels : {1, 3, 8, 13, 16, 32}) {
    for (int height : {1, 2, 5}) {
      for (int width : {1, 3, 64}) {
        for (int split : {0, 24, 37}) {
          ++cases;
          const Case c(height, width, channels, /*points=*/64, &rng);
          const int differ = CompareWithScalar(c, split);
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
  std::printf("%d of %d cases match the scalar loops\n", cases - failures,
              cases);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace resampler_cpu
}  // namespace sonnet

int main() { return sonnet::resampler_cpu::Run(); }
