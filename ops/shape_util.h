// Checks shared by the shape functions of the built-in ops and plugins.
//
// Every function returns InvalidArgument with the offending shapes or
// dtypes in the message; the caller (graph validation) adds the node and op.
//
// Part of the plugin SDK (core:plugin_sdk) and header-only, so that a plugin
// library compiles in what it uses instead of needing the loading nabla to
// have linked it.
#ifndef NABLA_OPS_SHAPE_UTIL_H_
#define NABLA_OPS_SHAPE_UTIL_H_

#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "core/kernel_context.h"
#include "core/tensor.h"

namespace nabla {

// Kernels keep per-dimension bookkeeping in fixed arrays of this size, so
// shape functions refuse higher ranks.
inline constexpr int kMaxRank = 8;

using DimArray = std::array<int64_t, kMaxRank>;

// OK when `shape` (named `what` in the message) has rank <= kMaxRank.
[[nodiscard]] inline absl::Status CheckMaxRank(const Shape& shape,
                                               absl::string_view what) {
  if (shape.rank() <= kMaxRank) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " is ", shape.ToString(), " of rank ", shape.rank(),
                   "; ops support rank <= ", kMaxRank));
}

// OK when inputs `first`..`first + names.size() - 1` of `ctx` share one
// dtype; the message names each input: "a is float32, b is float64".
[[nodiscard]] inline absl::Status CheckSameDType(
    const ShapeContext& ctx, std::initializer_list<absl::string_view> names,
    int first = 0) {
  bool same = true;
  for (int i = 1; i < static_cast<int>(names.size()); ++i) {
    same = same && ctx.input_dtype(first + i) == ctx.input_dtype(first);
  }
  if (same) return absl::OkStatus();
  std::vector<std::string> parts;
  int i = first;
  for (absl::string_view name : names) {
    parts.push_back(
        absl::StrCat(name, " is ", DTypeName(ctx.input_dtype(i++))));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "inputs must have the same dtype: ", absl::StrJoin(parts, ", ")));
}

// Dimension `axis` of a shape of `rank` counted from 0 (a negative axis
// counts from the end), or -1 when there is no such dimension.
inline int ResolveAxis(int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) return -1;
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// The dimension the int attribute 'axis' names in `shape`, or
// InvalidArgument "attribute 'axis' is 3, outside x [2, 3] (rank 2)", with
// `what` naming the input ("x").
[[nodiscard]] inline absl::StatusOr<int> AxisAttrOf(const ResolvedAttrs& attrs,
                                                    const Shape& shape,
                                                    absl::string_view what) {
  const int64_t axis = attrs.GetInt("axis");
  const int resolved = ResolveAxis(axis, shape.rank());
  if (resolved >= 0) return resolved;
  return absl::InvalidArgumentError(
      absl::StrCat("attribute 'axis' is ", axis, ", outside ", what, " ",
                   shape.ToString(), " (rank ", shape.rank(), ")"));
}

// OK when the float attribute 'epsilon' is positive and finite: it keeps
// a constant `part` ("channel", "row") of a normalisation from dividing by
// zero.
[[nodiscard]] inline absl::Status CheckEpsilonAttr(const ResolvedAttrs& attrs,
                                                   absl::string_view part) {
  const double epsilon = attrs.GetFloat("epsilon");
  if (epsilon > 0 && std::isfinite(epsilon)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("attribute 'epsilon' must be positive and finite (it "
                   "keeps a constant ",
                   part, " from dividing by zero), got ", epsilon));
}

// Row-major strides of `shape` into `strides` (the first rank() entries).
inline void RowMajorStrides(const Shape& shape, DimArray* strides) {
  int64_t stride = 1;
  for (int i = shape.rank() - 1; i >= 0; --i) {
    (*strides)[i] = stride;
    stride *= shape.dim(i);
  }
}

}  // namespace nabla

#endif  // NABLA_OPS_SHAPE_UTIL_H_
