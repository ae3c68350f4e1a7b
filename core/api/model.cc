// nabla::Model: loading, training, checkpoints, variables and export, over
// the run layer (core/run/model_run.h). Inference is in
// model_inference.cc.
#include "nabla/model.h"

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/api/model_state.h"
#include "core/api/tensor_values.h"
#include "core/onnx/model_file.h"
#include "core/onnx/onnx_import.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "nabla/graph_builder.h"

namespace nabla {
namespace {

using internal::ModelState;

[[nodiscard]] absl::StatusOr<std::unique_ptr<ModelState>> Open(
    ParsedModel parsed, const ModelOptions& options) {
  auto state = std::make_unique<ModelState>();
  state->options = options;
  RunOptions run;
  run.threads = options.threads;
  run.adapt_threads = options.adapt_threads;
  run.flush_denormals = options.flush_denormals;
  run.seed = options.seed;
  run.memory_limit_bytes = options.memory_limit_bytes;
  run.check_numerics = options.check_numerics;
  run.metrics = options.metrics;
  run.metrics_name = "ModelOptions::metrics";
  run.load_data = options.load_data;
  run.communicator = options.communicator;
  run.overlap_exchange = options.overlap_exchange;
  run.base_dir = options.base_dir.empty() ? "." : options.base_dir;
  NABLA_ASSIGN_OR_RETURN(state->run, ModelRun::Open(std::move(parsed), run));
  state->replicas = std::make_unique<ReplicaPool>(
      state->run->graph(), state->run->session_options());
  return state;
}

// A model read from the file `path`: relative paths resolve against its
// directory unless options.base_dir says otherwise, and messages name it
// as options.source_name when given.
[[nodiscard]] absl::StatusOr<std::unique_ptr<ModelState>> OpenFile(
    absl::StatusOr<ParsedModel> parsed, const std::string& path,
    const ModelOptions& options) {
  if (!parsed.ok()) return parsed.status();
  ModelOptions resolved = options;
  if (resolved.base_dir.empty()) resolved.base_dir = DirectoryOf(path);
  if (!resolved.source_name.empty()) {
    parsed->source.name = resolved.source_name;
  }
  return Open(*std::move(parsed), resolved);
}

[[nodiscard]] absl::Status CheckTrainingOptions(
    const TrainingOptions& options) {
  if (options.epochs.has_value() && *options.epochs < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TrainingOptions.epochs is ", *options.epochs, "; give at least 1"));
  }
  if (options.batch_size.has_value() && *options.batch_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("TrainingOptions.batch_size is ", *options.batch_size,
                     "; give 0 (the whole data set) or more"));
  }
  if (options.learning_rate.has_value() && !(*options.learning_rate > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("TrainingOptions.learning_rate is ",
                     *options.learning_rate, "; give a positive number"));
  }
  if (options.log_every.has_value() && *options.log_every < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("TrainingOptions.log_every is ", *options.log_every,
                     "; give at least 1"));
  }
  if (options.checkpoint_every < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("TrainingOptions.checkpoint_every is ",
                     options.checkpoint_every, "; give 0 (never) or more"));
  }
  return absl::OkStatus();
}

std::map<std::string, double> MetricMap(
    const std::vector<NamedMetric>& metrics) {
  std::map<std::string, double> map;
  for (const NamedMetric& metric : metrics) map[metric.name] = metric.value;
  return map;
}

EpochResult ToEpochResult(const EpochRecord& record) {
  EpochResult result;
  result.epoch = record.epoch;
  result.step = record.step;
  result.loss = record.loss;
  result.metrics = MetricMap(record.metrics);
  result.val_loss = record.val_loss;
  result.val_metrics = MetricMap(record.val_metrics);
  result.test_loss = record.test_loss;
  result.test_metrics = MetricMap(record.test_metrics);
  result.seconds = record.epoch_seconds;
  return result;
}

[[nodiscard]] absl::StatusOr<TrainingResult> TrainRun(
    ModelState& state, const TrainingOptions& options) {
  ModelRun& run = *state.run;
  if (run.has_training())
    NABLA_RETURN_IF_ERROR(CheckDataLoaded(state, "Train"));
  NABLA_RETURN_IF_ERROR(CheckTrainingOptions(options));
  NABLA_RETURN_IF_ERROR(run.SetOverrides(options.epochs, options.batch_size,
                                         options.learning_rate));
  ReportOptions reports;
  reports.log_every = options.log_every;
  reports.test_every_epoch = options.test_every_epoch;
  if (!options.metrics_out.empty()) reports.metrics_out = options.metrics_out;
  if (!options.plot.empty()) reports.plot = options.plot;
  if (!options.save.empty()) {
    reports.checkpoint = options.save;
    reports.checkpoint_every = options.checkpoint_every;
  }
  reports.monitor = options.monitor;
  reports.min_delta = options.min_delta;
  reports.patience = options.patience;
  if (!options.save_best.empty()) reports.save_best = options.save_best;
  reports.out = options.progress;
  reports.stop_requested = options.stop_requested;
  // Whatever happens now, the variables may have changed.
  ++state.version;
  NABLA_ASSIGN_OR_RETURN(TrainingOutcome outcome, run.Train(reports));
  if (!options.save.empty()) NABLA_RETURN_IF_ERROR(run.Save(options.save));
  TrainingResult result;
  for (const EpochRecord& record : outcome.epochs) {
    result.epochs.push_back(ToEpochResult(record));
  }
  result.stopped = outcome.stopped;
  result.stopped_early = outcome.stopped_early;
  result.best_epoch = outcome.best.epoch;
  if (outcome.best.epoch > 0) result.best_value = outcome.best.value;
  return result;
}

[[nodiscard]] absl::StatusOr<int> FindVariable(const Graph& graph,
                                               const std::string& name) {
  NABLA_ASSIGN_OR_RETURN(const int node, graph.FindNode(name));
  if (graph.node(node).op->role() != OpRole::kVariable) {
    return absl::InvalidArgumentError(
        absl::StrCat(graph.Describe(node), " is not a Variable"));
  }
  return node;
}

}  // namespace

[[nodiscard]] absl::Status CheckDataLoaded(const ModelState& state,
                                           absl::string_view what) {
  if (state.options.load_data || !HasData(state.run->parsed().model.data())) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat(what, ": ", state.run->source(),
                   " was loaded with ModelOptions.load_data = false"));
}

Model::Model(std::unique_ptr<ModelState> state) : state_(std::move(state)) {}
Model::~Model() = default;

absl::StatusOr<std::unique_ptr<Model>> Model::FromFile(
    const std::string& path, const ModelOptions& options) {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<std::unique_ptr<Model>> {
    NABLA_ASSIGN_OR_RETURN(
        auto state,
        OpenFile(ReadAnyModelFile(path, options.max_model_file_bytes), path,
                 options));
    return std::unique_ptr<Model>(new Model(std::move(state)));
  });
}

absl::StatusOr<std::unique_ptr<Model>> Model::FromOnnx(
    const std::string& path, const ModelOptions& options) {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<std::unique_ptr<Model>> {
    NABLA_ASSIGN_OR_RETURN(
        auto state,
        OpenFile(ReadOnnxModelFile(path, false, options.source_name), path,
                 options));
    return std::unique_ptr<Model>(new Model(std::move(state)));
  });
}

absl::StatusOr<std::unique_ptr<Model>> Model::FromString(
    absl::string_view text, const ModelOptions& options) {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<std::unique_ptr<Model>> {
    NABLA_ASSIGN_OR_RETURN(ParsedModel parsed,
                           ParseModelText(text, options.source_name.empty()
                                                    ? "<string>"
                                                    : options.source_name));
    NABLA_RETURN_IF_ERROR(AddOnnxGraph(
        parsed, options.base_dir.empty() ? "." : options.base_dir));
    NABLA_ASSIGN_OR_RETURN(auto state, Open(std::move(parsed), options));
    return std::unique_ptr<Model>(new Model(std::move(state)));
  });
}

absl::StatusOr<TrainingResult> Model::Train(const TrainingOptions& options) {
  return ReportingOutOfMemory([&] { return TrainRun(*state_, options); });
}

absl::StatusOr<double> Model::TrainStep(const std::vector<NamedValues>& feeds) {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<double> {
    ModelRun& run = *state_->run;
    if (!run.has_training()) return run.TrainStep({});
    std::vector<Tensor> tensors;
    std::vector<Feed> session_feeds;
    NABLA_RETURN_IF_ERROR(MakeFeeds(*run.graph(), run.normalizer(), feeds,
                                    &tensors, &session_feeds));
    ++state_->version;
    return run.TrainStep(session_feeds);
  });
}

absl::Status Model::Save(const std::string& path) const {
  return state_->run->Save(path);
}

absl::Status Model::Restore(const std::string& path) {
  return ReportingOutOfMemory([&]() -> absl::Status {
    ++state_->version;
    return state_->run->Restore(path);
  });
}

absl::StatusOr<Values> Model::Variable(const std::string& name) const {
  const ModelRun& run = *state_->run;
  NABLA_ASSIGN_OR_RETURN(const int node, FindVariable(*run.graph(), name));
  return ToValues(run.session().variable(node));
}

absl::Status Model::SetVariable(const std::string& name, const Values& value) {
  ModelRun& run = *state_->run;
  NABLA_ASSIGN_OR_RETURN(const int node, FindVariable(*run.graph(), name));
  NABLA_ASSIGN_OR_RETURN(Tensor tensor,
                         ToTensor(value, run.session().variable(node).dtype(),
                                  absl::StrCat("variable '", name, "'")));
  NABLA_RETURN_IF_ERROR(run.session().SetVariable(node, tensor));
  ++state_->version;
  return absl::OkStatus();
}

std::string Model::prediction_input() const {
  return state_->run->parsed().model.prediction().input();
}

std::string Model::prediction_output() const {
  return state_->run->parsed().model.prediction().output();
}

std::vector<std::string> Model::VariableNames() const {
  const Graph& graph = *state_->run->graph();
  std::vector<std::string> names;
  for (int node : state_->run->session().variable_nodes()) {
    names.push_back(graph.node(node).name);
  }
  return names;
}

std::string Model::ToText() const {
  return ModelToText(state_->run->parsed().model);
}

absl::Status Model::Export(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << ToText();
  out.close();
  if (!out) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot write the model file"));
  }
  return absl::OkStatus();
}

absl::Status Model::ExportOnnx(const std::string& path,
                               const std::vector<std::string>& outputs) const {
  return ReportingOutOfMemory(
      [&] { return state_->run->ExportOnnx(path, outputs); });
}

int64_t Model::step() const { return state_->run->session().step(); }
int64_t Model::epochs_finished() const { return state_->run->position().epoch; }
int Model::threads() const { return state_->run->session().threads(); }

}  // namespace nabla
