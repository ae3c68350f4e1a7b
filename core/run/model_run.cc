#include "core/run/model_run.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <numeric>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/checkpoint.h"
#include "core/communicator.h"
#include "core/file_read.h"
#include "core/memory_limit.h"
#include "core/onnx/onnx_export.h"
#include "core/run/replica_check.h"
#include "core/run/run_checkpoint.h"
#include "core/run/time_model.h"
#include "core/run/training_reports.h"
#include "core/status_macros.h"
#include "core/update_rule.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace nabla {
namespace {

// Samples per batch when evaluating: 1000, or the training batch when that
// is larger (evaluation only runs forward, so larger batches are cheap).
int64_t EvalBatchSize(const TrainingSettings& settings) {
  constexpr int64_t kEvalBatchSize = 1000;
  return std::max(kEvalBatchSize, settings.batch_size);
}

// The model's optimizer settings with the learning-rate override.
OptimizerConfig EffectiveOptimizer(const TrainingConfig& config,
                                   std::optional<double> learning_rate) {
  OptimizerConfig optimizer = config.optimizer();
  if (learning_rate.has_value()) {
    (*optimizer.mutable_attr())["learning_rate"].set_f(*learning_rate);
  }
  return optimizer;
}

// "SGD(learning_rate=2, momentum=0.9)", settings by name.
std::string DescribeOptimizer(const OptimizerConfig& config) {
  std::vector<std::string> names;
  for (const auto& [name, value] : config.attr()) names.push_back(name);
  std::sort(names.begin(), names.end());
  std::vector<std::string> settings;
  for (const std::string& name : names) {
    settings.push_back(
        absl::StrCat(name, "=", AttrValueToString(config.attr().at(name))));
  }
  return absl::StrCat(config.name(), "(", absl::StrJoin(settings, ", "), ")");
}

const char* SplitName(RunSplit split) {
  switch (split) {
    case RunSplit::kTraining:
      return "training";
    case RunSplit::kValidation:
      return "validation";
    case RunSplit::kTest:
      return "test";
  }
  return "training";
}

}  // namespace

bool HasData(const DataConfig& data) {
  return data.feed_size() + data.source_size() > 0;
}

absl::StatusOr<std::unique_ptr<ModelRun>> ModelRun::Open(
    ParsedModel parsed, const RunOptions& options) {
  std::unique_ptr<ModelRun> run(new ModelRun(std::move(parsed), options));
  const ModelDef& model = run->parsed_.model;
  NABLA_ASSIGN_OR_RETURN(Graph graph,
                         Graph::Build(model.graph(), run->parsed_.source));
  run->graph_ = std::make_shared<const Graph>(std::move(graph));
  SessionOptions& session = run->session_options_;
  session.threads = options.threads;
  session.seed = options.seed.value_or(model.training().seed());
  session.memory_limit_bytes = options.memory_limit_bytes;
  session.check_numerics = options.check_numerics;
  session.adapt_threads = options.adapt_threads;
  session.flush_denormals = options.flush_denormals;
  NABLA_ASSIGN_OR_RETURN(run->session_, Session::Create(run->graph_, session));
  if (options.communicator != nullptr && options.communicator->size() > 1) {
    NABLA_RETURN_IF_ERROR(run->session_->SetDataParallel(
        options.communicator,
        options.communicator->callable_from_other_threads() &&
            options.overlap_exchange.value_or(
                static_cast<int>(std::thread::hardware_concurrency()) >
                options.communicator->ranks_on_this_machine() *
                    options.threads)));
  } else {
    run->options_.communicator = nullptr;  // alone: exactly as without one
  }
  const TrainingConfig& config = model.training();
  run->settings_.epochs =
      options.epochs.value_or(std::max<int64_t>(1, config.epochs()));
  run->settings_.batch_size = options.batch_size.value_or(config.batch_size());
  run->settings_.shuffle = config.shuffle();
  run->settings_.seed = options.seed.value_or(config.seed());
  if (model.has_training()) NABLA_RETURN_IF_ERROR(run->SetUpTraining());
  Normalizer restored;
  if (options.resume.has_value()) {
    NABLA_ASSIGN_OR_RETURN(RestoredRun from,
                           RestoreRun(*options.resume, *run->session_));
    run->position_ = from.position;
    run->best_ = from.best;
    if (from.data_seed.has_value()) run->settings_.seed = *from.data_seed;
    restored = std::move(from.normalizer);
  }
  if (options.load_data && HasData(model.data())) {
    NABLA_RETURN_IF_ERROR(
        run->LoadData(options.resume.has_value() ? &restored : nullptr));
    DatasetSamples in_memory(run->data_.training);
    const TrainingSamples& training =
        run->data_.streamed != nullptr
            ? static_cast<const TrainingSamples&>(*run->data_.streamed)
            : in_memory;
    NABLA_ASSIGN_OR_RETURN(
        run->settings_.augment,
        ReadAugmentations(model.data(), training, run->source()));
    if (options.resume.has_value()) {
      NABLA_RETURN_IF_ERROR(
          run->CheckPositionFitsData(*options.resume, run->position_));
    }
  } else {
    run->data_.normalizer = std::move(restored);
  }
  if (run->options_.communicator != nullptr) {
    NABLA_RETURN_IF_ERROR(run->CheckReplicas());
  }
  return run;
}

// Checks training.loss, makes the update rule and sets the session to
// train, keeping what the metrics measure after each step.
absl::Status ModelRun::SetUpTraining() {
  const TrainingConfig& config = parsed_.model.training();
  // As strict as the flags that override them.
  const struct {
    const char* field;
    int64_t value;
    const char* zero;
  } counts[] = {{"epochs", config.epochs(), "0 means 1"},
                {"batch_size", config.batch_size(), "0: the whole data set"},
                {"log_every", config.log_every(), "0: every epoch"}};
  for (const auto& count : counts) {
    if (count.value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(source(), ": training.", count.field, " must be >= 0 (",
                       count.zero, "), got ", count.value));
    }
  }
  if (config.loss().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source(),
        ": training.loss is not set: name the node whose scalar output is "
        "minimised"));
  }
  NABLA_ASSIGN_OR_RETURN(UpdateRule rule, MakeUpdateRule(EffectiveOptimizer(
                                              config, options_.learning_rate)));
  auto loss = graph_->FindNode(config.loss());
  if (!loss.ok()) {
    return absl::Status(
        loss.status().code(),
        absl::StrCat(source(), ": training.loss: ", loss.status().message()));
  }
  NABLA_ASSIGN_OR_RETURN(MetricTargets targets,
                         FindMetricTargets(*graph_, *loss));
  NABLA_ASSIGN_OR_RETURN(targets.extra, RequestedMetrics(targets));
  std::vector<Endpoint> keep;
  if (targets.has_metrics) keep = {targets.predictions, targets.targets};
  NABLA_RETURN_IF_ERROR(
      session_->SetTraining(config.loss(), std::move(rule), keep));
  targets_ = targets;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<MetricRequest>> ModelRun::RequestedMetrics(
    const MetricTargets& targets) const {
  const TrainingConfig& config = parsed_.model.training();
  const bool overridden = options_.metrics.has_value();
  const std::vector<std::string> names =
      overridden ? *options_.metrics
                 : std::vector<std::string>(config.metrics().begin(),
                                            config.metrics().end());
  const std::string where = overridden
                                ? options_.metrics_name
                                : absl::StrCat(source(), ": training.metrics");
  absl::StatusOr<std::vector<MetricRequest>> requests =
      ParseMetricRequests(names);
  if (!requests.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", requests.status().message()));
  }
  if (requests->empty()) return requests;
  if (!targets.has_metrics || targets.kind != MetricKind::kClassification) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": ", requests->front().name,
        " measures a classifier, but the loss '", config.loss(),
        "' does not compare class labels (SoftmaxCrossEntropy, "
        "SparseSoftmaxCrossEntropy, SigmoidCrossEntropy, BinaryCrossEntropy, "
        "Hinge)"));
  }
  // What the outputs' known width rules out; EpochMetrics checks again
  // when it is only known at run time.
  const Node& node = graph_->node(targets.predictions.node);
  const Shape& shape = node.output_shapes[targets.predictions.output];
  const int64_t width = shape.rank() <= 1 ? 1 : shape.dim(shape.rank() - 1);
  for (const MetricRequest& request : *requests) {
    if (request.kind == MetricRequest::Kind::kAuc && width > 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": auc is ROC AUC of two classes, but '",
                       node.name, "' has ", width, " columns"));
    }
    if (request.kind == MetricRequest::Kind::kTopK && width == 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", request.name,
                       " ranks one output column per class, but '", node.name,
                       "' has one column"));
    }
  }
  return requests;
}

absl::Status ModelRun::LoadData(const Normalizer* restored) {
  std::vector<std::string> files;
  NABLA_ASSIGN_OR_RETURN(ModelData data, ReadData(restored, &files));
  return SetData(std::move(data), std::move(files));
}

absl::Status ModelRun::SetData(ModelData data, std::vector<std::string> files) {
  data_ = std::move(data);
  data_files_ = std::move(files);
  data_loaded_ = true;
  // The windows of streamed data count against the memory limit.
  return session_->SetDataBytes(
      data_.streamed != nullptr ? data_.streamed->buffer_bytes() : 0);
}

absl::StatusOr<ModelData> ModelRun::ReadData(
    const Normalizer* restored, std::vector<std::string>* files) const {
  DataSourceContext context;
  context.base_dir =
      options_.base_dir.empty() ? DirectoryOf(source()) : options_.base_dir;
  context.files_read = files;
  // A classifier's held-out splits keep each class's share.
  std::string class_labels;
  if (targets_.has_value() && targets_->kind == MetricKind::kClassification &&
      graph_->node(targets_->targets.node).op->role() == OpRole::kPlaceholder) {
    class_labels = graph_->node(targets_->targets.node).name;
  }
  return LoadModelData(*graph_, parsed_.model.data(), source(), context,
                       restored, class_labels);
}

absl::Status ModelRun::SetOverrides(std::optional<int64_t> epochs,
                                    std::optional<int64_t> batch_size,
                                    std::optional<double> learning_rate) {
  if (epochs.has_value() && *epochs < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("epochs is ", *epochs, "; give at least 1"));
  }
  if (batch_size.has_value() && *batch_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch size is ", *batch_size,
                     "; give 0 (the whole data set) or more"));
  }
  if (learning_rate.has_value() && !(*learning_rate > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "learning rate is ", *learning_rate, "; give a positive number"));
  }
  const TrainingConfig& config = parsed_.model.training();
  settings_.epochs = epochs.value_or(std::max<int64_t>(1, config.epochs()));
  settings_.batch_size = batch_size.value_or(config.batch_size());
  if (learning_rate.has_value() && learning_rate != options_.learning_rate &&
      has_training()) {
    options_.learning_rate = learning_rate;
    // The session keeps the optimizer's slots: the run continues the same
    // optimizer state at the new rate.
    NABLA_RETURN_IF_ERROR(SetUpTraining());
  }
  return absl::OkStatus();
}

std::string ModelRun::DescribeTraining() const {
  const int64_t samples = data_.training_samples();
  const int threads = session_->threads();
  const std::string data = absl::StrCat(
      "training ", source(), ": ", samples, " samples",
      data_.streamed == nullptr
          ? ""
          : absl::StrCat(
                " streamed (", HumanBytes(data_.streamed->cache_bytes()),
                " cached, windows of ", data_.streamed->window_samples(), ")"),
      data_.validation.empty()
          ? ""
          : absl::StrCat(" (", data_.validation.num_samples(),
                         " for validation)"));
  const std::string settings = absl::StrCat(
      "epochs ", position_.epoch + 1, " to ", settings_.epochs, ", batch size ",
      settings_.batch_size == 0 ? samples : settings_.batch_size, ", ",
      DescribeOptimizer(
          EffectiveOptimizer(parsed_.model.training(), options_.learning_rate)),
      ", ", threads, " thread", threads == 1 ? "" : "s");
  // Within 100 columns, like the epoch lines.
  if (data.size() + 2 + settings.size() <= 100) {
    return absl::StrCat(data, ", ", settings);
  }
  return absl::StrCat(data, "\n    ", settings);
}

absl::Status ModelRun::CheckCanTrain(absl::string_view what) const {
  if (!has_training()) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": ", source(),
                     " has no training section (training { loss "
                     "optimizer })"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TrainingOutcome> ModelRun::Train(const ReportOptions& reports) {
  NABLA_RETURN_IF_ERROR(CheckCanTrain("Train"));
  if (!options_.load_data && HasData(parsed_.model.data())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Train: ", source(), " was opened without its data (load_data)"));
  }
  // Empty training data is the trainer's to refuse, as a data set of no
  // samples.
  TrainingReportOptions options;
  options.epochs = settings_.epochs;
  options.log_every = reports.log_every.value_or(
      std::max<int64_t>(1, parsed_.model.training().log_every()));
  options.test_every_epoch = reports.test_every_epoch.value_or(
      parsed_.model.training().test_every_epoch());
  options.eval_batch_size = EvalBatchSize(settings_);
  options.metrics_out = reports.metrics_out;
  options.plot = reports.plot;
  options.title = source();
  options.out = reports.out;
  options.stop_requested = reports.stop_requested;
  if (!WritesFiles()) {
    options.metrics_out.reset();
    options.plot.reset();
    options.out = nullptr;
  }
  // Data-parallel, rank 0's output goes through mpirun, which stops
  // reading it when it is interrupted: a bar redrawn at every step would
  // then block rank 0 before it saves. Epoch lines only.
  if (options_.communicator != nullptr) options.bar = false;
  if (reports.checkpoint.has_value()) {
    options.checkpoint_every = reports.checkpoint_every;
    options.save_checkpoint =
        [this, path = *reports.checkpoint](const TrainingPosition& position) {
          return SaveAt(path, position);
        };
  }
  NABLA_RETURN_IF_ERROR(WatchBestEpoch(reports, options));
  NABLA_ASSIGN_OR_RETURN(
      std::unique_ptr<TrainingReports> observer,
      TrainingReports::Create(*session_, data_, *targets_, position_,
                              std::move(options)));
  const bool stopped_before =
      position_.next_sample == 0 && observer->StoppedAt(position_.epoch);
  if (!stopped_before) {
    DatasetSamples in_memory(data_.training);
    TrainingSamples& samples =
        data_.streamed != nullptr
            ? static_cast<TrainingSamples&>(*data_.streamed)
            : in_memory;
    NABLA_RETURN_IF_ERROR(
        nabla::Train(*session_, samples, settings_, position_, *observer));
    // After a run each rank's variables are its own, so that restoring or
    // setting them is not collective. Only after one that succeeded on
    // every rank: after a failure a rank may not reach this collective.
    NABLA_RETURN_IF_ERROR(session_->UnshareVariables());
  }
  NABLA_RETURN_IF_ERROR(observer->batch_error());
  TrainingOutcome outcome;
  outcome.epochs = observer->records();
  outcome.stopped_early = observer->stopped_early();
  outcome.stopped =
      position_.epoch < settings_.epochs && !outcome.stopped_early;
  outcome.best = best_;
  return outcome;
}

std::string ModelRun::SaveBestPath(
    const std::optional<std::string>& override) const {
  if (override.has_value()) return *override;
  const std::string& path = parsed_.model.training().save_best();
  return PathRelativeTo(
      options_.base_dir.empty() ? DirectoryOf(source()) : options_.base_dir,
      path);
}

// With a patience or a best checkpoint, checks the monitor and has
// `options` track the best epoch in best_.
absl::Status ModelRun::WatchBestEpoch(const ReportOptions& reports,
                                      TrainingReportOptions& options) {
  const TrainingConfig& config = parsed_.model.training();
  MonitorRequest request;
  request.config = config.monitor();
  if (reports.monitor.has_value()) {
    request.config.set_metric(*reports.monitor);
  }
  if (reports.min_delta.has_value()) {
    request.config.set_min_delta(*reports.min_delta);
  }
  request.patience = reports.patience.value_or(config.patience());
  const std::string save_best = SaveBestPath(reports.save_best);
  if (request.patience == 0 && save_best.empty()) return absl::OkStatus();
  NABLA_ASSIGN_OR_RETURN(MonitorSettings monitor,
                         ResolveMonitor(request, *targets_, source()));
  if (data_.validation.empty()) {
    const std::string stopping =
        absl::StrCat("early stopping (patience ", request.patience, ")");
    const std::string best = absl::StrCat("save_best ", save_best);
    return absl::InvalidArgumentError(absl::StrCat(
        source(), ": ",
        request.patience == 0 ? best
        : save_best.empty()   ? stopping
                              : absl::StrCat(stopping, " and ", best),
        request.patience > 0 && !save_best.empty() ? " need" : " needs",
        " validation data to watch, and there is none: give "
        "data.validation or data.validation_fraction"));
  }
  // A best of another metric (a checkpoint of a run that watched another)
  // is forgotten.
  if (best_.metric != monitor.metric) best_ = {};
  options.monitor = monitor;
  options.best = &best_;
  options.save_best_path = save_best;
  if (!save_best.empty()) {
    options.save_best = [this, save_best](const TrainingPosition& position) {
      return SaveAt(save_best, position);
    };
  }
  return absl::OkStatus();
}

absl::StatusOr<double> ModelRun::TrainStep(absl::Span<const Feed> feeds) {
  NABLA_RETURN_IF_ERROR(CheckCanTrain("TrainStep"));
  Communicator* communicator = options_.communicator;
  if (communicator == nullptr) return session_->TrainStep(feeds);
  // Each rank's share is its rows over all ranks' rows, and its first row
  // is the batch's row after the lower ranks' rows.
  const int64_t rows = feeds.empty() || feeds[0].tensor->shape().rank() == 0
                           ? 0
                           : feeds[0].tensor->shape().dim(0);
  std::vector<std::string> all;
  NABLA_RETURN_IF_ERROR(communicator->AllGather(absl::StrCat(rows), &all));
  BatchShard shard;
  int64_t total = 0;
  for (int r = 0; r < static_cast<int>(all.size()); ++r) {
    int64_t theirs = 0;
    if (!absl::SimpleAtoi(all[r], &theirs) || theirs < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TrainStep: rank ", r, " of ", all.size(),
          " has no rows to train on; data-parallel, every rank feeds at "
          "least one"));
    }
    if (r < communicator->rank()) shard.first_sample += theirs;
    total += theirs;
  }
  shard.share = static_cast<double>(rows) / static_cast<double>(total);
  return session_->TrainStep(feeds, shard);
}

absl::StatusOr<const Dataset*> ModelRun::Data(RunSplit split) const {
  return SplitData(split, "Data");
}

absl::StatusOr<const Dataset*> ModelRun::SplitData(
    RunSplit split, absl::string_view what) const {
  const char* name = SplitName(split);
  if (!data_loaded_) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": ", source(),
        options_.load_data ? " has no data section (data { feed or source })"
                           : " was opened without its data (load_data)"));
  }
  if (split == RunSplit::kTraining && data_.streamed != nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": the training data of ", source(),
        " is streamed from disk (data.stream), not held in memory; the "
        "validation and test data are"));
  }
  const Dataset* data = split == RunSplit::kTraining     ? &data_.training
                        : split == RunSplit::kValidation ? &data_.validation
                                                         : &data_.test;
  if (data->empty()) {
    return absl::NotFoundError(
        absl::StrCat(what, ": ", source(), " has no ", name, " data"));
  }
  return data;
}

absl::StatusOr<Evaluation> ModelRun::Evaluate(RunSplit split) {
  if (!has_training()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Evaluate: ", source(), " has no training section naming the loss"));
  }
  NABLA_ASSIGN_OR_RETURN(const Dataset* data, SplitData(split, "Evaluate"));
  return nabla::Evaluate(*session_, *data, *targets_, EvalBatchSize(settings_));
}

std::vector<std::string> ModelRun::ClassNames() const {
  const auto& names = parsed_.model.prediction().class_names();
  if (!names.empty()) return {names.begin(), names.end()};
  if (!targets_.has_value() || !targets_->has_metrics) return {};
  return data_.training_class_names(graph_->node(targets_->targets.node).name);
}

absl::StatusOr<PredictionSetup> ModelRun::Prediction(
    std::optional<std::string> input, std::optional<std::string> output) const {
  const PredictionConfig& config = parsed_.model.prediction();
  const std::string input_label =
      input.has_value() ? "--input"
                        : absl::StrCat(source(), ": prediction.input");
  const std::string output_label =
      output.has_value() ? "--output"
                         : absl::StrCat(source(), ": prediction.output");
  PredictionSetup setup;
  setup.input = input.value_or(config.input());
  setup.output = output.value_or(config.output());
  setup.output_label = output_label;
  if (setup.input.empty() || setup.output.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(source(), " has no prediction { input output } section"));
  }
  auto input_node = graph_->FindNode(setup.input);
  if (!input_node.ok()) {
    return absl::Status(
        input_node.status().code(),
        absl::StrCat(input_label, ": ", input_node.status().message()));
  }
  if (graph_->node(*input_node).op->role() != OpRole::kPlaceholder) {
    return absl::InvalidArgumentError(
        absl::StrCat(input_label, ": ", graph_->Describe(*input_node),
                     " is not a Placeholder"));
  }
  auto output_node = graph_->FindNode(setup.output);
  if (!output_node.ok()) {
    return absl::Status(
        output_node.status().code(),
        absl::StrCat(output_label, ": ", output_node.status().message()));
  }
  setup.output_op = graph_->node(*output_node).op->name();
  // Classes and the data's units belong to the model's prediction output;
  // another node (--output) prints its own values.
  const bool model_output = setup.output == config.output();
  if (model_output) setup.output_units_of = config.output_units_of();
  if (!setup.output_units_of.empty() &&
      !data_.normalizer.Normalizes(setup.output_units_of)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source(), ": prediction.output_units_of names '", setup.output_units_of,
        "', which is not a normalised placeholder (data.normalize)"));
  }
  setup.normalizer = &data_.normalizer;
  setup.classifier = model_output && targets_.has_value() &&
                     targets_->has_metrics &&
                     targets_->kind == MetricKind::kClassification;
  setup.class_names = ClassNames();
  return setup;
}

absl::Status ModelRun::FirstBatch(int64_t samples, std::vector<Tensor>* batch,
                                  std::vector<Feed>* feeds) const {
  if (data_.streamed != nullptr) {
    return data_.streamed->FillFirst(samples, batch, feeds);
  }
  NABLA_ASSIGN_OR_RETURN(const Dataset* data,
                         SplitData(RunSplit::kTraining, "Data"));
  std::vector<int64_t> rows(std::min(data->num_samples(), samples));
  std::iota(rows.begin(), rows.end(), 0);
  data->FillBatch(rows, batch, feeds);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NodeGradientReport>> ModelRun::Gradcheck(
    int64_t samples, const GradientCheckOptions& options) {
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  NABLA_RETURN_IF_ERROR(FirstBatch(samples, &batch, &feeds));
  return GradcheckModel(*session_, feeds, options);
}

absl::Status ModelRun::FirstTrainingBatch(absl::string_view what,
                                          std::vector<Tensor>* batch,
                                          std::vector<Feed>* feeds) {
  NABLA_RETURN_IF_ERROR(CheckCanTrain(what));
  const int64_t size = settings_.batch_size > 0
                           ? settings_.batch_size
                           : std::numeric_limits<int64_t>::max();
  return FirstBatch(size, batch, feeds);
}

absl::StatusOr<std::string> ModelRun::Time(int iterations, int warmup) {
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  NABLA_RETURN_IF_ERROR(FirstTrainingBatch("Time", &batch, &feeds));
  return TimeModel(*session_, feeds, iterations, warmup);
}

absl::StatusOr<MemoryPlan> ModelRun::TrainingMemory() {
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  NABLA_RETURN_IF_ERROR(FirstTrainingBatch("TrainingMemory", &batch, &feeds));
  return session_->TrainingMemory(feeds);
}

absl::Status ModelRun::Save(const std::string& path) const {
  return SaveAt(path, position_);
}

absl::Status ModelRun::ExportOnnx(const std::string& path,
                                  std::vector<std::string> outputs) const {
  const PredictionConfig& prediction = parsed_.model.prediction();
  OnnxExportSpec spec;
  spec.outputs = std::move(outputs);
  if (spec.outputs.empty() && !prediction.output().empty()) {
    spec.outputs.push_back(prediction.output());
    spec.output_units_of = prediction.output_units_of();
  }
  spec.variable = [this](int node) -> const Tensor& {
    return session_->variable(node);
  };
  // A normalised input (or output) without fitted statistics would export
  // a model that expects normalised data: refuse it.
  std::vector<std::string> normalized;
  for (const NormalizationDef& def : parsed_.model.data().normalize()) {
    normalized.push_back(def.placeholder());
  }
  if (!spec.output_units_of.empty()) {
    normalized.push_back(spec.output_units_of);
  }
  for (const std::string& placeholder : normalized) {
    if (!data_.normalizer.Normalizes(placeholder)) {
      return absl::FailedPreconditionError(absl::StrCat(
          source(), " normalizes '", placeholder,
          "' but has no statistics fitted to its data: load the data or "
          "restore a checkpoint before exporting"));
    }
  }
  google::protobuf::RepeatedPtrField<NormalizationStats> stats;
  data_.normalizer.ToProto(&stats);
  spec.normalization.assign(stats.begin(), stats.end());
  NABLA_ASSIGN_OR_RETURN(const onnx::ModelProto model,
                         nabla::ExportOnnx(*graph_, spec));
  if (!WritesFiles()) return absl::OkStatus();
  return WriteOnnxFile(model, path);
}

absl::Status ModelRun::SaveAt(const std::string& path,
                              const TrainingPosition& position) const {
  // Every rank takes part; rank 0 then has every rank's part of the slots.
  NABLA_RETURN_IF_ERROR(session_->GatherShardedSlots());
  if (!WritesFiles()) return absl::OkStatus();
  return WriteCheckpoint(
      CaptureRun(*session_, data_.normalizer, position, settings_.seed, best_),
      path);
}

bool ModelRun::WritesFiles() const {
  return options_.communicator == nullptr || options_.communicator->rank() == 0;
}

absl::Status ModelRun::CheckReplicas() const {
  std::string model;
  {
    google::protobuf::io::StringOutputStream stream(&model);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    parsed_.model.SerializeToCodedStream(&coded);
  }
  const RunOptions& o = options_;
  const std::string settings = absl::StrCat(
      "seed ", settings_.seed, " epochs ", settings_.epochs, " batch_size ",
      settings_.batch_size, " learning_rate ",
      o.learning_rate.has_value() ? absl::StrCat(*o.learning_rate) : "-",
      " metrics ", o.metrics.has_value() ? absl::StrJoin(*o.metrics, ",") : "-",
      " check_numerics ", o.check_numerics, " step ", session_->step(),
      " position ", position_.epoch, ":", position_.next_sample);
  // Sizes, not paths: each machine may keep its copy elsewhere.
  std::string data = absl::StrCat(
      "training ", data_.training_samples(), " validation ",
      data_.validation.num_samples(), " test ", data_.test.num_samples());
  for (const std::string& file : data_files_) {
    std::error_code error;
    absl::StrAppend(&data, " ", std::filesystem::file_size(file, error));
  }
  std::vector<ReplicaPart> parts = {
      {"model", model},
      {"run settings (seed, epochs, batch size, learning rate, metrics, "
       "checkpoint)",
       settings},
      {"data (file sizes and sample counts)", data}};
  parts.insert(parts.end(), o.replica_check.begin(), o.replica_check.end());
  return CheckReplicasAgree(*o.communicator, parts);
}

absl::Status ModelRun::CheckPositionFitsData(
    const std::string& path, const TrainingPosition& position) const {
  const int64_t samples = data_.training_samples();
  if (!data_loaded_ || samples == 0 || position.next_sample < samples) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": its position, sample ", position.next_sample, " of epoch ",
      position.epoch + 1, ", is past the ", samples, " training samples of ",
      source(), " (a checkpoint of other data?)"));
}

absl::Status ModelRun::Restore(const std::string& path) {
  // Everything is read and checked before anything changes: a checkpoint
  // refused leaves the model as it was.
  absl::StatusOr<RestoredRun> read = ReadRun(path);
  std::optional<ModelData> renormalised;
  std::vector<std::string> files;
  absl::Status status = read.status();
  if (status.ok()) status = CheckPositionFitsData(path, read->position);
  // Data normalised with freshly fitted statistics is normalised again
  // with the checkpoint's.
  if (status.ok() && data_loaded_ &&
      parsed_.model.data().normalize_size() > 0) {
    absl::StatusOr<ModelData> data = ReadData(&read->normalizer, &files);
    status = data.status();
    if (data.ok()) renormalised = *std::move(data);
  }
  // Ranks that share the variables write them together (SetVariable is
  // collective then): each says first whether it read the checkpoint, so
  // that none waits for a rank that could not. (They share a machine, and
  // so the file: what its contents refuse, all refuse alike.)
  if (session_->variables_shared()) {
    bool failed_anywhere = false;
    NABLA_RETURN_IF_ERROR(
        AnyRank(*session_->communicator(), !status.ok(), &failed_anywhere));
    if (status.ok() && failed_anywhere) {
      return absl::UnavailableError(
          absl::StrCat(path,
                       ": another rank could not read this checkpoint; nothing "
                       "restored"));
    }
  }
  NABLA_RETURN_IF_ERROR(status);
  RestoredRun& restored = *read;
  NABLA_RETURN_IF_ERROR(
      RestoreCheckpoint(restored.checkpoint, path, *session_));
  position_ = restored.position;
  best_ = restored.best;
  if (restored.data_seed.has_value()) settings_.seed = *restored.data_seed;
  if (renormalised.has_value()) {
    NABLA_RETURN_IF_ERROR(SetData(*std::move(renormalised), std::move(files)));
  } else {
    data_.normalizer = std::move(restored.normalizer);
  }
  return absl::OkStatus();
}

}  // namespace nabla
