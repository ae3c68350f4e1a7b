// Adamax: Adam with the infinity norm (Kingma & Ba, 2015, section 7.1), as
// PyTorch's torch.optim.Adamax.
//
// With variable w, gradient g, learning rate lr, 1-based step t, weight
// decay wd, first moment m and exponentially weighted infinity norm u:
//
//   g <- g + wd * w
//   m <- beta1 * m + (1 - beta1) * g
//   u <- max(beta2 * u, |g| + epsilon)
//   w <- w - (lr / (1 - beta1^t)) * m / u
//
// The bias correction 1 - beta1^t is computed in double once per update.
// epsilon > 0 keeps u > 0.
//
// Slots: "first_moment" (m) and "infinity_norm" (u).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/optimizer.h"
#include "core/setting_checks.h"
#include "core/status_macros.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

class Adamax : public Optimizer {
 public:
  Adamax(double beta1, double beta2, double epsilon, double weight_decay)
      : beta1_(beta1),
        beta2_(beta2),
        epsilon_(epsilon),
        weight_decay_(weight_decay) {}

  bool elementwise() const override { return true; }

  std::vector<std::string> SlotNames() const override {
    return {"first_moment", "infinity_norm"};
  }

  void Apply(const UpdateContext& update, Tensor& value, const Tensor& grad,
             absl::Span<Tensor* const> slots) const override {
    DispatchFloat(value.dtype(), [&](auto zero) {
      Update<decltype(zero)>(update, value, grad, slots);
    });
  }

 private:
  template <typename T>
  void Update(const UpdateContext& update, Tensor& value, const Tensor& grad,
              absl::Span<Tensor* const> slots) const {
    const double correction1 =
        1 - std::pow(beta1_, static_cast<double>(update.step));
    const T step_size = static_cast<T>(update.learning_rate / correction1);
    const T beta1 = static_cast<T>(beta1_);
    const T one_minus_beta1 = static_cast<T>(1 - beta1_);
    const T beta2 = static_cast<T>(beta2_);
    const T epsilon = static_cast<T>(epsilon_);
    const T wd = static_cast<T>(weight_decay_);
    const bool decay = weight_decay_ != 0;
    T* w = value.data<T>();
    const T* g = grad.data<T>();
    T* m = slots[0]->data<T>();
    T* u = slots[1]->data<T>();
    VectorizedFor(value.num_elements(), GrainFor(8),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t i = begin; i < end; ++i) {
                      const T gi = decay ? g[i] + wd * w[i] : g[i];
                      m[i] = beta1 * m[i] + one_minus_beta1 * gi;
                      u[i] = std::max(beta2 * u[i], std::abs(gi) + epsilon);
                      w[i] -= step_size * m[i] / u[i];
                    }
                  });
  }

  double beta1_, beta2_, epsilon_, weight_decay_;
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<Optimizer>> MakeAdamax(
    const ResolvedAttrs& attrs) {
  const double beta1 = attrs.GetFloat("beta1");
  const double beta2 = attrs.GetFloat("beta2");
  const double epsilon = attrs.GetFloat("epsilon");
  const double weight_decay = attrs.GetFloat("weight_decay");
  NABLA_RETURN_IF_ERROR(CheckInUnitInterval("beta1", beta1));
  NABLA_RETURN_IF_ERROR(CheckInUnitInterval("beta2", beta2));
  NABLA_RETURN_IF_ERROR(CheckPositive("epsilon", epsilon));
  NABLA_RETURN_IF_ERROR(CheckNonNegative("weight_decay", weight_decay));
  return std::make_unique<Adamax>(beta1, beta2, epsilon, weight_decay);
}

NABLA_REGISTER_OPTIMIZER("Adamax")
    .Attr("learning_rate", 0.002)
    .Attr("beta1", 0.9)
    .Attr("beta2", 0.999)
    .Attr("epsilon", 1e-8)
    .Attr("weight_decay", 0.0)
    .Factory(MakeAdamax)
    .Doc(
        "Adamax, Adam with the infinity norm, as torch.optim.Adamax: u <- "
        "max(beta2 * u, |grad| + epsilon); w <- w - learning_rate / (1 - "
        "beta1^t) * m / u.");

}  // namespace
}  // namespace nabla
