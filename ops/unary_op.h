// Elementwise ops of one input: Neg, Square, Exp, Log and the activation
// plugins (Sigmoid, Tanh, ReLU, LeakyReLU, GELU, ...).
//
// An op supplies a functor with its value and derivative; the derivative
// gets both x and y = f(x), so it can use whichever is natural:
//
//   struct TanhFn {
//     template <typename T> static T Value(T x) { return std::tanh(x); }
//     template <typename T> static T Derivative(T x, T y) { return 1 - y * y; }
//   };
//   NABLA_REGISTER_OP("Tanh").Input("x").Output("y")
//       .ShapeFn(UnaryShape)
//       .Forward(UnaryForward<TanhFn>)
//       .Gradient(UnaryGradient<TanhFn>);
//
// A functor with parameters reads them from the node's attributes: it has a
// constructor from `const ResolvedAttrs&` and const member Value and
// Derivative. The kernels build it once per call, before the loop. Kernels
// cannot fail, so the op's shape function checks the attributes:
//
//   struct LeakyReluFn {
//     explicit LeakyReluFn(const ResolvedAttrs& attrs)
//         : alpha(attrs.GetFloat("alpha")) {}
//     template <typename T>
//     T Value(T x) const { return x > 0 ? x : T(alpha) * x; }
//     template <typename T>
//     T Derivative(T x, T) const { return x > 0 ? 1 : T(alpha); }
//     double alpha;
//   };
//   absl::Status LeakyReluShape(ShapeContext& ctx) {
//     NABLA_RETURN_IF_ERROR(CheckFiniteAttr(ctx.attrs(), "alpha"));
//     return UnaryShape(ctx);
//   }
//
// Part of the plugin SDK, and header-only like shape_util.h: the activation
// plugins are built on it.
#ifndef NABLA_OPS_UNARY_OP_H_
#define NABLA_OPS_UNARY_OP_H_

#include <cmath>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/attrs.h"
#include "core/kernel_context.h"
#include "core/status_macros.h"
#include "core/tensor.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {

// y has the dtype and shape of x (rank <= kMaxRank).
[[nodiscard]] inline absl::Status UnaryShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckMaxRank(ctx.input_shape(0), "x"));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

// OK when the float attribute `name` is finite; otherwise InvalidArgument
// naming the attribute and its value. For shape functions of ops whose
// functor reads a float attribute.
[[nodiscard]] inline absl::Status CheckFiniteAttr(const ResolvedAttrs& attrs,
                                                  absl::string_view name) {
  const double value = attrs.GetFloat(name);
  if (std::isfinite(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "attribute '", name, "' must be a finite number, got ", value));
}

// The functor of a kernel call: built from the attributes when Fn has such a
// constructor, default-constructed otherwise.
template <typename Fn>
Fn MakeUnaryFn(const ResolvedAttrs& attrs) {
  if constexpr (std::is_constructible_v<Fn, const ResolvedAttrs&>) {
    return Fn(attrs);
  } else {
    return Fn{};
  }
}

// y = Fn::Value(x), elementwise.
template <typename Fn>
[[nodiscard]] absl::Status UnaryForward(const KernelContext& ctx) {
  const Fn fn = MakeUnaryFn<Fn>(ctx.attrs());
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    VectorizedFor(x.num_elements(), GrainFor(4), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) py[i] = fn.Value(px[i]);
    });
  });
  return absl::OkStatus();
}

// dx = dy * Fn::Derivative(x, y), elementwise.
template <typename Fn>
[[nodiscard]] absl::Status UnaryGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Fn fn = MakeUnaryFn<Fn>(ctx.attrs());
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const Tensor& dy = ctx.output_grad(0);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    const T* pg = dy.data<T>();
    T* out = dx->data<T>();
    VectorizedFor(x.num_elements(), GrainFor(4), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        out[i] = pg[i] * fn.Derivative(px[i], py[i]);
      }
    });
  });
  return absl::OkStatus();
}

}  // namespace nabla

#endif  // NABLA_OPS_UNARY_OP_H_
