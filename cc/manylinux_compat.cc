// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// A private __libc_single_threaded for the op library (see manylinux_compat.h).
//
// GCC 12's libstdc++ headers read glibc's `__libc_single_threaded` (new in
// glibc 2.32) inline, e.g. in shared_ptr's reference counting, to skip atomic
// operations in a process that never started a thread. Referencing it would
// raise the library's glibc requirement from 2.27 to 2.32. This hidden
// definition, local to the library, satisfies those references instead; it is
// always 0 ("other threads may exist"), so the headers always take the atomic
// path. That is correct in every process, only not optimised for
// single-threaded ones, and TensorFlow runs thread pools anyway.

extern "C" {
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;
}
