// The float32 FMA throughput of one core, the ceiling against which the
// benchmarks (tools/bench/compare_pytorch.py) quote nabla's GFLOP/s.
//
//   fma_peak [--json]
//
// For each vector width this CPU runs (256-bit with AVX2+FMA, 512-bit with
// AVX-512F), one thread runs kChains independent chains of FMAs, enough to
// hide the FMA latency on every x86-64 core (latency 4-5 cycles times 2
// pipes), for a fixed number of iterations; the best of kRuns timings
// counts. An FMA is 2 FLOP per lane. The default build compiles this file
// without -march: each width is a function compiled for its extension and
// called only when __builtin_cpu_supports says the CPU (and the OS) run it,
// as ops/kernel_isa.cc chooses the GEMM kernels. Cores that split a 512-bit
// FMA in two halves (AMD Zen 4) show fma512 equal to fma256.
//
// Output:
//   fma256 78.4 GFLOP/s
//   fma512 150.2 GFLOP/s       (only with AVX-512F)
//   peak 150.2 GFLOP/s
// or with --json one line:
//   {"cpu":"AMD EPYC (sse2 avx2 fma ...)","fma256":78.4,"fma512":150.2,
//    "peak":150.2}
// where a width this CPU lacks is null.
//
// Exit status: 0 on success, 1 when the CPU has no FMA this probe knows,
// 2 for a usage error.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "absl/strings/str_format.h"
#include "ops/kernel_isa.h"

namespace nabla {
namespace {

constexpr int kChains = 12;
constexpr long long kIterations = 20'000'000;  // tens of ms per run
constexpr int kRuns = 5;

// acc = acc * m + c converges to c / (1 - m): no overflow, no denormals.
// volatile: the compiler cannot know m and c, so it cannot fold the loop.
volatile float multiplier = 0.999f;
volatile float addend = 0.001f;

#if defined(__x86_64__) || defined(__i386__)
// kIterations times kChains FMAs on 8 lanes. Returns a lane of the chains'
// sum, which the caller stores in a volatile: the loop is not dead code.
__attribute__((target("avx2,fma"))) float Fma256() {
  const __m256 m = _mm256_set1_ps(multiplier);
  const __m256 c = _mm256_set1_ps(addend);
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j)
    acc[j] = _mm256_set1_ps(static_cast<float>(j));
  for (long long i = 0; i < kIterations; ++i) {
    // Unrolled by kChains, so that every chain stays in a register.
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, c);
  }
  __m256 sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm256_add_ps(sum, acc[j]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  return lanes[0];
}

// The same on 16 lanes.
__attribute__((target("avx512f"))) float Fma512() {
  const __m512 m = _mm512_set1_ps(multiplier);
  const __m512 c = _mm512_set1_ps(addend);
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j)
    acc[j] = _mm512_set1_ps(static_cast<float>(j));
  for (long long i = 0; i < kIterations; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], m, c);
  }
  __m512 sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm512_add_ps(sum, acc[j]);
  float lanes[16];  // not _mm512_reduce_add_ps: g++ 12 warns inside it
  _mm512_storeu_ps(lanes, sum);
  return lanes[0];
}
#endif

volatile float sink;

// GFLOP/s of the best of kRuns calls of `fma`, which runs `lanes` lanes.
double BestGflops(float (*fma)(), int lanes) {
  double best_seconds = 1e30;
  for (int r = 0; r < kRuns; ++r) {
    const auto start = std::chrono::steady_clock::now();
    sink = fma();
    const std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    best_seconds = std::min(best_seconds, elapsed.count());
  }
  const double flop = 2.0 * lanes * kChains * static_cast<double>(kIterations);
  return flop / best_seconds / 1e9;
}

struct Peak {
  std::optional<double> fma256, fma512;
};

Peak Measure() {
  Peak peak;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    peak.fma256 = BestGflops(Fma256, 8);
  }
  if (__builtin_cpu_supports("avx512f")) peak.fma512 = BestGflops(Fma512, 16);
#endif
  return peak;
}

std::string JsonNumber(std::optional<double> v) {
  return v.has_value() ? absl::StrFormat("%.1f", *v) : "null";
}

// CpuDescription() as a JSON string (a model name has no control
// characters; quotes and backslashes are escaped).
std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace
}  // namespace nabla

int main(int argc, char** argv) {
  const bool json = argc == 2 && std::strcmp(argv[1], "--json") == 0;
  if (argc > 2 || (argc == 2 && !json)) {
    std::fprintf(stderr, "usage: fma_peak [--json]\n");
    return 2;
  }
  const nabla::Peak peak = nabla::Measure();
  std::optional<double> best = peak.fma256;
  if (peak.fma512 && (!best || *peak.fma512 > *best)) best = peak.fma512;
  if (json) {
    std::printf("{\"cpu\":%s,\"fma256\":%s,\"fma512\":%s,\"peak\":%s}\n",
                nabla::JsonString(nabla::CpuDescription()).c_str(),
                nabla::JsonNumber(peak.fma256).c_str(),
                nabla::JsonNumber(peak.fma512).c_str(),
                nabla::JsonNumber(best).c_str());
  } else {
    if (peak.fma256) std::printf("fma256 %.1f GFLOP/s\n", *peak.fma256);
    if (peak.fma512) std::printf("fma512 %.1f GFLOP/s\n", *peak.fma512);
    if (best) std::printf("peak %.1f GFLOP/s\n", *best);
  }
  if (!best.has_value()) {
    std::fprintf(stderr, "fma_peak: %s has neither AVX2+FMA nor AVX-512F\n",
                 nabla::CpuDescription().c_str());
    return 1;
  }
  return 0;
}
