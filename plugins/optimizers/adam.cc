// Adam (Kingma & Ba, 2015) with the AMSGrad variant (Reddi et al., 2018),
// as PyTorch's torch.optim.Adam; AdamW (adamw.cc) shares this update.
//
// With variable w, gradient g, learning rate lr, 1-based step t, weight
// decay wd, first moment m, second moment v and its running maximum v_max:
//
//   g <- g + wd * w                     (Adam: L2 penalty in the gradient)
//   w <- w * (1 - lr * wd)              (AdamW: decoupled, instead)
//   m <- beta1 * m + (1 - beta1) * g
//   v <- beta2 * v + (1 - beta2) * g^2
//   v_max <- max(v_max, v)              (amsgrad; v_max replaces v below)
//   m_hat = m / (1 - beta1^t)
//   v_hat = v / (1 - beta2^t)
//   w <- w - lr * m_hat / (sqrt(v_hat) + epsilon)
//
// As PyTorch, the last line is computed as
//   w <- w - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// with both bias corrections computed in double once per update.
//
// Slots: "first_moment" (m), "second_moment" (v) and, with amsgrad,
// "max_second_moment" (v_max).
#include "plugins/optimizers/adam.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/setting_checks.h"
#include "core/status_macros.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

// Adam without weight decay or AMSGrad on n elements. The arrays never
// overlap, and saying so (restrict) lets the compiler vectorise the loop.
template <typename T>
void PlainAdamStep(int64_t n, T* __restrict w, const T* __restrict g,
                   T* __restrict m, T* __restrict v, T beta1, T one_minus_beta1,
                   T beta2, T one_minus_beta2, T step_size, T correction2_sqrt,
                   T epsilon) {
  for (int64_t i = 0; i < n; ++i) {
    m[i] = beta1 * m[i] + one_minus_beta1 * g[i];
    v[i] = beta2 * v[i] + one_minus_beta2 * g[i] * g[i];
    w[i] -= step_size * m[i] / (std::sqrt(v[i]) / correction2_sqrt + epsilon);
  }
}

class Adam : public Optimizer {
 public:
  explicit Adam(const AdamSettings& settings) : s_(settings) {}

  bool elementwise() const override { return true; }

  std::vector<std::string> SlotNames() const override {
    std::vector<std::string> names = {"first_moment", "second_moment"};
    if (s_.amsgrad) names.push_back("max_second_moment");
    return names;
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
    const double t = static_cast<double>(update.step);
    const double lr = update.learning_rate;
    const T step_size = static_cast<T>(lr / (1 - std::pow(s_.beta1, t)));
    const T correction2_sqrt =
        static_cast<T>(std::sqrt(1 - std::pow(s_.beta2, t)));
    const T beta1 = static_cast<T>(s_.beta1);
    const T beta2 = static_cast<T>(s_.beta2);
    const T one_minus_beta1 = static_cast<T>(1 - s_.beta1);
    const T one_minus_beta2 = static_cast<T>(1 - s_.beta2);
    const T epsilon = static_cast<T>(s_.epsilon);
    const T wd = static_cast<T>(s_.weight_decay);
    const T shrink = static_cast<T>(1 - lr * s_.weight_decay);
    const bool coupled = !s_.decoupled_weight_decay && s_.weight_decay != 0;
    const bool decoupled = s_.decoupled_weight_decay && s_.weight_decay != 0;
    T* w = value.data<T>();
    const T* g = grad.data<T>();
    T* m = slots[0]->data<T>();
    T* v = slots[1]->data<T>();
    T* v_max = s_.amsgrad ? slots[2]->data<T>() : nullptr;
    if (!coupled && !decoupled && v_max == nullptr) {
      // The usual settings, without the branches below, so that the loop
      // vectorises: the same arithmetic, so the same results.
      VectorizedFor(value.num_elements(), GrainFor(4),
                    [&](int64_t begin, int64_t end) {
                      PlainAdamStep<T>(end - begin, w + begin, g + begin,
                                       m + begin, v + begin, beta1,
                                       one_minus_beta1, beta2, one_minus_beta2,
                                       step_size, correction2_sqrt, epsilon);
                    });
      return;
    }
    VectorizedFor(value.num_elements(), GrainFor(16),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t i = begin; i < end; ++i) {
                      const T gi = coupled ? g[i] + wd * w[i] : g[i];
                      if (decoupled) w[i] *= shrink;
                      m[i] = beta1 * m[i] + one_minus_beta1 * gi;
                      v[i] = beta2 * v[i] + one_minus_beta2 * gi * gi;
                      T second = v[i];
                      if (v_max != nullptr)
                        second = v_max[i] = std::max(v_max[i], v[i]);
                      w[i] -= step_size * m[i] /
                              (std::sqrt(second) / correction2_sqrt + epsilon);
                    }
                  });
  }

  AdamSettings s_;
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<Optimizer>> MakeAdam(
    const ResolvedAttrs& attrs) {
  NABLA_ASSIGN_OR_RETURN(AdamSettings settings,
                         ReadAdamSettings(attrs, /*decoupled=*/false));
  return MakeAdamOptimizer(settings);
}

NABLA_REGISTER_OPTIMIZER("Adam")
    .Attr("learning_rate", 0.001)
    .Attr("beta1", 0.9)
    .Attr("beta2", 0.999)
    .Attr("epsilon", 1e-8)
    .Attr("weight_decay", 0.0)
    .Attr("amsgrad", false)
    .Factory(MakeAdam)
    .Doc(
        "Adam with bias correction, as torch.optim.Adam: m and v are moving "
        "averages of grad and grad^2; w <- w - learning_rate * m_hat / "
        "(sqrt(v_hat) + epsilon). weight_decay adds weight_decay * w to the "
        "gradient; amsgrad uses the running maximum of v.");

}  // namespace

[[nodiscard]] absl::StatusOr<AdamSettings> ReadAdamSettings(
    const ResolvedAttrs& attrs, bool decoupled_weight_decay) {
  AdamSettings s;
  s.beta1 = attrs.GetFloat("beta1");
  s.beta2 = attrs.GetFloat("beta2");
  s.epsilon = attrs.GetFloat("epsilon");
  s.weight_decay = attrs.GetFloat("weight_decay");
  s.amsgrad = attrs.GetBool("amsgrad");
  s.decoupled_weight_decay = decoupled_weight_decay;
  NABLA_RETURN_IF_ERROR(CheckInUnitInterval("beta1", s.beta1));
  NABLA_RETURN_IF_ERROR(CheckInUnitInterval("beta2", s.beta2));
  NABLA_RETURN_IF_ERROR(CheckPositive("epsilon", s.epsilon));
  NABLA_RETURN_IF_ERROR(CheckNonNegative("weight_decay", s.weight_decay));
  return s;
}

std::unique_ptr<Optimizer> MakeAdamOptimizer(const AdamSettings& settings) {
  return std::make_unique<Adam>(settings);
}

}  // namespace nabla
