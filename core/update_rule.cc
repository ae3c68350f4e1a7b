#include "core/update_rule.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/setting_checks.h"
#include "core/status_macros.h"

namespace nabla {

UpdateRule::UpdateRule(std::string optimizer_name,
                       std::unique_ptr<Optimizer> optimizer,
                       double learning_rate,
                       std::unique_ptr<LearningRateSchedule> schedule,
                       int64_t warmup_steps, GradientClipping clipping)
    : optimizer_name_(std::move(optimizer_name)),
      optimizer_(std::move(optimizer)),
      learning_rate_(learning_rate),
      schedule_(std::move(schedule)),
      warmup_steps_(warmup_steps),
      clipping_(clipping) {}

double UpdateRule::LearningRate(int64_t t) const {
  auto scheduled = [&](int64_t u) {
    return schedule_ == nullptr ? learning_rate_
                                : schedule_->Rate(u, learning_rate_);
  };
  if (t < warmup_steps_) {
    return scheduled(0) * static_cast<double>(t + 1) /
           static_cast<double>(warmup_steps_);
  }
  return scheduled(t - warmup_steps_);
}

void UpdateRule::ClipGradients(absl::Span<Tensor* const> grads) const {
  if (clipping_.value > 0) {
    for (Tensor* grad : grads) {
      DispatchFloat(grad->dtype(), [&](auto zero) {
        using T = decltype(zero);
        // The largest T not above the setting: float32 rounds 0.3 up.
        T limit = static_cast<T>(clipping_.value);
        if (limit > clipping_.value) limit = std::nextafter(limit, T{0});
        T* g = grad->data<T>();
        for (int64_t i = 0; i < grad->num_elements(); ++i) {
          g[i] = std::clamp(g[i], -limit, limit);
        }
      });
    }
  }
  if (clipping_.norm > 0) {
    double squares = 0;
    for (const Tensor* grad : grads) {
      DispatchFloat(grad->dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* g = grad->data<T>();
        for (int64_t i = 0; i < grad->num_elements(); ++i) {
          squares += static_cast<double>(g[i]) * static_cast<double>(g[i]);
        }
      });
    }
    const double norm = std::sqrt(squares);
    if (!(norm > clipping_.norm)) return;  // also leaves NaN for the trainer
    const double scale = clipping_.norm / norm;
    for (Tensor* grad : grads) {
      DispatchFloat(grad->dtype(), [&](auto zero) {
        using T = decltype(zero);
        T* g = grad->data<T>();
        for (int64_t i = 0; i < grad->num_elements(); ++i) {
          g[i] = static_cast<T>(g[i] * scale);
        }
      });
    }
  }
}

[[nodiscard]] absl::StatusOr<UpdateRule> MakeUpdateRule(
    const OptimizerConfig& config) {
  NABLA_ASSIGN_OR_RETURN(MadeOptimizer made, MakeOptimizer(config));
  NABLA_RETURN_IF_ERROR(
      CheckNonNegative("training.optimizer.clip_value", config.clip_value()));
  NABLA_RETURN_IF_ERROR(
      CheckNonNegative("training.optimizer.clip_norm", config.clip_norm()));
  const ScheduleConfig& schedule_config = config.schedule();
  if (schedule_config.warmup_steps() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training.optimizer.schedule.warmup_steps must be >= 0, got ",
        schedule_config.warmup_steps()));
  }
  std::unique_ptr<LearningRateSchedule> schedule;
  if (!schedule_config.name().empty()) {
    NABLA_ASSIGN_OR_RETURN(
        schedule, ScheduleRegistry::Global().Make(schedule_config.name(),
                                                  schedule_config.attr()));
  }
  return UpdateRule(config.name(), std::move(made.optimizer),
                    made.learning_rate, std::move(schedule),
                    schedule_config.warmup_steps(),
                    {config.clip_value(), config.clip_norm()});
}

}  // namespace nabla
