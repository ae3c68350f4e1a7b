// MatMul: product = op(a) · op(b), op(m) = m or mᵀ as transpose_a /
// transpose_b say.
//
//   a: [m, k] ([k, m] if transpose_a).  b: [k, n] ([n, k] if transpose_b).
//   product: [m, n].
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/gemm.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status MatMulShape(ShapeContext& ctx) {
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

// op(a) [m, k] and op(b) [k, n] as views of the inputs' memory.
template <typename T>
struct Operands {
  MatrixView<const T> op_a;
  MatrixView<const T> op_b;
};

// A row-major [rows, cols] matrix, read transposed when `transposed`.
template <typename T>
MatrixView<T> ViewOf(T* data, int64_t rows, int64_t cols, bool transposed) {
  return transposed ? MatrixView<T>{data, cols, rows, 1, cols}
                    : MatrixView<T>{data, rows, cols, cols, 1};
}

template <typename T>
Operands<T> MakeOperands(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  return {ViewOf(a.data<T>(), a.shape().dim(0), a.shape().dim(1), ta),
          ViewOf(b.data<T>(), b.shape().dim(0), b.shape().dim(1), tb)};
}

[[nodiscard]] absl::Status MatMulForward(const KernelContext& ctx) {
  const bool ta = ctx.attrs().GetBool("transpose_a");
  const bool tb = ctx.attrs().GetBool("transpose_b");
  Tensor& out = ctx.output(0);
  DispatchFloat(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const Operands<T> o = MakeOperands<T>(ctx.input(0), ctx.input(1), ta, tb);
    Gemm(o.op_a, o.op_b,
         ViewOf(out.data<T>(), o.op_a.rows, o.op_b.cols, false));
  });
  return absl::OkStatus();
}

// With C = op(A) · op(B) and G = dL/dC [m, n]:
//   dL/d op(A) = G · op(B)ᵀ   [m, k]
//   dL/d op(B) = op(A)ᵀ · G   [k, n]
// and dL/dA is dL/d op(A), transposed back when transpose_a (likewise B).
// The four transpose cases differ only in strides: writing d op(A) through
// a transposed view of dA gives dA = (G · op(B)ᵀ)ᵀ = op(B) · Gᵀ directly.
[[nodiscard]] absl::Status MatMulGradient(const GradientContext& ctx) {
  const bool ta = ctx.attrs().GetBool("transpose_a");
  const bool tb = ctx.attrs().GetBool("transpose_b");
  const Tensor& g = ctx.output_grad(0);
  DispatchFloat(g.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const Operands<T> o = MakeOperands<T>(ctx.input(0), ctx.input(1), ta, tb);
    const int64_t m = o.op_a.rows, k = o.op_a.cols, n = o.op_b.cols;
    const MatrixView<const T> gv = ViewOf(g.data<T>(), m, n, false);
    // dA has A's shape; d op(A) reads it as op reads A.
    if (Tensor* da = ctx.input_grad(0)) {
      Gemm(gv, Transposed(o.op_b),
           ViewOf(da->data<T>(), ta ? k : m, ta ? m : k, ta));
    }
    if (Tensor* db = ctx.input_grad(1)) {
      Gemm(Transposed(o.op_a), gv,
           ViewOf(db->data<T>(), tb ? n : k, tb ? k : n, tb));
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
    .GradientReads(ForwardValues::kInputs)
    .Doc("op(a) · op(b) for matrices; op transposes when asked.");

}  // namespace
}  // namespace nabla
