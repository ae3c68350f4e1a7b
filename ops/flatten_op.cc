// Flatten: x as a matrix, the dimensions before `axis` making its rows and
// those from `axis` on its columns (ONNX's Flatten; the default axis 1
// turns a batch of feature maps [N, C, H, W] into [N, C * H * W] for a
// Dense head).
//
//   x: rank r >= 1.  attr axis in [0, r], default 1.
//   y: [d0 * ... * d(axis-1), d(axis) * ... * d(r-1)]; an empty product
//   is 1, and a product with an unknown dimension is unknown.
#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/pass_through.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

// The product of x's dimensions [from, to), or -1 when one is unknown.
int64_t Product(const Shape& x, int from, int to) {
  int64_t product = 1;
  for (int d = from; d < to; ++d) {
    if (x.dim(d) < 0) return Shape::kUnknown;
    product *= x.dim(d);
  }
  return product;
}

[[nodiscard]] absl::Status FlattenShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  const int64_t axis = ctx.attrs().GetInt("axis");
  if (axis < 0 || axis > x.rank()) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'axis' must be in [0, ", x.rank(),
                     "] for x of shape ", x.ToString(), ", got ", axis));
  }
  const int split = static_cast<int>(axis);
  ctx.SetOutput(0, ctx.input_dtype(0),
                Shape{Product(x, 0, split), Product(x, split, x.rank())});
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Flatten")
    .Input("x")
    .Output("y")
    .Attr("axis", 1)
    .ShapeFn(FlattenShape)
    .Forward(PassThroughForward)
    .Gradient(PassThroughGradient)
    .GradientReads(ForwardValues::kNone)
    .InPlace()
    .GradientInPlace()
    .Doc(
        "x as a matrix: dimensions before axis (default 1) make the rows, "
        "the rest the columns.");

}  // namespace
}  // namespace nabla
