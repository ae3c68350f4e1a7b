// Plan::FindNonFinite (declared in core/plan.h), apart from planning and
// running: it only reads the buffers a run left behind.
#include <cmath>

#include "core/plan.h"

namespace nabla {
namespace {

// The flat index of the first NaN or infinity in `t`, or -1.
int64_t FirstNonFinite(const Tensor& t) {
  return DispatchFloat(t.dtype(), [&](auto zero) -> int64_t {
    using T = decltype(zero);
    const T* data = t.data<T>();
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      if (!std::isfinite(data[i])) return i;
    }
    return -1;
  });
}

// Fills `found` and returns true when `t` holds a NaN or an infinity.
bool Check(const Tensor& t, NonFinite::Kind kind, int node, int index,
           std::optional<NonFinite>& found) {
  const int64_t element = FirstNonFinite(t);
  if (element < 0) return false;
  found = NonFinite{kind, node, index, element, t.shape(), t.ValueAt(element)};
  return true;
}

}  // namespace

std::optional<NonFinite> Plan::FindNonFinite() const {
  std::optional<NonFinite> found;
  // Fed values and variables count too: a NaN fed in, or put in a variable
  // by an earlier update, is found where it enters, not at its first user.
  for (int i = 0; i < static_cast<int>(values_.size()); ++i) {
    for (int o = 0; o < static_cast<int>(values_[i].size()); ++o) {
      if (Check(*values_[i][o], NonFinite::Kind::kValue, i, o, found)) {
        return found;
      }
    }
  }
  for (const PlanStep& step : backward_steps_) {
    if (step.kind == PlanStepKind::kSum) {
      if (Check(*grads_[step.node][step.output],
                NonFinite::Kind::kSummedGradient, step.node, step.output,
                found)) {
        return found;
      }
      continue;
    }
    const GradientContext& ctx = *gradient_contexts_[step.node];
    for (int k = 0; k < ctx.num_inputs(); ++k) {
      const Tensor* grad = ctx.input_grad(k);
      if (grad != nullptr &&
          Check(*grad, NonFinite::Kind::kGradient, step.node, k, found)) {
        return found;
      }
    }
  }
  return found;
}

}  // namespace nabla
