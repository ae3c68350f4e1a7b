#include "ops/kernel_isa.h"

#include <cstdlib>
#include <fstream>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace nabla {
namespace {

// Why NABLA_KERNELS was refused, if it was. The set itself is chosen by
// ActiveKernelIsa, which falls back to the best supported set likewise.
const absl::Status& ActiveChoiceStatus() {
  static const absl::Status* status = [] {
    const char* forced = std::getenv(kKernelIsaVariable);
    return new absl::Status(
        ChooseKernelIsa(forced == nullptr ? "" : forced).status());
  }();
  return *status;
}

}  // namespace

std::vector<KernelIsa> SupportedKernelIsas() {
  std::vector<KernelIsa> supported;
  for (KernelIsa isa : kEveryKernelIsa) {
    if (CpuRunsKernelIsa(isa)) supported.push_back(isa);
  }
  return supported;
}

[[nodiscard]] absl::StatusOr<KernelIsa> ChooseKernelIsa(
    absl::string_view forced) {
  const std::vector<KernelIsa> supported = SupportedKernelIsas();
  if (forced.empty()) return supported.back();
  std::vector<std::string> names;
  for (KernelIsa isa : supported) {
    names.emplace_back(KernelIsaName(isa));
    if (KernelIsaName(isa) == forced) return isa;
  }
  std::vector<std::string> every;
  for (KernelIsa isa : kEveryKernelIsa) every.emplace_back(KernelIsaName(isa));
  const bool known = absl::c_linear_search(every, forced);
  return absl::InvalidArgumentError(
      absl::StrCat(kKernelIsaVariable, "=", forced,
                   known ? ": this CPU does not run those kernels"
                         : absl::StrCat(": not a kernel set (",
                                        absl::StrJoin(every, ", "), ")"),
                   "; this CPU runs ", absl::StrJoin(names, ", ")));
}

[[nodiscard]] absl::Status KernelIsaStatus() { return ActiveChoiceStatus(); }

std::string CpuDescription() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "model name")) {
      const size_t colon = rest.find(':');
      if (colon != absl::string_view::npos) {
        model = std::string(absl::StripAsciiWhitespace(rest.substr(colon + 1)));
      }
      break;
    }
  }
  std::vector<std::string> extensions;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse2")) extensions.push_back("sse2");
  if (__builtin_cpu_supports("avx2")) extensions.push_back("avx2");
  if (__builtin_cpu_supports("fma")) extensions.push_back("fma");
  if (__builtin_cpu_supports("avx512f")) extensions.push_back("avx512f");
  if (__builtin_cpu_supports("avx512vnni")) extensions.push_back("avx512vnni");
  if (__builtin_cpu_supports("avx512bf16")) extensions.push_back("avx512bf16");
#endif
  return absl::StrCat(model, " (", absl::StrJoin(extensions, " "), ")");
}

}  // namespace nabla
