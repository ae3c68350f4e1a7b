// ReduceMax and ReduceMin: the largest or smallest element of x over `axes`
// (all when empty).
//
//   x: any shape.  attr axes: list(int), negative counts from the end.
//   attr keep_dims: keep reduced dimensions as 1.  y: x without (or with 1
//   for) the reduced dimensions.
//
// A NaN is the extremum when there is one; over zero elements the result is
// NaN. The gradient goes to the elements equal to the extremum, split
// evenly among ties (PyTorch's amax and amin).
#include <cmath>
#include <limits>

#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/extremum.h"
#include "ops/reduction.h"

namespace nabla {
namespace {

// x's layout for the reduction over `mask`.
ReductionLayout LayoutOf(const Shape& shape, const AxisMask& mask) {
  DimArray sizes{};
  DimArray strides{};
  for (int d = 0; d < shape.rank(); ++d) sizes[d] = shape.dim(d);
  RowMajorStrides(shape, &strides);
  return MakeReductionLayout(shape.rank(), sizes, mask, strides, strides);
}

template <bool kMax>
[[nodiscard]] absl::Status ReduceExtremumForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  NABLA_ASSIGN_OR_RETURN(
      const AxisMask mask,
      ResolveAxes(ctx.attrs().GetIntList("axes"), x.shape()));
  const ReductionLayout layout = LayoutOf(x.shape(), mask);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    VectorizedFor(layout.num_outputs, GrainFor(layout.reduced_count),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t j = begin; j < end; ++j) {
                      T best = std::numeric_limits<T>::quiet_NaN();
                      bool first = true;
                      ForEachReduced(layout, j, [&](int64_t off, int64_t) {
                        best = first ? in[off]
                                     : ExtremumFn<kMax>::Value(best, in[off]);
                        first = false;
                      });
                      out[j] = best;
                    }
                  });
  });
  return absl::OkStatus();
}

// dx[i] = dy[j] / (ties of y[j]) where x[i] == y[j], else 0.
template <bool kMax>
[[nodiscard]] absl::Status ReduceExtremumGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Tensor& x = ctx.input(0);
  NABLA_ASSIGN_OR_RETURN(
      const AxisMask mask,
      ResolveAxes(ctx.attrs().GetIntList("axes"), x.shape()));
  const ReductionLayout layout = LayoutOf(x.shape(), mask);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    const T* y = ctx.output(0).data<T>();
    const T* dy = ctx.output_grad(0).data<T>();
    T* out = dx->data<T>();
    VectorizedFor(layout.num_outputs, GrainFor(2 * layout.reduced_count),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t j = begin; j < end; ++j) {
                      // A NaN extremum matches the NaN elements.
                      auto is_extremum = [&](T v) {
                        return v == y[j] || (v != v && y[j] != y[j]);
                      };
                      int64_t ties = 0;
                      ForEachReduced(layout, j, [&](int64_t off, int64_t) {
                        ties += is_extremum(in[off]);
                      });
                      const T share = dy[j] / static_cast<T>(ties);
                      ForEachReduced(layout, j, [&](int64_t off, int64_t) {
                        out[off] = is_extremum(in[off]) ? share : T(0);
                      });
                    }
                  });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("ReduceMax")
    .Input("x")
    .Output("y")
    .Attr("axes", MakeIntListAttr({}), AttrType::kIntList)
    .Attr("keep_dims", false)
    .ShapeFn(ReductionShape)
    .Forward(ReduceExtremumForward<true>)
    .Gradient(ReduceExtremumGradient<true>)
    .Doc(
        "Largest element over axes (all when empty); ties share the "
        "gradient evenly.");

NABLA_REGISTER_OP("ReduceMin")
    .Input("x")
    .Output("y")
    .Attr("axes", MakeIntListAttr({}), AttrType::kIntList)
    .Attr("keep_dims", false)
    .ShapeFn(ReductionShape)
    .Forward(ReduceExtremumForward<false>)
    .Gradient(ReduceExtremumGradient<false>)
    .Doc(
        "Smallest element over axes (all when empty); ties share the "
        "gradient evenly.");

}  // namespace
}  // namespace nabla
