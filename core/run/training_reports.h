// What a training run reports, as a TrainingObserver: the progress bar and
// epoch lines, training, validation and test metrics, the JSON Lines log,
// the SVG plot, periodic checkpoints, the best epoch's checkpoint, and
// stopping when asked or when the validation stops improving.
#ifndef NABLA_CORE_RUN_TRAINING_REPORTS_H_
#define NABLA_CORE_RUN_TRAINING_REPORTS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/model_data.h"
#include "core/run/best_epoch.h"
#include "core/run/epoch_record.h"
#include "core/run/evaluation.h"
#include "core/run/metrics.h"
#include "core/run/metrics_log.h"
#include "core/run/progress.h"
#include "core/session.h"
#include "core/trainer.h"

namespace nabla {

struct TrainingReportOptions {
  int64_t epochs = 1;
  // Print an epoch line every this many epochs (and the run's first and
  // the last).
  int64_t log_every = 1;
  // Score the test data after every epoch; false: after the last only.
  bool test_every_epoch = false;
  // Batches for validation; 0 is the whole set at once.
  int64_t eval_batch_size = 0;
  std::optional<std::string> metrics_out;
  std::optional<std::string> plot;
  // Save a checkpoint with `save_checkpoint` every this many epochs; 0 is
  // never.
  int64_t checkpoint_every = 0;
  // Writes a checkpoint of the run at `position`.
  std::function<absl::Status(const TrainingPosition& position)> save_checkpoint;
  // Set: the best epoch by `monitor` is tracked in `best` (which must
  // outlive the run; it may hold a restored run's best), the run stops
  // after monitor->patience epochs without improvement, and
  // `save_best` (when set) writes a checkpoint after each improvement.
  std::optional<MonitorSettings> monitor;
  BestEpoch* best = nullptr;
  std::function<absl::Status(const TrainingPosition& position)> save_best;
  // Named in the early-stopping line.
  std::string save_best_path;
  std::string title;
  // The progress bar (on a terminal) and epoch lines go here; null prints
  // nothing. Not owned.
  std::FILE* out = stdout;
  // Draw the progress bar when `out` is stdout on a terminal.
  bool bar = true;
  // Asked after every step: true stops the run (train_graph asks whether
  // SIGINT or SIGTERM arrived).
  std::function<bool()> stop_requested;
};

class TrainingReports : public TrainingObserver {
 public:
  // `position` is where the run starts (a resume); it must outlive the run,
  // since the trainer advances it.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TrainingReports>> Create(
      Session& session, const ModelData& data, const MetricTargets& targets,
      const TrainingPosition& position, TrainingReportOptions options);

  void OnBatch(const BatchReport& batch) override;
  [[nodiscard]] absl::Status OnEpoch(const EpochReport& epoch) override;
  bool StopRequested() override;

  const std::vector<EpochRecord>& records() const { return records_; }
  // Whether the validation stopped improving (monitor's patience).
  bool stopped_early() const { return stopped_early_; }
  // For a run resumed at the end of `epoch`: true (and the early-stopping
  // line printed) when the monitor already says stop there, as it did for
  // the run that saved the checkpoint; the caller then trains no further.
  bool StoppedAt(int64_t epoch);
  // The first error met while measuring a batch, if any (OnBatch cannot
  // return one); Train()'s caller reports it.
  const absl::Status& batch_error() const { return batch_error_; }

 private:
  TrainingReports(Session& session, const ModelData& data,
                  const MetricTargets& targets, TrainingReportOptions options);
  std::string EarlyStopLine(int64_t epoch) const;
  // The bar of `epoch`, `done` samples in, and its running loss from 0.
  void StartEpoch(int64_t epoch, int64_t done);

  Session& session_;
  const ModelData& data_;
  MetricTargets targets_;
  TrainingReportOptions options_;
  std::unique_ptr<EpochMetrics> metrics_;
  std::unique_ptr<MetricsLog> log_;
  Progress progress_;
  std::vector<EpochRecord> records_;
  double seconds_before_ = 0;
  bool stopped_early_ = false;
  // The running epoch: samples done (counting a resume's), and the loss
  // summed over the samples this run trained on.
  int64_t epoch_samples_done_ = 0;
  double epoch_loss_sum_ = 0;
  int64_t epoch_samples_ = 0;
  absl::Status batch_error_;
};

}  // namespace nabla

#endif  // NABLA_CORE_RUN_TRAINING_REPORTS_H_
