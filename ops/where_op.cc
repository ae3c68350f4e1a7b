// Where: z = condition ? a : b, elementwise, with NumPy broadcasting of all
// three inputs.
//
//   condition: nonzero is true (the comparison ops give 1 and 0); no
//   gradient flows into it.  a, b: the values.  z: the broadcast shape.
//
// dL/da is dL/dz where the condition holds and 0 elsewhere (dL/db the
// other way round), summed over the dimensions a (or b) was stretched on.
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/binary_op.h"
#include "ops/broadcast.h"
#include "ops/reduction.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

constexpr int kCondition = 0, kA = 1, kB = 2;

[[nodiscard]] absl::Status WhereShape(ShapeContext& ctx) {
  NABLA_RETURN_IF_ERROR(CheckSameDType(ctx, {"condition", "a", "b"}));
  for (int i = 0; i < 3; ++i) {
    NABLA_RETURN_IF_ERROR(CheckMaxRank(ctx.input_shape(i), "input"));
  }
  NABLA_ASSIGN_OR_RETURN(
      const Shape values,
      BroadcastShape(ctx.input_shape(kA), ctx.input_shape(kB)));
  NABLA_ASSIGN_OR_RETURN(Shape z,
                         BroadcastShape(ctx.input_shape(kCondition), values));
  ctx.SetOutput(0, ctx.input_dtype(kA), std::move(z));
  return absl::OkStatus();
}

[[nodiscard]] absl::Status WhereForward(const KernelContext& ctx) {
  const Tensor& condition = ctx.input(kCondition);
  const Tensor& a = ctx.input(kA);
  const Tensor& b = ctx.input(kB);
  Tensor& z = ctx.output(0);
  DimArray sc{}, sa{}, sb{};
  const DimArray none{};
  BroadcastStrides(condition.shape(), z.shape(), &sc);
  BroadcastStrides(a.shape(), z.shape(), &sa);
  BroadcastStrides(b.shape(), z.shape(), &sb);
  DispatchFloat(z.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pc = condition.data<T>();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* pz = z.data<T>();
    VectorizedFor(z.num_elements(), GrainFor(4), [&](int64_t lo, int64_t hi) {
      BroadcastCursor values(z.shape(), sa, sb, lo);
      BroadcastCursor test(z.shape(), sc, none, lo);
      for (int64_t i = lo; i < hi; ++i, values.Next(), test.Next()) {
        pz[i] = pc[test.a()] != 0 ? pa[values.a()] : pb[values.b()];
      }
    });
  });
  return absl::OkStatus();
}

// dx[j] = the sum of dz over the elements x[j] reached where the condition
// is `taken` (true for a, false for b).
template <typename T>
void ValueGradient(const Tensor& x, const Tensor& condition, const Tensor& dz,
                   bool taken, Tensor* dx) {
  DimArray z_strides{}, c_strides{};
  RowMajorStrides(dz.shape(), &z_strides);
  BroadcastStrides(condition.shape(), dz.shape(), &c_strides);
  const ReductionLayout layout =
      BroadcastGradientLayout(x.shape(), dz.shape(), z_strides, c_strides);
  const T* pc = condition.data<T>();
  const T* pg = dz.data<T>();
  T* out = dx->data<T>();
  VectorizedFor(layout.num_outputs, GrainFor(2 * layout.reduced_count),
                [&](int64_t lo, int64_t hi) {
                  for (int64_t j = lo; j < hi; ++j) {
                    T sum = 0;
                    ForEachReduced(layout, j, [&](int64_t zi, int64_t ci) {
                      sum += (pc[ci] != 0) == taken ? pg[zi] : T(0);
                    });
                    out[j] = sum;
                  }
                });
}

[[nodiscard]] absl::Status WhereGradient(const GradientContext& ctx) {
  const Tensor& condition = ctx.input(kCondition);
  const Tensor& dz = ctx.output_grad(0);
  DispatchFloat(dz.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if (Tensor* da = ctx.input_grad(kA)) {
      ValueGradient<T>(ctx.input(kA), condition, dz, true, da);
    }
    if (Tensor* db = ctx.input_grad(kB)) {
      ValueGradient<T>(ctx.input(kB), condition, dz, false, db);
    }
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Where")
    .NonDifferentiableInput("condition")
    .Input("a")
    .Input("b")
    .Output("z")
    .ShapeFn(WhereShape)
    .Forward(WhereForward)
    .Gradient(WhereGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc("z = condition ? a : b (condition nonzero), with broadcasting.");

}  // namespace
}  // namespace nabla
