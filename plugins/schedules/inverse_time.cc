// "inverse_time": inverse time decay, as Keras' InverseTimeDecay. With t
// the number of earlier updates:
//
//   rate(t) = base / (1 + decay_rate * t / decay_steps)
//
// With staircase, t / decay_steps is rounded down. decay_steps 1 gives
// PyTorch Adagrad's lr_decay.
#include <memory>

#include "core/schedule.h"
#include "core/status_macros.h"
#include "core/setting_checks.h"

namespace nabla {
namespace {

class InverseTimeSchedule : public LearningRateSchedule {
 public:
  InverseTimeSchedule(double decay_rate, int64_t decay_steps, bool staircase)
      : decay_rate_(decay_rate),
        decay_steps_(decay_steps),
        staircase_(staircase) {}

  double Rate(int64_t t, double base) const override {
    const double periods =
        staircase_ ? static_cast<double>(t / decay_steps_)
                   : static_cast<double>(t) / static_cast<double>(decay_steps_);
    return base / (1 + decay_rate_ * periods);
  }

 private:
  double decay_rate_;
  int64_t decay_steps_;
  bool staircase_;
};

absl::StatusOr<std::unique_ptr<LearningRateSchedule>> MakeInverseTimeSchedule(
    const ResolvedAttrs& attrs) {
  const double decay_rate = attrs.GetFloat("decay_rate");
  const int64_t decay_steps = attrs.GetInt("decay_steps");
  NABLA_RETURN_IF_ERROR(CheckPositive("decay_rate", decay_rate));
  NABLA_RETURN_IF_ERROR(CheckIntAtLeast("decay_steps", decay_steps, 1));
  return std::make_unique<InverseTimeSchedule>(decay_rate, decay_steps,
                                               attrs.GetBool("staircase"));
}

NABLA_REGISTER_SCHEDULE("inverse_time")
    .RequiredAttr("decay_rate", AttrType::kFloat)
    .Attr("decay_steps", 1)
    .Attr("staircase", false)
    .Factory(MakeInverseTimeSchedule)
    .Doc(
        "learning_rate / (1 + decay_rate * t / decay_steps), the quotient "
        "rounded down with staircase; t counts updates from 0.");

}  // namespace
}  // namespace nabla
