// Checks shared by the shape functions of the built-in ops and plugins.
//
// Every function returns InvalidArgument with the offending shapes or
// dtypes in the message; the caller (graph validation) adds the node and op.
#ifndef NABLA_OPS_SHAPE_UTIL_H_
#define NABLA_OPS_SHAPE_UTIL_H_

#include <array>
#include <cstdint>
#include <initializer_list>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/kernel_context.h"
#include "core/tensor.h"

namespace nabla {

// Kernels keep per-dimension bookkeeping in fixed arrays of this size, so
// shape functions refuse higher ranks.
inline constexpr int kMaxRank = 8;

using DimArray = std::array<int64_t, kMaxRank>;

// OK when `shape` (named `what` in the message) has rank <= kMaxRank.
absl::Status CheckMaxRank(const Shape& shape, absl::string_view what);

// OK when inputs `first`..`first + names.size() - 1` of `ctx` share one
// dtype; the message names each input: "a is float32, b is float64".
absl::Status CheckSameDType(const ShapeContext& ctx,
                            std::initializer_list<absl::string_view> names,
                            int first = 0);

// Row-major strides of `shape` into `strides` (the first rank() entries).
void RowMajorStrides(const Shape& shape, DimArray* strides);

}  // namespace nabla

#endif  // NABLA_OPS_SHAPE_UTIL_H_
