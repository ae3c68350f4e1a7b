// train_graph: trains a model file, saves a checkpoint, and predicts.
//
//   train_graph MODEL.pbtxt [--epochs N] [--batch_size N] [--learning_rate F]
//       [--seed N] [--threads N] [--save CKPT] [--resume CKPT]
//       [--predict "v,v;v,v"] [--input NODE] [--output NODE]
//
// Exit status 0 on success; 1 with a message on stderr for any error,
// 2 for a usage error.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/checkpoint.h"
#include "core/dataset.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/plugin_loader.h"
#include "core/update_rule.h"
#include "core/session.h"
#include "core/status_macros.h"
#include "core/trainer.h"
#include "tools/flags.h"
#include "tools/model_gradcheck.h"
#include "tools/registry_listing.h"

namespace nabla {
namespace {

struct Options {
  std::string model_path;
  std::optional<int64_t> epochs, batch_size, threads, log_every;
  std::optional<uint64_t> seed;
  std::optional<double> learning_rate;
  std::optional<std::string> save, resume, predict, input, output;
  std::vector<std::string> plugins;
  bool list = false;
  bool gradcheck = false;
  bool help = false;
};

constexpr char kUsage[] =
    "usage: train_graph MODEL.pbtxt [flags]\n"
    "       train_graph --list [--plugin LIB.so ...]\n"
    "Trains the model as its training section says (flags override it),\n"
    "then saves a checkpoint and predicts if asked.\n";

// Samples fed to --gradcheck: enough to exercise batch reductions, few
// enough that finite differences stay quick.
constexpr int64_t kGradcheckSamples = 4;
// Elements compared per op input by --gradcheck.
constexpr int64_t kGradcheckElements = 64;

absl::Status ParseOptions(int argc, char** argv, Options* options,
                          std::string* help) {
  FlagParser flags;
  flags.AddInt("epochs", &options->epochs, "passes over the training data");
  flags.AddInt("batch_size", &options->batch_size,
               "samples per step (1 is per-sample SGD)");
  flags.AddDouble("learning_rate", &options->learning_rate,
                  "the optimizer's learning_rate setting");
  flags.AddUint("seed", &options->seed, "seeds initial weights and data order");
  flags.AddInt("threads", &options->threads, "threads for the executor (>= 1)");
  flags.AddInt("log_every", &options->log_every, "print the loss every N epochs");
  flags.AddString("save", &options->save, "write a checkpoint here at the end");
  flags.AddString("resume", &options->resume,
                  "load this checkpoint instead of training");
  flags.AddString("predict", &options->predict,
                  "rows to predict: values split by ',', rows by ';'");
  flags.AddString("input", &options->input, "placeholder the rows are fed to");
  flags.AddString("output", &options->output, "node whose values are printed");
  flags.AddRepeatedString("plugin", &options->plugins,
                           "load this plugin library first (repeatable)");
  flags.AddBool("list", &options->list,
                "print every registered op, activation, loss, optimizer, "
                "schedule and data source, then exit");
  flags.AddBool("gradcheck", &options->gradcheck,
                "check every op's gradient in the model against finite "
                "differences instead of training");
  flags.AddBool("help", &options->help, "print this help");
  *help = absl::StrCat(kUsage, flags.Help());
  std::vector<std::string> positional;
  NABLA_RETURN_IF_ERROR(flags.Parse(argc, argv, &positional));
  if (options->help) return absl::OkStatus();
  if (options->list && positional.empty()) return absl::OkStatus();
  if (positional.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected one model file, got ", positional.size(), " arguments"));
  }
  options->model_path = positional[0];
  auto positive = [](const char* name, const std::optional<int64_t>& v) {
    return v.has_value() && *v < 1
               ? absl::InvalidArgumentError(absl::StrCat(
                     "--", name, " must be at least 1, got ", *v))
               : absl::OkStatus();
  };
  NABLA_RETURN_IF_ERROR(positive("epochs", options->epochs));
  NABLA_RETURN_IF_ERROR(positive("batch_size", options->batch_size));
  NABLA_RETURN_IF_ERROR(positive("threads", options->threads));
  NABLA_RETURN_IF_ERROR(positive("log_every", options->log_every));
  if (options->learning_rate.has_value() && !(*options->learning_rate > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--learning_rate must be positive, got ", *options->learning_rate));
  }
  return absl::OkStatus();
}

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

// The model's optimizer settings with the flags' overrides.
OptimizerConfig EffectiveOptimizer(const ParsedModel& parsed,
                                   const Options& options) {
  OptimizerConfig config = parsed.model.training().optimizer();
  if (options.learning_rate.has_value()) {
    (*config.mutable_attr())["learning_rate"].set_f(*options.learning_rate);
  }
  return config;
}

// Chooses the loss and optimizer, so that training can run and so that a
// restored checkpoint brings back the optimizer's slots.
absl::Status SetUpTraining(const ParsedModel& parsed, const Options& options,
                           Session& session) {
  const TrainingConfig& config = parsed.model.training();
  const OptimizerConfig optimizer_config = EffectiveOptimizer(parsed, options);
  NABLA_ASSIGN_OR_RETURN(UpdateRule rule, MakeUpdateRule(optimizer_config));
  if (config.loss().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        parsed.source.name, ": training.loss is not set"));
  }
  NABLA_RETURN_IF_ERROR(session.SetTraining(config.loss(), std::move(rule)));
  return absl::OkStatus();
}

absl::Status TrainModel(const ParsedModel& parsed, const Options& options,
                        Session& session) {
  const TrainingConfig& config = parsed.model.training();
  const OptimizerConfig optimizer_config = EffectiveOptimizer(parsed, options);
  DataSourceContext context;
  context.base_dir = DirectoryOf(parsed.source.name);
  NABLA_ASSIGN_OR_RETURN(
      Dataset data, Dataset::FromConfig(session.graph(), parsed.model.data(),
                                        parsed.source.name, context));
  TrainingSettings settings;
  settings.epochs = options.epochs.value_or(std::max<int64_t>(1, config.epochs()));
  settings.batch_size = options.batch_size.value_or(config.batch_size());
  settings.shuffle = config.shuffle();
  settings.seed = options.seed.value_or(config.seed());
  const int64_t log_every =
      options.log_every.value_or(std::max<int64_t>(1, config.log_every()));
  std::printf("training %s: %lld samples, %lld epochs, batch size %lld, %s, %d thread%s\n",
              parsed.source.name.c_str(),
              static_cast<long long>(data.num_samples()),
              static_cast<long long>(settings.epochs),
              static_cast<long long>(settings.batch_size == 0
                                         ? data.num_samples()
                                         : settings.batch_size),
              DescribeOptimizer(optimizer_config).c_str(), session.threads(),
              session.threads() == 1 ? "" : "s");
  return Train(session, data, settings, [&](const EpochReport& report) {
    if (report.epoch % log_every == 0 || report.epoch == settings.epochs ||
        report.epoch == 1) {
      std::printf("epoch %lld/%lld  loss %.9g  (%lld steps, %.3f ms)\n",
                  static_cast<long long>(report.epoch),
                  static_cast<long long>(settings.epochs), report.loss,
                  static_cast<long long>(report.steps), report.seconds * 1e3);
      std::fflush(stdout);
    }
  });
}

// "4,8; 1,5" -> a [2, 2] tensor for `placeholder`.
absl::StatusOr<Tensor> ParseRows(const std::string& text, const Graph& graph,
                                 int placeholder) {
  const Shape& declared = graph.node(placeholder).output_shapes[0];
  int64_t per_row = 1;
  for (int d = 1; d < declared.rank(); ++d) per_row *= declared.dim(d);
  if (declared.rank() < 1 || per_row < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--predict: ", graph.Describe(placeholder), " has shape ",
        declared.ToString(), "; rows need a known size per sample"));
  }
  std::vector<double> values;
  int64_t rows = 0;
  for (absl::string_view row : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    ++rows;
    int64_t count = 0;
    for (absl::string_view field : absl::StrSplit(row, ',')) {
      double v;
      if (!absl::SimpleAtod(absl::StripAsciiWhitespace(field), &v)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--predict: row ", rows, ": '", absl::StripAsciiWhitespace(field),
            "' is not a number"));
      }
      values.push_back(v);
      ++count;
    }
    if (count != per_row) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--predict: row ", rows, " has ", count, " values, but ",
          graph.Describe(placeholder), " takes ", per_row, " per sample"));
    }
  }
  if (rows == 0) return absl::InvalidArgumentError("--predict: no rows given");
  Shape shape = declared;
  shape.set_dim(0, rows);
  return Tensor::FromValues(graph.node(placeholder).output_dtypes[0], shape, values);
}

absl::Status Predict(const ParsedModel& parsed, const Options& options,
                     Session& session) {
  const std::string input =
      options.input.value_or(parsed.model.prediction().input());
  const std::string output =
      options.output.value_or(parsed.model.prediction().output());
  if (input.empty() || output.empty()) {
    return absl::InvalidArgumentError(
        "--predict needs an input placeholder and an output node: give "
        "--input and --output, or set prediction { input output } in the model");
  }
  NABLA_ASSIGN_OR_RETURN(const int placeholder, session.graph().FindNode(input));
  if (session.graph().node(placeholder).op->role() != OpRole::kPlaceholder) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--input: ", session.graph().Describe(placeholder), " is not a Placeholder"));
  }
  NABLA_ASSIGN_OR_RETURN(Tensor rows,
                         ParseRows(*options.predict, session.graph(), placeholder));
  const Feed feeds[] = {{input, &rows}};
  const std::string fetches[] = {output};
  NABLA_ASSIGN_OR_RETURN(std::vector<Tensor> results, session.Run(feeds, fetches));
  const Tensor& result = results[0];
  const int64_t n = rows.shape().dim(0);
  if (result.shape().rank() < 1 || result.shape().dim(0) != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--output: node '", output, "' has shape ", result.shape().ToString(),
        ", not one row per input row"));
  }
  const int64_t in_width = rows.num_elements() / n;
  const int64_t out_width = result.num_elements() / n;
  for (int64_t r = 0; r < n; ++r) {
    std::vector<std::string> in, out;
    for (int64_t j = 0; j < in_width; ++j) {
      in.push_back(absl::StrFormat("%g", rows.ValueAt(r * in_width + j)));
    }
    for (int64_t j = 0; j < out_width; ++j) {
      out.push_back(absl::StrFormat("%.9g", result.ValueAt(r * out_width + j)));
    }
    std::printf("predict [%s] -> [%s]\n", absl::StrJoin(in, ", ").c_str(),
                absl::StrJoin(out, ", ").c_str());
  }
  return absl::OkStatus();
}

// Runs the gradient checker on every op of the model, with the first
// samples of its data; fails when any gradient is off.
absl::Status Gradcheck(const ParsedModel& parsed, Session& session) {
  DataSourceContext context;
  context.base_dir = DirectoryOf(parsed.source.name);
  NABLA_ASSIGN_OR_RETURN(
      Dataset data, Dataset::FromConfig(session.graph(), parsed.model.data(),
                                        parsed.source.name, context));
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
                         GradcheckModel(session, feeds, check));
  std::printf("gradcheck %s: %zu samples, float64 central differences "
              "(h=%g), at most %lld elements per input\n%s",
              parsed.source.name.c_str(), rows.size(), check.h,
              static_cast<long long>(kGradcheckElements),
              FormatGradcheck(reports).c_str());
  if (!GradcheckPassed(reports)) {
    return absl::InternalError("gradcheck failed: see the failures above");
  }
  return absl::OkStatus();
}

absl::Status Run(const Options& options) {
  for (const std::string& plugin : options.plugins) {
    NABLA_RETURN_IF_ERROR(LoadPlugin(plugin));
  }
  if (options.list) {
    std::printf("%s", ListRegistries().c_str());
    if (options.model_path.empty()) return absl::OkStatus();
  }
  NABLA_ASSIGN_OR_RETURN(ParsedModel parsed, ReadModelFile(options.model_path));
  NABLA_ASSIGN_OR_RETURN(Graph graph,
                         Graph::Build(parsed.model.graph(), parsed.source));
  SessionOptions session_options;
  session_options.threads = static_cast<int>(options.threads.value_or(1));
  session_options.seed = options.seed.value_or(parsed.model.training().seed());
  NABLA_ASSIGN_OR_RETURN(
      std::unique_ptr<Session> session,
      Session::Create(std::make_shared<const Graph>(std::move(graph)),
                      session_options));
  const bool has_training = !parsed.model.training().loss().empty();
  // Restoring slots needs the update rule; --gradcheck and prediction from a
  // checkpoint do not.
  if (has_training || (!options.resume.has_value() && !options.gradcheck)) {
    NABLA_RETURN_IF_ERROR(SetUpTraining(parsed, options, *session));
  }
  if (options.resume.has_value()) {
    NABLA_ASSIGN_OR_RETURN(Checkpoint checkpoint, ReadCheckpoint(*options.resume));
    NABLA_RETURN_IF_ERROR(RestoreCheckpoint(checkpoint, *options.resume, *session));
    std::printf("restored %s (step %lld)\n", options.resume->c_str(),
                static_cast<long long>(session->step()));
  }
  if (options.gradcheck) return Gradcheck(parsed, *session);
  if (!options.resume.has_value()) {
    NABLA_RETURN_IF_ERROR(TrainModel(parsed, options, *session));
  }
  if (options.save.has_value()) {
    NABLA_RETURN_IF_ERROR(SaveCheckpoint(*session, *options.save));
    std::printf("saved %s (step %lld)\n", options.save->c_str(),
                static_cast<long long>(session->step()));
  }
  if (options.predict.has_value()) {
    NABLA_RETURN_IF_ERROR(Predict(parsed, options, *session));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace nabla

int main(int argc, char** argv) {
  nabla::Options options;
  std::string help;
  absl::Status parsed = nabla::ParseOptions(argc, argv, &options, &help);
  if (!parsed.ok()) {
    std::fprintf(stderr, "train_graph: %s\n%s", std::string(parsed.message()).c_str(),
                 help.c_str());
    return 2;
  }
  if (options.help) {
    std::printf("%s", help.c_str());
    return 0;
  }
  absl::Status status = nabla::Run(options);
  if (!status.ok()) {
    std::fprintf(stderr, "train_graph: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
