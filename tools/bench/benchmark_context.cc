#include "tools/bench/benchmark_context.h"

#include "absl/strings/str_format.h"
#include "ops/gemm.h"
#include "ops/kernel_isa.h"
#include "tools/bench/fma_probe.h"

namespace nabla {
namespace {

const FmaPeak& Peak() {
  static const FmaPeak peak = MeasureFmaPeak();
  return peak;
}

std::string Gflops(const std::optional<double>& v) {
  return v.has_value() ? absl::StrFormat("%.1f GFLOP/s", *v) : "none";
}

// Runs before main, so the context is in place when benchmark_main
// prints it.
const bool registered = [] {
  benchmark::AddCustomContext("cpu", CpuDescription());
  benchmark::AddCustomContext(
      "nabla_kernels",
      absl::StrFormat("%s: %s", KernelIsaName(ActiveKernelIsa()),
                      GemmKernels()));
  benchmark::AddCustomContext(
      "fma_peak_one_core",
      absl::StrFormat("%s (fma256 %s, fma512 %s)", Gflops(Peak().best()),
                      Gflops(Peak().fma256), Gflops(Peak().fma512)));
  return true;
}();

}  // namespace

double FmaPeakGflops() { return Peak().best().value_or(0); }

benchmark::Counter PeakShare(double flop_per_iteration) {
  const double peak = FmaPeakGflops();
  return benchmark::Counter(
      peak > 0 ? flop_per_iteration * 1e-9 / peak * 100 : 0,
      benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace nabla
