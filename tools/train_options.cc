#include "tools/train_options.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_read.h"
#include "core/status_macros.h"
#include "tools/byte_size.h"
#include "tools/flags.h"

namespace nabla {
namespace {

constexpr char kUsage[] =
    "usage: train_graph MODEL.pbtxt [flags]\n"
    "       train_graph --list [--plugin LIB.so ...]\n"
    "       train_graph --version\n"
    "Trains the model as its training section says (flags override it),\n"
    "evaluates it on its test data, saves a checkpoint and predicts if "
    "asked.\n"
    "With --resume, training continues from the checkpoint up to --epochs.\n"
    "Flags override the model file's settings; unset, each keeps the "
    "model's.\n\nflags:\n";

constexpr char kExamples[] =
    "\nexamples:\n"
    "  train_graph examples/xor.pbtxt --predict \"0,0; 0,1; 1,0; 1,1\"\n"
    "  # train the CNN on 2 threads, then 5 more epochs, then its test score\n"
    "  train_graph examples/fashion_mnist_cnn.pbtxt --threads 2 --save "
    "cnn.ckpt\n"
    "  train_graph examples/fashion_mnist_cnn.pbtxt --resume cnn.ckpt "
    "--epochs 20\n"
    "  train_graph examples/fashion_mnist_cnn.pbtxt --resume cnn.ckpt --eval\n"
    "  train_graph model.pbtxt --time          # per-op times, the memory "
    "plan\n"
    "  train_graph --list --plugin ./libprelu.so\n"
    "The README describes the model file, every op and every flag.\n";

// Bounds that keep the values within int and sensible.
constexpr int64_t kMaxThreads = 1024;
constexpr int64_t kMaxTimeIterations = 1000000;

[[nodiscard]] absl::Status CheckPositive(const char* name,
                                         const std::optional<int64_t>& v) {
  if (v.has_value() && *v < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " must be at least 1, got ", *v));
  }
  return absl::OkStatus();
}

}  // namespace

[[nodiscard]] absl::Status ParseTrainOptions(int argc, const char* const* argv,
                                             TrainOptions* options,
                                             std::string* help) {
  FlagParser flags;
  flags.AddInt("epochs", &options->epochs,
               "epochs to have trained when the run ends (training.epochs)");
  flags.AddInt("batch_size", &options->batch_size,
               "samples per step, 1 is per-sample SGD (training.batch_size)");
  flags.AddDouble("learning_rate", &options->learning_rate,
                  "the optimizer's learning_rate setting (training.optimizer)");
  flags.AddUint("seed", &options->seed,
                "seeds initial weights and data order (training.seed)");
  flags.AddInt("threads", &options->threads,
               "threads for the executor, >= 1 (default 1); results are the "
               "same for any count");
  flags.AddBool("fixed_threads", &options->fixed_threads,
                "run every step on all --threads threads, even when one "
                "thread measures faster (the default times both and runs "
                "the faster; results are the same)");
  flags.AddBool("keep_denormals", &options->keep_denormals,
                "compute with denormal floats as IEEE says, instead of "
                "reading and writing them as zero (the default, much "
                "faster once numbers get tiny; results are the same for "
                "any thread count either way)");
  flags.AddInt("log_every", &options->log_every,
               "print an epoch line every N epochs (training.log_every)");
  flags.AddBool("test_every_epoch", &options->test_every_epoch,
                "score the test data after every epoch, not only the last "
                "(training.test_every_epoch)");
  flags.AddBool("check_numerics", &options->check_numerics,
                "stop at the first step with a NaN or an infinity in any "
                "value or gradient, naming the node");
  std::optional<std::string> memory_limit;
  flags.AddString("memory_limit", &memory_limit,
                  "refuse a model whose variables, optimizer slots and plan "
                  "buffers need more bytes than this (e.g. 512M, 4G; 0: no "
                  "limit); default: half of the machine's memory",
                  "SIZE");
  std::optional<std::string> max_text_size;
  flags.AddString("max_text_size", &max_text_size,
                  "the most bytes the model file and --predict_file may hold "
                  "(e.g. 4G); default: 1G",
                  "SIZE");
  flags.AddString("save", &options->save,
                  "write a checkpoint here at the end (and on SIGINT/SIGTERM)",
                  "CKPT");
  flags.AddInt("checkpoint_every", &options->checkpoint_every,
               "also write the --save checkpoint every N epochs");
  flags.AddString("export_onnx", &options->export_onnx,
                  "write the trained model for inference as an ONNX file "
                  "(the --output node, else prediction.output)",
                  "FILE.onnx");
  flags.AddString("save_best", &options->save_best,
                  "write a checkpoint here after each epoch that improves "
                  "the monitored validation figure (training.save_best)",
                  "CKPT");
  flags.AddInt("patience", &options->patience,
               "stop when the monitored validation figure has not improved "
               "for N epochs; 0: never (training.patience)");
  flags.AddString("monitor", &options->monitor,
                  "the validation figure early stopping and --save_best "
                  "watch: loss (default), accuracy, f1, mse, ... "
                  "(training.monitor.metric)",
                  "METRIC");
  flags.AddDouble("min_delta", &options->min_delta,
                  "an epoch improves only by more than this "
                  "(training.monitor.min_delta)");
  flags.AddString("resume", &options->resume,
                  "restore this checkpoint, then train up to --epochs", "CKPT");
  flags.AddBool("eval", &options->eval,
                "evaluate on the test data (or validation data) without "
                "training");
  std::optional<std::string> metrics;
  flags.AddString("metrics", &metrics,
                  "classification metrics after accuracy: precision, recall, "
                  "f1, auc, top<k> (training.metrics)",
                  "M,M");
  flags.AddString("metrics_out", &options->metrics_out,
                  "write one JSON object per epoch to this file", "FILE");
  flags.AddString("plot", &options->plot,
                  "draw the loss and accuracy curves into this .svg file",
                  "FILE.svg");
  flags.AddString("predict", &options->predict,
                  "rows to predict: values split by ',', rows by ';'",
                  "\"V,V; V,V\"");
  flags.AddString("predict_file", &options->predict_file,
                  "rows to predict, one per line of this CSV file", "FILE.csv");
  flags.AddString("input", &options->input,
                  "placeholder the rows are fed to (prediction.input)", "NODE");
  flags.AddString("output", &options->output,
                  "node whose values are printed (prediction.output)", "NODE");
  flags.AddBool("time", &options->time,
                "time each op's forward and backward pass and show the "
                "memory plan, instead of training");
  flags.AddInt("time_iterations", &options->time_iterations,
               "training steps that --time measures (default 50)");
  flags.AddString("dot", &options->dot,
                  "write the graph as Graphviz DOT (.dot, or rendered .svg / "
                  ".png)",
                  "FILE");
  flags.AddRepeatedString("plugin", &options->plugins,
                          "load this plugin library first (repeatable)",
                          "LIB.so");
  flags.AddBool("list", &options->list,
                "print every registered op, activation, loss, optimizer, "
                "schedule and data source, then exit");
  flags.AddBool("version", &options->version,
                "print the math kernels this CPU runs (NABLA_KERNELS="
                "portable|avx2|avx512 in the environment forces a set), then "
                "exit");
  flags.AddBool("summary", &options->summary,
                "print each layer's output shape and parameters, then exit "
                "(a training run prints it first)");
  flags.AddBool("gradcheck", &options->gradcheck,
                "check every op's gradient in the model against finite "
                "differences instead of training");
  flags.AddBool("help", &options->help, "print this help");
  *help = absl::StrCat(kUsage, flags.Help(), kExamples);
  std::vector<std::string> positional;
  NABLA_RETURN_IF_ERROR(flags.Parse(argc, argv, &positional));
  if (options->help) return absl::OkStatus();
  // Half of the memory leaves room for the data, which the limit does not
  // count, and for the rest of the machine.
  options->memory_limit = PhysicalMemoryBytes() / 2;
  if (memory_limit.has_value()) {
    auto bytes = ParseByteSize(*memory_limit);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--memory_limit: ", bytes.status().message()));
    }
    options->memory_limit = *bytes;
  }
  options->max_text_bytes = kMaxTextFileBytes;
  if (max_text_size.has_value()) {
    auto bytes = ParseByteSize(*max_text_size);
    if (bytes.ok() && *bytes == 0) {
      bytes = absl::InvalidArgumentError("expected a size above 0, got 0");
    }
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--max_text_size: ", bytes.status().message()));
    }
    options->max_text_bytes = *bytes;
  }
  if (metrics.has_value()) {
    options->metrics = absl::StrSplit(*metrics, ',', absl::SkipWhitespace());
    for (std::string& name : *options->metrics) {
      name = std::string(absl::StripAsciiWhitespace(name));
    }
  }
  if ((options->list || options->version) && positional.empty()) {
    return absl::OkStatus();
  }
  if (positional.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected one model file, got ", positional.size(), " arguments"));
  }
  options->model_path = positional[0];
  NABLA_RETURN_IF_ERROR(CheckPositive("epochs", options->epochs));
  NABLA_RETURN_IF_ERROR(CheckPositive("batch_size", options->batch_size));
  NABLA_RETURN_IF_ERROR(CheckPositive("threads", options->threads));
  NABLA_RETURN_IF_ERROR(CheckPositive("log_every", options->log_every));
  NABLA_RETURN_IF_ERROR(
      CheckPositive("checkpoint_every", options->checkpoint_every));
  NABLA_RETURN_IF_ERROR(
      CheckPositive("time_iterations", options->time_iterations));
  if (options->patience.value_or(0) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--patience must be >= 0 (0: no early stopping), got ",
                     *options->patience));
  }
  if (options->min_delta.has_value() &&
      !(*options->min_delta >= 0 && std::isfinite(*options->min_delta))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--min_delta must be >= 0, got ", *options->min_delta));
  }
  if (options->threads.value_or(1) > kMaxThreads) {
    return absl::InvalidArgumentError(absl::StrCat("--threads must be at most ",
                                                   kMaxThreads, ", got ",
                                                   *options->threads));
  }
  if (options->time_iterations.value_or(1) > kMaxTimeIterations) {
    return absl::InvalidArgumentError(
        absl::StrCat("--time_iterations must be at most ", kMaxTimeIterations,
                     ", got ", *options->time_iterations));
  }
  if (options->learning_rate.has_value() && !(*options->learning_rate > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--learning_rate must be positive, got ", *options->learning_rate));
  }
  if (options->checkpoint_every.has_value() && !options->save.has_value()) {
    return absl::InvalidArgumentError(
        "--checkpoint_every needs --save PATH to know where to write");
  }
  if (options->predict.has_value() && options->predict_file.has_value()) {
    return absl::InvalidArgumentError(
        "give rows with --predict or --predict_file, not both");
  }
  const int modes = options->eval + options->time + options->gradcheck;
  if (modes > 1) {
    return absl::InvalidArgumentError(
        "--eval, --time and --gradcheck each replace training: choose one");
  }
  return absl::OkStatus();
}

}  // namespace nabla
