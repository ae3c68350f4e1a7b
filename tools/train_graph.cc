// train_graph: trains a model file, evaluates it, writes checkpoints, and
// predicts. A thin client of the run layer (core/run/model_run.h): flags
// in, calls to a ModelRun, exit status out.
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
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/communicator.h"
#include "core/file_read.h"
#include "core/model_parser.h"
#include "core/onnx/model_file.h"
#include "core/onnx/onnx_export.h"
#include "core/run/metrics.h"
#include "core/run/model_run.h"
#include "core/run/model_summary.h"
#include "core/run/prediction.h"
#include "core/status_macros.h"
#include "nabla/kernels.h"
#include "nabla/mpi_communicator.h"
#include "nabla/registry.h"
#include "tools/graph_dot.h"
#include "tools/output_paths.h"
#include "tools/stdout_status.h"
#include "tools/stop_signal.h"
#include "tools/train_options.h"

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

// A model file or --predict_file over its size limit: say which flag
// raises it.
template <typename T>
[[nodiscard]] absl::StatusOr<T> WithTextLimitHint(absl::StatusOr<T> read) {
  if (read.status().code() != absl::StatusCode::kResourceExhausted) {
    return read;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat(read.status().message(),
                   " (--max_text_size SIZE raises "
                   "the limit)"));
}

// Under mpirun: the ranks, and what every rank must have alike besides
// the model and data (the run layer checks those).
struct Ranks {
  Communicator* communicator = nullptr;
  // The command line but the model file's path, which may differ from
  // host to host.
  std::string flags;
};

// Plugins are compared by their bytes, read whole.
constexpr uint64_t kMaxPluginBytes = uint64_t{1} << 30;

// Data-parallel ranks must load the same plugins: their bytes, not paths.
[[nodiscard]] absl::StatusOr<std::string> PluginBytes(
    const TrainOptions& options) {
  std::string bytes;
  for (const std::string& plugin : options.plugins) {
    NABLA_ASSIGN_OR_RETURN(std::string content,
                           ReadRegularFile(plugin, kMaxPluginBytes));
    absl::StrAppend(&bytes, content.size(), ":", content);
  }
  return bytes;
}

RunOptions RunOptionsFrom(const TrainOptions& options) {
  RunOptions run;
  run.threads = static_cast<int>(options.threads.value_or(1));
  run.adapt_threads = !options.fixed_threads;
  run.flush_denormals = !options.keep_denormals;
  run.seed = options.seed;
  run.memory_limit_bytes = options.memory_limit;
  run.check_numerics = options.check_numerics;
  run.epochs = options.epochs;
  run.batch_size = options.batch_size;
  run.learning_rate = options.learning_rate;
  run.metrics = options.metrics;
  run.resume = options.resume;
  return run;
}

[[nodiscard]] absl::Status Gradcheck(ModelRun& run) {
  GradientCheckOptions check;
  check.max_elements = kGradcheckElements;
  NABLA_ASSIGN_OR_RETURN(std::vector<NodeGradientReport> reports,
                         run.Gradcheck(kGradcheckSamples, check));
  const absl::StatusOr<const Dataset*> data = run.Data(RunSplit::kTraining);
  const int64_t samples =
      data.ok() ? std::min((*data)->num_samples(), kGradcheckSamples) : 0;
  std::printf(
      "gradcheck %s: %lld samples, float64 central differences (h=%g), at "
      "most %lld elements per input\n%s",
      run.source().c_str(), static_cast<long long>(samples), check.h,
      static_cast<long long>(kGradcheckElements),
      FormatGradcheck(reports).c_str());
  if (!GradcheckPassed(reports)) {
    return absl::InternalError("gradcheck failed: see the failures above");
  }
  return absl::OkStatus();
}

// Prints the loss and metrics of a split, and a classifier's confusion
// matrix and per-class scores.
[[nodiscard]] absl::Status PrintEvaluation(ModelRun& run, RunSplit split,
                                           absl::string_view name) {
  NABLA_ASSIGN_OR_RETURN(Evaluation evaluation, run.Evaluate(split));
  std::string line = absl::StrCat(name, ": ", evaluation.samples,
                                  " samples  loss ", evaluation.loss);
  if (evaluation.metrics != nullptr) {
    for (const NamedMetric& metric : evaluation.metrics->Results()) {
      absl::StrAppend(&line, "  ", metric.name, " ", metric.value);
    }
  }
  std::printf("%s\n", line.c_str());
  if (evaluation.metrics != nullptr &&
      evaluation.metrics->kind() == MetricKind::kClassification) {
    const ConfusionMatrix& matrix = evaluation.metrics->confusion_matrix();
    std::printf("%s\n%s",
                FormatConfusionMatrix(matrix, run.ClassNames()).c_str(),
                FormatClassScores(matrix, run.ClassNames()).c_str());
  }
  return absl::OkStatus();
}

// The model's summary, with a training step's memory when the model
// trains on data.
std::string Summary(ModelRun& run) {
  if (!run.has_training()) return FormatModelSummary(*run.graph());
  const absl::StatusOr<MemoryPlan> memory = run.TrainingMemory();
  return FormatModelSummary(*run.graph(), memory.ok() ? &*memory : nullptr);
}

// Trains, stopping cleanly on SIGINT/SIGTERM with a checkpoint to resume
// from; true when a stop signal (on this rank or, data-parallel, on
// another) ended the run.
[[nodiscard]] absl::StatusOr<bool> Train(ModelRun& run,
                                         const TrainOptions& options) {
  std::printf("%s%s\n", Summary(run).c_str(), run.DescribeTraining().c_str());
  ReportOptions reports;
  reports.log_every = options.log_every;
  if (options.test_every_epoch) reports.test_every_epoch = true;
  reports.metrics_out = options.metrics_out;
  reports.plot = options.plot;
  if (options.save.has_value()) {
    reports.checkpoint = options.save;
    reports.checkpoint_every = options.checkpoint_every.value_or(0);
  }
  reports.monitor = options.monitor;
  reports.min_delta = options.min_delta;
  reports.patience = options.patience;
  reports.save_best = options.save_best;
  reports.stop_requested = [] { return StopSignalReceived() != 0; };
  InstallStopSignalHandlers();
  const absl::StatusOr<TrainingOutcome> trained = run.Train(reports);
  // Evaluation, saving and prediction stop on a signal as usual.
  RestoreDefaultSignalHandlers();
  NABLA_RETURN_IF_ERROR(trained.status());
  if (const Communicator* group = run.session().communicator()) {
    const Session::ExchangeTime exchange = run.session().exchange_time();
    std::printf(
        "data-parallel over %d ranks (%s, %s update): %lld steps, %.3f ms per "
        "step in the gradient exchange (rank 0; waiting for other ranks "
        "included)\n",
        group->size(), nabla::MpiTransport(*group).c_str(),
        run.session().shards_update() ? "sharded" : "whole",
        static_cast<long long>(exchange.steps),
        exchange.steps == 0 ? 0.0 : exchange.ns * 1e-6 / exchange.steps);
  }
  if (!trained->stopped) return false;
  const std::string path =
      options.save.value_or(absl::StrCat(options.model_path, ".ckpt"));
  NABLA_RETURN_IF_ERROR(run.Save(path));
  std::printf(
      "stopped by signal %d at epoch %lld, sample %lld: saved %s; "
      "continue with --resume %s\n",
      StopSignalReceived(), static_cast<long long>(run.position().epoch + 1),
      static_cast<long long>(run.position().next_sample), path.c_str(),
      path.c_str());
  return true;
}

// Checks the prediction flags and reads the rows, before any training, so
// that a typo does not wait for the end of a long run.
[[nodiscard]] absl::StatusOr<Tensor> PredictionRows(const ModelRun& run,
                                                    const TrainOptions& options,
                                                    PredictionSetup* setup) {
  const PredictionConfig& config = run.parsed().model.prediction();
  if (options.input.value_or(config.input()).empty() ||
      options.output.value_or(config.output()).empty()) {
    return absl::InvalidArgumentError(
        "--predict needs an input placeholder and an output node: give "
        "--input and --output, or set prediction { input output } in the "
        "model");
  }
  NABLA_ASSIGN_OR_RETURN(
      *setup, run.Prediction(options.input.value_or(config.input()),
                             options.output.value_or(config.output())));
  const Graph& graph = *run.graph();
  const int placeholder = *graph.FindNode(setup->input);
  return options.predict.has_value()
             ? RowsFromText(*options.predict, graph, placeholder, "--predict")
             : WithTextLimitHint(RowsFromCsvFile(*options.predict_file, graph,
                                                 placeholder,
                                                 options.max_text_bytes));
}

// Every file the run reads and every file it writes: no output may be an
// input or another output. Only --save may replace the --resume
// checkpoint: that is how a run continues in place; the checkpoint was
// read whole at the start and a save replaces it atomically.
[[nodiscard]] absl::Status CheckOutputs(const TrainOptions& options,
                                        const ModelRun& run) {
  std::vector<NamedPath> inputs = {{"the model file", options.model_path}};
  if (options.predict_file) {
    inputs.push_back({"the --predict_file", *options.predict_file});
  }
  for (const std::string& plugin : options.plugins) {
    inputs.push_back({"the plugin", plugin});
  }
  for (const std::string& file : run.data_files()) {
    inputs.push_back({"the data file", file});
  }
  std::vector<NamedPath> others;  // every output but --save
  if (options.metrics_out) {
    others.push_back({"--metrics_out", *options.metrics_out});
  }
  if (options.plot) others.push_back({"--plot", *options.plot});
  if (options.export_onnx) {
    others.push_back({"--export_onnx", *options.export_onnx});
  }
  const std::string save_best = run.SaveBestPath(options.save_best);
  if (!save_best.empty()) {
    others.push_back(
        {options.save_best ? "--save_best" : "training.save_best", save_best});
  }
  if (options.dot) {
    others.push_back({"--dot", *options.dot});
    const std::string text = DotTextPath(*options.dot);
    if (text != *options.dot) others.push_back({"--dot's DOT text", text});
  }
  std::vector<NamedPath> outputs = others;
  if (options.save) outputs.insert(outputs.begin(), {"--save", *options.save});
  for (const NamedPath& output : outputs) {
    NABLA_RETURN_IF_ERROR(CheckOutputWritable(output));
  }
  NABLA_RETURN_IF_ERROR(CheckOutputsApart(inputs, outputs));
  if (!options.resume) return absl::OkStatus();
  return CheckOutputsApart({{"the --resume checkpoint", *options.resume}},
                           others);
}

[[nodiscard]] absl::Status RunTool(const TrainOptions& options,
                                   const Ranks& ranks) {
  NABLA_RETURN_IF_ERROR(KernelSelectionStatus());
  if (options.version) {
    std::printf("%s\n", KernelsInUse().c_str());
    return absl::OkStatus();
  }
  for (const std::string& plugin : options.plugins) {
    NABLA_RETURN_IF_ERROR(LoadPlugin(plugin));
  }
  if (options.list) {
    std::printf("%s", DescribeRegistry().c_str());
    return absl::OkStatus();
  }
  NABLA_ASSIGN_OR_RETURN(ParsedModel parsed,
                         WithTextLimitHint(ReadAnyModelFile(
                             options.model_path, options.max_text_bytes)));
  RunOptions run_options = RunOptionsFrom(options);
  if (ranks.communicator != nullptr) {
    run_options.communicator = ranks.communicator;
    NABLA_ASSIGN_OR_RETURN(std::string plugins, PluginBytes(options));
    run_options.replica_check = {{"command line", ranks.flags},
                                 {"plugins", plugins}};
  }
  NABLA_ASSIGN_OR_RETURN(std::unique_ptr<ModelRun> run,
                         ModelRun::Open(std::move(parsed), run_options));
  NABLA_RETURN_IF_ERROR(CheckOutputs(options, *run));
  if (options.summary) {
    std::printf("%s", Summary(*run).c_str());
    return absl::OkStatus();
  }
  if (options.resume.has_value()) {
    std::printf("restored %s (step %lld, epoch %lld)\n",
                options.resume->c_str(),
                static_cast<long long>(run->session().step()),
                static_cast<long long>(run->position().epoch));
  }
  if (options.dot.has_value()) {
    NABLA_RETURN_IF_ERROR(WriteDot(*run->graph(), *options.dot));
    std::printf("wrote the graph to %s\n", options.dot->c_str());
  }
  // Without training, a model predicts from its variables' initial values
  // (an imported or hand-set network) or from a checkpoint's.
  const bool predicts_or_exports = options.predict.has_value() ||
                                   options.predict_file.has_value() ||
                                   options.export_onnx.has_value();
  if (!run->has_training() && !options.resume.has_value() &&
      !options.gradcheck && !predicts_or_exports) {
    return absl::InvalidArgumentError(absl::StrCat(
        run->source(),
        " has no training section (training { loss optimizer }): there is "
        "nothing to train; give --predict to predict from the variables' "
        "initial values, or --resume CKPT to predict or evaluate with "
        "trained variables"));
  }
  if ((options.eval || options.time) && !run->has_training()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.eval ? "--eval: " : "--time: ", run->source(),
                     " has no training section naming the loss"));
  }
  if (options.gradcheck) return Gradcheck(*run);
  if (options.time) {
    NABLA_ASSIGN_OR_RETURN(
        std::string report,
        run->Time(
            static_cast<int>(options.time_iterations.value_or(kTimeSteps)),
            kTimeWarmupSteps));
    std::printf("%s", report.c_str());
    return absl::OkStatus();
  }
  PredictionSetup prediction;
  std::optional<Tensor> prediction_rows;
  if (options.predict.has_value() || options.predict_file.has_value()) {
    NABLA_ASSIGN_OR_RETURN(prediction_rows,
                           PredictionRows(*run, options, &prediction));
  }
  const bool train = run->has_training() && !options.eval &&
                     run->position().epoch < run->settings().epochs;
  if (train) {
    NABLA_ASSIGN_OR_RETURN(const bool stopped, Train(*run, options));
    if (stopped) return absl::OkStatus();
  }
  if (run->has_training() && (train || options.eval)) {
    if (run->Data(RunSplit::kTest).ok()) {
      NABLA_RETURN_IF_ERROR(PrintEvaluation(*run, RunSplit::kTest, "test"));
    } else if (options.eval && run->Data(RunSplit::kValidation).ok()) {
      NABLA_RETURN_IF_ERROR(
          PrintEvaluation(*run, RunSplit::kValidation, "validation"));
    } else if (options.eval) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--eval: ", run->source(), " has no test or validation data"));
    }
  }
  if (options.save.has_value()) {
    NABLA_RETURN_IF_ERROR(run->Save(*options.save));
    std::printf("saved %s (step %lld)\n", options.save->c_str(),
                static_cast<long long>(run->session().step()));
  }
  if (options.export_onnx.has_value()) {
    std::vector<std::string> outputs;
    if (options.output.has_value()) outputs.push_back(*options.output);
    NABLA_RETURN_IF_ERROR(run->ExportOnnx(*options.export_onnx, outputs));
    std::printf("exported %s (ONNX, opset %d)\n", options.export_onnx->c_str(),
                kOnnxExportOpset);
  }
  if (prediction_rows.has_value()) {
    Session& session = run->session();
    NABLA_ASSIGN_OR_RETURN(
        Tensor outputs, PredictRows(
                            [&session](absl::Span<const Feed> feeds,
                                       absl::Span<const std::string> fetches) {
                              return session.Run(feeds, fetches);
                            },
                            prediction, *prediction_rows));
    std::printf(
        "%s", FormatPredictions(prediction, *prediction_rows, outputs).c_str());
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
    return nabla::FinishStdout("train_graph", 0);
  }
  // Under mpirun with more than one process: data-parallel training
  // (docs/distributed.md). Rank 0 alone prints what a run prints; every
  // rank prints its errors, and a rank that fails ends the whole job so
  // that no other waits for it.
  std::unique_ptr<nabla::Communicator> communicator =
      nabla::MakeMpiCommunicator();
  nabla::Ranks ranks;
  if (communicator != nullptr && communicator->size() > 1) {
    ranks.communicator = communicator.get();
    for (int i = 1; i < argc; ++i) {
      if (argv[i] != options.model_path)
        absl::StrAppend(&ranks.flags, argv[i], "\n");
    }
    if (communicator->rank() != 0 &&
        std::freopen("/dev/null", "w", stdout) == nullptr) {
      std::fprintf(stderr, "train_graph (%s): cannot silence stdout\n",
                   nabla::DescribeRank(*communicator).c_str());
    }
  }
  absl::Status status;
  try {
    status = nabla::RunTool(options, ranks);
  } catch (const std::bad_alloc&) {
    // The memory limit refuses a model before it allocates, but it does not
    // count the data, and it can be raised or turned off.
    status = absl::ResourceExhaustedError(
        "out of memory: the model or its data needs more memory than this "
        "machine has (--memory_limit counts the variables, optimizer slots "
        "and plan buffers, not the data)");
  }
  if (!status.ok()) {
    if (ranks.communicator != nullptr) {
      std::fprintf(stderr, "train_graph (%s): %s\n",
                   nabla::DescribeRank(*ranks.communicator).c_str(),
                   std::string(status.message()).c_str());
      std::fflush(stderr);
      nabla::AbortAllRanks(1);
    }
    std::fprintf(stderr, "train_graph: %s\n",
                 std::string(status.message()).c_str());
    return nabla::FinishStdout("train_graph", 1);
  }
  return nabla::FinishStdout("train_graph", 0);
}
