// AdaDelta (Zeiler, 2012), as PyTorch's torch.optim.Adadelta.
//
// With variable w, gradient g, learning rate lr, weight decay wd, mean
// square gradient s and mean square update u:
//
//   g <- g + wd * w
//   s <- rho * s + (1 - rho) * g^2
//   d  = sqrt(u + epsilon) / sqrt(s + epsilon) * g
//   u <- rho * u + (1 - rho) * d^2
//   w <- w - lr * d
//
// Zeiler's rule has no learning rate (lr = 1, the default).
//
// Slots: "mean_square" (s) and "mean_square_update" (u).
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

class AdaDelta : public Optimizer {
 public:
  AdaDelta(double rho, double epsilon, double weight_decay)
      : rho_(rho), epsilon_(epsilon), weight_decay_(weight_decay) {}

  bool elementwise() const override { return true; }

  std::vector<std::string> SlotNames() const override {
    return {"mean_square", "mean_square_update"};
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
    const T wd = static_cast<T>(weight_decay_);
    const bool decay = weight_decay_ != 0;
    T* w = value.data<T>();
    const T* g = grad.data<T>();
    T* s = slots[0]->data<T>();
    T* u = slots[1]->data<T>();
    VectorizedFor(
        value.num_elements(), GrainFor(24), [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) {
            const T gi = decay ? g[i] + wd * w[i] : g[i];
            s[i] = rho * s[i] + one_minus_rho * gi * gi;
            const T d =
                std::sqrt(u[i] + epsilon) / std::sqrt(s[i] + epsilon) * gi;
            u[i] = rho * u[i] + one_minus_rho * d * d;
            w[i] -= lr * d;
          }
        });
  }

  double rho_, epsilon_, weight_decay_;
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<Optimizer>> MakeAdaDelta(
    const ResolvedAttrs& attrs) {
  const double rho = attrs.GetFloat("rho");
  const double epsilon = attrs.GetFloat("epsilon");
  const double weight_decay = attrs.GetFloat("weight_decay");
  NABLA_RETURN_IF_ERROR(CheckInUnitInterval("rho", rho));
  NABLA_RETURN_IF_ERROR(CheckPositive("epsilon", epsilon));
  NABLA_RETURN_IF_ERROR(CheckNonNegative("weight_decay", weight_decay));
  return std::make_unique<AdaDelta>(rho, epsilon, weight_decay);
}

NABLA_REGISTER_OPTIMIZER("AdaDelta")
    .Attr("learning_rate", 1.0)
    .Attr("rho", 0.9)
    .Attr("epsilon", 1e-6)
    .Attr("weight_decay", 0.0)
    .Factory(MakeAdaDelta)
    .Doc(
        "AdaDelta, as torch.optim.Adadelta: d = sqrt(u + epsilon) / sqrt(s "
        "+ epsilon) * grad with s, u moving averages of grad^2 and d^2; w "
        "<- w - learning_rate * d.");

}  // namespace
}  // namespace nabla
