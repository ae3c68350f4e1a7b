// BiasAdd: output[..., c] = value[..., c] + bias[c].
//
//   value: [..., C] (rank >= 1).  bias: [C].  output: the shape of value.
#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status BiasAddShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"value", "bias"}));
  const Shape& value = ctx.input_shape(0);
  const Shape& bias = ctx.input_shape(1);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(value, "value"));
  if (value.rank() < 1 || bias.rank() != 1 ||
      !DimsCompatible(value.dim(value.rank() - 1), bias.dim(0))) {
    return absl::InvalidArgumentError(
        absl::StrCat("bias must be [C] for value [..., C]: value is ",
                     value.ToString(), ", bias is ", bias.ToString()));
  }
  Shape out = value;
  if (out.dim(out.rank() - 1) < 0) out.set_dim(out.rank() - 1, bias.dim(0));
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(out));
  return absl::OkStatus();
}

[[nodiscard]] absl::Status BiasAddForward(const KernelContext& ctx) {
  const Tensor& value = ctx.input(0);
  const Tensor& bias = ctx.input(1);
  Tensor& out = ctx.output(0);
  const int64_t channels = bias.num_elements();
  if (channels == 0) return absl::OkStatus();
  const int64_t rows = value.num_elements() / channels;
  DispatchFloat(value.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* v = value.data<T>();
    const T* b = bias.data<T>();
    T* o = out.data<T>();
    VectorizedFor(rows, GrainFor(channels), [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        for (int64_t c = 0; c < channels; ++c) {
          o[r * channels + c] = v[r * channels + c] + b[c];
        }
      }
    });
  });
  return absl::OkStatus();
}

// d output / d value = I, so d value = dy.
// d output[r, c] / d bias[c'] = [c == c'], so d bias[c] = sum_r dy[r, c],
// summed over the leading rows in index order (parallel over channels).
[[nodiscard]] absl::Status BiasAddGradient(const GradientContext& ctx) {
  const Tensor& dy = ctx.output_grad(0);
  const int64_t channels = ctx.input(1).num_elements();
  const int64_t rows = channels == 0 ? 0 : dy.num_elements() / channels;
  DispatchFloat(dy.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* g = dy.data<T>();
    if (Tensor* dvalue = ctx.input_grad(0)) {
      T* out = dvalue->data<T>();
      VectorizedFor(dy.num_elements(), GrainFor(1),
                    [&](int64_t lo, int64_t hi) {
                      for (int64_t i = lo; i < hi; ++i) out[i] = g[i];
                    });
    }
    if (Tensor* dbias = ctx.input_grad(1)) {
      T* out = dbias->data<T>();
      VectorizedFor(channels, GrainFor(rows), [&](int64_t lo, int64_t hi) {
        for (int64_t c = lo; c < hi; ++c) out[c] = 0;
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t c = lo; c < hi; ++c) out[c] += g[r * channels + c];
        }
      });
    }
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("BiasAdd")
    .Input("value")
    .Input("bias")
    .Output("output")
    .ShapeFn(BiasAddShape)
    .Forward(BiasAddForward)
    .Gradient(BiasAddGradient)
    .GradientReads(ForwardValues::kNone)
    .InPlace()
    .GradientInPlace()
    .Doc("value + bias along the last dimension.");

}  // namespace
}  // namespace nabla
