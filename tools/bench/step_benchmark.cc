// Time of one full training step (forward, backward, SGD update) of the
// tutorial networks (2-2-2, 2-3-1, XOR 2-4-1, 3-3-1) and of the
// 784-256-128-10 ReLU MLP at batch 64 and 256, float32, with 1 and 2
// threads. The MLP runs with 2 threads twice: adapt:0 keeps both threads
// on every step, adapt:1 (the default everywhere else) lets the session's
// concurrency tuner run steps on one thread when that measures faster, as
// it does when another process keeps a core busy. The 3-3-1 network runs
// once more from a trained state (its loss tiny, its numbers reaching
// denormal floats), with denormals flushed to zero (the default) and kept:
//
//   bazel run //tools/bench:step_benchmark
#include <memory>
#include <random>
#include <string>

#include "benchmark/benchmark.h"
#include "core/dataset.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/session.h"
#include "core/update_rule.h"
#include "nabla/graph_builder.h"
#include "tools/bench/benchmark_context.h"

namespace nabla {
namespace {

// Loads an example, sets up its training, and cuts one batch of all its
// samples.
struct Example {
  std::unique_ptr<Session> session;
  // The feeds name their placeholders with the data set's strings.
  std::unique_ptr<Dataset> data;
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
};

bool Load(const ParsedModel& parsed, int threads, bool adapt_threads,
          bool flush_denormals, Example* example, std::string* error) {
  auto graph = Graph::Build(parsed.model.graph(), parsed.source);
  if (!graph.ok()) return *error = graph.status().ToString(), false;
  SessionOptions options;
  options.threads = threads;
  options.adapt_threads = adapt_threads;
  options.flush_denormals = flush_denormals;
  auto session = Session::Create(
      std::make_shared<const Graph>(*std::move(graph)), options);
  if (!session.ok()) return *error = session.status().ToString(), false;
  auto rule = MakeUpdateRule(parsed.model.training().optimizer());
  if (!rule.ok()) return *error = rule.status().ToString(), false;
  absl::Status s =
      (*session)->SetTraining(parsed.model.training().loss(), *std::move(rule));
  if (!s.ok()) return *error = s.ToString(), false;
  auto data = Dataset::FromConfig((*session)->graph(), parsed.model.data(),
                                  parsed.source.name);
  if (!data.ok()) return *error = data.status().ToString(), false;
  std::vector<int64_t> rows(data->num_samples());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
  example->data = std::make_unique<Dataset>(*std::move(data));
  example->data->FillBatch(rows, &example->batch, &example->feeds);
  example->session = *std::move(session);
  return true;
}

// `rows` samples of `width` uniform values in [0, 1), seeded.
Values RandomRows(int64_t rows, int64_t width, uint32_t seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<double> data(rows * width);
  for (double& v : data) v = uniform(random);
  return Values({rows, width}, std::move(data));
}

// The 2-2-2 tutorial network: two sigmoid layers, squared error, SGD, one
// sample (as in the classic worked example).
ParsedModel TwoTwoTwo() {
  GraphBuilder b;
  const std::string x = b.Placeholder("x", {-1, 2});
  const std::string y = b.Placeholder("y", {-1, 2});
  const std::string h = b.Dense("hidden", x, 2, "Sigmoid");
  const std::string out = b.Dense("out", h, 2, "Sigmoid");
  TrainingSpec spec;
  spec.optimizer_attrs = {{"learning_rate", 0.5}};
  b.Train(b.Op("MeanSquaredError", "loss", {out, y}), spec);
  b.Feed(x, Values({1, 2}, {0.05, 0.10}));
  b.Feed(y, Values({1, 2}, {0.01, 0.99}));
  return *ParseModelText(*b.Build(), "2-2-2");
}

// The 784-256-128-10 ReLU MLP with sparse softmax cross-entropy and SGD,
// on one batch of random images and labels.
ParsedModel Mlp(int64_t batch) {
  GraphBuilder b;
  const std::string x = b.Placeholder("image", {-1, 784});
  const std::string label = b.Placeholder("label", {-1});
  const std::string h1 = b.Dense("hidden1", x, 256, "ReLU");
  const std::string h2 = b.Dense("hidden2", h1, 128, "ReLU");
  const std::string logits = b.Dense("logits", h2, 10);
  TrainingSpec spec;
  spec.optimizer_attrs = {{"learning_rate", 0.01}};
  b.Train(b.Op("SparseSoftmaxCrossEntropy", "loss", {logits, label}), spec);
  b.Feed(x, RandomRows(batch, 784, 1));
  std::vector<double> labels(batch);
  for (int64_t i = 0; i < batch; ++i) labels[i] = static_cast<double>(i % 10);
  b.Feed(label, Values({batch}, labels));
  return *ParseModelText(*b.Build(), "mlp");
}

struct StepSettings {
  bool adapt_threads = true;
  bool flush_denormals = true;
  // Untimed steps first: the trained state the timed steps start from.
  int64_t trained_steps = 0;
};

// Sets `model` up with `threads` and times TrainStep on all its data as one
// batch; a model or step that fails stops the benchmark with its error.
void TimeSteps(benchmark::State& state,
               const absl::StatusOr<ParsedModel>& model, int threads,
               const StepSettings& settings = {}) {
  Example example;
  std::string error = model.status().ToString();
  if (!model.ok() || !Load(*model, threads, settings.adapt_threads,
                           settings.flush_denormals, &example, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  for (int64_t i = 0; i < settings.trained_steps; ++i) {
    if (!example.session->TrainStep(example.feeds).ok()) break;
  }
  for (auto _ : state) {
    auto loss = example.session->TrainStep(example.feeds);
    if (!loss.ok()) {
      state.SkipWithError(loss.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(loss);
  }
}

void BM_TrainingStep(benchmark::State& state, const char* path) {
  TimeSteps(state, ReadModelFile(path), static_cast<int>(state.range(0)));
}

void BM_TwoTwoTwoStep(benchmark::State& state) {
  TimeSteps(state, TwoTwoTwo(), static_cast<int>(state.range(0)));
}

void BM_MlpStep(benchmark::State& state) {
  const int64_t batch = state.range(0);
  TimeSteps(state, Mlp(batch), static_cast<int>(state.range(1)),
            StepSettings{state.range(2) != 0});
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(batch),
                         benchmark::Counter::kIsIterationInvariantRate);
  // The step's matrix products (compare_pytorch.py's mlp_step_flops):
  // forward and weight gradients of every layer, input gradients of all
  // but the first.
  const double forward = 784 * 256 + 256 * 128 + 128 * 10;
  const double input_gradients = 256 * 128 + 128 * 10;
  state.counters["peak%"] =
      PeakShare(2.0 * batch * (2 * forward + input_gradients));
}

constexpr int64_t kTrainedSteps = 3000000;

// The 3-3-1 network after kTrainedSteps steps on its data: denormals flushed
// (flush:1, the default) or kept (flush:0), which arithmetic on them slows.
void BM_TrainedThreeInputsStep(benchmark::State& state) {
  TimeSteps(state, ReadModelFile("examples/three_inputs.pbtxt"),
            static_cast<int>(state.range(0)),
            StepSettings{true, state.range(1) != 0, kTrainedSteps});
}

BENCHMARK(BM_TwoTwoTwoStep)->Arg(1)->Arg(2)->ArgName("threads");
BENCHMARK(BM_MlpStep)
    ->Args({64, 1, 0})
    ->Args({64, 2, 0})
    ->Args({64, 2, 1})
    ->Args({256, 1, 0})
    ->Args({256, 2, 0})
    ->Args({256, 2, 1})
    ->ArgNames({"batch", "threads", "adapt"})
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainingStep, test_score_2_3_1,
                  "examples/test_score.pbtxt")
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads");
BENCHMARK_CAPTURE(BM_TrainingStep, xor_2_4_1, "examples/xor.pbtxt")
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads");
BENCHMARK_CAPTURE(BM_TrainingStep, three_inputs_3_3_1,
                  "examples/three_inputs.pbtxt")
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads");
BENCHMARK(BM_TrainedThreeInputsStep)
    ->Args({1, 1})
    ->Args({1, 0})
    ->ArgNames({"threads", "flush"});

}  // namespace
}  // namespace nabla
