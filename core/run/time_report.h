// The tables `train_graph --time` prints, as `caffe time` does: where a
// training step's time goes, node by node and phase by phase, and what its
// buffers hold.
#ifndef NABLA_CORE_RUN_TIME_REPORT_H_
#define NABLA_CORE_RUN_TIME_REPORT_H_

#include <cstddef>
#include <string>

#include "core/profile.h"

namespace nabla {

// Three tables:
//  - per node, sorted by total time (ties in graph order): node, op,
//    forward, backward (gradient kernel plus fan-out sums) and update
//    ms/step, total ms/step and share % of the summed node times;
//  - per phase (forward, backward, update, step): wall ms/step and the sum
//    of its node times, which exceeds the wall time when steps ran in
//    parallel;
//  - per node: output shape and the bytes of its value, gradient, fan-out
//    sum buffers, variable and optimizer slots, then the totals and the
//    peak, in human units.
// Times are divided by profile.steps; with no steps the time tables say so.
// Every node of `profile` and `memory` appears; a node the training plan
// does not compute shows "-".
std::string FormatTimeReport(const Profile& profile, const MemoryPlan& memory);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_TIME_REPORT_H_
