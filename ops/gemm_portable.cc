// ops/gemm_kernel.inc in plain C++ for any CPU: GCC's vector extensions,
// 128 bits wide (SSE2 on x86-64, NEON on aarch64), register blocks of
// 6 rows x 2 vectors: 6 x 8 for float, 6 x 4 for double. The multiply and
// the add round apart where the target has no fused multiply-add.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/parallel.h"
#include "ops/gemm_kernels.h"
#include "tbb/task_arena.h"

namespace nabla {
namespace gemm_internal {
namespace portable {
namespace {

#include "ops/simd_portable.inc"
// After the vector types it uses:
#include "ops/gemm_kernel.inc"

}  // namespace
}  // namespace portable

void GemmPortable(const MatrixView<const float>& x,
                  const MatrixView<const float>& y,
                  const MatrixView<float>& out) {
  portable::Product(x, y, out);
}

void GemmPortable(const MatrixView<const double>& x,
                  const MatrixView<const double>& y,
                  const MatrixView<double>& out) {
  portable::Product(x, y, out);
}

std::string GemmPortableName(bool is_double) {
  return is_double ? absl::StrCat("portable ", portable::Vector<double>::kRows,
                                  "x", 2 * portable::Vector<double>::kLanes)
                   : absl::StrCat("portable ", portable::Vector<float>::kRows,
                                  "x", 2 * portable::Vector<float>::kLanes);
}

}  // namespace gemm_internal
}  // namespace nabla
