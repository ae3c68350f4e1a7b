// SGD: stochastic gradient descent with optional momentum, Nesterov momentum
// and L2 weight decay, as PyTorch's torch.optim.SGD with dampening 0.
//
// With variable w, gradient g, learning rate lr, momentum mu, weight decay
// wd and momentum buffer b:
//
//   g <- g + wd * w
//   b <- mu * b + g                                  (only when mu > 0)
//   d  = g + mu * b  (nesterov),  b  (mu > 0),  g  (mu = 0)
//   w <- w - lr * d
//
// PyTorch starts the buffer at b = g on the first step, which is what
// b = mu * 0 + g gives from the zero slot.
//
// Slot "momentum" holds b; it exists only when mu > 0.
#include <memory>
#include <string>
#include <vector>

#include "core/optimizer.h"
#include "core/setting_checks.h"
#include "core/status_macros.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

class Sgd : public Optimizer {
 public:
  Sgd(double momentum, bool nesterov, double weight_decay)
      : momentum_(momentum), nesterov_(nesterov), weight_decay_(weight_decay) {}

  bool elementwise() const override { return true; }

  std::vector<std::string> SlotNames() const override {
    if (momentum_ > 0) return {"momentum"};
    return {};
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
    T* w = value.data<T>();
    const T* g = grad.data<T>();
    T* b = momentum_ > 0 ? slots[0]->data<T>() : nullptr;
    const T lr = static_cast<T>(learning_rate);
    const T mu = static_cast<T>(momentum_);
    const T wd = static_cast<T>(weight_decay_);
    const bool decay = weight_decay_ != 0, nesterov = nesterov_;
    if (!decay && b == nullptr) {
      // Plain SGD, the common case, in a loop without branches, which the
      // compiler vectorises (the general loop below it does not).
      VectorizedFor(value.num_elements(), GrainFor(2),
                    [&](int64_t begin, int64_t end) {
                      for (int64_t i = begin; i < end; ++i) w[i] -= lr * g[i];
                    });
      return;
    }
    VectorizedFor(value.num_elements(), GrainFor(4),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t i = begin; i < end; ++i) {
                      T d = decay ? g[i] + wd * w[i] : g[i];
                      if (b != nullptr) {
                        b[i] = mu * b[i] + d;
                        d = nesterov ? d + mu * b[i] : b[i];
                      }
                      w[i] -= lr * d;
                    }
                  });
  }

  double momentum_;
  bool nesterov_;
  double weight_decay_;
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<Optimizer>> MakeSgd(
    const ResolvedAttrs& attrs) {
  const double momentum = attrs.GetFloat("momentum");
  const bool nesterov = attrs.GetBool("nesterov");
  const double weight_decay = attrs.GetFloat("weight_decay");
  NABLA_RETURN_IF_ERROR(CheckNonNegative("momentum", momentum));
  NABLA_RETURN_IF_ERROR(CheckNonNegative("weight_decay", weight_decay));
  if (nesterov && momentum == 0) {
    return absl::InvalidArgumentError(
        "nesterov needs momentum > 0, got momentum 0");
  }
  return std::make_unique<Sgd>(momentum, nesterov, weight_decay);
}

NABLA_REGISTER_OPTIMIZER("SGD")
    .Attr("learning_rate", 0.01)
    .Attr("momentum", 0.0)
    .Attr("nesterov", false)
    .Attr("weight_decay", 0.0)
    .Factory(MakeSgd)
    .Doc(
        "Stochastic gradient descent with optional (Nesterov) momentum and "
        "L2 weight decay, as torch.optim.SGD: b <- momentum * b + grad; "
        "w <- w - learning_rate * b.");

}  // namespace
}  // namespace nabla
