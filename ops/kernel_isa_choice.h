// Which kernel set a process uses, header-only: it is part of the plugin
// SDK, so a plugin library (which links none of nabla) picks the same set
// as the program that loads it. ops/kernel_isa.h adds, for the program,
// why a forced set was refused and the CPU's description.
//
// NABLA_KERNELS=portable|avx2|avx512 in the environment forces a set; one
// this CPU lacks (or a name that is not a set) gives the best supported.
#ifndef NABLA_OPS_KERNEL_ISA_CHOICE_H_
#define NABLA_OPS_KERNEL_ISA_CHOICE_H_

#include <cstdlib>

#include "absl/strings/string_view.h"

namespace nabla {

enum class KernelIsa {
  kPortable,  // plain C++: SSE2 on x86-64, whatever the compiler targets
  kAvx2,      // AVX2 with FMA
  kAvx512,    // AVX-512F with FMA
};

// Every set, portable first, best last.
inline constexpr KernelIsa kEveryKernelIsa[] = {
    KernelIsa::kPortable, KernelIsa::kAvx2, KernelIsa::kAvx512};

inline constexpr const char kKernelIsaVariable[] = "NABLA_KERNELS";

// "portable", "avx2", "avx512": the names NABLA_KERNELS takes.
constexpr absl::string_view KernelIsaName(KernelIsa isa) {
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

// Whether this CPU and OS run the set. libgcc's check includes the OS's
// consent (XGETBV) to save the wider registers, not only CPUID.
inline bool CpuRunsKernelIsa(KernelIsa isa) {
#if defined(__x86_64__) || defined(__i386__)
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

// The set named `forced` when this CPU runs it; otherwise the best it runs.
inline KernelIsa PickKernelIsa(absl::string_view forced) {
  KernelIsa best = KernelIsa::kPortable;
  for (KernelIsa isa : kEveryKernelIsa) {
    if (!CpuRunsKernelIsa(isa)) continue;
    if (KernelIsaName(isa) == forced) return isa;
    best = isa;
  }
  return best;
}

// The set every kernel uses, chosen at the first call from NABLA_KERNELS.
inline KernelIsa ActiveKernelIsa() {
  static const KernelIsa active = [] {
    const char* forced = std::getenv(kKernelIsaVariable);
    return PickKernelIsa(forced == nullptr ? "" : forced);
  }();
  return active;
}

}  // namespace nabla

#endif  // NABLA_OPS_KERNEL_ISA_CHOICE_H_
