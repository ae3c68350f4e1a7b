// Split: x cut into parts along dimension `axis`, one output per part.
//
//   x: any shape of rank >= 1.  axis: negative counts from the end.
//   split: the size of each part at `axis` (they sum to x's), or
//   num_outputs: that many parts of ceil(size / num_outputs) each, the last
//   one smaller when the size does not divide (ONNX's Split, opset 18).
//   parts: x's shape with each part's size at `axis`; a node names them
//   "s:0", "s:1", ...
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/axis_parts.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

// More parts than this is a typo, not a model: refused before the graph
// makes a shape for each.
constexpr int64_t kMaxParts = 1 << 16;

[[nodiscard]] absl::StatusOr<int> CountParts(const ResolvedAttrs& attrs) {
  absl::Span<const int64_t> split = attrs.GetIntList("split");
  const int64_t count = attrs.GetInt("num_outputs");
  if (split.empty() && count == 0) {
    return absl::InvalidArgumentError(
        "give attribute 'split' (the size of each part) or 'num_outputs' "
        "(how many parts of equal size)");
  }
  if (!split.empty() && count != 0 &&
      count != static_cast<int64_t>(split.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'num_outputs' is ", count, " but 'split' [",
        absl::StrJoin(split, ", "), "] has ", split.size(), " sizes"));
  }
  const int64_t parts = split.empty() ? count : split.size();
  if (parts < 1 || parts > kMaxParts) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'num_outputs' is ", parts, ": give from 1 to ",
                     kMaxParts, " parts"));
  }
  for (int64_t size : split) {
    if (size < 0 || size > kMaxTensorElements) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'split' [", absl::StrJoin(split, ", "), "] holds ", size,
          ": each size is from 0 to ", kMaxTensorElements));
    }
  }
  return static_cast<int>(parts);
}

// The size of each part at the axis, for an axis of `size` (known).
[[nodiscard]] absl::StatusOr<std::vector<int64_t>> PartSizes(
    const ResolvedAttrs& attrs, int parts, int64_t size, const Shape& x) {
  absl::Span<const int64_t> split = attrs.GetIntList("split");
  if (!split.empty()) {
    int64_t sum = 0;
    for (int64_t s : split) sum += s;  // CountParts bounded each: no overflow
    if (sum != size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'split' [", absl::StrJoin(split, ", "), "] sums to ", sum,
          ", but x ", x.ToString(), " has ", size, " at the axis"));
    }
    return std::vector<int64_t>(split.begin(), split.end());
  }
  const int64_t each = (size + parts - 1) / parts;
  const int64_t last = size - each * (parts - 1);
  if (last < 0 || (last == 0 && each > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "x ", x.ToString(), " has ", size, " at the axis: ", parts,
        " parts of ", each, " leave nothing for the last; give 'split'"));
  }
  std::vector<int64_t> sizes(parts, each);
  sizes.back() = last;
  return sizes;
}

[[nodiscard]] absl::Status SplitShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  if (x.rank() == 0) {
    return absl::InvalidArgumentError("x is a scalar: it has no axis to split");
  }
  NABLA_ASSIGN_OR_RETURN(const int axis, AxisAttrOf(ctx.attrs(), x, "x"));
  NABLA_ASSIGN_OR_RETURN(const int parts, CountParts(ctx.attrs()));
  absl::Span<const int64_t> split = ctx.attrs().GetIntList("split");
  std::vector<int64_t> sizes(parts, Shape::kUnknown);
  if (x.dim(axis) >= 0) {
    NABLA_ASSIGN_OR_RETURN(sizes,
                           PartSizes(ctx.attrs(), parts, x.dim(axis), x));
  } else if (!split.empty()) {
    sizes.assign(split.begin(), split.end());
  }
  for (int k = 0; k < parts; ++k) {
    Shape part = x;
    part.set_dim(axis, sizes[k]);
    ctx.SetOutput(k, ctx.input_dtype(0), std::move(part));
  }
  return absl::OkStatus();
}

// Calls copy(k, part, whole, bytes) for every row of every part
// (ForEachPartRow); `parts` holds the parts (outputs or their gradients).
template <typename Parts, typename Copy>
void ForEachRow(const ResolvedAttrs& attrs, const Shape& x, DType dtype,
                int count, const Parts& parts, const Copy& copy) {
  ForEachPartRow(
      x, ResolveAxis(attrs.GetInt("axis"), x.rank()), DTypeSize(dtype), count,
      [&](int k) -> const Shape& { return parts(k).shape(); }, copy);
}

[[nodiscard]] absl::Status SplitForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const char* in = static_cast<const char*>(x.raw_data());
  ForEachRow(
      ctx.attrs(), x.shape(), x.dtype(), ctx.num_outputs(),
      [&](int k) -> const Tensor& { return ctx.output(k); },
      [&](int k, int64_t part, int64_t whole, int64_t bytes) {
        std::memcpy(static_cast<char*>(ctx.output(k).raw_data()) + part,
                    in + whole, bytes);
      });
  return absl::OkStatus();
}

// dL/dx is the parts' dL/d(part) joined again; a part nothing uses has a
// zero gradient (the planner's).
[[nodiscard]] absl::Status SplitGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  char* out = static_cast<char*>(dx->raw_data());
  ForEachRow(
      ctx.attrs(), dx->shape(), dx->dtype(), ctx.num_outputs(),
      [&](int k) -> const Tensor& { return ctx.output_grad(k); },
      [&](int k, int64_t part, int64_t whole, int64_t bytes) {
        std::memcpy(
            out + whole,
            static_cast<const char*>(ctx.output_grad(k).raw_data()) + part,
            bytes);
      });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Split")
    .Input("x")
    .VariadicOutput("parts", CountParts)
    .Attr("axis", 0)
    .IntListAttr("split", {})
    .Attr("num_outputs", 0)
    .ShapeFn(SplitShape)
    .Forward(SplitForward)
    .Gradient(SplitGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc(
        "x cut along dimension `axis` into parts of the sizes in `split`, or "
        "into `num_outputs` parts of equal size (the last smaller when the "
        "size does not divide); a node names part k \"node:k\".");

}  // namespace
}  // namespace nabla
