// The portable products of ops/gemm.h: Eigen's (cache-blocked, vectorised
// for the build's target) on a fixed grid of output tiles. Tile (r, c) is
// x's row block r times y's column block c, one Eigen product computed by
// one task. The grid depends only on the shapes, so every output element is
// summed in the same order whatever the thread count.
#ifndef NABLA_OPS_GEMM_EIGEN_H_
#define NABLA_OPS_GEMM_EIGEN_H_

#include <cstdint>

#include "ops/gemm.h"

namespace nabla {
namespace gemm_internal {

// Output tiles: big enough that Eigen's packing is paid once per many
// multiply-adds, small enough that the MLP's products split into tasks.
inline constexpr int64_t kEigenTileRows = 64;
inline constexpr int64_t kEigenTileCols = 256;

// out = x · y under the REQUIRES of Gemm, with x.cols > 0 and out not
// empty (Gemm handles those), on the caller's TBB arena.
void GemmEigen(const MatrixView<const float>& x,
               const MatrixView<const float>& y, const MatrixView<float>& out);
void GemmEigen(const MatrixView<const double>& x,
               const MatrixView<const double>& y,
               const MatrixView<double>& out);

}  // namespace gemm_internal
}  // namespace nabla

#endif  // NABLA_OPS_GEMM_EIGEN_H_
