// nabla::Model: loading, training, checkpoints, variables and export.
// Inference is in model_inference.cc.
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/api/model_state.h"
#include "core/api/tensor_values.h"
#include "core/checkpoint.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "nabla/graph_builder.h"
#include "nabla/model.h"
#include "tools/run_setup.h"
#include "tools/training_run.h"

namespace nabla {
namespace {

using internal::ModelState;

bool HasData(const DataConfig& data) {
  return data.feed_size() + data.source_size() > 0;
}

absl::Status LoadData(ModelState& state, const Normalizer* restored) {
  DataSourceContext context;
  context.base_dir =
      state.options.base_dir.empty() ? "." : state.options.base_dir;
  NABLA_ASSIGN_OR_RETURN(
      state.data,
      LoadModelData(*state.graph, state.parsed.model.data(),
                    state.parsed.source.name, context, restored));
  state.data_loaded = true;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ModelState>> Open(ParsedModel parsed,
                                                  const ModelOptions& options) {
  auto state = std::make_unique<ModelState>();
  state->parsed = std::move(parsed);
  state->options = options;
  const ModelDef& model = state->parsed.model;
  NABLA_ASSIGN_OR_RETURN(Graph graph,
                         Graph::Build(model.graph(), state->parsed.source));
  state->graph = std::make_shared<const Graph>(std::move(graph));
  SessionOptions session_options;
  session_options.threads = options.threads;
  session_options.seed = options.seed.value_or(model.training().seed());
  session_options.memory_limit_bytes = options.memory_limit_bytes;
  session_options.check_numerics = options.check_numerics;
  session_options.adapt_threads = options.adapt_threads;
  NABLA_ASSIGN_OR_RETURN(state->session,
                         Session::Create(state->graph, session_options));
  TrainingOverrides overrides;
  overrides.seed = options.seed;
  state->settings = SettingsFor(model.training(), overrides);
  if (model.has_training()) {
    NABLA_ASSIGN_OR_RETURN(
        state->targets,
        SetUpTraining(state->parsed,
                      EffectiveOptimizer(model.training(), overrides),
                      *state->session));
  }
  if (options.load_data && HasData(model.data())) {
    NABLA_RETURN_IF_ERROR(LoadData(*state, nullptr));
  }
  state->replicas =
      std::make_unique<ReplicaPool>(state->graph, session_options);
  return state;
}

// Why the model cannot train or evaluate on its data, or OK.
absl::Status CheckData(const ModelState& state, absl::string_view what) {
  if (!HasData(state.parsed.model.data())) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": ", state.parsed.source.name,
                     " has no data section (data { feed or source })"));
  }
  if (!state.data_loaded) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": ", state.parsed.source.name,
                     " was loaded with ModelOptions.load_data = false"));
  }
  return absl::OkStatus();
}

absl::Status CheckTraining(const ModelState& state, absl::string_view what) {
  if (!state.targets.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": ", state.parsed.source.name,
                     " has no training section (training { loss "
                     "optimizer })"));
  }
  return absl::OkStatus();
}

// Trains with `learning_rate` from now on. SetTraining() starts the
// optimizer's slots at zero, so they are carried over: a run with another
// rate continues the same optimizer state.
absl::Status ChangeLearningRate(ModelState& state, double learning_rate) {
  Session& session = *state.session;
  std::vector<std::vector<Tensor>> slots;
  for (int node : session.variable_nodes()) slots.push_back(session.slots(node));
  TrainingOverrides overrides;
  overrides.learning_rate = learning_rate;
  NABLA_RETURN_IF_ERROR(
      SetUpTraining(state.parsed,
                    EffectiveOptimizer(state.parsed.model.training(),
                                       overrides),
                    session)
          .status());
  // Element by element: the session keeps pointers to its slot tensors.
  for (size_t i = 0; i < slots.size(); ++i) {
    std::vector<Tensor>& kept = session.slots(session.variable_nodes()[i]);
    for (size_t j = 0; j < kept.size() && j < slots[i].size(); ++j) {
      kept[j] = std::move(slots[i][j]);
    }
  }
  state.learning_rate = learning_rate;
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

TrainingRunOptions RunOptionsFor(ModelState& state,
                                 const TrainingOptions& options) {
  const TrainingConfig& config = state.parsed.model.training();
  TrainingRunOptions run;
  run.epochs = state.settings.epochs;
  run.log_every =
      options.log_every.value_or(std::max<int64_t>(1, config.log_every()));
  run.eval_batch_size = EvalBatchSize(state.settings);
  if (!options.metrics_out.empty()) run.metrics_out = options.metrics_out;
  if (!options.plot.empty()) run.plot = options.plot;
  run.title = state.parsed.source.name;
  run.out = options.progress;
  run.stop_requested = options.stop_requested;
  if (!options.save.empty()) {
    run.checkpoint_every = options.checkpoint_every;
    run.save_checkpoint = [&state, path = options.save](
                              const TrainingPosition& position) {
      return WriteCheckpoint(CaptureRun(*state.session, state.data.normalizer,
                                        position, state.settings.seed),
                             path);
    };
  }
  return run;
}

absl::Status CheckTrainingOptions(const TrainingOptions& options) {
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

absl::StatusOr<TrainingResult> TrainRun(ModelState& state,
                                        const TrainingOptions& options) {
  NABLA_RETURN_IF_ERROR(CheckTraining(state, "Train"));
  NABLA_RETURN_IF_ERROR(CheckData(state, "Train"));
  NABLA_RETURN_IF_ERROR(CheckTrainingOptions(options));
  const TrainingConfig& config = state.parsed.model.training();
  if (options.learning_rate.has_value() &&
      options.learning_rate != state.learning_rate) {
    NABLA_RETURN_IF_ERROR(ChangeLearningRate(state, *options.learning_rate));
  }
  state.settings.epochs =
      options.epochs.value_or(std::max<int64_t>(1, config.epochs()));
  state.settings.batch_size =
      options.batch_size.value_or(config.batch_size());
  NABLA_ASSIGN_OR_RETURN(
      std::unique_ptr<TrainingRun> observer,
      TrainingRun::Create(*state.session, state.data, *state.targets,
                          state.position, RunOptionsFor(state, options)));
  // Whatever happens now, the variables may have changed.
  ++state.version;
  NABLA_RETURN_IF_ERROR(Train(*state.session, state.data.training,
                              state.settings, state.position, *observer));
  NABLA_RETURN_IF_ERROR(observer->batch_error());
  if (!options.save.empty()) {
    NABLA_RETURN_IF_ERROR(
        WriteCheckpoint(CaptureRun(*state.session, state.data.normalizer,
                                   state.position, state.settings.seed),
                        options.save));
  }
  TrainingResult result;
  for (const EpochRecord& record : observer->records()) {
    result.epochs.push_back(ToEpochResult(record));
  }
  result.stopped = state.position.epoch < state.settings.epochs;
  return result;
}

absl::StatusOr<int> FindVariable(const Graph& graph, const std::string& name) {
  NABLA_ASSIGN_OR_RETURN(const int node, graph.FindNode(name));
  if (graph.node(node).op->role() != OpRole::kVariable) {
    return absl::InvalidArgumentError(
        absl::StrCat(graph.Describe(node), " is not a Variable"));
  }
  return node;
}

}  // namespace

Model::Model(std::unique_ptr<ModelState> state) : state_(std::move(state)) {}
Model::~Model() = default;

absl::StatusOr<std::unique_ptr<Model>> Model::FromFile(
    const std::string& path, const ModelOptions& options) {
  return ReportingOutOfMemory(
      [&]() -> absl::StatusOr<std::unique_ptr<Model>> {
        NABLA_ASSIGN_OR_RETURN(ParsedModel parsed, ReadModelFile(path));
        ModelOptions resolved = options;
        if (resolved.base_dir.empty()) resolved.base_dir = DirectoryOf(path);
        if (!resolved.source_name.empty()) {
          parsed.source.name = resolved.source_name;
        }
        NABLA_ASSIGN_OR_RETURN(auto state, Open(std::move(parsed), resolved));
        return std::unique_ptr<Model>(new Model(std::move(state)));
      });
}

absl::StatusOr<std::unique_ptr<Model>> Model::FromString(
    absl::string_view text, const ModelOptions& options) {
  return ReportingOutOfMemory(
      [&]() -> absl::StatusOr<std::unique_ptr<Model>> {
        NABLA_ASSIGN_OR_RETURN(
            ParsedModel parsed,
            ParseModelText(text, options.source_name.empty()
                                     ? "<string>"
                                     : options.source_name));
        NABLA_ASSIGN_OR_RETURN(auto state, Open(std::move(parsed), options));
        return std::unique_ptr<Model>(new Model(std::move(state)));
      });
}

absl::StatusOr<std::unique_ptr<Model>> Model::FromProto(
    const ModelDef& model, const ModelOptions& options) {
  return ReportingOutOfMemory(
      [&]() -> absl::StatusOr<std::unique_ptr<Model>> {
        ParsedModel parsed;
        parsed.model = model;
        parsed.source.name =
            options.source_name.empty() ? "<proto>" : options.source_name;
        NABLA_RETURN_IF_ERROR(CheckFormatVersion(model, parsed.source.name));
        NABLA_ASSIGN_OR_RETURN(auto state, Open(std::move(parsed), options));
        return std::unique_ptr<Model>(new Model(std::move(state)));
      });
}

absl::StatusOr<TrainingResult> Model::Train(const TrainingOptions& options) {
  return ReportingOutOfMemory([&] { return TrainRun(*state_, options); });
}

absl::StatusOr<double> Model::TrainStep(const std::vector<NamedValues>& feeds) {
  return ReportingOutOfMemory([&]() -> absl::StatusOr<double> {
    NABLA_RETURN_IF_ERROR(CheckTraining(*state_, "TrainStep"));
    std::vector<Tensor> tensors;
    std::vector<Feed> session_feeds;
    NABLA_RETURN_IF_ERROR(MakeFeeds(*state_->graph, state_->data.normalizer,
                                    feeds, &tensors, &session_feeds));
    ++state_->version;
    return state_->session->TrainStep(session_feeds);
  });
}

absl::Status Model::Save(const std::string& path) const {
  return WriteCheckpoint(CaptureRun(*state_->session, state_->data.normalizer,
                                    state_->position, state_->settings.seed),
                         path);
}

absl::Status Model::Restore(const std::string& path) {
  return ReportingOutOfMemory([&]() -> absl::Status {
    NABLA_ASSIGN_OR_RETURN(RestoredRun restored,
                           RestoreRun(path, *state_->session));
    ++state_->version;
    state_->position = restored.position;
    if (restored.data_seed.has_value()) {
      state_->settings.seed = *restored.data_seed;
    }
    // Data normalised with freshly fitted statistics is normalised again
    // with the checkpoint's, as train_graph --resume loads it.
    if (state_->data_loaded &&
        state_->parsed.model.data().normalize_size() > 0) {
      return LoadData(*state_, &restored.normalizer);
    }
    state_->data.normalizer = std::move(restored.normalizer);
    return absl::OkStatus();
  });
}

absl::StatusOr<Values> Model::Variable(const std::string& name) const {
  NABLA_ASSIGN_OR_RETURN(const int node, FindVariable(*state_->graph, name));
  return ToValues(state_->session->variable(node));
}

absl::Status Model::SetVariable(const std::string& name,
                                const Values& value) {
  NABLA_ASSIGN_OR_RETURN(const int node, FindVariable(*state_->graph, name));
  NABLA_ASSIGN_OR_RETURN(
      Tensor tensor,
      ToTensor(value, state_->session->variable(node).dtype(),
               absl::StrCat("variable '", name, "'")));
  NABLA_RETURN_IF_ERROR(state_->session->SetVariable(node, tensor));
  ++state_->version;
  return absl::OkStatus();
}

const ModelDef& Model::definition() const { return state_->parsed.model; }

std::string Model::ToText() const { return ModelToText(state_->parsed.model); }

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

int64_t Model::step() const { return state_->session->step(); }
int64_t Model::epochs_finished() const { return state_->position.epoch; }
int Model::threads() const { return state_->session->threads(); }

}  // namespace nabla
