// AdaGrad (Duchi, Hazan & Singer, 2011), as PyTorch's torch.optim.Adagrad
// without lr_decay (the "inverse_time" schedule gives the same decay).
//
// With variable w, gradient g, learning rate lr, weight decay wd, initial
// accumulator value s0 and sum of squared gradients s:
//
//   g <- g + wd * w
//   s <- s + g^2
//   w <- w - lr * g / (sqrt(s0 + s) + epsilon)
//
// PyTorch keeps s0 + s in its state. Here the slot holds s alone, so it
// starts at zero like every slot and s0 is added where it is read: no step
// is special, and a session restored from a checkpoint or given a new
// update rule mid-training stays correct.
//
// Slot: "sum_of_squares" (s).
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

class AdaGrad : public Optimizer {
 public:
  AdaGrad(double epsilon, double initial_accumulator_value, double weight_decay)
      : epsilon_(epsilon),
        initial_accumulator_value_(initial_accumulator_value),
        weight_decay_(weight_decay) {}

  bool elementwise() const override { return true; }

  std::vector<std::string> SlotNames() const override {
    return {"sum_of_squares"};
  }

  void Apply(const UpdateContext& update, Tensor& value, const Tensor& grad,
             absl::Span<Tensor* const> slots) const override {
    DispatchFloat(value.dtype(), [&](auto zero) {
      Update<decltype(zero)>(update.learning_rate, value, grad, *slots[0]);
    });
  }

 private:
  template <typename T>
  void Update(double learning_rate, Tensor& value, const Tensor& grad,
              Tensor& sum_of_squares) const {
    const T lr = static_cast<T>(learning_rate);
    const T epsilon = static_cast<T>(epsilon_);
    const T s0 = static_cast<T>(initial_accumulator_value_);
    const T wd = static_cast<T>(weight_decay_);
    const bool decay = weight_decay_ != 0;
    T* w = value.data<T>();
    const T* g = grad.data<T>();
    T* s = sum_of_squares.data<T>();
    VectorizedFor(value.num_elements(), GrainFor(16),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t i = begin; i < end; ++i) {
                      const T gi = decay ? g[i] + wd * w[i] : g[i];
                      s[i] += gi * gi;
                      w[i] -= lr * gi / (std::sqrt(s0 + s[i]) + epsilon);
                    }
                  });
  }

  double epsilon_, initial_accumulator_value_, weight_decay_;
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<Optimizer>> MakeAdaGrad(
    const ResolvedAttrs& attrs) {
  const double epsilon = attrs.GetFloat("epsilon");
  const double initial = attrs.GetFloat("initial_accumulator_value");
  const double weight_decay = attrs.GetFloat("weight_decay");
  NABLA_RETURN_IF_ERROR(CheckPositive("epsilon", epsilon));
  NABLA_RETURN_IF_ERROR(CheckNonNegative("initial_accumulator_value", initial));
  NABLA_RETURN_IF_ERROR(CheckNonNegative("weight_decay", weight_decay));
  return std::make_unique<AdaGrad>(epsilon, initial, weight_decay);
}

NABLA_REGISTER_OPTIMIZER("AdaGrad")
    .Attr("learning_rate", 0.01)
    .Attr("epsilon", 1e-10)
    .Attr("initial_accumulator_value", 0.0)
    .Attr("weight_decay", 0.0)
    .Factory(MakeAdaGrad)
    .Doc(
        "AdaGrad, as torch.optim.Adagrad: s <- s + grad^2; w <- w - "
        "learning_rate * grad / (sqrt(initial_accumulator_value + s) + "
        "epsilon).");

}  // namespace
}  // namespace nabla
