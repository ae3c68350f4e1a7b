// The float32 FMA throughput of one core, the ceiling against which the
// benchmarks (tools/bench/compare_pytorch.py) quote nabla's GFLOP/s.
//
//   fma_peak [--json]
//
// How: tools/bench/fma_probe.h.
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
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "ops/kernel_isa.h"
#include "tools/bench/fma_probe.h"

namespace nabla {
namespace {

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
  const nabla::FmaPeak peak = nabla::MeasureFmaPeak();
  const std::optional<double> best = peak.best();
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
