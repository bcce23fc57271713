// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// Keeps the op library within the manylinux_2_27 policy of TensorFlow 2.21's
// own wheel (glibc 2.27, GLIBCXX_3.4.24) when it is built with a newer GCC.
// cc/BUILD force-includes this header (-include) into every source file of the
// library; cc/manylinux_compat.cc holds the one definition it needs.
// tools/manylinux_test.py fails if a newer symbol version comes back.
//
// GCC 12's <condition_variable> calls
// std::condition_variable::wait(std::unique_lock<std::mutex>&), which its
// libstdc++ exports as GLIBCXX_3.4.30 (the default) and, unchanged apart from
// being noexcept, as GLIBCXX_3.4.11 (libstdc++ PR 103382: the new version only
// lets a pthread_cancel unwind through the wait instead of terminating; nothing
// here cancels threads). Every libstdc++ since GCC 4.5 has the old version.
//
// glibc 2.34 moved libpthread into libc and exports pthread_setaffinity_np
// and pthread_setname_np (work_sharing.cc) as GLIBC_2.34 by default; the
// same functions are still exported under the versions they were added with,
// GLIBC_2.3.4 and GLIBC_2.12.
//
// The binding applies only to this object file's own references; a file that
// never calls wait() gets no reference from it.

#ifndef SONNET_CC_MANYLINUX_COMPAT_H_
#define SONNET_CC_MANYLINUX_COMPAT_H_

// Force-included first, so no libstdc++ header has defined __GLIBCXX__ yet:
// <bits/c++config.h> existing says the library is libstdc++.
#if defined(__x86_64__) && defined(__linux__) && __has_include(<bits/c++config.h>)
__asm__(
    ".symver _ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE,"
    "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE@GLIBCXX_3.4.11");
__asm__(".symver pthread_setaffinity_np,pthread_setaffinity_np@GLIBC_2.3.4");
__asm__(".symver pthread_setname_np,pthread_setname_np@GLIBC_2.12");
#endif

#endif  // SONNET_CC_MANYLINUX_COMPAT_H_
