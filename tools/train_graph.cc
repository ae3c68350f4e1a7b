// train_graph: trains a model file, evaluates it, writes checkpoints, and
// predicts.
//
//   train_graph MODEL.pbtxt [--epochs N] [--batch_size N] [--save CKPT]
//       [--resume CKPT] [--predict "v,v;v,v"] ...      (see --help)
//
// Exit status 0 on success (also after a SIGINT/SIGTERM that saved a
// checkpoint); 1 with a message on stderr for any error, 2 for a usage
// error.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <new>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/checkpoint.h"
#include "core/graph.h"
#include "core/model_data.h"
#include "core/model_parser.h"
#include "core/plugin_loader.h"
#include "core/session.h"
#include "core/status_macros.h"
#include "core/trainer.h"
#include "core/update_rule.h"
#include "tools/evaluation.h"
#include "tools/graph_dot.h"
#include "tools/model_gradcheck.h"
#include "tools/prediction.h"
#include "nabla/registry.h"
#include "tools/run_setup.h"
#include "tools/stop_signal.h"
#include "tools/time_model.h"
#include "tools/train_options.h"
#include "tools/training_run.h"

namespace nabla {
namespace {

// Samples fed to --gradcheck: enough to exercise batch reductions, few
// enough that finite differences stay quick.
constexpr int64_t kGradcheckSamples = 4;
// Elements compared per op input by --gradcheck.
constexpr int64_t kGradcheckElements = 64;
// Training steps --time runs before it measures, and measures by default.
constexpr int kTimeWarmupSteps = 5;
constexpr int64_t kTimeSteps = 50;

std::string DescribeOptimizer(const OptimizerConfig& config) {
  std::vector<std::string> settings;
  std::vector<std::string> names;
  for (const auto& [name, value] : config.attr()) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    settings.push_back(
        absl::StrCat(name, "=", AttrValueToString(config.attr().at(name))));
  }
  return absl::StrCat(config.name(), "(", absl::StrJoin(settings, ", "), ")");
}

TrainingOverrides OverridesFrom(const TrainOptions& options) {
  TrainingOverrides overrides;
  overrides.epochs = options.epochs;
  overrides.batch_size = options.batch_size;
  overrides.seed = options.seed;
  overrides.learning_rate = options.learning_rate;
  return overrides;
}

bool HasData(const DataConfig& data) {
  return data.feed_size() + data.source_size() > 0;
}

// What one invocation works on.
struct Run {
  ParsedModel parsed;
  std::unique_ptr<Session> session;
  ModelData data;
  TrainingSettings settings;
  TrainingPosition position;
  MetricTargets targets;
};

absl::Status SaveRun(const Run& run, const TrainingPosition& position,
                     const std::string& path) {
  return WriteCheckpoint(CaptureRun(*run.session, run.data.normalizer,
                                    position, run.settings.seed),
                         path);
}

// Restores a checkpoint; returns its normalisation statistics.
absl::StatusOr<Normalizer> Resume(Run& run, const std::string& path) {
  NABLA_ASSIGN_OR_RETURN(RestoredRun restored,
                         RestoreRun(path, *run.session));
  run.position = restored.position;
  if (restored.data_seed.has_value()) run.settings.seed = *restored.data_seed;
  std::printf("restored %s (step %lld, epoch %lld)\n", path.c_str(),
              static_cast<long long>(run.session->step()),
              static_cast<long long>(run.position.epoch));
  return std::move(restored.normalizer);
}

// Runs the gradient checker on every op of the model, with the first
// samples of its data; fails when any gradient is off.
absl::Status Gradcheck(const Run& run) {
  const Dataset& data = run.data.training;
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < std::min(data.num_samples(), kGradcheckSamples);
       ++r) {
    rows.push_back(r);
  }
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  data.FillBatch(rows, &batch, &feeds);
  GradientCheckOptions check;
  check.max_elements = kGradcheckElements;
  NABLA_ASSIGN_OR_RETURN(std::vector<NodeGradientReport> reports,
                         GradcheckModel(*run.session, feeds, check));
  std::printf("gradcheck %s: %zu samples, float64 central differences "
              "(h=%g), at most %lld elements per input\n%s",
              run.parsed.source.name.c_str(), rows.size(), check.h,
              static_cast<long long>(kGradcheckElements),
              FormatGradcheck(reports).c_str());
  if (!GradcheckPassed(reports)) {
    return absl::InternalError("gradcheck failed: see the failures above");
  }
  return absl::OkStatus();
}

// --time: per-op times and the memory plan over training steps on the
// first batch (the steps do train, as `caffe time` does).
absl::Status Time(const Run& run, int64_t iterations) {
  const Dataset& data = run.data.training;
  const int64_t n = run.settings.batch_size > 0
                        ? std::min(run.settings.batch_size, data.num_samples())
                        : data.num_samples();
  std::vector<int64_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  data.FillBatch(rows, &batch, &feeds);
  NABLA_ASSIGN_OR_RETURN(
      std::string report,
      TimeModel(*run.session, feeds, static_cast<int>(iterations),
                kTimeWarmupSteps));
  std::printf("%s", report.c_str());
  return absl::OkStatus();
}

// The model's class names, or those its data source read, or none.
std::vector<std::string> ClassNames(const Run& run) {
  const auto& names = run.parsed.model.prediction().class_names();
  if (!names.empty()) return {names.begin(), names.end()};
  if (!run.targets.has_metrics) return {};
  return run.data.training.class_names(
      run.session->graph().node(run.targets.targets.node).name);
}

// Prints the loss and metrics of `data`, and the confusion matrix of a
// classifier.
absl::Status PrintEvaluation(const Run& run, absl::string_view split,
                             const Dataset& data) {
  NABLA_ASSIGN_OR_RETURN(
      Evaluation evaluation,
      Evaluate(*run.session, data, run.targets, EvalBatchSize(run.settings)));
  std::string line = absl::StrCat(split, ": ", evaluation.samples,
                                  " samples  loss ", evaluation.loss);
  if (evaluation.metrics != nullptr) {
    for (const NamedMetric& metric : evaluation.metrics->Results()) {
      absl::StrAppend(&line, "  ", metric.name, " ", metric.value);
    }
  }
  std::printf("%s\n", line.c_str());
  if (evaluation.metrics != nullptr &&
      evaluation.metrics->kind() == MetricKind::kClassification) {
    std::printf("%s", FormatConfusionMatrix(
                          evaluation.metrics->confusion_matrix(),
                          ClassNames(run))
                          .c_str());
  }
  return absl::OkStatus();
}

absl::Status TrainModel(Run& run, const TrainOptions& options) {
  const TrainingConfig& config = run.parsed.model.training();
  const Dataset& training = run.data.training;
  std::printf(
      "training %s: %lld samples%s, epochs %lld to %lld, batch size %lld, "
      "%s, %d thread%s\n",
      run.parsed.source.name.c_str(),
      static_cast<long long>(training.num_samples()),
      run.data.validation.empty()
          ? ""
          : absl::StrCat(" (", run.data.validation.num_samples(),
                         " for validation)")
                .c_str(),
      static_cast<long long>(run.position.epoch + 1),
      static_cast<long long>(run.settings.epochs),
      static_cast<long long>(run.settings.batch_size == 0
                                 ? training.num_samples()
                                 : run.settings.batch_size),
      DescribeOptimizer(
          EffectiveOptimizer(config, OverridesFrom(options))).c_str(),
      run.session->threads(), run.session->threads() == 1 ? "" : "s");
  TrainingRunOptions run_options;
  run_options.epochs = run.settings.epochs;
  run_options.log_every =
      options.log_every.value_or(std::max<int64_t>(1, config.log_every()));
  run_options.eval_batch_size = EvalBatchSize(run.settings);
  run_options.metrics_out = options.metrics_out;
  run_options.plot = options.plot;
  run_options.title = run.parsed.source.name;
  if (options.save.has_value()) {
    run_options.checkpoint_every = options.checkpoint_every.value_or(0);
    run_options.save_checkpoint = [&](const TrainingPosition& position) {
      return SaveRun(run, position, *options.save);
    };
  }
  NABLA_ASSIGN_OR_RETURN(
      std::unique_ptr<TrainingRun> observer,
      TrainingRun::Create(*run.session, run.data, run.targets, run.position,
                          std::move(run_options)));
  NABLA_RETURN_IF_ERROR(
      Train(*run.session, training, run.settings, run.position, *observer));
  NABLA_RETURN_IF_ERROR(observer->batch_error());
  return absl::OkStatus();
}

// Checks the prediction flags and reads the rows, before any training, so
// that a typo does not wait for the end of a long run.
absl::StatusOr<Tensor> PredictionRows(const Run& run,
                                      const TrainOptions& options,
                                      PredictionSetup* setup) {
  const PredictionConfig& config = run.parsed.model.prediction();
  setup->input = options.input.value_or(config.input());
  setup->output = options.output.value_or(config.output());
  if (setup->input.empty() || setup->output.empty()) {
    return absl::InvalidArgumentError(
        "--predict needs an input placeholder and an output node: give "
        "--input and --output, or set prediction { input output } in the "
        "model");
  }
  const Graph& graph = run.session->graph();
  auto input = graph.FindNode(setup->input);
  if (!input.ok()) {
    return absl::Status(input.status().code(),
                        absl::StrCat("--input: ", input.status().message()));
  }
  const int placeholder = *input;
  if (graph.node(placeholder).op->role() != OpRole::kPlaceholder) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--input: ", graph.Describe(placeholder), " is not a Placeholder"));
  }
  auto output = graph.FindNode(setup->output);
  if (!output.ok()) {
    return absl::Status(output.status().code(),
                        absl::StrCat("--output: ", output.status().message()));
  }
  setup->output_units_of = config.output_units_of();
  if (!setup->output_units_of.empty() &&
      !run.data.normalizer.Normalizes(setup->output_units_of)) {
    return absl::InvalidArgumentError(absl::StrCat(
        run.parsed.source.name, ": prediction.output_units_of names '",
        setup->output_units_of,
        "', which is not a normalised placeholder (data.normalize)"));
  }
  setup->classifier = run.targets.has_metrics &&
                      run.targets.kind == MetricKind::kClassification;
  return options.predict.has_value()
             ? RowsFromText(*options.predict, graph, placeholder, "--predict")
             : RowsFromCsvFile(*options.predict_file, graph, placeholder);
}

absl::Status RunTool(const TrainOptions& options) {
  for (const std::string& plugin : options.plugins) {
    NABLA_RETURN_IF_ERROR(LoadPlugin(plugin));
  }
  if (options.list) {
    std::printf("%s", DescribeRegistry().c_str());
    return absl::OkStatus();
  }
  Run run;
  NABLA_ASSIGN_OR_RETURN(run.parsed, ReadModelFile(options.model_path));
  const ModelDef& model = run.parsed.model;
  NABLA_ASSIGN_OR_RETURN(Graph graph,
                         Graph::Build(model.graph(), run.parsed.source));
  if (options.dot.has_value()) {
    NABLA_RETURN_IF_ERROR(WriteDot(graph, *options.dot));
    std::printf("wrote the graph to %s\n", options.dot->c_str());
  }
  SessionOptions session_options;
  session_options.threads = static_cast<int>(options.threads.value_or(1));
  session_options.seed = options.seed.value_or(model.training().seed());
  session_options.memory_limit_bytes = options.memory_limit;
  session_options.check_numerics = options.check_numerics;
  session_options.adapt_threads = !options.fixed_threads;
  NABLA_ASSIGN_OR_RETURN(
      run.session,
      Session::Create(std::make_shared<const Graph>(std::move(graph)),
                      session_options));
  run.settings = SettingsFor(model.training(), OverridesFrom(options));
  const bool has_training = !model.training().loss().empty();
  if (model.has_training() && !has_training) {
    return absl::InvalidArgumentError(absl::StrCat(
        run.parsed.source.name,
        ": training.loss is not set: name the node whose scalar output is "
        "minimised"));
  }
  if (has_training) {
    NABLA_ASSIGN_OR_RETURN(
        run.targets,
        SetUpTraining(run.parsed,
                      EffectiveOptimizer(model.training(),
                                         OverridesFrom(options)),
                      *run.session));
  } else if (!options.resume.has_value() && !options.gradcheck) {
    return absl::InvalidArgumentError(absl::StrCat(
        run.parsed.source.name,
        " has no training section (training { loss optimizer }): there is "
        "nothing to train; give --resume CKPT to predict or evaluate with "
        "trained variables"));
  }
  if ((options.eval || options.time) && !has_training) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.eval ? "--eval: " : "--time: ", run.parsed.source.name,
        " has no training section naming the loss"));
  }
  Normalizer restored;
  if (options.resume.has_value()) {
    NABLA_ASSIGN_OR_RETURN(restored, Resume(run, *options.resume));
  }
  if (HasData(model.data())) {
    DataSourceContext context;
    context.base_dir = DirectoryOf(run.parsed.source.name);
    NABLA_ASSIGN_OR_RETURN(
        run.data, LoadModelData(run.session->graph(), model.data(),
                                run.parsed.source.name, context,
                                options.resume.has_value() ? &restored
                                                           : nullptr));
  } else {
    run.data.normalizer = restored;
  }
  if (options.gradcheck) return Gradcheck(run);
  if (options.time) {
    return Time(run, options.time_iterations.value_or(kTimeSteps));
  }
  PredictionSetup prediction;
  std::optional<Tensor> prediction_rows;
  if (options.predict.has_value() || options.predict_file.has_value()) {
    NABLA_ASSIGN_OR_RETURN(prediction_rows,
                           PredictionRows(run, options, &prediction));
  }
  const bool train = has_training && !options.eval &&
                     run.position.epoch < run.settings.epochs;
  if (train) {
    InstallStopSignalHandlers();
    const absl::Status trained = TrainModel(run, options);
    // Evaluation, saving and prediction stop on a signal as usual.
    RestoreDefaultSignalHandlers();
    NABLA_RETURN_IF_ERROR(trained);
    if (const int signal = StopSignalReceived()) {
      const std::string path =
          options.save.value_or(absl::StrCat(options.model_path, ".ckpt"));
      NABLA_RETURN_IF_ERROR(SaveRun(run, run.position, path));
      std::printf(
          "stopped by signal %d at epoch %lld, sample %lld: saved %s; "
          "continue with --resume %s\n",
          signal, static_cast<long long>(run.position.epoch + 1),
          static_cast<long long>(run.position.next_sample), path.c_str(),
          path.c_str());
      return absl::OkStatus();
    }
  }
  if (has_training && (train || options.eval)) {
    if (!run.data.test.empty()) {
      NABLA_RETURN_IF_ERROR(PrintEvaluation(run, "test", run.data.test));
    } else if (options.eval && !run.data.validation.empty()) {
      NABLA_RETURN_IF_ERROR(
          PrintEvaluation(run, "validation", run.data.validation));
    } else if (options.eval) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--eval: ", run.parsed.source.name,
          " has no test or validation data"));
    }
  }
  if (options.save.has_value()) {
    NABLA_RETURN_IF_ERROR(SaveRun(run, run.position, *options.save));
    std::printf("saved %s (step %lld)\n", options.save->c_str(),
                static_cast<long long>(run.session->step()));
  }
  if (prediction_rows.has_value()) {
    prediction.normalizer = &run.data.normalizer;
    prediction.class_names = ClassNames(run);
    NABLA_RETURN_IF_ERROR(
        PrintPredictions(*run.session, prediction, *prediction_rows));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace nabla

int main(int argc, char** argv) {
  nabla::TrainOptions options;
  std::string help;
  absl::Status parsed = nabla::ParseTrainOptions(argc, argv, &options, &help);
  if (!parsed.ok()) {
    std::fprintf(stderr, "train_graph: %s\n%s",
                 std::string(parsed.message()).c_str(), help.c_str());
    return 2;
  }
  if (options.help) {
    std::printf("%s", help.c_str());
    return 0;
  }
  absl::Status status;
  try {
    status = nabla::RunTool(options);
  } catch (const std::bad_alloc&) {
    // The memory limit refuses a model before it allocates, but it does not
    // count the data, and it can be raised or turned off.
    status = absl::ResourceExhaustedError(
        "out of memory: the model or its data needs more memory than this "
        "machine has (--memory_limit counts the variables, optimizer slots "
        "and plan buffers, not the data)");
  }
  if (!status.ok()) {
    std::fprintf(stderr, "train_graph: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
