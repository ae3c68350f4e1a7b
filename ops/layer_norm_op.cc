// LayerNorm: normalises each sample over its trailing dimensions, then
// scales and shifts elementwise (ONNX's LayerNormalization, PyTorch's
// layer_norm).
//
//   x: [d_0, ..., d_{r-1}].  axis: the first normalised dimension (default
//   -1: the last; negative counts from the end).  scale, bias: the
//   normalised shape [d_axis, ..., d_{r-1}].  y: x's shape.
//
//   y = (x - mean) / sqrt(var + epsilon) * scale + bias
//
// with the mean and the (biased) variance of each row of M = d_axis · ...
// · d_{r-1} values, summed in double in a fixed order. The same in
// training and inference: there is no state.
#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/fixed_order_sum.h"
#include "ops/scratch.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

constexpr int kX = 0, kScale = 1, kBias = 2;

[[nodiscard]] absl::Status LayerNormShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"x", "scale", "bias"}));
  const Shape& x = ctx.input_shape(kX);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  NABLA_ASSIGN_OR_RETURN(const int axis, AxisAttrOf(ctx.attrs(), x, "x"));
  NABLA_RETURN_IF_ERROR(CheckEpsilonAttr(ctx.attrs(), "row"));
  Shape y = x;
  const char* names[] = {"x", "scale", "bias"};
  for (int i = kScale; i <= kBias; ++i) {
    const Shape& s = ctx.input_shape(i);
    bool fits = s.rank() == x.rank() - axis;
    for (int d = 0; fits && d < s.rank(); ++d) {
      fits = DimsCompatible(s.dim(d), x.dim(axis + d));
      if (y.dim(axis + d) < 0) y.set_dim(axis + d, s.dim(d));
    }
    if (!fits) {
      return absl::InvalidArgumentError(absl::StrCat(
          names[i], " must have the normalised shape of x ", x.ToString(),
          " from axis ", axis, ", got ", s.ToString()));
    }
  }
  // The gradient keeps two statistics per row in scratch memory.
  if (y.IsFullyDefined()) {
    int64_t rows = 1;
    for (int d = 0; d < axis; ++d) rows *= y.dim(d);
    ctx.SetScratchBytes(2 * rows * sizeof(double));
  }
  ctx.SetOutput(0, ctx.input_dtype(kX), std::move(y));
  return absl::OkStatus();
}

// x as [rows, columns]: each row is normalised.
struct RowLayout {
  int64_t rows = 1, columns = 1;
};

RowLayout LayoutOf(const Shape& x, int axis) {
  RowLayout l;
  for (int d = 0; d < axis; ++d) l.rows *= x.dim(d);
  for (int d = axis; d < x.rank(); ++d) l.columns *= x.dim(d);
  return l;
}

// The mean and 1 / sqrt(variance + epsilon) of a row of `n` values.
template <typename T>
void RowStats(const T* row, int64_t n, double epsilon, double* mean,
              double* inv_std) {
  const double m = FixedOrderSum(n, [&](int64_t i) { return double(row[i]); });
  *mean = n == 0 ? 0 : m / n;
  const double centre = *mean;
  const double squares = FixedOrderSum(n, [&](int64_t i) {
    const double d = double(row[i]) - centre;
    return d * d;
  });
  *inv_std = 1.0 / std::sqrt((n == 0 ? 0 : squares / n) + epsilon);
}

template <typename Context>
RowLayout LayoutOf(const Context& ctx) {
  const Shape& x = ctx.input(kX).shape();
  return LayoutOf(x, ResolveAxis(ctx.attrs().GetInt("axis"), x.rank()));
}

[[nodiscard]] absl::Status LayerNormForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(kX);
  const RowLayout l = LayoutOf(ctx);
  const double epsilon = ctx.attrs().GetFloat("epsilon");
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    const T* scale = ctx.input(kScale).data<T>();
    const T* bias = ctx.input(kBias).data<T>();
    T* out = ctx.output(0).data<T>();
    VectorizedFor(l.rows, GrainFor(4 * l.columns), [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const T* row = in + r * l.columns;
        double mean = 0, inv_std = 0;
        RowStats(row, l.columns, epsilon, &mean, &inv_std);
        const T m = static_cast<T>(mean), s = static_cast<T>(inv_std);
        T* y = out + r * l.columns;
        for (int64_t c = 0; c < l.columns; ++c) {
          y[c] = (row[c] - m) * s * scale[c] + bias[c];
        }
      }
    });
  });
  return absl::OkStatus();
}

// With x̂ = (x - mean) · inv_std and g = dy · scale, per row of M values:
//   dx = inv_std · (g - Σg / M - x̂ · Σ(g x̂) / M),
// and per column: dscale = Σ_rows dy · x̂, dbias = Σ_rows dy. The rows'
// statistics are computed again (the forward's bits) into scratch memory.
[[nodiscard]] absl::Status LayerNormGradient(const GradientContext& ctx) {
  const Tensor& x = ctx.input(kX);
  const RowLayout l = LayoutOf(ctx);
  const double epsilon = ctx.attrs().GetFloat("epsilon");
  const KernelScratch stats(ctx.scratch(), 2 * l.rows * sizeof(double));
  if (!stats.ok()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("no memory for the statistics of ", l.rows, " rows"));
  }
  double* means = stats.at<double>(0);
  double* inv_stds = means + l.rows;
  Tensor* dx = ctx.input_grad(kX);
  Tensor* dscale = ctx.input_grad(kScale);
  Tensor* dbias = ctx.input_grad(kBias);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    const T* dy = ctx.output_grad(0).data<T>();
    const T* scale = ctx.input(kScale).data<T>();
    VectorizedFor(l.rows, GrainFor(6 * l.columns), [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const T* row = in + r * l.columns;
        const T* g = dy + r * l.columns;
        RowStats(row, l.columns, epsilon, &means[r], &inv_stds[r]);
        if (dx == nullptr) continue;
        const double mean = means[r], inv_std = inv_stds[r];
        auto xhat = [&](int64_t c) {
          return (double(row[c]) - mean) * inv_std;
        };
        const double sum_g = FixedOrderSum(
            l.columns, [&](int64_t c) { return double(g[c]) * scale[c]; });
        const double sum_g_xhat = FixedOrderSum(l.columns, [&](int64_t c) {
          return double(g[c]) * scale[c] * xhat(c);
        });
        const double m = static_cast<double>(l.columns);
        T* out = dx->data<T>() + r * l.columns;
        for (int64_t c = 0; c < l.columns; ++c) {
          out[c] =
              static_cast<T>(inv_std * (double(g[c]) * scale[c] - sum_g / m -
                                        xhat(c) * sum_g_xhat / m));
        }
      }
    });
    if (dscale == nullptr && dbias == nullptr) return;
    // Column by column, rows in order: the same sums for any thread count.
    VectorizedFor(l.columns, GrainFor(2 * l.rows), [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; ++c) {
        double sum_dy = 0, sum_dy_xhat = 0;
        for (int64_t r = 0; r < l.rows; ++r) {
          const double g = dy[r * l.columns + c];
          sum_dy += g;
          sum_dy_xhat +=
              g * (double(in[r * l.columns + c]) - means[r]) * inv_stds[r];
        }
        if (dbias != nullptr) dbias->data<T>()[c] = static_cast<T>(sum_dy);
        if (dscale != nullptr) {
          dscale->data<T>()[c] = static_cast<T>(sum_dy_xhat);
        }
      }
    });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("LayerNorm")
    .Input("x")
    .Input("scale")
    .Input("bias")
    .Output("y")
    .Attr("axis", -1)
    .Attr("epsilon", 1e-5)
    .ShapeFn(LayerNormShape)
    .Forward(LayerNormForward)
    .Gradient(LayerNormGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc(
        "Normalises each sample of x over its dimensions from `axis` "
        "(default -1) to the end, then scale and bias of that shape.");

}  // namespace
}  // namespace nabla
