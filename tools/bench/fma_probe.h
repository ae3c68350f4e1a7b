// The float32 FMA throughput of one core: the ceiling against which the
// benchmarks quote nabla's GFLOP/s (tools/bench/fma_peak,
// benchmark_context, compare_pytorch.py).
//
// For each vector width this CPU runs (256-bit with AVX2+FMA, 512-bit with
// AVX-512F), one thread runs independent chains of FMAs, enough to hide
// the FMA latency on every x86-64 core (latency 4-5 cycles times 2 pipes),
// for a fixed number of iterations; the best of several timings counts. An
// FMA is 2 FLOP per lane. Each width is a function compiled for its
// extension and called only when __builtin_cpu_supports says the CPU (and
// the OS) run it, as ops/kernel_isa.cc chooses the GEMM kernels, so the
// default build (no -march) measures every width. Cores that split a
// 512-bit FMA in two halves (AMD Zen 4) show fma512 equal to fma256.
#ifndef NABLA_TOOLS_BENCH_FMA_PROBE_H_
#define NABLA_TOOLS_BENCH_FMA_PROBE_H_

#include <optional>

namespace nabla {

struct FmaPeak {
  // GFLOP/s of one core per width; empty for a width this CPU lacks.
  std::optional<double> fma256, fma512;
  // The larger of the two; empty without FMA.
  std::optional<double> best() const;
};

// Takes about half a second.
FmaPeak MeasureFmaPeak();

}  // namespace nabla

#endif  // NABLA_TOOLS_BENCH_FMA_PROBE_H_
