// Dropout: in training, each element of x is zeroed with probability
// `rate` and the others are scaled by 1 / (1 - rate), so that y's
// expectation is x; in inference (predict, evaluate) y = x.
//
// Element i of a step is dropped when CounterUniform(StepKey(node seed,
// step), i) < rate (core/counter_random.h), i counted in the step's whole
// batch (a data-parallel rank's shard starts at NodeRun::first_sample()):
// the mask is a function of the session's seed, the node's name, the step
// and the element, so it is the same for any thread count, for a run
// resumed from a checkpoint and for the samples of a data-parallel shard,
// and the gradient draws it again instead of storing it.
#include "absl/strings/str_cat.h"
#include "core/counter_random.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status DropoutShape(ShapeContext& ctx) {
  const double rate = ctx.attrs().GetFloat("rate");
  if (!(rate >= 0 && rate < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'rate' must be in [0, 1), got ", rate));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

// out = in masked and scaled in training, in itself otherwise. `in` and
// `out` may be one buffer.
void ApplyMask(const NodeRun& run, double rate, const Tensor& in, Tensor& out) {
  if (!run.training() || rate == 0) {
    CopyBytesUnlessSame(in, out);
    return;
  }
  const uint64_t key = StepKey(run.node_seed(), run.step());
  // Element i of this batch is element `first + i` of the step's whole
  // batch (a data-parallel rank's shard starts past 0).
  const int64_t per_sample = in.shape().rank() == 0 || in.shape().dim(0) == 0
                                 ? 0
                                 : in.num_elements() / in.shape().dim(0);
  const int64_t first = run.first_sample() * per_sample;
  DispatchFloat(in.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* x = in.data<T>();
    T* y = out.data<T>();
    const T scale = static_cast<T>(1 / (1 - rate));
    VectorizedFor(in.num_elements(), GrainFor(8), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        y[i] = CounterUniform(key, first + i) < rate ? T(0) : x[i] * scale;
      }
    });
  });
}

[[nodiscard]] absl::Status DropoutForward(const KernelContext& ctx) {
  ApplyMask(ctx, ctx.attrs().GetFloat("rate"), ctx.input(0), ctx.output(0));
  return absl::OkStatus();
}

// dy/dx is the forward's mask and scale, drawn again.
[[nodiscard]] absl::Status DropoutGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  ApplyMask(ctx, ctx.attrs().GetFloat("rate"), ctx.output_grad(0), *dx);
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Dropout")
    .Input("x")
    .Output("y")
    .Attr("rate", 0.5)
    .ShapeFn(DropoutShape)
    .Forward(DropoutForward)
    .Gradient(DropoutGradient)
    .GradientReads(ForwardValues::kNone)
    .InPlace()
    .GradientInPlace()
    .Doc(
        "In training, zeroes each element with probability rate and scales "
        "the rest by 1 / (1 - rate); in inference, the identity.");

}  // namespace
}  // namespace nabla
