// "inverse_time": inverse time decay, as Keras' InverseTimeDecay. With t
// the number of earlier updates:
//
//   rate(t) = base / (1 + decay_rate * t / decay_steps)
//
// With staircase, t / decay_steps is rounded down. decay_steps 1 gives
// PyTorch Adagrad's lr_decay.

#include "core/schedule.h"
#include "plugins/schedules/time_decay.h"

namespace nabla {
namespace {

double InverseTime(double base, double decay_rate, double periods) {
  return base / (1 + decay_rate * periods);
}

NABLA_REGISTER_SCHEDULE("inverse_time")
    .AttrGroup(TimeDecayAttrs)
    .Factory(MakeTimeDecay<InverseTime>)
    .Doc(
        "learning_rate / (1 + decay_rate * t / decay_steps), the quotient "
        "rounded down with staircase; t counts updates from 0.");

}  // namespace
}  // namespace nabla
