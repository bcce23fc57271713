// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// How close the float32 forward loop (resampler_avx2.h) comes to just
// reading its input. On a jittered grid it times, interleaved and with one
// thread per core:
//
//   * the op's forward loop (ForwardFloatAvx2, prefetching as the op does);
//   * a read in the op's order: each point's four corners loaded, all
//     channels, in point order; no arithmetic, no writes;
//   * a read of every cache line of `data` in address order;
//   * a read of only the lines some corner touches, in address order.
//
// Each run starts with cold caches (a 64 MB read first, not timed). The
// large shape's grid leaves about a quarter of the pixels unread, so the
// last two reads differ. Without AVX2 + FMA there is nothing to time.
// Build and run:
//
//   bazel build -c opt //cc:resampler_access_bench
//   bazel-bin/cc/resampler_access_bench [B H W C OUT_H OUT_W [REPEATS]]
//
// Defaults: the benchmark's large shape, [16, 256, 256, 32] -> 128x128, and
// 40 repeats. Also checks the forward loop against the scalar loop first.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "cc/resampler_avx2.h"

namespace sonnet {
namespace resampler_cpu {
namespace {

struct Shape {
  int64_t batch = 16, height = 256, width = 256, channels = 32;
  int64_t out_height = 128, out_width = 128;
  int repeats = 40;
};

#if SONNET_AVX2_DISPATCH

constexpr int64_t kLineFloats = 16;  // 64-byte cache lines

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using Floats = std::unique_ptr<float[], FreeDeleter>;

Floats AllocateFloats(int64_t count) {
  constexpr size_t kAlign = size_t{2} << 20;
  const size_t bytes =
      (static_cast<size_t>(count) * sizeof(float) + kAlign - 1) / kAlign *
      kAlign;
  float* p = static_cast<float*>(std::aligned_alloc(kAlign, bytes));
  if (p == nullptr) {
    std::fprintf(stderr, "out of memory allocating %zu bytes\n", bytes);
    std::exit(2);
  }
  return Floats(p);
}

// The Python benchmark's grid: evenly over [-1, W] x [-1, H], each point
// moved by up to half a step either way.
std::vector<float> JitteredGrid(const Shape& s) {
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> jitter(-0.5f, 0.5f);
  const float step_x = (s.width + 1.0f) / s.out_width;
  const float step_y = (s.height + 1.0f) / s.out_height;
  std::vector<float> warp(2 * s.batch * s.out_height * s.out_width);
  size_t k = 0;
  for (int64_t b = 0; b < s.batch; ++b) {
    for (int64_t i = 0; i < s.out_height; ++i) {
      for (int64_t j = 0; j < s.out_width; ++j, k += 2) {
        warp[k] = -1.0f +
                  j * (s.width + 1.0f) / std::max<int64_t>(1, s.out_width - 1) +
                  jitter(rng) * step_x;
        warp[k + 1] =
            -1.0f +
            i * (s.height + 1.0f) / std::max<int64_t>(1, s.out_height - 1) +
            jitter(rng) * step_y;
      }
    }
  }
  return warp;
}

// Element offset of each point's top-left corner, or -1 for a point with a
// corner outside the image (the reads below skip those, a few per cent).
std::vector<int64_t> InteriorOffsets(const Shape& s,
                                     const std::vector<float>& warp) {
  const int64_t points = s.out_height * s.out_width;
  std::vector<int64_t> offsets(s.batch * points);
  for (int64_t n = 0; n < static_cast<int64_t>(offsets.size()); ++n) {
    const float x = warp[2 * n], y = warp[2 * n + 1];
    offsets[n] = -1;
    if (!(x >= 0.0f && y >= 0.0f && x < s.width - 1 && y < s.height - 1)) {
      continue;
    }
    const int64_t x0 = static_cast<int64_t>(x), y0 = static_cast<int64_t>(y);
    offsets[n] = ((n / points * s.height + y0) * s.width + x0) * s.channels;
  }
  return offsets;
}

// Keeps the compiler from dropping the reads.
std::atomic<float> g_sink{0.0f};

void Keep(float value) { g_sink.store(value, std::memory_order_relaxed); }

SONNET_TARGET_AVX2 void ReadLines(const float* p, int64_t count,
                                  __m256* acc) {
  for (int64_t i = 0; i < count; ++i) {
    *acc = _mm256_max_ps(*acc, _mm256_load_ps(p + i * kLineFloats));
  }
}

SONNET_TARGET_AVX2 float Finish(__m256 acc) {
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  return lanes[0];
}

// One load per cache line of each corner pair (x0, x0 + 1) of both rows.
SONNET_TARGET_AVX2 float ReadInOpOrder(const float* data,
                                       const std::vector<int64_t>& offsets,
                                       int64_t row_elements,
                                       int64_t pair_lines, int64_t begin,
                                       int64_t end) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t n = begin; n < end; ++n) {
    if (offsets[n] < 0) continue;
    ReadLines(data + offsets[n], pair_lines, &acc);
    ReadLines(data + offsets[n] + row_elements, pair_lines, &acc);
  }
  return Finish(acc);
}

SONNET_TARGET_AVX2 float ReadLineList(const float* data,
                                      const std::vector<int64_t>& lines,
                                      int64_t begin, int64_t end) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = begin; i < end; ++i) {
    ReadLines(data + lines[i] * kLineFloats, 1, &acc);
  }
  return Finish(acc);
}

SONNET_TARGET_AVX2 float ReadAll(const float* data, int64_t begin_line,
                                 int64_t end_line) {
  __m256 acc = _mm256_setzero_ps();
  ReadLines(data + begin_line * kLineFloats, end_line - begin_line, &acc);
  return Finish(acc);
}

// Runs work(part, parts) on `parts` threads (the caller is one) and returns
// the wall time in seconds, thread start-up included (all candidates pay it).
double TimeOnThreads(int parts, const std::function<void(int, int)>& work) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int part = 1; part < parts; ++part) {
    threads.emplace_back(work, part, parts);
  }
  work(0, parts);
  for (std::thread& t : threads) t.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

int64_t PartBegin(int64_t size, int part, int parts) {
  return size * part / parts;
}

int Run(const Shape& s) {
  if (!UseAvx2() || !Avx2Supports(s.height, s.width, s.channels)) {
    std::printf("no AVX2 + FMA loops for this CPU or shape: nothing to time\n");
    return 0;
  }
  if (s.channels % kLineFloats != 0) {
    std::printf("C must be a multiple of %lld so pixels fill whole lines\n",
                static_cast<long long>(kLineFloats));
    return 2;
  }
  const int64_t points = s.out_height * s.out_width;
  const int64_t total_points = s.batch * points;
  const int64_t data_size = s.batch * s.height * s.width * s.channels;
  const int64_t row_elements = s.width * s.channels;
  const int64_t pair_lines = 2 * s.channels / kLineFloats;

  Floats data = AllocateFloats(data_size);
  for (int64_t i = 0; i < data_size; ++i) data[i] = (i % 97) * 0.01f;
  const std::vector<float> warp = JitteredGrid(s);
  const std::vector<int64_t> offsets = InteriorOffsets(s, warp);
  Floats out = AllocateFloats(total_points * s.channels);
  Floats expected = AllocateFloats(total_points * s.channels);

  const int64_t data_bytes = data_size * static_cast<int64_t>(sizeof(float));
  const ForwardArgs<float> args{data.get(), warp.data(), out.get(),
                                s.height, s.width, s.channels, points,
                                data_bytes >= kMinPrefetchBytesAvx2,
                                data_bytes < kMinPrefetchBytes};

  // The loop under test must compute the op's numbers.
  ForwardArgs<float> scalar = args;
  scalar.out = expected.get();
  for (int64_t b = 0; b < s.batch; ++b) {
    ForwardPoints(scalar, data.get() + b * s.height * row_elements, b * points,
                  (b + 1) * points);
  }
  ForwardFloatAvx2(args, 0, total_points);
  double max_diff = 0.0;
  for (int64_t i = 0; i < total_points * s.channels; ++i) {
    max_diff = std::max<double>(max_diff, std::fabs(out[i] - expected[i]));
  }
  if (!(max_diff <= 1e-5)) {
    std::printf("FAILED: forward loop differs from the scalar loop by %g\n",
                max_diff);
    return 1;
  }

  // Lines some corner of an interior point touches, per batch entry's share.
  std::vector<char> touched(data_size / kLineFloats, 0);
  for (int64_t offset : offsets) {
    if (offset < 0) continue;
    for (int64_t row = 0; row < 2; ++row) {
      const int64_t first = (offset + row * row_elements) / kLineFloats;
      std::fill_n(touched.begin() + first, pair_lines, 1);
    }
  }
  std::vector<int64_t> touched_lines;
  for (int64_t line = 0; line < static_cast<int64_t>(touched.size()); ++line) {
    if (touched[line]) touched_lines.push_back(line);
  }
  const int64_t num_lines = static_cast<int64_t>(touched.size());

  const int parts = std::max(1u, std::thread::hardware_concurrency());
  struct Candidate {
    const char* name;
    std::function<void(int, int)> work;
    std::vector<double> times = {};
  };
  const int64_t num_touched = static_cast<int64_t>(touched_lines.size());
  const float* image = data.get();
  std::vector<Candidate> candidates;
  candidates.push_back({"op forward loop", [&](int part, int n) {
    ForwardFloatAvx2(args, PartBegin(total_points, part, n),
                     PartBegin(total_points, part + 1, n));
  }});
  candidates.push_back({"read, op's order", [&](int part, int n) {
    Keep(ReadInOpOrder(image, offsets, row_elements, pair_lines,
                       PartBegin(total_points, part, n),
                       PartBegin(total_points, part + 1, n)));
  }});
  candidates.push_back({"read all, address order", [&](int part, int n) {
    Keep(ReadAll(image, PartBegin(num_lines, part, n),
                 PartBegin(num_lines, part + 1, n)));
  }});
  candidates.push_back({"read touched, address order", [&](int part, int n) {
    Keep(ReadLineList(image, touched_lines, PartBegin(num_touched, part, n),
                      PartBegin(num_touched, part + 1, n)));
  }});

  // Before each timed run, reading this evicts the caches, as the other
  // candidates of the Python benchmark do between the op's runs.
  const int64_t evict_lines = (int64_t{64} << 20) / 64;
  Floats evict = AllocateFloats(evict_lines * kLineFloats);
  std::fill_n(evict.get(), evict_lines * kLineFloats, 1.0f);

  std::mt19937 rng(1);
  std::vector<size_t> order(candidates.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (int r = 0; r < s.repeats; ++r) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
      Keep(ReadAll(evict.get(), 0, evict_lines));
      candidates[i].times.push_back(TimeOnThreads(parts, candidates[i].work));
    }
  }

  std::printf(
      "data [%lld, %lld, %lld, %lld] (%.1f MB) -> %lldx%lld, float32, %d "
      "threads, %d interleaved runs each\n",
      static_cast<long long>(s.batch), static_cast<long long>(s.height),
      static_cast<long long>(s.width), static_cast<long long>(s.channels),
      data_bytes / 1e6, static_cast<long long>(s.out_height),
      static_cast<long long>(s.out_width), parts, s.repeats);
  std::printf("forward loop matches the scalar loop (max |diff| %.1e)\n",
              max_diff);
  std::printf("corners touch %.1f%% of data's cache lines\n",
              100.0 * num_touched / num_lines);
  std::printf("times are median / min in ms; ratio = median / op's median\n");
  double op_median = 0.0;
  for (Candidate& c : candidates) {
    std::sort(c.times.begin(), c.times.end());
    const double median = c.times[c.times.size() / 2];
    if (op_median == 0.0) op_median = median;
    std::printf("  %-28s %7.3f / %7.3f   %.2f\n", c.name, median * 1e3,
                c.times.front() * 1e3, median / op_median);
  }
  return 0;
}

#else

int Run(const Shape&) {
  std::printf("built without AVX2 dispatch: nothing to time\n");
  return 0;
}

#endif  // SONNET_AVX2_DISPATCH

}  // namespace
}  // namespace resampler_cpu
}  // namespace sonnet

int main(int argc, char** argv) {
  sonnet::resampler_cpu::Shape shape;
  if (argc != 1 && argc != 7 && argc != 8) {
    std::fprintf(stderr, "usage: %s [B H W C OUT_H OUT_W [REPEATS]]\n",
                 argv[0]);
    return 2;
  }
  if (argc >= 7) {
    int64_t* dims[] = {&shape.batch,    &shape.height,     &shape.width,
                       &shape.channels, &shape.out_height, &shape.out_width};
    for (int i = 0; i < 6; ++i) {
      *dims[i] = std::atoll(argv[i + 1]);
      if (*dims[i] < 1) {
        std::fprintf(stderr, "dimension %d must be >= 1, got '%s'\n", i + 1,
                     argv[i + 1]);
        return 2;
      }
    }
  }
  if (argc == 8) shape.repeats = std::max(1, std::atoi(argv[7]));
  return sonnet::resampler_cpu::Run(shape);
}
