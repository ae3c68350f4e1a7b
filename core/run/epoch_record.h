// EpochRecord: what one epoch of a training run reports, as the metrics
// log, the plot and the console summary read it. A plain value type.
//
//   EpochRecord record;
//   record.epoch = 3;
//   record.loss = 0.412;
//   record.metrics = {{"accuracy", 0.853}};
//   record.val_loss = 0.45;
//   record.val_metrics = {{"accuracy", 0.84}};
#ifndef NABLA_CORE_RUN_EPOCH_RECORD_H_
#define NABLA_CORE_RUN_EPOCH_RECORD_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace nabla {

// One metric of one split: "accuracy", "mse", "mae".
struct NamedMetric {
  std::string name;
  double value = std::numeric_limits<double>::quiet_NaN();
};

struct EpochRecord {
  // 1-based.
  int64_t epoch = 0;
  // Optimizer steps taken so far in the run (Session::step()).
  int64_t step = 0;
  // Mean training loss over the epoch's samples.
  double loss = std::numeric_limits<double>::quiet_NaN();
  // Training metrics; the first is the primary one (accuracy, or mse for
  // regression). Validation and test metrics use the same names.
  std::vector<NamedMetric> metrics;
  std::optional<double> val_loss;
  std::vector<NamedMetric> val_metrics;  // empty when there is no val split
  std::optional<double> test_loss;
  std::vector<NamedMetric> test_metrics;  // empty when there is no test split
  // Learning rate used in the epoch's last step; unset when unknown.
  std::optional<double> lr;
  double samples_per_sec = 0;
  // Since the run started, and of this epoch alone.
  double seconds = 0;
  double epoch_seconds = 0;
};

}  // namespace nabla

#endif  // NABLA_CORE_RUN_EPOCH_RECORD_H_
