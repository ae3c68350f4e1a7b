// Reshape: the elements of x, in the same row-major order, under a new
// shape.
//
//   x: any shape.  attr shape: the new shape; one dimension may be -1 and is
//   inferred from the element count.  y: that shape.
#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/pass_through.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status ReshapeShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  Shape target = ctx.attrs().GetShape("shape");
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  NABLA_RETURN_IF_ERROR(CheckMaxRank(target, "shape"));
  auto mismatch = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot reshape x of shape ", x.ToString(), " (", x.num_elements(),
        " elements) to ", target.ToString(), ": ", why));
  };
  int infer = -1;
  int64_t known = 1;
  // A new shape over kMaxTensorElements (whose count could overflow) is
  // refused by the caller's size check of every output: "output shape
  // [...] has more than ...".
  bool too_large = false;
  for (int d = 0; d < target.rank(); ++d) {
    const int64_t dim = target.dim(d);
    if (dim == Shape::kUnknown) {
      if (infer >= 0) return mismatch("at most one dimension may be -1");
      infer = d;
    } else if (dim < 0) {
      return mismatch(absl::StrCat("dimension ", d, " is ", dim));
    } else if (dim > 0 && known > kMaxTensorElements / dim) {
      too_large = true;
    } else {
      known *= dim;
    }
  }
  if (too_large) {
    ctx.SetOutput(0, ctx.input_dtype(0), std::move(target));
    return absl::OkStatus();
  }
  const int64_t n = x.num_elements();  // -1 when x has an unknown dimension
  if (infer >= 0) {
    if (n >= 0) {
      if (known == 0 || n % known != 0) {
        return mismatch(absl::StrCat("the -1 dimension cannot be inferred (", n,
                                     " is not a multiple of ", known, ")"));
      }
      target.set_dim(infer, n / known);
    }
  } else if (n >= 0 && n != known) {
    return mismatch(
        absl::StrCat("element counts differ (", n, " vs ", known, ")"));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(target));
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Reshape")
    .Input("x")
    .Output("y")
    .RequiredAttr("shape", AttrType::kShape)
    .ShapeFn(ReshapeShape)
    .Forward(PassThroughForward)
    .Gradient(PassThroughGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc("x's elements under a new shape; one dimension may be -1.");

}  // namespace
}  // namespace nabla
