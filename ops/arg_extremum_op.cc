// ArgMax and ArgMin: the index of the largest or smallest element along
// `axis`, as a number of x's dtype (nabla's tensors are floating point).
//
//   x: any shape of rank >= 1.  axis: default -1 (negative counts from the
//   end).  keep_dims: keep the reduced dimension as 1.  y: x without (or
//   with 1 for) dimension `axis`.
//
// Among equal extrema the first index wins; a NaN is the extremum (as in
// PyTorch and NumPy). There is no gradient: an index is piecewise
// constant.
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/extremum.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status ArgShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  NABLA_ASSIGN_OR_RETURN(const int axis, AxisAttrOf(ctx.attrs(), x, "x"));
  if (x.dim(axis) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dimension ", axis, " of x ", x.ToString(), " is empty: no index"));
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < x.rank(); ++d) {
    if (d != axis) {
      dims.push_back(x.dim(d));
    } else if (ctx.attrs().GetBool("keep_dims")) {
      dims.push_back(1);
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape(dims));
  return absl::OkStatus();
}

template <bool kMax>
[[nodiscard]] absl::Status ArgForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Shape& s = x.shape();
  const int axis = ResolveAxis(ctx.attrs().GetInt("axis"), s.rank());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s.dim(d);
  for (int d = axis + 1; d < s.rank(); ++d) inner *= s.dim(d);
  const int64_t n = s.dim(axis);
  if (n == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dimension ", axis, " of x ", s.ToString(), " is empty: no index"));
  }
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    VectorizedFor(outer * inner, GrainFor(n), [&](int64_t lo, int64_t hi) {
      for (int64_t j = lo; j < hi; ++j) {
        const T* line = in + (j / inner) * n * inner + j % inner;
        int64_t best = 0;
        for (int64_t k = 1; k < n; ++k) {
          const T v = line[k * inner], b = line[best * inner];
          // A later element wins only when it beats the best so far, or
          // is the first NaN.
          if (b == b && (ExtremumFn<kMax>::Beats(v, b) || v != v)) best = k;
        }
        out[j] = static_cast<T>(best);
      }
    });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("ArgMax")
    .Input("x")
    .Output("y")
    .Attr("axis", -1)
    .Attr("keep_dims", false)
    .ShapeFn(ArgShape)
    .Forward(ArgForward<true>)
    .NoGradient()
    .Doc(
        "Index of the largest element along axis (default -1; the first "
        "among equals), as a number.");

NABLA_REGISTER_OP("ArgMin")
    .Input("x")
    .Output("y")
    .Attr("axis", -1)
    .Attr("keep_dims", false)
    .ShapeFn(ArgShape)
    .Forward(ArgForward<false>)
    .NoGradient()
    .Doc(
        "Index of the smallest element along axis (default -1; the first "
        "among equals), as a number.");

}  // namespace
}  // namespace nabla
