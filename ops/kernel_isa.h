// Which instruction set the math kernels use: one default build carries
// kernels for several x86-64 extensions, and the best one this CPU runs is
// chosen once, at run time (ActiveKernelIsa, in ops/kernel_isa_choice.h).
// The GEMM has a hand-written kernel per set; the elementwise and
// reduction loops are compiled once per set (ops/vector_loop.h).
//
// NABLA_KERNELS=portable|avx2|avx512 in the environment forces a set (for
// benchmarks and for comparing paths); one this CPU lacks is refused
// (KernelIsaStatus) and the best supported one is used instead.
#ifndef NABLA_OPS_KERNEL_ISA_H_
#define NABLA_OPS_KERNEL_ISA_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ops/kernel_isa_choice.h"

namespace nabla {

// Every set this CPU and OS run, portable first, best last.
std::vector<KernelIsa> SupportedKernelIsas();

// The set named `forced` (empty: none forced) if this CPU runs it, else an
// error naming the variable, the value and what this CPU offers.
[[nodiscard]] absl::StatusOr<KernelIsa> ChooseKernelIsa(
    absl::string_view forced);

// Why NABLA_KERNELS was not followed; OK when it was, or is unset. Tools
// call this at start so that a mistyped value stops the run.
[[nodiscard]] absl::Status KernelIsaStatus();

// The CPU's model name and the vector extensions nabla looks at, for
// reports next to measured figures: "AMD EPYC (sse2 avx2 fma avx512f)".
std::string CpuDescription();

}  // namespace nabla

#endif  // NABLA_OPS_KERNEL_ISA_H_
