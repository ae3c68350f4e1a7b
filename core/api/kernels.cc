#include "nabla/kernels.h"

#include "absl/strings/str_cat.h"
#include "ops/gemm.h"
#include "ops/kernel_isa.h"

namespace nabla {

std::string KernelsInUse() {
  return absl::StrCat("kernels ", KernelIsaName(ActiveKernelIsa()), " on ",
                      CpuDescription(), ": ", GemmKernels());
}

[[nodiscard]] absl::Status KernelSelectionStatus() { return KernelIsaStatus(); }

}  // namespace nabla
