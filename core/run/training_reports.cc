#include "core/run/training_reports.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/run/svg_plot.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

ProgressOptions ConsoleProgress(std::FILE* out, bool bar) {
  ProgressOptions options;
  options.out = out;
  options.is_terminal = bar && out == stdout && StdoutIsTerminal();
  // 100 columns, or a wider terminal's.
  if (options.is_terminal) {
    options.width = std::max<size_t>(options.width, TerminalColumns());
  }
  return options;
}

}  // namespace

TrainingReports::TrainingReports(Session& session, const ModelData& data,
                                 const MetricTargets& targets,
                                 TrainingReportOptions options)
    : session_(session),
      data_(data),
      targets_(targets),
      options_(std::move(options)),
      progress_(ConsoleProgress(options_.out, options_.bar), options_.epochs) {}

absl::StatusOr<std::unique_ptr<TrainingReports>> TrainingReports::Create(
    Session& session, const ModelData& data, const MetricTargets& targets,
    const TrainingPosition& position, TrainingReportOptions options) {
  std::unique_ptr<TrainingReports> run(
      new TrainingReports(session, data, targets, std::move(options)));
  if (targets.has_metrics) {
    run->metrics_ = std::make_unique<EpochMetrics>(
        targets.kind, targets.binary_threshold, targets.extra);
  }
  if (run->options_.metrics_out.has_value()) {
    NABLA_ASSIGN_OR_RETURN(run->log_,
                           MetricsLog::Open(*run->options_.metrics_out));
  }
  run->StartEpoch(position.epoch + 1, position.next_sample);
  return run;
}

void TrainingReports::OnBatch(const BatchReport& batch) {
  const int64_t size = batch.samples_done - epoch_samples_done_;
  epoch_samples_done_ = batch.samples_done;
  epoch_loss_sum_ += batch.loss * static_cast<double>(size);
  epoch_samples_ += size;
  BarFigures figures;
  figures.loss = epoch_loss_sum_ / static_cast<double>(epoch_samples_);
  if (metrics_ != nullptr && batch_error_.ok() && !batch.copy_only) {
    const Tensor* predictions = session_.last_value(
        targets_.predictions.node, targets_.predictions.output);
    const Tensor* labels =
        session_.last_value(targets_.targets.node, targets_.targets.output);
    if (predictions != nullptr && labels != nullptr) {
      batch_error_ = metrics_->Add(*predictions, *labels);
    }
    const bool classifier = metrics_->kind() == MetricKind::kClassification;
    figures.metric_name = classifier ? "accuracy" : "mse";
    figures.metric = classifier ? metrics_->accuracy() : metrics_->mse();
  }
  progress_.Update(batch.samples_done, figures);
}

void TrainingReports::StartEpoch(int64_t epoch, int64_t done) {
  progress_.StartEpoch(epoch, data_.training_samples(), done);
  epoch_samples_done_ = done;
  epoch_loss_sum_ = 0;
  epoch_samples_ = 0;
}

absl::Status TrainingReports::OnEpoch(const EpochReport& epoch) {
  NABLA_RETURN_IF_ERROR(batch_error_);
  EpochRecord record;
  record.epoch = epoch.epoch;
  record.step = session_.step();
  record.loss = epoch.loss;
  if (metrics_ != nullptr) {
    if (Communicator* communicator = session_.communicator()) {
      NABLA_RETURN_IF_ERROR(CombineOverRanks(*communicator, *metrics_));
    }
    record.metrics = metrics_->Results();
    metrics_->Reset();
  }
  if (!data_.validation.empty()) {
    progress_.StartEvaluation(absl::StrCat(
        "validating ", data_.validation.num_samples(), " samples"));
    NABLA_ASSIGN_OR_RETURN(Evaluation validation,
                           Evaluate(session_, data_.validation, targets_,
                                    options_.eval_batch_size));
    record.val_loss = validation.loss;
    if (validation.metrics != nullptr) {
      record.val_metrics = validation.metrics->Results();
    }
  }
  if (options_.monitor.has_value()) {
    if (Improve(*options_.monitor, record, *options_.best) &&
        options_.save_best) {
      NABLA_RETURN_IF_ERROR(options_.save_best({epoch.epoch, 0}));
    }
    stopped_early_ = ShouldStop(*options_.monitor, epoch.epoch, *options_.best);
  }
  const bool last = epoch.epoch == options_.epochs || stopped_early_;
  if (!data_.test.empty() && (options_.test_every_epoch || last)) {
    progress_.StartEvaluation(
        absl::StrCat("testing ", data_.test.num_samples(), " samples"));
    NABLA_ASSIGN_OR_RETURN(
        Evaluation test,
        Evaluate(session_, data_.test, targets_, options_.eval_batch_size));
    record.test_loss = test.loss;
    if (test.metrics != nullptr) record.test_metrics = test.metrics->Results();
  }
  if (const UpdateRule* rule = session_.update_rule()) {
    record.lr = rule->LearningRate(session_.step() - 1);
  }
  record.epoch_seconds = epoch.seconds;
  seconds_before_ += epoch.seconds;
  record.seconds = seconds_before_;
  record.samples_per_sec =
      epoch.seconds > 0 ? static_cast<double>(epoch.samples) / epoch.seconds
                        : 0;
  records_.push_back(record);
  const bool print =
      records_.size() == 1 || last || epoch.epoch % options_.log_every == 0;
  // Epochs between log lines leave no line; on a terminal the next epoch's
  // bar is drawn over theirs.
  if (print) progress_.EndEpoch(record);
  if (stopped_early_ && options_.out != nullptr) {
    std::fprintf(options_.out, "%s\n", EarlyStopLine(record.epoch).c_str());
  }
  if (!last) StartEpoch(epoch.epoch + 1, 0);
  if (log_ != nullptr) NABLA_RETURN_IF_ERROR(log_->Append(record));
  if (options_.plot.has_value()) {
    PlotOptions plot;
    plot.title = options_.title;
    NABLA_RETURN_IF_ERROR(WriteSvgPlot(*options_.plot, records_, plot));
  }
  if (options_.checkpoint_every > 0 &&
      epoch.epoch % options_.checkpoint_every == 0 && !last &&
      options_.save_checkpoint) {
    NABLA_RETURN_IF_ERROR(options_.save_checkpoint({epoch.epoch, 0}));
  }
  return absl::OkStatus();
}

bool TrainingReports::StoppedAt(int64_t epoch) {
  if (!options_.monitor.has_value() || epoch == 0 ||
      !ShouldStop(*options_.monitor, epoch, *options_.best)) {
    return false;
  }
  stopped_early_ = true;
  if (options_.out != nullptr) {
    std::fprintf(options_.out, "%s\n", EarlyStopLine(epoch).c_str());
  }
  return true;
}

bool TrainingReports::StopRequested() {
  return stopped_early_ ||
         (options_.stop_requested && options_.stop_requested());
}

// "early stopping after epoch 9: no better val_accuracy for 3 epochs,
// best 0.9123 at epoch 6 (saved in best.ckpt)".
std::string TrainingReports::EarlyStopLine(int64_t epoch) const {
  const MonitorSettings& monitor = *options_.monitor;
  const BestEpoch& best = *options_.best;
  std::string line = absl::StrCat("early stopping after epoch ", epoch,
                                  ": no better val_", monitor.metric);
  if (monitor.min_delta > 0) {
    absl::StrAppend(&line, " (by more than ", monitor.min_delta, ")");
  }
  absl::StrAppend(&line, " for ", monitor.patience,
                  monitor.patience == 1 ? " epoch" : " epochs");
  if (best.epoch == 0) return absl::StrCat(line, ", and none was a number");
  absl::StrAppend(&line, ", best ", absl::StrFormat("%.6g", best.value),
                  " at epoch ", best.epoch);
  if (!options_.save_best_path.empty()) {
    absl::StrAppend(&line, " (saved in ", options_.save_best_path, ")");
  }
  return line;
}

}  // namespace nabla
