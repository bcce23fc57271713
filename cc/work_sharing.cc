// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.

#include "cc/work_sharing.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#endif

namespace sonnet {
namespace {

// Owned jointly by the caller and the helpers: a helper may start after the
// caller has returned.
struct SharedChunks {
  std::atomic<int64_t> next{0};      // next chunk to take
  std::atomic<int64_t> finished{0};  // chunks done
  std::atomic<int> workers{1};       // threads that have joined, the caller's
  int max_workers = 1;               // threads that may work at once
  int64_t num_chunks = 0;
  int64_t total = 0;
  int64_t grain = 1;
  // Only called for a chunk taken before all were taken, i.e. while the
  // caller still waits, so it may refer to the caller's stack.
  std::function<void(int64_t, int64_t)> fn;
  std::mutex mutex;
  std::condition_variable all_finished;

  // Start of `chunk` (`total` for chunk == num_chunks).
  int64_t Boundary(int64_t chunk) const;
  // A helper: runs chunks, unless max_workers threads already joined.
  void Help();
  // Runs chunks until none is left.
  void Work();
  // Whether every chunk has been taken (some may still run).
  bool AllTaken() const {
    return next.load(std::memory_order_relaxed) >= num_chunks;
  }
  // Returns when every chunk is done.
  void WaitForAll();
};


int64_t SharedChunks::Boundary(int64_t chunk) const {
  if (chunk >= num_chunks) return total;
  // Grains spread evenly; no product can overflow.
  const int64_t grains = total / grain;
  const int64_t q = grains / num_chunks, r = grains % num_chunks;
  return (chunk * q + std::min(chunk, r)) * grain;
}

void SharedChunks::Help() {
  if (workers.fetch_add(1, std::memory_order_relaxed) >= max_workers) return;
  Work();
}

void SharedChunks::Work() {
  for (;;) {
    const int64_t chunk = next.fetch_add(1, std::memory_order_relaxed);
    if (chunk >= num_chunks) return;
    fn(Boundary(chunk), Boundary(chunk + 1));
    if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == num_chunks) {
      std::lock_guard<std::mutex> lock(mutex);
      all_finished.notify_all();
    }
  }
}

void SharedChunks::WaitForAll() {
  // Chunks are short (tens to hundreds of microseconds): yield first, then
  // sleep.
  for (int spin = 0; spin < 64; ++spin) {
    if (finished.load(std::memory_order_acquire) == num_chunks) return;
    std::this_thread::yield();
  }
  std::unique_lock<std::mutex> lock(mutex);
  all_finished.wait(lock, [this] {
    return finished.load(std::memory_order_acquire) == num_chunks;
  });
}

// Never more helpers than this, whatever the machine.
constexpr int kMaxHelpers = 255;

// The CPUs a thread may run on (Linux), or nothing.
struct CpuMask {
#ifdef __linux__
  cpu_set_t set;
  bool valid = false;

  static CpuMask OfCallingThread() {
    CpuMask mask;
    CPU_ZERO(&mask.set);
    mask.valid = sched_getaffinity(0, sizeof(mask.set), &mask.set) == 0;
    return mask;
  }
  int Count() const { return valid ? CPU_COUNT(&set) : 0; }
  // The `k`-th CPU of the mask after `cpu`, cyclically, never `cpu`
  // itself; -1 if there is none.
  int NthAfter(int cpu, int k) const {
    if (!valid || cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &set)) {
      return -1;
    }
    const int others = Count() - 1;
    if (others <= 0) return -1;
    int skip = k % others;
    for (int step = 1; step < CPU_SETSIZE; ++step) {
      const int candidate = (cpu + step) % CPU_SETSIZE;
      if (!CPU_ISSET(candidate, &set)) continue;
      if (skip-- == 0) return candidate;
    }
    return -1;
  }
#else
  static CpuMask OfCallingThread() { return CpuMask(); }
  int Count() const { return 0; }
#endif
};

struct Helper {
  std::mutex mutex;
  std::condition_variable wake;
  std::shared_ptr<SharedChunks> pending;  // its next task; guarded by mutex
  std::shared_ptr<SharedChunks> current;  // the task it runs; by mutex
  bool steered = false;                   // guarded by mutex
  CpuMask mask;                           // the CPUs it may normally run on
#ifdef __linux__
  pthread_t thread{};
#endif

  // Gives it `chunks` (a waker calls this, then Notify) and, if
  // `target_cpu` >= 0, restricts it to that CPU until it runs. Refused while
  // it has a task waiting or runs one with chunks left. A helper that has
  // taken its last chunk but not returned yet is not busy: it may have been
  // preempted right after its last chunk and queued behind other threads
  // (on the VM above the next call found it so in 40 of 250 calls), and
  // steering it moves it to a CPU where it can run.
  bool Offer(const std::shared_ptr<SharedChunks>& chunks, int target_cpu) {
    std::lock_guard<std::mutex> lock(mutex);
    if (pending != nullptr) return false;
    if (current != nullptr && !current->AllTaken()) return false;
#ifdef __linux__
    if (target_cpu >= 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(target_cpu, &one);
      steered = pthread_setaffinity_np(thread, sizeof(one), &one) == 0;
    }
#else
    (void)target_cpu;
#endif
    pending = chunks;
    return true;
  }

  void Notify() { wake.notify_one(); }

  void Loop() {
#ifdef __linux__
    pthread_setname_np(pthread_self(), "snt-resampler");
#endif
    for (;;) {
      std::shared_ptr<SharedChunks> chunks;
      {
        std::unique_lock<std::mutex> lock(mutex);
        current.reset();
        wake.wait(lock, [this] { return pending != nullptr; });
        current = std::move(pending);
        chunks = current;
#ifdef __linux__
        // Running now, on the core it was steered to: free it again. Under
        // the lock, so it never undoes a later Offer's steering.
        if (steered) {
          pthread_setaffinity_np(pthread_self(), sizeof(mask.set), &mask.set);
        }
#endif
        steered = false;
      }
      chunks->Help();
    }
  }
};

// The helper threads of one process. Never destroyed: detached helpers use
// it until the process exits.
class HelperThreads {
 public:
  static HelperThreads& Get() {
    static std::atomic<HelperThreads*> instance{nullptr};
    const int pid = CurrentProcess();
    HelperThreads* current = instance.load(std::memory_order_acquire);
    // A forked child has none of its parent's threads: it starts afresh
    // (the parent's instance is left alone, its mutexes maybe held).
    while (current == nullptr || current->pid_ != pid) {
      auto* fresh = new HelperThreads(pid);
      if (instance.compare_exchange_strong(current, fresh,
                                           std::memory_order_acq_rel)) {
        return *fresh;
      }
      delete fresh;  // Another thread installed one: `current` holds it.
    }
    return *current;
  }

  int Wake(int count, const std::shared_ptr<SharedChunks>& chunks) {
    count = std::min(count, max_helpers_.load(std::memory_order_relaxed));
    if (count <= 0) return 0;
    int started = num_helpers_.load(std::memory_order_acquire);
    if (started < count) {
      std::lock_guard<std::mutex> lock(mutex_);
      while (num_helpers_.load(std::memory_order_relaxed) < count && Add()) {
      }
      started = num_helpers_.load(std::memory_order_relaxed);
    }
#ifdef __linux__
    const int caller_cpu = sched_getcpu();
#endif
    int woken = 0;
    for (int h = 0; h < started && woken < count; ++h) {
      Helper* helper = helpers_[h];
#ifdef __linux__
      const int target = helper->mask.NthAfter(caller_cpu, woken);
#else
      const int target = -1;
#endif
      if (!helper->Offer(chunks, target)) continue;
      helper->Notify();
      ++woken;
    }
    return woken;
  }

 private:
  explicit HelperThreads(int pid) : pid_(pid) {
    const int cpus = CpuMask::OfCallingThread().Count();
    const int hardware = static_cast<int>(std::thread::hardware_concurrency());
    max_helpers_.store(
        std::min(kMaxHelpers, std::max(cpus > 0 ? cpus : hardware, 1) - 1));
  }

  static int CurrentProcess() {
#ifdef __linux__
    return static_cast<int>(getpid());
#else
    return 0;
#endif
  }

  // Starts one more helper; false if no thread could be started. Called
  // with mutex_ held.
  bool Add() {
    auto* helper = new Helper;
    // A new thread inherits the CPU mask of the thread that starts it.
    helper->mask = CpuMask::OfCallingThread();
    try {
      std::thread thread([helper] { helper->Loop(); });
#ifdef __linux__
      helper->thread = thread.native_handle();
#endif
      thread.detach();
    } catch (const std::system_error&) {
      delete helper;
      max_helpers_.store(num_helpers_.load(std::memory_order_relaxed));
      return false;
    }
    const int index = num_helpers_.load(std::memory_order_relaxed);
    helpers_[index] = helper;
    num_helpers_.store(index + 1, std::memory_order_release);
    return true;
  }

  const int pid_;
  std::atomic<int> max_helpers_{0};  // one less than the usable CPUs
  std::mutex mutex_;
  // Started helpers, never freed: the first num_helpers_ are set (added
  // under mutex_, read without it). A fixed array: a std::vector's
  // allocator would need a libstdc++ symbol newer than manylinux_2_27.
  Helper* helpers_[kMaxHelpers] = {};
  std::atomic<int> num_helpers_{0};
};

}  // namespace

void ShareWork(int max_workers, int64_t total, int64_t num_chunks,
               int64_t grain, std::function<void(int64_t, int64_t)> fn,
               const Scheduler& schedule) {
  grain = std::max<int64_t>(1, grain);
  num_chunks = std::min(num_chunks, total / grain);
  if (max_workers <= 1 || num_chunks <= 1) {
    if (total > 0) fn(0, total);
    return;
  }
  auto shared = std::make_shared<SharedChunks>();
  shared->num_chunks = num_chunks;
  shared->total = total;
  shared->grain = grain;
  shared->max_workers = max_workers;
  shared->fn = std::move(fn);
  const int helpers =
      static_cast<int>(std::min<int64_t>(max_workers - 1, num_chunks - 1));
  HelperThreads::Get().Wake(helpers, shared);
  if (schedule) {
#ifdef __linux__
    const int caller_cpu = sched_getcpu();
#else
    const int caller_cpu = -1;
#endif
    for (int h = 0; h < helpers; ++h) {
      schedule([shared, caller_cpu] {
#ifdef __linux__
        // Queued on the caller's core it could only take turns with it.
        if (caller_cpu >= 0 && sched_getcpu() == caller_cpu) return;
#endif
        shared->Help();
      });
    }
  }
  shared->Work();
  shared->WaitForAll();
}

}  // namespace sonnet
