// A strided view of a tensor: Transpose and Slice read x through one, and
// their gradients write dx through the same view.
//
// Element i of the view (row-major over `shape`) is element
// offset + Σ index_d · strides[d] of the viewed tensor. A view of
// Transpose or Slice never reaches one element twice, so writing through
// it in parallel is safe.
#ifndef NABLA_OPS_STRIDED_VIEW_H_
#define NABLA_OPS_STRIDED_VIEW_H_

#include <cstdint>

#include "core/parallel.h"
#include "core/tensor.h"
#include "ops/broadcast.h"
#include "ops/shape_util.h"

namespace nabla {

struct StridedView {
  Shape shape;
  DimArray strides{};
  int64_t offset = 0;
};

// y[i] = x[view element i].
template <typename T>
void GatherView(const StridedView& view, const T* x, T* y) {
  const DimArray unused{};
  ParallelFor(view.shape.num_elements(), GrainFor(2),
              [&](int64_t lo, int64_t hi) {
                BroadcastCursor c(view.shape, view.strides, unused, lo);
                for (int64_t i = lo; i < hi; ++i, c.Next()) {
                  y[i] = x[view.offset + c.a()];
                }
              });
}

// x[view element i] = y[i]; the rest of x is left as it is.
template <typename T>
void ScatterView(const StridedView& view, const T* y, T* x) {
  const DimArray unused{};
  ParallelFor(view.shape.num_elements(), GrainFor(2),
              [&](int64_t lo, int64_t hi) {
                BroadcastCursor c(view.shape, view.strides, unused, lo);
                for (int64_t i = lo; i < hi; ++i, c.Next()) {
                  x[view.offset + c.a()] = y[i];
                }
              });
}

}  // namespace nabla

#endif  // NABLA_OPS_STRIDED_VIEW_H_
