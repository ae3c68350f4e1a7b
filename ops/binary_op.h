// Elementwise ops of two inputs with NumPy broadcasting: Add, Sub, Mul, Div.
//
// An op supplies a functor with its value and partial derivatives:
//
//   struct MulFn {
//     template <typename T> static T Value(T a, T b) { return a * b; }
//     template <typename T> static T DzDa(T a, T b, T z) { return b; }
//     template <typename T> static T DzDb(T a, T b, T z) { return a; }
//   };
//   NABLA_REGISTER_OP("Mul").Input("a").Input("b").Output("z")
//       .ShapeFn(BinaryShape)
//       .Forward(BinaryForward<MulFn>)
//       .Gradient(BinaryGradient<MulFn>);
#ifndef NABLA_OPS_BINARY_OP_H_
#define NABLA_OPS_BINARY_OP_H_

#include "absl/status/status.h"
#include "core/kernel_context.h"
#include "core/tensor.h"
#include "ops/broadcast.h"
#include "ops/reduction.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {

// Inputs a and b of one dtype whose shapes broadcast; z has the broadcast
// shape.
[[nodiscard]] absl::Status BinaryShape(ShapeContext& ctx);

// z = Fn::Value(a, b), elementwise with broadcasting.
template <typename Fn>
[[nodiscard]] absl::Status BinaryForward(const KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& z = ctx.output(0);
  DispatchFloat(z.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* pz = z.data<T>();
    if (a.shape() == b.shape()) {
      VectorizedFor(z.num_elements(), GrainFor(1), [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) pz[i] = Fn::Value(pa[i], pb[i]);
      });
      return;
    }
    DimArray sa{};
    DimArray sb{};
    BroadcastStrides(a.shape(), z.shape(), &sa);
    BroadcastStrides(b.shape(), z.shape(), &sb);
    VectorizedFor(z.num_elements(), GrainFor(4), [&](int64_t lo, int64_t hi) {
      BroadcastCursor c(z.shape(), sa, sb, lo);
      for (int64_t i = lo; i < hi; ++i, c.Next()) {
        pz[i] = Fn::Value(pa[c.a()], pb[c.b()]);
      }
    });
  });
  return absl::OkStatus();
}

namespace binary_op_internal {

// d(input) for one input of a broadcasting op. `Partial(x, other, z)` is
// dz/dx at one element; `x_first` says whether x is a (else b), which
// fixes the argument order of the functor.
template <typename T, typename Partial>
void InputGradient(const Tensor& x, const Tensor& other, const Tensor& z,
                   const Tensor& dz, const Partial& partial, Tensor* dx) {
  const T* px = x.data<T>();
  const T* po = other.data<T>();
  const T* pz = z.data<T>();
  const T* pg = dz.data<T>();
  T* out = dx->data<T>();
  if (x.shape() == z.shape() && other.shape() == z.shape()) {
    VectorizedFor(z.num_elements(), GrainFor(2), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        out[i] = pg[i] * partial(px[i], po[i], pz[i]);
      }
    });
    return;
  }
  DimArray z_strides{};
  DimArray other_strides{};
  RowMajorStrides(z.shape(), &z_strides);
  BroadcastStrides(other.shape(), z.shape(), &other_strides);
  const ReductionLayout layout =
      BroadcastGradientLayout(x.shape(), z.shape(), z_strides, other_strides);
  VectorizedFor(layout.num_outputs, GrainFor(4 * layout.reduced_count),
                [&](int64_t lo, int64_t hi) {
                  for (int64_t j = lo; j < hi; ++j) {
                    T sum = 0;
                    ForEachReduced(layout, j, [&](int64_t zi, int64_t oi) {
                      sum += pg[zi] * partial(px[j], po[oi], pz[zi]);
                    });
                    out[j] = sum;
                  }
                });
}

}  // namespace binary_op_internal

// da = sum over broadcast dims of dz * Fn::DzDa; db likewise with DzDb.
template <typename Fn>
[[nodiscard]] absl::Status BinaryGradient(const GradientContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& z = ctx.output(0);
  const Tensor& dz = ctx.output_grad(0);
  DispatchFloat(z.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if (Tensor* da = ctx.input_grad(0)) {
      binary_op_internal::InputGradient<T>(
          a, b, z, dz, [](T x, T o, T y) { return Fn::DzDa(x, o, y); }, da);
    }
    if (Tensor* db = ctx.input_grad(1)) {
      binary_op_internal::InputGradient<T>(
          b, a, z, dz, [](T x, T o, T y) { return Fn::DzDb(o, x, y); }, db);
    }
  });
  return absl::OkStatus();
}

}  // namespace nabla

#endif  // NABLA_OPS_BINARY_OP_H_
