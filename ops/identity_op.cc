// Identity: y = x.
//
//   x: any shape.  y: the shape of x.
#include <cstring>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status IdentityForward(const KernelContext& ctx) {
  if (ctx.input(0).num_bytes() > 0) {
    std::memcpy(ctx.output(0).raw_data(), ctx.input(0).raw_data(),
                ctx.input(0).num_bytes());
  }
  return absl::OkStatus();
}

// dy/dx = I, so dx = dy.
[[nodiscard]] absl::Status IdentityGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx != nullptr && dx->num_bytes() > 0) {
    std::memcpy(dx->raw_data(), ctx.output_grad(0).raw_data(), dx->num_bytes());
  }
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Identity")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(IdentityForward)
    .Gradient(IdentityGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc("y = x.");

}  // namespace
}  // namespace nabla
