#include "tools/bench/fma_probe.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

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

}  // namespace

std::optional<double> FmaPeak::best() const {
  std::optional<double> best = fma256;
  if (fma512 && (!best || *fma512 > *best)) best = fma512;
  return best;
}

FmaPeak MeasureFmaPeak() {
  FmaPeak peak;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    peak.fma256 = BestGflops(Fma256, 8);
  }
  if (__builtin_cpu_supports("avx512f")) peak.fma512 = BestGflops(Fma512, 16);
#endif
  return peak;
}

}  // namespace nabla
