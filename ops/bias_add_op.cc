// BiasAdd: output[..., c, ...] = value[..., c, ...] + bias[c], along the
// dimension `axis` of value (default -1, the last: a Dense layer's units;
// 1 for NCHW images: a convolution's channels).
//
//   value: [..., C, ...] (rank >= 1).  bias: [C].  output: the shape of value.
#include <string>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/fixed_order_sum.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status BiasAddShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"value", "bias"}));
  const Shape& value = ctx.input_shape(0);
  const Shape& bias = ctx.input_shape(1);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(value, "value"));
  const int64_t axis_attr = ctx.attrs().GetInt("axis");
  const int axis = ResolveAxis(axis_attr, value.rank());
  if (value.rank() >= 1 && axis < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'axis' is ", axis_attr, ", outside value ",
                     value.ToString(), " (rank ", value.rank(), ")"));
  }
  if (value.rank() < 1 || bias.rank() != 1 ||
      !DimsCompatible(value.dim(axis), bias.dim(0))) {
    const std::string layout =
        axis_attr == -1 ? "[..., C]" : absl::StrCat("with C at axis ", axis);
    return absl::InvalidArgumentError(
        absl::StrCat("bias must be [C] for value ", layout, ": value is ",
                     value.ToString(), ", bias is ", bias.ToString()));
  }
  Shape out = value;
  if (out.dim(axis) < 0) out.set_dim(axis, bias.dim(0));
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(out));
  return absl::OkStatus();
}

// value as [outer, channels, inner] around the bias axis.
struct BiasLayout {
  int64_t outer = 0, channels = 0, inner = 0;
};

BiasLayout LayoutOf(const Shape& value, int64_t axis_attr) {
  const int axis = ResolveAxis(axis_attr, value.rank());
  BiasLayout l{1, value.dim(axis), 1};
  for (int i = 0; i < axis; ++i) l.outer *= value.dim(i);
  for (int i = axis + 1; i < value.rank(); ++i) l.inner *= value.dim(i);
  return l;
}

[[nodiscard]] absl::Status BiasAddForward(const KernelContext& ctx) {
  const Tensor& value = ctx.input(0);
  const Tensor& bias = ctx.input(1);
  Tensor& out = ctx.output(0);
  const BiasLayout l = LayoutOf(value.shape(), ctx.attrs().GetInt("axis"));
  if (l.channels == 0) return absl::OkStatus();
  DispatchFloat(value.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* v = value.data<T>();
    const T* b = bias.data<T>();
    T* o = out.data<T>();
    if (l.inner == 1) {  // bias along the last dimension: rows of C
      VectorizedFor(l.outer, GrainFor(l.channels), [&](int64_t lo, int64_t hi) {
        for (int64_t r = lo; r < hi; ++r) {
          for (int64_t c = 0; c < l.channels; ++c) {
            o[r * l.channels + c] = v[r * l.channels + c] + b[c];
          }
        }
      });
      return;
    }
    // One run of `inner` elements per (outer, channel) pair.
    VectorizedFor(
        l.outer * l.channels, GrainFor(l.inner), [&](int64_t lo, int64_t hi) {
          for (int64_t r = lo; r < hi; ++r) {
            const T add = b[r % l.channels];
            for (int64_t i = r * l.inner; i < (r + 1) * l.inner; ++i) {
              o[i] = v[i] + add;
            }
          }
        });
  });
  return absl::OkStatus();
}

// d output / d value = I, so d value = dy.
// d output[o, c, i] / d bias[c'] = [c == c'], so d bias[c] = sum over o and
// i of dy[o, c, i], in double, in the fixed order of ops/fixed_order_sum.h
// (parallel over channels).
[[nodiscard]] absl::Status BiasAddGradient(const GradientContext& ctx) {
  const Tensor& dy = ctx.output_grad(0);
  const BiasLayout l = LayoutOf(dy.shape(), ctx.attrs().GetInt("axis"));
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
    Tensor* dbias = ctx.input_grad(1);
    if (dbias == nullptr) return;
    T* out = dbias->data<T>();
    const int64_t per_channel = l.outer * l.inner;
    if (l.inner == 1) {  // columns of an [outer, C] matrix, a row at a time
      VectorizedFor(l.channels, GrainFor(per_channel),
                    [&](int64_t lo, int64_t hi) {
                      for (int64_t c = lo; c < hi; ++c) out[c] = 0;
                      for (int64_t r = 0; r < l.outer; ++r) {
                        for (int64_t c = lo; c < hi; ++c) {
                          out[c] += g[r * l.channels + c];
                        }
                      }
                    });
      return;
    }
    VectorizedFor(
        l.channels, GrainFor(per_channel), [&](int64_t lo, int64_t hi) {
          for (int64_t c = lo; c < hi; ++c) {
            // Eight partial sums, not one chain whose every add
            // waits for the last (a third of LeNet's first
            // BiasAdd's time went there).
            double partial[8] = {};
            for (int64_t o = 0; o < l.outer; ++o) {
              const T* run = g + (o * l.channels + c) * l.inner;
              AddPartials(
                  l.inner, [&](int64_t i) { return double(run[i]); }, partial);
            }
            out[c] = static_cast<T>(SumOfPartials(partial));
          }
        });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("BiasAdd")
    .Input("value")
    .Input("bias")
    .Output("output")
    .Attr("axis", -1)
    .ShapeFn(BiasAddShape)
    .Forward(BiasAddForward)
    .Gradient(BiasAddGradient)
    .GradientReads(ForwardValues::kNone)
    .InPlace()
    .GradientInPlace()
    .Doc(
        "value + bias along dimension `axis` of value (default -1: the "
        "last; 1 for NCHW channels).");

}  // namespace
}  // namespace nabla
