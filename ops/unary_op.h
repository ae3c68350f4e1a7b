// Elementwise ops of one input: Neg, Square, Exp, Log and the activation
// plugins (Sigmoid, Tanh, ReLU).
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
#ifndef NABLA_OPS_UNARY_OP_H_
#define NABLA_OPS_UNARY_OP_H_

#include "absl/status/status.h"
#include "core/kernel_context.h"
#include "core/parallel.h"
#include "core/tensor.h"

namespace nabla {

// y has the dtype and shape of x (rank <= kMaxRank).
absl::Status UnaryShape(ShapeContext& ctx);

// y = Fn::Value(x), elementwise.
template <typename Fn>
absl::Status UnaryForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    ParallelFor(x.num_elements(), GrainFor(4), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) py[i] = Fn::Value(px[i]);
    });
  });
  return absl::OkStatus();
}

// dx = dy * Fn::Derivative(x, y), elementwise.
template <typename Fn>
absl::Status UnaryGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const Tensor& dy = ctx.output_grad(0);
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    const T* pg = dy.data<T>();
    T* out = dx->data<T>();
    ParallelFor(x.num_elements(), GrainFor(4), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        out[i] = pg[i] * Fn::Derivative(px[i], py[i]);
      }
    });
  });
  return absl::OkStatus();
}

}  // namespace nabla

#endif  // NABLA_OPS_UNARY_OP_H_
