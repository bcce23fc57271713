// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// Runs a range of work on the calling thread and this library's helper
// threads, where helpers that start late cost nothing.
//
// The caller starts on the work at once; helpers take chunks from a shared
// counter as they arrive, and one that arrives after the last chunk was
// taken returns without touching anything but the shared state. The caller
// waits only for chunks already running. (TensorFlow's ParallelFor waits
// for every block it scheduled, so a call pays for waking parked workers
// before any work starts: measured on 2 cores, [32,64,64,16] -> 64x64
// forward after other work had evicted the caches, median 2.2 ms with
// ParallelFor, 1.5 ms with chunks shared this way.)
//
// Helpers come from two places. This library's own threads: a helper is only
// useful on another core, and a parked thread woken by the caller may be
// queued on the caller's own core: some kernels place a wakee beside its
// waker (on the 2-core VM these numbers come from, 196 of 200 wake-ups did),
// and it then runs only when the caller stops. Measured there, 1.1 ms of
// work in 16 chunks after a 3 ms pause: median 2.1 ms with a plain wake-up
// (no overlap), 1.1 ms when the helper is first steered to another core. So
// before waking helper k the caller restricts it to the k-th allowed CPU
// after its own; the helper restores its full CPU mask as soon as it runs, so
// nothing stays pinned. And, optionally, closures on a thread pool (the
// op's TensorFlow device pool): right after other TensorFlow work its threads
// still spin on other cores and join within microseconds, while a steered
// helper may wait behind such a spinning thread; a closure that finds itself
// on the caller's core returns at once.

#ifndef SONNET_CC_WORK_SHARING_H_
#define SONNET_CC_WORK_SHARING_H_

#include <cstdint>
#include <functional>

namespace sonnet {

// Runs a closure on some other thread, e.g. TensorFlow's thread pool.
using Scheduler = std::function<void(std::function<void()>)>;

// Runs fn(begin, end) over [0, total) in `num_chunks` contiguous chunks whose
// boundaries are multiples of `grain` (except `total`), on the calling thread
// and up to `max_workers - 1` other threads: this library's helpers and, if
// `schedule` is given, as many closures run through it (a thread pool whose
// threads may be awake already; one that runs on the caller's core returns
// at once). The first of them to start join, later ones return at once.
// Returns when every chunk is done. fn must be safe to run concurrently on
// disjoint ranges.
void ShareWork(int max_workers, int64_t total, int64_t num_chunks,
               int64_t grain, std::function<void(int64_t, int64_t)> fn,
               const Scheduler& schedule = nullptr);

}  // namespace sonnet

#endif  // SONNET_CC_WORK_SHARING_H_
