// Elementwise and reduction loops compiled for each kernel set.
//
// The default build targets plain x86-64 (SSE2), so a loop the compiler
// vectorises uses 128-bit vectors. VectorizedFor is ParallelFor whose chunk
// function is compiled again for AVX2 and for AVX-512 and run in the
// version of the active kernel set (ops/kernel_isa_choice.h):
//
//   VectorizedFor(n, GrainFor(1), [&](int64_t lo, int64_t hi) {
//     for (int64_t i = lo; i < hi; ++i) z[i] = x[i] + y[i];
//   });
//
// Each version computes the same operations in the same order: wider
// vectors only do more lanes at once, and the build compiles with
// -ffp-contract=off, so no version fuses a multiply and an add (AVX-512F
// has FMA instructions of its own). Results are the same bits under every
// set; tests/ops/vector_loop_test checks it. A loop that sums into one
// scalar stays in index order (the compiler does not reassociate it), so
// only loops across independent elements get wider.
//
// Part of the plugin SDK: activation, loss and optimizer plugins use it.
#ifndef NABLA_OPS_VECTOR_LOOP_H_
#define NABLA_OPS_VECTOR_LOOP_H_

#include <cstdint>

#include "core/parallel.h"
#include "ops/kernel_isa_choice.h"

namespace nabla {
namespace vector_loop_internal {

// `flatten` inlines the chunk function, and everything it calls that has a
// body here, into the version: the target attribute applies to code
// compiled inside the function, not to out-of-line calls.
template <typename Fn>
__attribute__((flatten)) void RunPortable(const Fn& fn, int64_t lo,
                                          int64_t hi) {
  fn(lo, hi);
}

#if defined(__x86_64__)
template <typename Fn>
__attribute__((target("avx2"), flatten)) void RunAvx2(const Fn& fn, int64_t lo,
                                                      int64_t hi) {
  fn(lo, hi);
}

template <typename Fn>
__attribute__((target("avx512f"), flatten)) void RunAvx512(const Fn& fn,
                                                           int64_t lo,
                                                           int64_t hi) {
  fn(lo, hi);
}
#endif

// fn(lo, hi) in the version of `isa`.
template <typename Fn>
void RunFor(KernelIsa isa, const Fn& fn, int64_t lo, int64_t hi) {
#if defined(__x86_64__)
  switch (isa) {
    case KernelIsa::kAvx512:
      return RunAvx512(fn, lo, hi);
    case KernelIsa::kAvx2:
      return RunAvx2(fn, lo, hi);
    case KernelIsa::kPortable:
      break;
  }
#endif
  RunPortable(fn, lo, hi);
}

}  // namespace vector_loop_internal

// ParallelFor (core/parallel.h: the same chunks, so the same bits for any
// thread count) with fn compiled for the active kernel set.
template <typename Fn>
void VectorizedFor(int64_t n, int64_t grain, const Fn& fn) {
  const KernelIsa isa = ActiveKernelIsa();
  ParallelFor(n, grain, [&](int64_t lo, int64_t hi) {
    vector_loop_internal::RunFor(isa, fn, lo, hi);
  });
}

// The same with a kernel set named by the caller: tests compare the sets.
template <typename Fn>
void VectorizedForWith(KernelIsa isa, int64_t n, int64_t grain, const Fn& fn) {
  ParallelFor(n, grain, [&](int64_t lo, int64_t hi) {
    vector_loop_internal::RunFor(isa, fn, lo, hi);
  });
}

}  // namespace nabla

#endif  // NABLA_OPS_VECTOR_LOOP_H_
