// "exponential": exponential decay, as Keras' ExponentialDecay. With t the
// number of earlier updates:
//
//   rate(t) = base * decay_rate^(t / decay_steps)
//
// With staircase, t / decay_steps is rounded down, so the rate changes
// every decay_steps updates.
#include <cmath>

#include "core/schedule.h"
#include "plugins/schedules/time_decay.h"

namespace nabla {
namespace {

double Exponential(double base, double decay_rate, double periods) {
  return base * std::pow(decay_rate, periods);
}

NABLA_REGISTER_SCHEDULE("exponential")
    .AttrGroup(TimeDecayAttrs)
    .Factory(MakeTimeDecay<Exponential>)
    .Doc(
        "learning_rate * decay_rate^(t / decay_steps), the exponent rounded "
        "down with staircase; t counts updates from 0.");

}  // namespace
}  // namespace nabla
