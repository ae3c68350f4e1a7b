// What every Google Benchmark binary of tools/bench prints before its
// table: the CPU with its vector extensions, nabla's kernels, and the
// float32 FMA peak of one core measured at start (tools/bench/fma_probe.h),
// so that each figure is read against the machine it ran on. Linking
// :benchmark_context adds them to the context (its registration runs
// before main); PeakShare turns a benchmark's FLOP count into a counter of
// the share of that peak.
#ifndef NABLA_TOOLS_BENCH_BENCHMARK_CONTEXT_H_
#define NABLA_TOOLS_BENCH_BENCHMARK_CONTEXT_H_

#include "benchmark/benchmark.h"

namespace nabla {

// The measured peak of one core in GFLOP/s; 0 on a CPU without FMA.
double FmaPeakGflops();

// A counter of `flop_per_iteration` as a percentage of FmaPeakGflops()
// (of one core: with more threads it can pass 100); 0 without a peak.
benchmark::Counter PeakShare(double flop_per_iteration);

}  // namespace nabla

#endif  // NABLA_TOOLS_BENCH_BENCHMARK_CONTEXT_H_
