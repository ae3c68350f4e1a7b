// "polynomial": polynomial decay from the optimizer's learning_rate to
// end_learning_rate over decay_steps updates, then constant, as Keras'
// PolynomialDecay without cycle. With t the number of earlier updates:
//
//   s = min(t, decay_steps)
//   rate(t) = (base - end_learning_rate) * (1 - s / decay_steps)^power
//             + end_learning_rate
#include <algorithm>
#include <cmath>
#include <memory>

#include "core/schedule.h"
#include "core/setting_checks.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

class PolynomialSchedule : public LearningRateSchedule {
 public:
  PolynomialSchedule(int64_t decay_steps, double end_learning_rate,
                     double power)
      : decay_steps_(decay_steps),
        end_learning_rate_(end_learning_rate),
        power_(power) {}

  double Rate(int64_t t, double base) const override {
    const double fraction = static_cast<double>(std::min(t, decay_steps_)) /
                            static_cast<double>(decay_steps_);
    return (base - end_learning_rate_) * std::pow(1 - fraction, power_) +
           end_learning_rate_;
  }

 private:
  int64_t decay_steps_;
  double end_learning_rate_;
  double power_;
};

[[nodiscard]] absl::StatusOr<std::unique_ptr<LearningRateSchedule>>
MakePolynomialSchedule(const ResolvedAttrs& attrs) {
  const int64_t decay_steps = attrs.GetInt("decay_steps");
  const double end_learning_rate = attrs.GetFloat("end_learning_rate");
  const double power = attrs.GetFloat("power");
  NABLA_RETURN_IF_ERROR(CheckIntAtLeast("decay_steps", decay_steps, 1));
  NABLA_RETURN_IF_ERROR(
      CheckNonNegative("end_learning_rate", end_learning_rate));
  NABLA_RETURN_IF_ERROR(CheckPositive("power", power));
  return std::make_unique<PolynomialSchedule>(decay_steps, end_learning_rate,
                                              power);
}

NABLA_REGISTER_SCHEDULE("polynomial")
    .RequiredAttr("decay_steps", AttrType::kInt)
    .Attr("end_learning_rate", 0.0001)
    .Attr("power", 1.0)
    .Factory(MakePolynomialSchedule)
    .Doc(
        "(learning_rate - end_learning_rate) * (1 - min(t, decay_steps) / "
        "decay_steps)^power + end_learning_rate; t counts updates from 0.");

}  // namespace
}  // namespace nabla
