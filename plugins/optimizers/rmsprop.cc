// RMSProp (Tieleman & Hinton, 2012; centered form from Graves, 2013), as
// PyTorch's torch.optim.RMSprop, whose `alpha` is `rho` here.
//
// With variable w, gradient g, learning rate lr, weight decay wd, momentum
// mu, mean square s, mean gradient a and momentum buffer b:
//
//   g <- g + wd * w
//   s <- rho * s + (1 - rho) * g^2
//   a <- rho * a + (1 - rho) * g                    (only when centered)
//   d  = sqrt(s - a^2) + epsilon  (centered),  sqrt(s) + epsilon  (not)
//   b <- mu * b + g / d;  w <- w - lr * b           (when mu > 0)
//   w <- w - lr * g / d                             (when mu = 0)
//
// s - a^2 >= 0 in exact arithmetic (a weighted mean's square is at most the
// weighted mean of the squares); it is clamped at 0 so that rounding cannot
// take the square root of a negative number.
//
// Slots: "mean_square" (s), then "mean_gradient" (a) when centered, then
// "momentum" (b) when mu > 0.
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

class RmsProp : public Optimizer {
 public:
  RmsProp(double rho, double epsilon, double momentum, bool centered,
          double weight_decay)
      : rho_(rho),
        epsilon_(epsilon),
        momentum_(momentum),
        centered_(centered),
        weight_decay_(weight_decay) {}

  bool elementwise() const override { return true; }

  std::vector<std::string> SlotNames() const override {
    std::vector<std::string> names = {"mean_square"};
    if (centered_) names.push_back("mean_gradient");
    if (momentum_ > 0) names.push_back("momentum");
    return names;
  }

  void Apply(const UpdateContext& update, Tensor& value, const Tensor& grad,
             absl::Span<Tensor* const> slots) const override {
    DispatchFloat(value.dtype(), [&](auto zero) {
      Update<decltype(zero)>(update.learning_rate, value, grad, slots);
    });
  }

 private:
  template <typename T>
  void Update(double learning_rate, Tensor& value, const Tensor& grad,
              absl::Span<Tensor* const> slots) const {
    const T lr = static_cast<T>(learning_rate);
    const T rho = static_cast<T>(rho_);
    const T one_minus_rho = static_cast<T>(1 - rho_);
    const T epsilon = static_cast<T>(epsilon_);
    const T mu = static_cast<T>(momentum_);
    const T wd = static_cast<T>(weight_decay_);
    const bool decay = weight_decay_ != 0;
    T* w = value.data<T>();
    const T* g = grad.data<T>();
    T* s = slots[0]->data<T>();
    T* a = centered_ ? slots[1]->data<T>() : nullptr;
    T* b = momentum_ > 0 ? slots[centered_ ? 2 : 1]->data<T>() : nullptr;
    VectorizedFor(value.num_elements(), GrainFor(16),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t i = begin; i < end; ++i) {
                      const T gi = decay ? g[i] + wd * w[i] : g[i];
                      s[i] = rho * s[i] + one_minus_rho * gi * gi;
                      T variance = s[i];
                      if (a != nullptr) {
                        a[i] = rho * a[i] + one_minus_rho * gi;
                        variance = std::max(T(0), s[i] - a[i] * a[i]);
                      }
                      const T d = std::sqrt(variance) + epsilon;
                      if (b != nullptr) {
                        b[i] = mu * b[i] + gi / d;
                        w[i] -= lr * b[i];
                      } else {
                        w[i] -= lr * gi / d;
                      }
                    }
                  });
  }

  double rho_, epsilon_, momentum_;
  bool centered_;
  double weight_decay_;
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<Optimizer>> MakeRmsProp(
    const ResolvedAttrs& attrs) {
  const double rho = attrs.GetFloat("rho");
  const double epsilon = attrs.GetFloat("epsilon");
  const double momentum = attrs.GetFloat("momentum");
  const double weight_decay = attrs.GetFloat("weight_decay");
  NABLA_RETURN_IF_ERROR(CheckInUnitInterval("rho", rho));
  NABLA_RETURN_IF_ERROR(CheckPositive("epsilon", epsilon));
  NABLA_RETURN_IF_ERROR(CheckNonNegative("momentum", momentum));
  NABLA_RETURN_IF_ERROR(CheckNonNegative("weight_decay", weight_decay));
  return std::make_unique<RmsProp>(rho, epsilon, momentum,
                                   attrs.GetBool("centered"), weight_decay);
}

NABLA_REGISTER_OPTIMIZER("RMSProp")
    .Attr("learning_rate", 0.01)
    .Attr("rho", 0.99)
    .Attr("epsilon", 1e-8)
    .Attr("momentum", 0.0)
    .Attr("centered", false)
    .Attr("weight_decay", 0.0)
    .Factory(MakeRmsProp)
    .Doc(
        "RMSProp, as torch.optim.RMSprop (rho is its alpha): s <- rho * s + "
        "(1 - rho) * grad^2; w <- w - learning_rate * grad / (sqrt(s) + "
        "epsilon), optionally centered and with momentum.");

}  // namespace
}  // namespace nabla
