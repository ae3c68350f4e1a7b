// ReduceMean: the mean of x over `axes` (all when empty).
//
//   x: any shape.  attr axes: list(int), negative counts from the end.
//   attr keep_dims: keep reduced dimensions as 1.  y: x without (or with 1
//   for) the reduced dimensions.  Means over zero elements are NaN.
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/reduction.h"

namespace nabla {
namespace {

// Number of x elements averaged into each y element.
int64_t ReducedCount(const Shape& x, const AxisMask& mask) {
  int64_t count = 1;
  for (int d = 0; d < x.rank(); ++d) {
    if (mask[d]) count *= x.dim(d);
  }
  return count;
}

[[nodiscard]] absl::Status ReduceMeanForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  NABLA_ASSIGN_OR_RETURN(
      const AxisMask mask,
      ResolveAxes(ctx.attrs().GetIntList("axes"), x.shape()));
  const double count = static_cast<double>(ReducedCount(x.shape(), mask));
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    ReduceKernel<T>(x, mask, static_cast<T>(count), &ctx.output(0));
  });
  return absl::OkStatus();
}

// y[j] = (1/N) sum_{i -> j} x[i] with N the count per output, so
// dx[i] = dy[j(i)] / N.
[[nodiscard]] absl::Status ReduceMeanGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Shape& x = ctx.input(0).shape();
  NABLA_ASSIGN_OR_RETURN(const AxisMask mask,
                         ResolveAxes(ctx.attrs().GetIntList("axes"), x));
  const double count = static_cast<double>(ReducedCount(x, mask));
  DispatchFloat(dx->dtype(), [&](auto zero) {
    using T = decltype(zero);
    ReduceGradientKernel<T>(ctx.output_grad(0), mask, static_cast<T>(count),
                            dx);
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("ReduceMean")
    .Input("x")
    .Output("y")
    .Attr("axes", MakeIntListAttr({}), AttrType::kIntList)
    .Attr("keep_dims", false)
    .ShapeFn(ReductionShape)
    .Forward(ReduceMeanForward)
    .Gradient(ReduceMeanGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc("Mean over axes (all when empty).");

}  // namespace
}  // namespace nabla
