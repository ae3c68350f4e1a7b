// SGD: plain stochastic gradient descent, w <- w - learning_rate * g.
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/optimizer.h"
#include "core/parallel.h"

namespace nabla {
namespace {

class Sgd : public Optimizer {
 public:
  explicit Sgd(double learning_rate) : learning_rate_(learning_rate) {}

  std::vector<std::string> SlotNames() const override { return {}; }

  void Apply(int64_t /*step*/, Tensor& value, const Tensor& grad,
             absl::Span<Tensor* const> /*slots*/) const override {
    DispatchFloat(value.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* w = value.data<T>();
      const T* g = grad.data<T>();
      const T rate = static_cast<T>(learning_rate_);
      ParallelFor(value.num_elements(), GrainFor(1),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t i = begin; i < end; ++i) w[i] -= rate * g[i];
                  });
    });
  }

 private:
  const double learning_rate_;
};

absl::StatusOr<std::unique_ptr<Optimizer>> MakeSgd(const ResolvedAttrs& attrs) {
  const double learning_rate = attrs.GetFloat("learning_rate");
  if (!(learning_rate > 0) || !std::isfinite(learning_rate)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "learning_rate must be a positive number, got ", learning_rate));
  }
  return std::make_unique<Sgd>(learning_rate);
}

NABLA_REGISTER_OPTIMIZER("SGD")
    .Attr("learning_rate", 0.01)
    .Factory(MakeSgd)
    .Doc("Stochastic gradient descent: w <- w - learning_rate * grad.");

}  // namespace
}  // namespace nabla
