// The best epoch of a run by one validation figure: what early stopping
// and the best checkpoint (save_best) watch.
//
//   NABLA_ASSIGN_OR_RETURN(MonitorSettings monitor,
//                          ResolveMonitor(request, targets, "m.pbtxt"));
//   BestEpoch best;
//   for (each epoch's record) {
//     if (Improve(monitor, record, best)) save the best checkpoint;
//     if (ShouldStop(monitor, record.epoch, best)) break;
//   }
#ifndef NABLA_CORE_RUN_BEST_EPOCH_H_
#define NABLA_CORE_RUN_BEST_EPOCH_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/run/epoch_record.h"
#include "core/run/evaluation.h"
#include "proto/model.pb.h"

namespace nabla {

// What is watched, resolved and checked.
struct MonitorSettings {
  // "loss" or a validation metric's name ("accuracy", "f1", "mse").
  std::string metric = "loss";
  bool maximize = false;
  double min_delta = 0;
  // Epochs without improvement that end the run; 0: never.
  int64_t patience = 0;
};

// The monitor as a model's training section (or its overrides) asks.
struct MonitorRequest {
  MonitorConfig config;
  int64_t patience = 0;
};

// Checks the request against the figures the validation reports (the
// loss, and the metrics of `targets`): an unknown metric, a negative
// patience or min_delta, or an unknown mode is InvalidArgument starting
// with `source`.
[[nodiscard]] absl::StatusOr<MonitorSettings> ResolveMonitor(
    const MonitorRequest& request, const MetricTargets& targets,
    absl::string_view source);

// The best epoch so far; epoch 0 before any. Checkpoints keep it, so a
// resumed run stops where the whole run would have.
struct BestEpoch {
  std::string metric;
  int64_t epoch = 0;
  double value = 0;
};

// The monitored figure of the record's validation; unset without one.
std::optional<double> MonitoredValue(const MonitorSettings& monitor,
                                     const EpochRecord& record);

// Makes `record`'s epoch the best when its figure beats the best by more
// than min_delta (any finite figure beats none); returns whether it did.
// A NaN never improves.
bool Improve(const MonitorSettings& monitor, const EpochRecord& record,
             BestEpoch& best);

// Whether patience epochs have passed since the best (or since the start
// without one) by the end of `epoch`.
bool ShouldStop(const MonitorSettings& monitor, int64_t epoch,
                const BestEpoch& best);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_BEST_EPOCH_H_
