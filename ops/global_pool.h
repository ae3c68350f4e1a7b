// What GlobalAvgPool and GlobalMaxPool share: their shape function and the
// view of x as planes.
#ifndef NABLA_OPS_GLOBAL_POOL_H_
#define NABLA_OPS_GLOBAL_POOL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "core/kernel_context.h"
#include "core/tensor.h"

namespace nabla {

// x [N, C, H, W] with H and W at least 1 gives y [N, C, 1, 1].
[[nodiscard]] absl::Status GlobalPoolShape(ShapeContext& ctx);

// x as N * C planes of H * W elements.
struct PlaneLayout {
  int64_t planes = 0;
  int64_t plane = 0;
};

inline PlaneLayout PlanesOf(const Shape& x) {
  return {x.dim(0) * x.dim(1), x.dim(2) * x.dim(3)};
}

}  // namespace nabla

#endif  // NABLA_OPS_GLOBAL_POOL_H_
