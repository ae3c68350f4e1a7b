#include "ops/gemm_eigen.h"

#include <algorithm>
#include <type_traits>

#include "Eigen/Core"
#include "core/parallel.h"

namespace nabla {
namespace gemm_internal {
namespace {

template <typename T, int Order>
using MatrixMap =
    Eigen::Map<std::conditional_t<
                   std::is_const_v<T>,
                   const Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic,
                                       Eigen::Dynamic, Order>,
                   Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Order>>,
               Eigen::Unaligned, Eigen::OuterStride<>>;

// Calls fn with `view` as an Eigen map of its layout. A view whose both
// strides are 1 has one row or one column, and either layout reads it.
template <typename T, typename Fn>
void WithMap(const MatrixView<T>& view, const Fn& fn) {
  if (view.col_stride == 1) {
    fn(MatrixMap<T, Eigen::RowMajor>(view.data, view.rows, view.cols,
                                     Eigen::OuterStride<>(view.row_stride)));
  } else {
    fn(MatrixMap<T, Eigen::ColMajor>(view.data, view.rows, view.cols,
                                     Eigen::OuterStride<>(view.col_stride)));
  }
}

template <typename T>
void TiledGemm(const MatrixView<const T>& x, const MatrixView<const T>& y,
               const MatrixView<T>& out) {
  WithMap(x, [&](const auto& xm) {
    WithMap(y, [&](const auto& ym) {
      WithMap(out, [&](auto om) {
        const int64_t row_tiles =
            (out.rows + kEigenTileRows - 1) / kEigenTileRows;
        const int64_t col_tiles =
            (out.cols + kEigenTileCols - 1) / kEigenTileCols;
        ParallelFor(row_tiles * col_tiles, 1, [&](int64_t begin, int64_t end) {
          for (int64_t tile = begin; tile < end; ++tile) {
            const int64_t r0 = (tile / col_tiles) * kEigenTileRows;
            const int64_t c0 = (tile % col_tiles) * kEigenTileCols;
            const int64_t rows = std::min(kEigenTileRows, out.rows - r0);
            const int64_t cols = std::min(kEigenTileCols, out.cols - c0);
            om.block(r0, c0, rows, cols).noalias() =
                xm.middleRows(r0, rows) * ym.middleCols(c0, cols);
          }
        });
      });
    });
  });
}

}  // namespace

void GemmEigen(const MatrixView<const float>& x,
               const MatrixView<const float>& y, const MatrixView<float>& out) {
  TiledGemm(x, y, out);
}

void GemmEigen(const MatrixView<const double>& x,
               const MatrixView<const double>& y,
               const MatrixView<double>& out) {
  TiledGemm(x, y, out);
}

}  // namespace gemm_internal
}  // namespace nabla
