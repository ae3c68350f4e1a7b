// Transpose: x with its dimensions permuted, y.dim(i) = x.dim(perm[i]).
//
//   x: any shape.  perm: a permutation of 0 .. rank - 1 (default: the
//   dimensions reversed).  y: the permuted shape.
#include <array>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"
#include "ops/strided_view.h"

namespace nabla {
namespace {

// A permutation of at most kMaxRank dimensions, kept inline: kernels that
// read it allocate nothing.
using Permutation = absl::InlinedVector<int, kMaxRank>;

// The permutation of the `perm` attribute for rank `rank` (<= kMaxRank, as
// the shape function checked), or an error.
[[nodiscard]] absl::StatusOr<Permutation> PermutationOf(
    const ResolvedAttrs& attrs, int rank) {
  absl::Span<const int64_t> perm = attrs.GetIntList("perm");
  Permutation out;
  if (perm.empty()) {
    for (int i = rank - 1; i >= 0; --i) out.push_back(i);
    return out;
  }
  std::array<bool, kMaxRank> seen{};
  bool valid = static_cast<int>(perm.size()) == rank;
  for (int64_t p : perm) {
    valid = valid && p >= 0 && p < rank && !seen[p];
    if (valid) seen[p] = true;
    out.push_back(static_cast<int>(p));
  }
  if (!valid) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'perm' [", absl::StrJoin(perm, ", "),
        "] is not a permutation of the ", rank, " dimensions of x"));
  }
  return out;
}

[[nodiscard]] absl::Status TransposeShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  NABLA_ASSIGN_OR_RETURN(const Permutation perm,
                         PermutationOf(ctx.attrs(), x.rank()));
  std::vector<int64_t> dims;
  for (int p : perm) dims.push_back(x.dim(p));
  ctx.SetOutput(0, ctx.input_dtype(0), Shape(dims));
  return absl::OkStatus();
}

// x seen in y's order: y's dimension i walks x's dimension perm[i].
StridedView ViewOf(const Shape& x, const Shape& y, const Permutation& perm) {
  DimArray x_strides{};
  RowMajorStrides(x, &x_strides);
  StridedView view{y};
  for (size_t i = 0; i < perm.size(); ++i) view.strides[i] = x_strides[perm[i]];
  return view;
}

[[nodiscard]] absl::Status TransposeForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  NABLA_ASSIGN_OR_RETURN(const Permutation perm,
                         PermutationOf(ctx.attrs(), x.shape().rank()));
  const StridedView view = ViewOf(x.shape(), y.shape(), perm);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    GatherView(view, x.data<T>(), y.data<T>());
  });
  return absl::OkStatus();
}

// dx is dy moved back: every element of dx is written once.
[[nodiscard]] absl::Status TransposeGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Tensor& dy = ctx.output_grad(0);
  NABLA_ASSIGN_OR_RETURN(const Permutation perm,
                         PermutationOf(ctx.attrs(), dx->shape().rank()));
  const StridedView view = ViewOf(dx->shape(), dy.shape(), perm);
  DispatchFloat(dy.dtype(), [&](auto zero) {
    using T = decltype(zero);
    ScatterView(view, dy.data<T>(), dx->data<T>());
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Transpose")
    .Input("x")
    .Output("y")
    .IntListAttr("perm", {})
    .ShapeFn(TransposeShape)
    .Forward(TransposeForward)
    .Gradient(TransposeGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc(
        "x with its dimensions permuted: y.dim(i) = x.dim(perm[i]) (default "
        "perm: reversed).");

}  // namespace
}  // namespace nabla
