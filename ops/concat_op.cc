// Concat: the inputs joined along dimension `axis`.
//
//   values: one or more tensors of one dtype and rank, equal in every
//   dimension but `axis`.  axis: negative counts from the end.
//   y: their shape with the sum of their `axis` sizes at `axis`.
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/axis_parts.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

std::string ShapesOf(const ShapeContext& ctx) {
  std::vector<std::string> shapes;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    shapes.push_back(ctx.input_shape(i).ToString());
  }
  return absl::StrJoin(shapes, ", ");
}

[[nodiscard]] absl::Status ConcatShape(ShapeContext& ctx) {
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    if (ctx.input_dtype(i) != ctx.input_dtype(0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("inputs must have the same dtype: input 0 is ",
                       DTypeName(ctx.input_dtype(0)), ", input ", i, " is ",
                       DTypeName(ctx.input_dtype(i))));
    }
  }
  Shape y = ctx.input_shape(0);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(y, "values"));
  NABLA_ASSIGN_OR_RETURN(const int axis, AxisAttrOf(ctx.attrs(), y, "input 0"));
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.input_shape(i);
    bool fits = s.rank() == y.rank();
    for (int d = 0; fits && d < y.rank(); ++d) {
      if (d == axis) continue;
      fits = DimsCompatible(s.dim(d), y.dim(d));
      if (y.dim(d) < 0) y.set_dim(d, s.dim(d));
    }
    if (!fits) {
      return absl::InvalidArgumentError(absl::StrCat(
          "inputs must match in every dimension but axis ", axis,
          ": input 0 is ", ctx.input_shape(0).ToString(), ", input ", i, " is ",
          s.ToString(), " (all: ", ShapesOf(ctx), ")"));
    }
    const int64_t a = y.dim(axis), b = s.dim(axis);
    y.set_dim(axis, a < 0 || b < 0 ? Shape::kUnknown : a + b);
  }
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(y));
  return absl::OkStatus();
}

// Calls copy(k, part, whole, bytes) for every row of every input
// (ForEachPartRow).
template <typename Context, typename Copy>
void ForEachRow(const Context& ctx, const Shape& y, DType dtype,
                const Copy& copy) {
  ForEachPartRow(
      y, ResolveAxis(ctx.attrs().GetInt("axis"), y.rank()), DTypeSize(dtype),
      ctx.num_inputs(),
      [&](int k) -> const Shape& { return ctx.input(k).shape(); }, copy);
}

[[nodiscard]] absl::Status ConcatForward(const KernelContext& ctx) {
  Tensor& y = ctx.output(0);
  char* out = static_cast<char*>(y.raw_data());
  ForEachRow(ctx, y.shape(), y.dtype(),
             [&](int k, int64_t part, int64_t whole, int64_t bytes) {
               const char* in =
                   static_cast<const char*>(ctx.input(k).raw_data());
               std::memcpy(out + whole, in + part, bytes);
             });
  return absl::OkStatus();
}

// dL/d(input k) is input k's block of dL/dy.
[[nodiscard]] absl::Status ConcatGradient(const GradientContext& ctx) {
  const Tensor& dy = ctx.output_grad(0);
  const char* g = static_cast<const char*>(dy.raw_data());
  ForEachRow(ctx, dy.shape(), dy.dtype(),
             [&](int k, int64_t part, int64_t whole, int64_t bytes) {
               Tensor* dx = ctx.input_grad(k);
               if (dx == nullptr) return;
               std::memcpy(static_cast<char*>(dx->raw_data()) + part, g + whole,
                           bytes);
             });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Concat")
    .VariadicInput("values")
    .Output("y")
    .RequiredAttr("axis", AttrType::kInt)
    .ShapeFn(ConcatShape)
    .Forward(ConcatForward)
    .Gradient(ConcatGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc(
        "The inputs joined along dimension `axis`; they match in every "
        "other dimension.");

}  // namespace
}  // namespace nabla
