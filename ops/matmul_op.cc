// MatMul: product = op(a) · op(b), op(m) = m or mᵀ as transpose_a /
// transpose_b say, for matrices and for batches of them.
//
//   a: [..., m, k] ([..., k, m] if transpose_a).  b: [..., k, n]
//   ([..., n, k] if transpose_b).  product: [..., m, n], where the batch
//   dimensions (all but the last two) broadcast as NumPy's do: a [m, k]
//   times b [B, k, n] multiplies a with each of the B matrices of b.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/broadcast.h"
#include "ops/gemm.h"
#include "ops/scratch.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

// A shape without its last two dimensions: the batch of matrices. Shape
// keeps up to four dimensions inline, so kernels allocate nothing here.
Shape BatchOf(const Shape& s) {
  return Shape(s.dims().subspan(0, s.rank() - 2));
}

[[nodiscard]] absl::Status MatMulShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"a", "b"}));
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(a, "a"));
  NABLA_RETURN_IF_ERROR(CheckMaxRank(b, "b"));
  if (a.rank() < 2 || b.rank() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a and b must be matrices or batches of them (rank >= 2): a is ",
        a.ToString(), ", b is ", b.ToString()));
  }
  const bool ta = ctx.attrs().GetBool("transpose_a");
  const bool tb = ctx.attrs().GetBool("transpose_b");
  const int ra = a.rank(), rb = b.rank();
  const int64_t m = a.dim(ta ? ra - 1 : ra - 2);
  const int64_t ka = a.dim(ta ? ra - 2 : ra - 1);
  const int64_t kb = b.dim(tb ? rb - 1 : rb - 2);
  const int64_t n = b.dim(tb ? rb - 2 : rb - 1);
  if (!DimsCompatible(ka, kb)) {
    return absl::InvalidArgumentError(
        absl::StrCat("inner dimensions differ: a is ", a.ToString(),
                     ta ? " (transposed)" : "", ", b is ", b.ToString(),
                     tb ? " (transposed)" : "", " (", ka, " vs ", kb, ")"));
  }
  absl::StatusOr<Shape> batch = BroadcastShape(BatchOf(a), BatchOf(b));
  if (!batch.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the batch dimensions of a ", a.ToString(), " and b ",
                     b.ToString(), " do not broadcast"));
  }
  std::vector<int64_t> dims(batch->dims().begin(), batch->dims().end());
  dims.push_back(m);
  dims.push_back(n);
  ctx.SetOutput(0, ctx.input_dtype(0), Shape(dims));
  // A broadcast operand's gradient sums its batches' products in scratch:
  // one of its matrices.
  if (a.IsFullyDefined() && b.IsFullyDefined() && batch->IsFullyDefined()) {
    int64_t most = 0;
    for (const Shape* operand : {&a, &b}) {
      const int64_t matrix =
          operand->dim(operand->rank() - 2) * operand->dim(operand->rank() - 1);
      if (BatchOf(*operand).num_elements() < batch->num_elements()) {
        most = std::max(most, matrix);
      }
    }
    ctx.SetScratchBytes(static_cast<size_t>(most) *
                        DTypeSize(ctx.input_dtype(0)));
  }
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

// The matrices of one batch element: op(a) and op(b) of the inputs at
// flat offsets `a_at` and `b_at` (in elements).
template <typename T>
Operands<T> MakeOperands(const Tensor& a, const Tensor& b, bool ta, bool tb,
                         int64_t a_at, int64_t b_at) {
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  return {ViewOf(a.data<T>() + a_at, sa.dim(sa.rank() - 2),
                 sa.dim(sa.rank() - 1), ta),
          ViewOf(b.data<T>() + b_at, sb.dim(sb.rank() - 2),
                 sb.dim(sb.rank() - 1), tb)};
}

// The product's batch and each input's matrix offset for every batch
// element (stride 0 along the batch dimensions an input broadcasts).
struct BatchLayout {
  Shape batch;
  DimArray a_strides{};
  DimArray b_strides{};
  int64_t count() const { return batch.num_elements(); }
};

BatchLayout LayoutOf(const Shape& a, const Shape& b, const Shape& product) {
  BatchLayout l{BatchOf(product)};
  const int64_t a_matrix = a.dim(a.rank() - 2) * a.dim(a.rank() - 1);
  const int64_t b_matrix = b.dim(b.rank() - 2) * b.dim(b.rank() - 1);
  BroadcastStrides(BatchOf(a), l.batch, &l.a_strides);
  BroadcastStrides(BatchOf(b), l.batch, &l.b_strides);
  for (int d = 0; d < l.batch.rank(); ++d) {
    l.a_strides[d] *= a_matrix;
    l.b_strides[d] *= b_matrix;
  }
  return l;
}

[[nodiscard]] absl::Status MatMulForward(const KernelContext& ctx) {
  const bool ta = ctx.attrs().GetBool("transpose_a");
  const bool tb = ctx.attrs().GetBool("transpose_b");
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& out = ctx.output(0);
  const BatchLayout l = LayoutOf(a.shape(), b.shape(), out.shape());
  DispatchFloat(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    BroadcastCursor at(l.batch, l.a_strides, l.b_strides, 0);
    for (int64_t t = 0; t < l.count(); ++t, at.Next()) {
      const Operands<T> o = MakeOperands<T>(a, b, ta, tb, at.a(), at.b());
      const int64_t m = o.op_a.rows, n = o.op_b.cols;
      Gemm(o.op_a, o.op_b, ViewOf(out.data<T>() + t * m * n, m, n, false));
    }
  });
  return absl::OkStatus();
}

// Writes each batch element's part of an operand's gradient, part(t,
// target), into `grad`: straight into its matrix when no two batch
// elements share it, else into scratch and added in batch order (a
// broadcast operand's gradient is the sum over the batches it met).
template <typename T, typename Part>
[[nodiscard]] absl::Status GradientOfOperand(const BatchLayout& l,
                                             const DimArray& strides,
                                             const Shape& operand, Tensor& grad,
                                             absl::Span<char> planned,
                                             const Part& part) {
  const int64_t matrix =
      operand.dim(operand.rank() - 2) * operand.dim(operand.rank() - 1);
  T* out = grad.data<T>();
  const DimArray none{};
  if (grad.num_elements() == l.count() * matrix) {
    BroadcastCursor at(l.batch, strides, none, 0);
    for (int64_t t = 0; t < l.count(); ++t, at.Next()) part(t, out + at.a());
    return absl::OkStatus();
  }
  const KernelScratch scratch(planned, static_cast<size_t>(matrix) * sizeof(T));
  if (!scratch.ok()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("no memory for a ", matrix, "-element gradient part"));
  }
  std::fill(out, out + grad.num_elements(), T(0));
  BroadcastCursor at(l.batch, strides, none, 0);
  for (int64_t t = 0; t < l.count(); ++t, at.Next()) {
    T* sum = out + at.a();
    T* const product = scratch.at<T>(0);
    part(t, product);
    for (int64_t i = 0; i < matrix; ++i) sum[i] += product[i];
  }
  return absl::OkStatus();
}

// With C = op(A) · op(B) and G = dL/dC [m, n], per batch element:
//   dL/d op(A) = G · op(B)ᵀ   [m, k]
//   dL/d op(B) = op(A)ᵀ · G   [k, n]
// and dL/dA is dL/d op(A), transposed back when transpose_a (likewise B).
// The four transpose cases differ only in strides: writing d op(A) through
// a transposed view of dA gives dA = (G · op(B)ᵀ)ᵀ = op(B) · Gᵀ directly.
[[nodiscard]] absl::Status MatMulGradient(const GradientContext& ctx) {
  const bool ta = ctx.attrs().GetBool("transpose_a");
  const bool tb = ctx.attrs().GetBool("transpose_b");
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& g = ctx.output_grad(0);
  const BatchLayout l = LayoutOf(a.shape(), b.shape(), g.shape());
  absl::Status status;
  DispatchFloat(g.dtype(), [&](auto zero) {
    using T = decltype(zero);
    // The operands of batch element t.
    auto operands = [&](int64_t t) {
      BroadcastCursor at(l.batch, l.a_strides, l.b_strides, t);
      return MakeOperands<T>(a, b, ta, tb, at.a(), at.b());
    };
    if (Tensor* da = ctx.input_grad(0)) {
      status = GradientOfOperand<T>(
          l, l.a_strides, a.shape(), *da, ctx.scratch(),
          [&](int64_t t, T* target) {
            const Operands<T> o = operands(t);
            const int64_t m = o.op_a.rows, k = o.op_a.cols, n = o.op_b.cols;
            Gemm(ViewOf(g.data<T>() + t * m * n, m, n, false),
                 Transposed(o.op_b),
                 ViewOf(target, ta ? k : m, ta ? m : k, ta));
          });
    }
    if (!status.ok()) return;
    if (Tensor* db = ctx.input_grad(1)) {
      status = GradientOfOperand<T>(
          l, l.b_strides, b.shape(), *db, ctx.scratch(),
          [&](int64_t t, T* target) {
            const Operands<T> o = operands(t);
            const int64_t m = o.op_a.rows, k = o.op_a.cols, n = o.op_b.cols;
            Gemm(Transposed(o.op_a),
                 ViewOf(g.data<T>() + t * m * n, m, n, false),
                 ViewOf(target, tb ? n : k, tb ? k : n, tb));
          });
    }
  });
  return status;
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
    .Doc(
        "op(a) · op(b) for matrices and batches of them (batch dimensions "
        "broadcast); op transposes when asked.");

}  // namespace
}  // namespace nabla
