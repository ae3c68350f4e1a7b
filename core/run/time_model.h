// What `train_graph --time` does, as `caffe time`: times training steps of
// a model node by node and reports where the time and the memory go.
#ifndef NABLA_CORE_RUN_TIME_MODEL_H_
#define NABLA_CORE_RUN_TIME_MODEL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/session.h"

namespace nabla {

// Runs `warmup` training steps on `feeds` untimed (they build the plan and
// warm up the thread pool), then `iterations` steps with profiling on, and
// returns a report: the feeds, the wall time per TrainStep, the clock's
// own cost per timed step (which dominates the times of tiny graphs), then
// FormatTimeReport() of the profile and of the training plan's memory.
//
// The steps are real: they update the variables and the step count, as
// `caffe time` does. The session's profile is reset first, and its
// profiling setting is restored at the end (also on error).
//
// REQUIRES: session.SetTraining() succeeded (else FailedPrecondition).
// InvalidArgument for iterations < 1 or warmup < 0; a failing step's error
// is returned with the iteration that failed.
//
//   NABLA_ASSIGN_OR_RETURN(std::string report,
//                          TimeModel(*session, feeds, 50, 5));
//   std::printf("%s", report.c_str());
[[nodiscard]] absl::StatusOr<std::string> TimeModel(
    Session& session, absl::Span<const Feed> feeds, int iterations, int warmup);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_TIME_MODEL_H_
