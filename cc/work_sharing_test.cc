// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// Tests of ShareWork (work_sharing.h), without TensorFlow: every index is
// run exactly once for any total, chunk count, grain and worker count;
// helpers actually run chunks on other threads; concurrent callers and a
// forked child work; the helpers leave their CPU mask as they found it.

#include "cc/work_sharing.h"

#include <sys/wait.h>
#include <unistd.h>

#ifdef __linux__
#include <sched.h>
#endif

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace sonnet {
namespace {

int failures = 0;

void Expect(bool ok, const char* what) {
  if (!ok) {
    ++failures;
    std::printf("FAILED: %s\n", what);
  }
}

// Runs ShareWork and checks that [0, total) was covered exactly once, in
// ranges that start on multiples of `grain`.
void CheckCoverage(int max_workers, int64_t total, int64_t num_chunks,
                   int64_t grain) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(total));
  std::atomic<bool> misaligned{false};
  ShareWork(max_workers, total, num_chunks, grain,
            [&](int64_t begin, int64_t end) {
              if (begin % std::max<int64_t>(grain, 1) != 0) misaligned = true;
              for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
            });
  bool once = true;
  for (auto& hit : hits) once = once && hit.load() == 1;
  char what[160];
  std::snprintf(what, sizeof(what),
                "every index once: workers %d, total %lld, chunks %lld, "
                "grain %lld",
                max_workers, static_cast<long long>(total),
                static_cast<long long>(num_chunks),
                static_cast<long long>(grain));
  Expect(once && !misaligned, what);
}

void Spin(std::chrono::microseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end) {
  }
}

// With slow chunks, a helper thread takes some of them.
void CheckHelpersRun() {
  const unsigned cores = std::thread::hardware_concurrency();
  if (cores < 2) {
    std::printf("one CPU: helper test skipped\n");
    return;
  }
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> by_helpers{0};
  for (int attempt = 0; attempt < 20 && by_helpers.load() == 0; ++attempt) {
    ShareWork(2, 32, 32, 1, [&](int64_t begin, int64_t end) {
      Spin(std::chrono::microseconds(200) * (end - begin));
      if (std::this_thread::get_id() != caller) by_helpers.fetch_add(1);
    });
  }
  Expect(by_helpers.load() > 0, "a helper thread runs chunks");
}

// Callers on several threads at once share the helpers safely.
void CheckConcurrentCallers() {
  std::vector<std::thread> callers;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&bad, t] {
      for (int round = 0; round < 50; ++round) {
        const int64_t total = 1000 + 37 * t + round;
        std::vector<std::atomic<int>> hits(static_cast<size_t>(total));
        ShareWork(4, total, 16, 8, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
        });
        for (auto& hit : hits) {
          if (hit.load() != 1) bad.fetch_add(1);
        }
      }
    });
  }
  for (auto& caller : callers) caller.join();
  Expect(bad.load() == 0, "concurrent callers: every index once");
}

// Closures run through a scheduler join like helpers (or return at once):
// every index is still covered once, also when the scheduler runs them only
// after ShareWork returned.
void CheckScheduler() {
  std::vector<std::thread> threads;
  std::mutex mutex;
  Scheduler schedule = [&](std::function<void()> task) {
    std::lock_guard<std::mutex> lock(mutex);
    threads.emplace_back(std::move(task));
  };
  std::atomic<int> bad{0};
  for (int round = 0; round < 20; ++round) {
    const int64_t total = 5000 + round;
    std::vector<std::atomic<int>> hits(static_cast<size_t>(total));
    ShareWork(3, total, 32, 8,
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
              },
              schedule);
    for (auto& hit : hits) {
      if (hit.load() != 1) bad.fetch_add(1);
    }
  }
  std::vector<std::function<void()>> late;
  Scheduler deferred = [&](std::function<void()> task) {
    late.push_back(std::move(task));
  };
  std::vector<std::atomic<int>> hits(4096);
  ShareWork(2, 4096, 16, 8,
            [&](int64_t begin, int64_t end) {
              for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
            },
            deferred);
  for (auto& task : late) task();  // After ShareWork returned: no-ops.
  for (auto& hit : hits) {
    if (hit.load() != 1) bad.fetch_add(1);
  }
  for (auto& thread : threads) thread.join();
  Expect(bad.load() == 0 && !late.empty(),
         "closures through a scheduler: every index once");
}

// A child forked after the helpers started has none of them; ShareWork
// still covers everything there (and does not hang).
void CheckFork() {
  const pid_t child = fork();
  if (child == 0) {
    std::vector<int> hits(4096, 0);
    std::mutex mutex;
    ShareWork(2, 4096, 16, 8, [&](int64_t begin, int64_t end) {
      std::lock_guard<std::mutex> lock(mutex);
      for (int64_t i = begin; i < end; ++i) ++hits[i];
    });
    for (int hit : hits) {
      if (hit != 1) _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  Expect(child > 0 && waitpid(child, &status, 0) == child &&
             WIFEXITED(status) && WEXITSTATUS(status) == 0,
         "ShareWork in a forked child");
}

#ifdef __linux__
// A helper steered to one CPU restores its own mask before it runs a chunk.
void CheckMaskRestored() {
  cpu_set_t expected;
  CPU_ZERO(&expected);
  if (sched_getaffinity(0, sizeof(expected), &expected) != 0 ||
      CPU_COUNT(&expected) < 2) {
    std::printf("one allowed CPU: mask test skipped\n");
    return;
  }
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> checked{0}, wrong{0};
  for (int attempt = 0; attempt < 20 && checked.load() == 0; ++attempt) {
    ShareWork(2, 32, 32, 1, [&](int64_t begin, int64_t end) {
      Spin(std::chrono::microseconds(200) * (end - begin));
      if (std::this_thread::get_id() == caller) return;
      cpu_set_t mask;
      CPU_ZERO(&mask);
      sched_getaffinity(0, sizeof(mask), &mask);
      checked.fetch_add(1);
      if (!CPU_EQUAL(&mask, &expected)) wrong.fetch_add(1);
    });
  }
  Expect(checked.load() > 0 && wrong.load() == 0,
         "helpers run with their full CPU mask");
}
#endif

int Run() {
  for (int workers : {1, 2, 3, 8}) {
    for (int64_t total : {0, 1, 7, 8, 9, 100, 4099}) {
      for (int64_t chunks : {1, 2, 5, 16, 1000}) {
        for (int64_t grain : {0, 1, 8, 64}) {
          CheckCoverage(workers, total, chunks, grain);
        }
      }
    }
  }
  CheckHelpersRun();
  CheckConcurrentCallers();
  CheckScheduler();
  CheckFork();
#ifdef __linux__
  CheckMaskRestored();
#endif
  std::printf("work sharing: %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace sonnet

int main() { return sonnet::Run(); }
