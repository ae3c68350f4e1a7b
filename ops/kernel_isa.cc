#include "ops/kernel_isa.h"

#include <cstdlib>
#include <fstream>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace nabla {
namespace {

constexpr const char* kVariable = "NABLA_KERNELS";
constexpr KernelIsa kEverySet[] = {KernelIsa::kPortable, KernelIsa::kAvx2,
                                   KernelIsa::kAvx512};

bool CpuRuns(KernelIsa isa) {
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's check includes the OS's consent (XGETBV) to save the wider
  // registers, not only CPUID.
  __builtin_cpu_init();
  switch (isa) {
    case KernelIsa::kPortable:
      return true;
    case KernelIsa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case KernelIsa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  }
  return false;
#else
  return isa == KernelIsa::kPortable;
#endif
}

struct Choice {
  KernelIsa isa;
  absl::Status status;
};

const Choice& ActiveChoice() {
  static const Choice* choice = [] {
    const char* forced = std::getenv(kVariable);
    absl::StatusOr<KernelIsa> isa =
        ChooseKernelIsa(forced == nullptr ? "" : forced);
    if (isa.ok()) return new Choice{*isa, absl::OkStatus()};
    return new Choice{SupportedKernelIsas().back(), isa.status()};
  }();
  return *choice;
}

}  // namespace

absl::string_view KernelIsaName(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::kPortable:
      return "portable";
    case KernelIsa::kAvx2:
      return "avx2";
    case KernelIsa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

std::vector<KernelIsa> SupportedKernelIsas() {
  std::vector<KernelIsa> supported;
  for (KernelIsa isa : kEverySet) {
    if (CpuRuns(isa)) supported.push_back(isa);
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
  for (KernelIsa isa : kEverySet) every.emplace_back(KernelIsaName(isa));
  const bool known = absl::c_linear_search(every, forced);
  return absl::InvalidArgumentError(
      absl::StrCat(kVariable, "=", forced,
                   known ? ": this CPU does not run those kernels"
                         : absl::StrCat(": not a kernel set (",
                                        absl::StrJoin(every, ", "), ")"),
                   "; this CPU runs ", absl::StrJoin(names, ", ")));
}

KernelIsa ActiveKernelIsa() { return ActiveChoice().isa; }

[[nodiscard]] absl::Status KernelIsaStatus() { return ActiveChoice().status; }

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
