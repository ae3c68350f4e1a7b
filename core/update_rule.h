// UpdateRule: everything that turns a step's gradients into variable
// updates: gradient clipping, the learning-rate schedule with its warm-up,
// and the optimizer.
//
//   NABLA_ASSIGN_OR_RETURN(UpdateRule rule,
//                          MakeUpdateRule(model.training().optimizer()));
//   NABLA_RETURN_IF_ERROR(session->SetTraining("loss", std::move(rule)));
#ifndef NABLA_CORE_UPDATE_RULE_H_
#define NABLA_CORE_UPDATE_RULE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/optimizer.h"
#include "core/schedule.h"
#include "core/tensor.h"
#include "proto/model.pb.h"

namespace nabla {

// 0 turns each off.
struct GradientClipping {
  // Clamp every gradient element to [-value, value].
  double value = 0;
  // Then scale all gradients by norm / (their global L2 norm) when that
  // norm is larger.
  double norm = 0;
};

class UpdateRule {
 public:
  // A null `schedule` keeps the rate constant.
  UpdateRule(std::string optimizer_name, std::unique_ptr<Optimizer> optimizer,
             double learning_rate,
             std::unique_ptr<LearningRateSchedule> schedule = nullptr,
             int64_t warmup_steps = 0, GradientClipping clipping = {});

  const std::string& optimizer_name() const { return optimizer_name_; }
  const Optimizer& optimizer() const { return *optimizer_; }
  const GradientClipping& clipping() const { return clipping_; }

  // The rate of update t (0-based): warm-up, then the schedule.
  double LearningRate(int64_t t) const;

  // Clips `grads` in place, as clipping() says. The global norm is summed in
  // the order given, so the result does not depend on threads.
  void ClipGradients(absl::Span<Tensor* const> grads) const;

 private:
  std::string optimizer_name_;
  std::unique_ptr<Optimizer> optimizer_;
  double learning_rate_;
  std::unique_ptr<LearningRateSchedule> schedule_;
  int64_t warmup_steps_;
  GradientClipping clipping_;
};

// The rule an OptimizerConfig describes. Errors name the optimizer, the
// schedule or the clipping setting that is wrong.
[[nodiscard]] absl::StatusOr<UpdateRule> MakeUpdateRule(
    const OptimizerConfig& config);

}  // namespace nabla

#endif  // NABLA_CORE_UPDATE_RULE_H_
