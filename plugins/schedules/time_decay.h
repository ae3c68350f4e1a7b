// What the "exponential" and "inverse_time" schedules share: both decay
// the rate with the number of decay periods t / decay_steps that update t
// is into (rounded down with staircase), and take the same settings
// decay_rate, decay_steps and staircase. Each supplies its formula:
//
//   double Exponential(double base, double rate, double periods) {
//     return base * std::pow(rate, periods);
//   }
//   .Factory(MakeTimeDecay<Exponential>)
#ifndef NABLA_PLUGINS_SCHEDULES_TIME_DECAY_H_
#define NABLA_PLUGINS_SCHEDULES_TIME_DECAY_H_

#include <cstdint>
#include <memory>

#include "core/schedule.h"
#include "core/setting_checks.h"
#include "core/status_macros.h"

namespace nabla {

using DecayFormula = double (*)(double base, double decay_rate, double periods);

class TimeDecaySchedule : public LearningRateSchedule {
 public:
  TimeDecaySchedule(DecayFormula formula, double decay_rate,
                    int64_t decay_steps, bool staircase)
      : formula_(formula),
        decay_rate_(decay_rate),
        decay_steps_(decay_steps),
        staircase_(staircase) {}

  double Rate(int64_t t, double base) const override {
    const double periods =
        staircase_ ? static_cast<double>(t / decay_steps_)
                   : static_cast<double>(t) / static_cast<double>(decay_steps_);
    return formula_(base, decay_rate_, periods);
  }

 private:
  DecayFormula formula_;
  double decay_rate_;
  int64_t decay_steps_;
  bool staircase_;
};

// The factory of a schedule declared with TimeDecayAttrs().
template <DecayFormula formula>
[[nodiscard]] absl::StatusOr<std::unique_ptr<LearningRateSchedule>>
MakeTimeDecay(const ResolvedAttrs& attrs) {
  const double decay_rate = attrs.GetFloat("decay_rate");
  const int64_t decay_steps = attrs.GetInt("decay_steps");
  NABLA_RETURN_IF_ERROR(CheckPositive("decay_rate", decay_rate));
  NABLA_RETURN_IF_ERROR(CheckIntAtLeast("decay_steps", decay_steps, 1));
  return std::make_unique<TimeDecaySchedule>(formula, decay_rate, decay_steps,
                                             attrs.GetBool("staircase"));
}

// Declares decay_rate (required), decay_steps = 1 and staircase = false.
inline void TimeDecayAttrs(ScheduleDef& def) {
  def.RequiredAttr("decay_rate", AttrType::kFloat)
      .Attr("decay_steps", 1)
      .Attr("staircase", false);
}

}  // namespace nabla

#endif  // NABLA_PLUGINS_SCHEDULES_TIME_DECAY_H_
