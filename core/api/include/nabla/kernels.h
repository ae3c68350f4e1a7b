// The math kernels this build runs on this CPU. One build carries kernels
// for several x86-64 vector extensions and picks the best the CPU runs when
// the library loads (NABLA_KERNELS=portable|avx2|avx512 forces one), so the
// figures an app measures depend on the CPU; report this line with them.
//
//   std::cout << nabla::KernelsInUse() << "\n";
//   // kernels avx512 on AMD EPYC (sse2 avx2 fma avx512f): float32 GEMM:
//   // avx512-fma 8x32, float64 GEMM: avx512-fma 8x16
#ifndef NABLA_KERNELS_H_
#define NABLA_KERNELS_H_

#include <string>

#include "absl/status/status.h"

namespace nabla {

// The kernel set in use, the CPU with its vector extensions, and each
// kernel with its register block.
std::string KernelsInUse();

// Why NABLA_KERNELS was not followed (a name that is not a kernel set, or
// one this CPU does not run); OK when it was, or is unset. The best set the
// CPU runs is used then.
[[nodiscard]] absl::Status KernelSelectionStatus();

}  // namespace nabla

#endif  // NABLA_KERNELS_H_
