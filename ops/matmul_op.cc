// MatMul: product = op(a) · op(b), op(m) = m or mᵀ as transpose_a /
// transpose_b say.
//
//   a: [m, k] ([k, m] if transpose_a).  b: [k, n] ([n, k] if transpose_b).
//   product: [m, n].
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/parallel.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

absl::Status MatMulShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"a", "b"}));
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.rank() != 2 || b.rank() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("a and b must be matrices (rank 2): a is ", a.ToString(),
                     ", b is ", b.ToString()));
  }
  const bool ta = ctx.attrs().GetBool("transpose_a");
  const bool tb = ctx.attrs().GetBool("transpose_b");
  const int64_t m = a.dim(ta ? 1 : 0);
  const int64_t ka = a.dim(ta ? 0 : 1);
  const int64_t kb = b.dim(tb ? 1 : 0);
  const int64_t n = b.dim(tb ? 0 : 1);
  if (!DimsCompatible(ka, kb)) {
    return absl::InvalidArgumentError(
        absl::StrCat("inner dimensions differ: a is ", a.ToString(),
                     ta ? " (transposed)" : "", ", b is ", b.ToString(),
                     tb ? " (transposed)" : "", " (", ka, " vs ", kb, ")"));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape{m, n});
  return absl::OkStatus();
}

// A strided matrix view: element (i, j) is at data[i * s0 + j * s1].
template <typename T>
struct View {
  T* data;
  int64_t s0;
  int64_t s1;
  T& operator()(int64_t i, int64_t j) const { return data[i * s0 + j * s1]; }
};

// out(i, j) = sum_p x(i, p) y(p, j) for out [rows, cols], p in [0, depth).
// Parallel over rows; i-p-j order, each sum accumulated in index order, so
// the result does not depend on the thread count.
template <typename T>
void Gemm(int64_t rows, int64_t cols, int64_t depth, View<const T> x,
          View<const T> y, View<T> out) {
  ParallelFor(rows, GrainFor(std::max<int64_t>(1, depth * cols)),
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                  for (int64_t j = 0; j < cols; ++j) out(i, j) = 0;
                  for (int64_t p = 0; p < depth; ++p) {
                    const T xv = x(i, p);
                    for (int64_t j = 0; j < cols; ++j)
                      out(i, j) += xv * y(p, j);
                  }
                }
              });
}

// Sizes and the strided views of op(a) [m, k] and op(b) [k, n].
template <typename T>
struct Operands {
  int64_t m, k, n;
  View<const T> op_a;
  View<const T> op_b;
};

template <typename T>
Operands<T> MakeOperands(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const int64_t a0 = a.shape().dim(0), a1 = a.shape().dim(1);
  const int64_t b0 = b.shape().dim(0), b1 = b.shape().dim(1);
  Operands<T> o;
  o.m = ta ? a1 : a0;
  o.k = ta ? a0 : a1;
  o.n = tb ? b0 : b1;
  o.op_a = ta ? View<const T>{a.data<T>(), 1, a1}
              : View<const T>{a.data<T>(), a1, 1};
  o.op_b = tb ? View<const T>{b.data<T>(), 1, b1}
              : View<const T>{b.data<T>(), b1, 1};
  return o;
}

template <typename T>
View<const T> Transposed(View<const T> v) {
  return {v.data, v.s1, v.s0};
}

absl::Status MatMulForward(const KernelContext& ctx) {
  const bool ta = ctx.attrs().GetBool("transpose_a");
  const bool tb = ctx.attrs().GetBool("transpose_b");
  Tensor& out = ctx.output(0);
  DispatchFloat(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const Operands<T> o = MakeOperands<T>(ctx.input(0), ctx.input(1), ta, tb);
    Gemm<T>(o.m, o.n, o.k, o.op_a, o.op_b, View<T>{out.data<T>(), o.n, 1});
  });
  return absl::OkStatus();
}

// With C = op(A) · op(B) and G = dL/dC [m, n]:
//   dL/d op(A) = G · op(B)ᵀ   [m, k]
//   dL/d op(B) = op(A)ᵀ · G   [k, n]
// and dL/dA is dL/d op(A), transposed back when transpose_a (likewise B).
// The four transpose cases differ only in strides: writing d op(A) through
// a transposed view of dA gives dA = (G · op(B)ᵀ)ᵀ = op(B) · Gᵀ directly.
absl::Status MatMulGradient(const GradientContext& ctx) {
  const bool ta = ctx.attrs().GetBool("transpose_a");
  const bool tb = ctx.attrs().GetBool("transpose_b");
  const Tensor& g = ctx.output_grad(0);
  DispatchFloat(g.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const Operands<T> o = MakeOperands<T>(ctx.input(0), ctx.input(1), ta, tb);
    const View<const T> gv{g.data<T>(), o.n, 1};
    if (Tensor* da = ctx.input_grad(0)) {
      const View<T> d_op_a =
          ta ? View<T>{da->data<T>(), 1, o.m} : View<T>{da->data<T>(), o.k, 1};
      Gemm<T>(o.m, o.k, o.n, gv, Transposed(o.op_b), d_op_a);
    }
    if (Tensor* db = ctx.input_grad(1)) {
      const View<T> d_op_b =
          tb ? View<T>{db->data<T>(), 1, o.k} : View<T>{db->data<T>(), o.n, 1};
      Gemm<T>(o.k, o.n, o.m, Transposed(o.op_a), gv, d_op_b);
    }
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("MatMul")
    .Input("a")
    .Input("b")
    .Output("product")
    .Attr("transpose_a", false)
    .Attr("transpose_b", false)
    .ShapeFn(MatMulShape)
    .Forward(MatMulForward)
    .Gradient(MatMulGradient)
    .Doc("op(a) · op(b) for matrices; op transposes when asked.");

}  // namespace
}  // namespace nabla
