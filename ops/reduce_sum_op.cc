// ReduceSum: the sum of x over `axes` (all when empty).
//
//   x: any shape.  attr axes: list(int), negative counts from the end.
//   attr keep_dims: keep reduced dimensions as 1.  y: x without (or with 1
//   for) the reduced dimensions.
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/reduction.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status ReduceSumForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  NABLA_ASSIGN_OR_RETURN(
      const AxisMask mask,
      ResolveAxes(ctx.attrs().GetIntList("axes"), x.shape()));
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    ReduceKernel<T>(x, mask, T{1}, &ctx.output(0));
  });
  return absl::OkStatus();
}

// y[j] = sum_{i -> j} x[i], so dx[i] = dy[j(i)]: dy broadcast back over the
// reduced dimensions.
[[nodiscard]] absl::Status ReduceSumGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  NABLA_ASSIGN_OR_RETURN(
      const AxisMask mask,
      ResolveAxes(ctx.attrs().GetIntList("axes"), ctx.input(0).shape()));
  DispatchFloat(dx->dtype(), [&](auto zero) {
    using T = decltype(zero);
    ReduceGradientKernel<T>(ctx.output_grad(0), mask, T{1}, dx);
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("ReduceSum")
    .Input("x")
    .Output("y")
    .Attr("axes", MakeIntListAttr({}), AttrType::kIntList)
    .Attr("keep_dims", false)
    .ShapeFn(ReductionShape)
    .Forward(ReduceSumForward)
    .Gradient(ReduceSumGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc("Sum over axes (all when empty).");

}  // namespace
}  // namespace nabla
