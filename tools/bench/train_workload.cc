// The nabla side of tools/bench/compare_pytorch.py: trains a model file on
// fixed batches of its own data and prints one JSON object with the first
// losses and the time per training step.
//
//   train_workload MODEL.pbtxt [--threads N] [--batch_size B] [--losses K]
//                  [--warmup W] [--steps S] [--repeats R]
//
// The training data (after the model's normalisation) is cut, in sample
// order and without shuffling, into the full batches of B samples (B is
// training.batch_size unless given; 0 means all samples); step i trains on
// batch i mod (number of batches). From the freshly initialised model it
// runs K steps and records their losses (the loss before each update, as
// Session::TrainStep returns it), then W untimed warm-up steps, then R
// blocks of S timed steps. Every step goes through Session::TrainStep with
// the model's optimizer, schedule and clipping, exactly as train_graph.
//
// NABLA_KERNELS=portable|avx2|avx512 forces a kernel set, as for train_graph;
// a set this CPU does not run is an error.
//
// Output (one line; "kernels" names the set the kernels ran):
//   {"model":"...","kernels":"avx512","threads":1,"batch_size":4,
//    "batches":1,"losses":[...],"warmup":W,"steps":S,"repeats":R,
//    "block_seconds_per_step":[...],"seconds_per_step":MEDIAN,
//    "samples_per_sec":B/MEDIAN}
//
// Exit status: 0 on success, 1 for an error in the model or its data, 2 for
// a usage error.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/model_parser.h"
#include "core/run/model_run.h"
#include "core/session.h"
#include "core/status_macros.h"
#include "ops/kernel_isa.h"
#include "tools/flags.h"

namespace nabla {
namespace {

struct WorkloadOptions {
  std::string model_path;
  int threads = 1;
  std::optional<int64_t> batch_size;
  int64_t losses = 10;
  int64_t warmup = 20;
  int64_t steps = 100;
  int64_t repeats = 5;
  bool fixed_threads = false;
  bool help = false;
};

// One batch, its tensors owned here and the feeds pointing at them.
struct Batch {
  std::vector<Tensor> tensors;
  std::vector<Feed> feeds;
};

[[nodiscard]] absl::Status ParseOptions(int argc, char** argv,
                                        WorkloadOptions* options,
                                        std::string* help) {
  FlagParser parser;
  std::optional<int64_t> threads, batch_size, losses, warmup, steps, repeats;
  parser.AddInt("threads", &threads, "executor threads (default 1)");
  parser.AddBool("fixed_threads", &options->fixed_threads,
                 "all threads on every step (default: the session runs a "
                 "step on one thread when that measures faster)");
  parser.AddInt("batch_size", &batch_size,
                "samples per step (default: training.batch_size; 0: all)");
  parser.AddInt("losses", &losses, "steps whose loss is printed (default 10)");
  parser.AddInt("warmup", &warmup, "untimed steps after those (default 20)");
  parser.AddInt("steps", &steps, "timed steps per block (default 100)");
  parser.AddInt("repeats", &repeats, "timed blocks (default 5)");
  parser.AddBool("help", &options->help, "print this help");
  *help = absl::StrCat("usage: train_workload MODEL.pbtxt [flags]\n",
                       parser.Help());
  std::vector<std::string> positional;
  NABLA_RETURN_IF_ERROR(parser.Parse(argc, argv, &positional));
  if (options->help) return absl::OkStatus();
  if (positional.size() != 1) {
    return absl::InvalidArgumentError("expected one model file");
  }
  options->model_path = positional[0];
  options->threads = static_cast<int>(threads.value_or(1));
  options->batch_size = batch_size;
  options->losses = losses.value_or(options->losses);
  options->warmup = warmup.value_or(options->warmup);
  options->steps = steps.value_or(options->steps);
  options->repeats = repeats.value_or(options->repeats);
  if (options->threads < 1 || options->losses < 0 || options->warmup < 0 ||
      options->steps < 1 || options->repeats < 1 ||
      options->batch_size.value_or(0) < 0) {
    return absl::InvalidArgumentError(
        "--threads, --steps and --repeats must be at least 1; --losses, "
        "--warmup and --batch_size must not be negative");
  }
  return absl::OkStatus();
}

// The full batches of `batch_size` samples, in sample order.
[[nodiscard]] absl::StatusOr<std::vector<Batch>> CutBatches(
    const Dataset& data, int64_t batch_size) {
  const int64_t n = data.num_samples();
  if (batch_size == 0) batch_size = n;
  if (n == 0 || batch_size > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("need at least one batch of ", batch_size,
                     " samples, the data has ", n));
  }
  std::vector<Batch> batches(n / batch_size);
  for (size_t b = 0; b < batches.size(); ++b) {
    std::vector<int64_t> rows(batch_size);
    for (int64_t i = 0; i < batch_size; ++i) rows[i] = b * batch_size + i;
    data.FillBatch(rows, &batches[b].tensors, &batches[b].feeds);
  }
  return batches;
}

// Runs `count` steps from step `*next`, cycling over the batches; stores
// each loss in `losses` when it is not null.
[[nodiscard]] absl::Status RunSteps(Session& session,
                                    const std::vector<Batch>& batches,
                                    int64_t count, int64_t* next,
                                    std::vector<double>* losses) {
  for (int64_t i = 0; i < count; ++i, ++*next) {
    const Batch& batch = batches[*next % batches.size()];
    absl::StatusOr<double> loss = session.TrainStep(batch.feeds);
    if (!loss.ok()) {
      return absl::Status(
          loss.status().code(),
          absl::StrCat("step ", *next + 1, ": ", loss.status().message()));
    }
    if (losses != nullptr) losses->push_back(*loss);
  }
  return absl::OkStatus();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Doubles in JSON: 17 significant digits read back as the same double.
std::string JsonList(const std::vector<double>& values) {
  return absl::StrCat("[",
                      absl::StrJoin(values, ",",
                                    [](std::string* out, double v) {
                                      absl::StrAppend(
                                          out, absl::StrFormat("%.17g", v));
                                    }),
                      "]");
}

// A model path as a JSON string: quotes and backslashes escaped, control
// characters dropped (a path has none in practice).
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
  }
  return out + "\"";
}

// The one line of JSON described at the top of this file.
void PrintResult(const WorkloadOptions& options, int64_t samples,
                 size_t batches, const std::vector<double>& losses,
                 const std::vector<double>& block_seconds) {
  const double median = Median(block_seconds);
  std::printf(
      "{\"model\":%s,\"kernels\":\"%s\",\"threads\":%d,\"batch_size\":%lld,"
      "\"batches\":%zu,"
      "\"losses\":%s,\"warmup\":%lld,\"steps\":%lld,\"repeats\":%lld,"
      "\"block_seconds_per_step\":%s,\"seconds_per_step\":%.9g,"
      "\"samples_per_sec\":%.9g}\n",
      JsonString(options.model_path).c_str(),
      std::string(KernelIsaName(ActiveKernelIsa())).c_str(), options.threads,
      static_cast<long long>(samples), batches, JsonList(losses).c_str(),
      static_cast<long long>(options.warmup),
      static_cast<long long>(options.steps),
      static_cast<long long>(options.repeats), JsonList(block_seconds).c_str(),
      median, samples / median);
}

[[nodiscard]] absl::Status RunWorkload(const WorkloadOptions& options) {
  NABLA_RETURN_IF_ERROR(KernelIsaStatus());
  NABLA_ASSIGN_OR_RETURN(ParsedModel parsed, ReadModelFile(options.model_path));
  if (parsed.model.training().loss().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.model_path, ": the model has no training.loss"));
  }
  const ModelDef model = parsed.model;
  RunOptions run_options;
  run_options.threads = options.threads;
  run_options.adapt_threads = !options.fixed_threads;
  NABLA_ASSIGN_OR_RETURN(std::unique_ptr<ModelRun> run,
                         ModelRun::Open(std::move(parsed), run_options));
  Session* session = &run->session();
  NABLA_ASSIGN_OR_RETURN(const Dataset* training,
                         run->Data(RunSplit::kTraining));
  const int64_t batch_size =
      options.batch_size.value_or(model.training().batch_size());
  NABLA_ASSIGN_OR_RETURN(std::vector<Batch> batches,
                         CutBatches(*training, batch_size));
  const int64_t samples = batches[0].tensors[0].shape().dim(0);

  int64_t next = 0;
  std::vector<double> losses;
  NABLA_RETURN_IF_ERROR(
      RunSteps(*session, batches, options.losses, &next, &losses));
  NABLA_RETURN_IF_ERROR(
      RunSteps(*session, batches, options.warmup, &next, nullptr));
  std::vector<double> block_seconds;
  for (int64_t r = 0; r < options.repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    NABLA_RETURN_IF_ERROR(
        RunSteps(*session, batches, options.steps, &next, nullptr));
    const std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    block_seconds.push_back(elapsed.count() / options.steps);
  }
  PrintResult(options, samples, batches.size(), losses, block_seconds);
  return absl::OkStatus();
}

}  // namespace
}  // namespace nabla

int main(int argc, char** argv) {
  nabla::WorkloadOptions options;
  std::string help;
  absl::Status parsed = nabla::ParseOptions(argc, argv, &options, &help);
  if (!parsed.ok()) {
    std::fprintf(stderr, "train_workload: %s\n%s",
                 std::string(parsed.message()).c_str(), help.c_str());
    return 2;
  }
  if (options.help) {
    std::printf("%s", help.c_str());
    return 0;
  }
  absl::Status status = nabla::RunWorkload(options);
  if (!status.ok()) {
    std::fprintf(stderr, "train_workload: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
