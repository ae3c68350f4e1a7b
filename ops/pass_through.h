// The kernels of ops that pass x's elements through unchanged under
// another shape (Reshape, Flatten): y is x's bytes, and dx is dy's.
#ifndef NABLA_OPS_PASS_THROUGH_H_
#define NABLA_OPS_PASS_THROUGH_H_

#include "absl/status/status.h"
#include "core/kernel_context.h"

namespace nabla {

[[nodiscard]] inline absl::Status PassThroughForward(const KernelContext& ctx) {
  CopyBytesUnlessSame(ctx.input(0), ctx.output(0));
  return absl::OkStatus();
}

// Only the labels of the elements changed, so dx is dy read in x's shape.
[[nodiscard]] inline absl::Status PassThroughGradient(
    const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx != nullptr) CopyBytesUnlessSame(ctx.output_grad(0), *dx);
  return absl::OkStatus();
}

}  // namespace nabla

#endif  // NABLA_OPS_PASS_THROUGH_H_
