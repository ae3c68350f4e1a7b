// "step": multiply the rate by gamma every step_size updates, as PyTorch's
// StepLR stepped once per update. With t the number of earlier updates:
//
//   rate(t) = base * gamma^floor(t / step_size)
#include <cmath>
#include <memory>

#include "core/schedule.h"
#include "core/setting_checks.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

class StepSchedule : public LearningRateSchedule {
 public:
  StepSchedule(int64_t step_size, double gamma)
      : step_size_(step_size), gamma_(gamma) {}

  double Rate(int64_t t, double base) const override {
    return base * std::pow(gamma_, static_cast<double>(t / step_size_));
  }

 private:
  int64_t step_size_;
  double gamma_;
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<LearningRateSchedule>>
MakeStepSchedule(const ResolvedAttrs& attrs) {
  const int64_t step_size = attrs.GetInt("step_size");
  const double gamma = attrs.GetFloat("gamma");
  NABLA_RETURN_IF_ERROR(CheckIntAtLeast("step_size", step_size, 1));
  NABLA_RETURN_IF_ERROR(CheckPositive("gamma", gamma));
  return std::make_unique<StepSchedule>(step_size, gamma);
}

NABLA_REGISTER_SCHEDULE("step")
    .RequiredAttr("step_size", AttrType::kInt)
    .Attr("gamma", 0.1)
    .Factory(MakeStepSchedule)
    .Doc(
        "learning_rate * gamma^floor(t / step_size), t counting updates "
        "from 0.");

}  // namespace
}  // namespace nabla
