// Time of one full training step (forward, backward, SGD update) of the
// tutorial networks, with 1 and 2 threads:
//
//   bazel run --config=opt //tools/bench:step_benchmark
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "core/dataset.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/update_rule.h"
#include "core/session.h"

namespace nabla {
namespace {

// Loads an example, sets up its training, and cuts one batch of all its
// samples.
struct Example {
  std::unique_ptr<Session> session;
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
};

bool Load(const std::string& path, int threads, Example* example,
          std::string* error) {
  auto parsed = ReadModelFile(path);
  if (!parsed.ok()) return *error = parsed.status().ToString(), false;
  auto graph = Graph::Build(parsed->model.graph(), parsed->source);
  if (!graph.ok()) return *error = graph.status().ToString(), false;
  SessionOptions options;
  options.threads = threads;
  auto session = Session::Create(std::make_shared<const Graph>(*std::move(graph)),
                                 options);
  if (!session.ok()) return *error = session.status().ToString(), false;
  auto rule = MakeUpdateRule(parsed->model.training().optimizer());
  if (!rule.ok()) return *error = rule.status().ToString(), false;
  absl::Status s = (*session)->SetTraining(parsed->model.training().loss(),
                                           *std::move(rule));
  if (!s.ok()) return *error = s.ToString(), false;
  auto data = Dataset::FromConfig((*session)->graph(), parsed->model.data(), path);
  if (!data.ok()) return *error = data.status().ToString(), false;
  std::vector<int64_t> rows(data->num_samples());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
  data->FillBatch(rows, &example->batch, &example->feeds);
  example->session = *std::move(session);
  return true;
}

void BM_TrainingStep(benchmark::State& state, const char* path) {
  Example example;
  std::string error;
  if (!Load(path, static_cast<int>(state.range(0)), &example, &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  for (auto _ : state) {
    auto loss = example.session->TrainStep(example.feeds);
    benchmark::DoNotOptimize(loss);
  }
}

BENCHMARK_CAPTURE(BM_TrainingStep, test_score_2_3_1, "examples/test_score.pbtxt")
    ->Arg(1)->Arg(2)->ArgName("threads");
BENCHMARK_CAPTURE(BM_TrainingStep, xor_2_4_1, "examples/xor.pbtxt")
    ->Arg(1)->Arg(2)->ArgName("threads");
BENCHMARK_CAPTURE(BM_TrainingStep, three_inputs_3_3_1, "examples/three_inputs.pbtxt")
    ->Arg(1)->Arg(2)->ArgName("threads");

}  // namespace
}  // namespace nabla
