// Data-parallel training with ranks on threads (MakeLocalCommunicators):
// against one process at the same global batch, float64 losses and
// weights agree to 1e-9 relative over 110 steps (only the order of
// additions differs); runs with the same ranks are bit for bit the same
// and every rank holds the same weights; a batch smaller than the ranks,
// validation over all ranks, an agreed stop, checkpoints written by rank 0
// alone and resumed alone, ranks that differ, and the sharded update.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/optimizer.h"
#include "gtest/gtest.h"
#include "nabla/communicator.h"
#include "nabla/model.h"
#include "tests/status_matchers.h"
#include "tests/test_files.h"

namespace nabla {
namespace {

// 129 rows of 3 features and a smooth target: 103 for training after the
// validation fraction, a count no rank count divides.
std::string Rows() {
  std::string csv = "a,b,c,t\n";
  uint64_t state = 99;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) / 9007199254740992.0 * 2 - 1;
  };
  for (int i = 0; i < 129; ++i) {
    const double a = next(), b = next(), c = next();
    absl::StrAppend(&csv, a, ",", b, ",", c, ",",
                    std::sin(2 * a) + b * c - 0.5 * c, "\n");
  }
  return csv;
}

// A float64 3-16-1 regression with Adam, batch `batch`, 10 epochs.
std::string ModelText(int batch, const std::string& extra = "") {
  return absl::StrCat(R"(graph {
  node { name: "x" op: "Placeholder" attr { key: "dtype" value { s: "float64" } } attr { key: "shape" value { shape { dim: -1 dim: 3 } } } }
  node { name: "y" op: "Placeholder" attr { key: "dtype" value { s: "float64" } } attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "h" op: "Dense" input: "x" attr { key: "dtype" value { s: "float64" } } attr { key: "units" value { i: 16 } } attr { key: "activation" value { s: "Tanh" } } }
  node { name: "out" op: "Dense" input: "h" attr { key: "dtype" value { s: "float64" } } attr { key: "units" value { i: 1 } } }
  node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" }
}
training { loss: "loss" optimizer { name: "Adam" attr { key: "learning_rate" value { f: 0.01 } } } shuffle: true epochs: 10 seed: 5 batch_size: )",
                      batch, " ", extra, R"( }
data {
  source { name: "csv" attr { key: "path" value { s: "rows.csv" } } attr { key: "target_columns" value { list { s: "t" } } } }
  validation_fraction: 0.2
}
)");
}

std::string WriteModel(const std::string& name, const std::string& text) {
  WriteFile(TestPath("rows.csv"), Rows());
  const std::string path = TestPath(name);
  WriteFile(path, text);
  return path;
}

std::vector<double> Weights(const Model& model) {
  std::vector<double> weights;
  for (const std::string& name : model.VariableNames()) {
    auto value = model.Variable(name);
    EXPECT_TRUE(value.ok()) << value.status();
    if (value.ok()) {
      weights.insert(weights.end(), value->data.begin(), value->data.end());
    }
  }
  return weights;
}

// What one rank ended with.
struct RankResult {
  absl::Status status;
  std::vector<double> losses;  // per epoch
  std::vector<double> weights;
  bool stopped = false;
  int64_t steps = 0;
  std::optional<EvaluationResult> validation;
};

// Runs `body` on `ranks` threads, each with its model of `path` opened
// with its own communicator.
std::vector<RankResult> RunRanks(
    int ranks, const std::vector<std::string>& paths,
    const std::function<absl::Status(int rank, Model&, RankResult&)>& body,
    bool overlap = false) {
  std::vector<std::unique_ptr<Communicator>> group =
      MakeLocalCommunicators(ranks);
  std::vector<RankResult> results(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      ModelOptions options;
      options.communicator = group[r].get();
      options.overlap_exchange = overlap;
      auto model = Model::FromFile(paths[r % paths.size()], options);
      if (!model.ok()) {
        results[r].status = model.status();
        return;
      }
      results[r].status = body(r, **model, results[r]);
      results[r].weights = Weights(**model);
    });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

absl::Status TrainWithoutValidation(int, Model& model, RankResult& result) {
  auto run = model.Train();
  if (!run.ok()) return run.status();
  for (const EpochResult& epoch : run->epochs) {
    result.losses.push_back(epoch.loss);
    result.steps = epoch.step;
  }
  result.stopped = run->stopped;
  return absl::OkStatus();
}

absl::Status TrainAll(int rank, Model& model, RankResult& result) {
  absl::Status trained = TrainWithoutValidation(rank, model, result);
  if (!trained.ok()) return trained;
  auto validation = model.Evaluate(Split::kValidation);
  if (!validation.ok()) return validation.status();
  result.validation = *validation;
  return absl::OkStatus();
}

RankResult Alone(const std::string& path, bool validate = true) {
  return RunRanks(1, {path}, validate ? TrainAll : TrainWithoutValidation)[0];
}

void ExpectClose(const std::vector<double>& a, const std::vector<double>& b,
                 double relative, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i], b[i], relative * std::max(1.0, std::fabs(b[i])))
        << what << " [" << i << "]";
  }
}

TEST(DataParallelTest, RanksTrainAsOneProcessAtTheSameBatch) {
  const std::string path = WriteModel("m.pbtxt", ModelText(10));
  const RankResult alone = Alone(path);
  ASSERT_OK(alone.status);
  ASSERT_EQ(alone.steps, 110);  // 11 batches of 103 samples, 10 epochs
  std::vector<double> overlapped_weights;
  for (int ranks : {2, 3, 4}) {
    for (bool overlap : {false, true}) {
      const std::vector<RankResult> results =
          RunRanks(ranks, {path}, TrainAll, overlap);
      for (int r = 0; r < ranks; ++r) {
        const std::string what = absl::StrCat(ranks, " ranks, rank ", r,
                                              overlap ? ", overlapped" : "");
        ASSERT_TRUE(results[r].status.ok())
            << what << ": " << results[r].status;
        EXPECT_EQ(results[r].steps, alone.steps) << what;
        ExpectClose(results[r].losses, alone.losses, 1e-9, what + " losses");
        ExpectClose(results[r].weights, alone.weights, 1e-9, what + " weights");
        // Every rank applies the same update to the same weights.
        EXPECT_EQ(results[r].weights, results[0].weights) << what;
        ASSERT_TRUE(results[r].validation.has_value());
        EXPECT_EQ(results[r].validation->samples, 26) << what;
        EXPECT_NEAR(results[r].validation->loss, alone.validation->loss,
                    1e-9 * alone.validation->loss)
            << what;
        EXPECT_NEAR(results[r].validation->metrics.at("mae"),
                    alone.validation->metrics.at("mae"), 1e-9)
            << what;
      }
      // Losses and weights really moved: the comparison means something.
      EXPECT_LT(results[0].losses.back(), 0.5 * results[0].losses.front());
      // Summed during the backward pass or after it: the same bits.
      if (!overlap) overlapped_weights = results[0].weights;
      EXPECT_EQ(results[0].weights, overlapped_weights);
    }
  }
}

// Data streamed from disk (data.stream) splits among the ranks as data in
// memory does.
TEST(DataParallelTest, StreamedDataTrainsAsOneProcess) {
  const std::string text = absl::StrReplaceAll(
      ModelText(10),
      {{"validation_fraction: 0.2", "stream { window_samples: 40 }"}});
  const std::string path = WriteModel("streamed.pbtxt", text);
  const RankResult alone = Alone(path, /*validate=*/false);
  ASSERT_OK(alone.status);
  for (int ranks : {2, 3}) {
    const std::vector<RankResult> results =
        RunRanks(ranks, {path}, TrainWithoutValidation);
    for (int r = 0; r < ranks; ++r) {
      ASSERT_TRUE(results[r].status.ok()) << results[r].status;
      ExpectClose(results[r].losses, alone.losses, 1e-9, "streamed losses");
      ExpectClose(results[r].weights, alone.weights, 1e-9, "streamed weights");
    }
  }
}

// Model::TrainStep on each rank's own rows weights them by their share of
// all ranks' rows: one step of 2 + 3 rows on two ranks is one step of the
// 5 rows alone.
TEST(DataParallelTest, TrainStepOnEachRanksRows) {
  const std::string path = WriteModel("m.pbtxt", ModelText(10));
  std::vector<double> x, y;
  for (int i = 0; i < 5; ++i) {
    x.insert(x.end(), {0.1 * i, -0.2 * i, 0.3});
    y.push_back(0.5 * i - 1);
  }
  auto rows = [&](int first, int count) {
    return std::vector<NamedValues>{
        {"x", Values({count, 3},
                     std::vector<double>(x.begin() + 3 * first,
                                         x.begin() + 3 * (first + count)))},
        {"y",
         Values({count, 1}, std::vector<double>(y.begin() + first,
                                                y.begin() + first + count))}};
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> alone, Model::FromFile(path));
  ASSERT_OK_AND_ASSIGN(double alone_loss, alone->TrainStep(rows(0, 5)));
  std::vector<double> losses(2);
  const std::vector<RankResult> results =
      RunRanks(2, {path}, [&](int rank, Model& model, RankResult&) {
        auto loss = model.TrainStep(rank == 0 ? rows(0, 2) : rows(2, 3));
        if (!loss.ok()) return loss.status();
        losses[rank] = *loss;
        return absl::OkStatus();
      });
  for (int r = 0; r < 2; ++r) {
    ASSERT_OK(results[r].status);
    EXPECT_NEAR(losses[r], alone_loss, 1e-12 * alone_loss);
    ExpectClose(results[r].weights, Weights(*alone), 1e-12, "after the step");
  }
  EXPECT_NE(Weights(*alone), Weights(*Model::FromFile(path).value()));

  // A rank without rows: every rank refuses the step.
  const std::vector<RankResult> empty =
      RunRanks(2, {path}, [&](int rank, Model& model, RankResult&) {
        return model.TrainStep(rank == 0 ? rows(0, 2) : rows(0, 0)).status();
      });
  for (const RankResult& result : empty) {
    EXPECT_EQ(result.status.message(),
              "TrainStep: rank 1 of 2 has no rows to train on; data-parallel, "
              "every rank feeds at least one");
  }
}

// After TrainStep() the ranks share one copy of the variables, so a
// restore writes it together: a rank that cannot read the checkpoint
// makes every rank refuse it (none waits for it), and one that all read
// sets every rank's weights.
TEST(DataParallelTest, RestoreWhileTheVariablesAreShared) {
  const std::string path = WriteModel("m.pbtxt", ModelText(10));
  const std::vector<NamedValues> two_rows = {
      {"x", Values({2, 3}, {0.1, 0.2, 0.3, -0.4, 0.5, 0.6})},
      {"y", Values({2, 1}, {0.7, -0.8})}};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> alone, Model::FromFile(path));
  const std::string good = TestPath("good.ckpt");
  ASSERT_OK(alone->Save(good));
  const std::string missing = TestPath("missing.ckpt");
  std::remove(missing.c_str());
  const std::vector<RankResult> refused =
      RunRanks(2, {path}, [&](int rank, Model& model, RankResult&) {
        absl::Status stepped = model.TrainStep(two_rows).status();
        if (!stepped.ok()) return stepped;
        return model.Restore(rank == 0 ? good : missing);
      });
  EXPECT_EQ(refused[0].status.message(),
            absl::StrCat(good,
                         ": another rank could not read this "
                         "checkpoint; nothing restored"));
  EXPECT_TRUE(absl::StrContains(refused[1].status.message(), missing))
      << refused[1].status;
  EXPECT_EQ(refused[0].weights, refused[1].weights);
  EXPECT_NE(refused[0].weights, Weights(*alone));

  const std::vector<RankResult> restored =
      RunRanks(2, {path}, [&](int, Model& model, RankResult&) {
        absl::Status stepped = model.TrainStep(two_rows).status();
        if (!stepped.ok()) return stepped;
        return model.Restore(good);
      });
  for (const RankResult& result : restored) {
    ASSERT_OK(result.status);
    EXPECT_EQ(result.weights, Weights(*alone));
  }
}

TEST(DataParallelTest, SameRanksSameBits) {
  const std::string path = WriteModel("m.pbtxt", ModelText(10));
  const std::vector<RankResult> first = RunRanks(3, {path}, TrainAll);
  const std::vector<RankResult> second = RunRanks(3, {path}, TrainAll);
  ASSERT_OK(first[0].status);
  ASSERT_OK(second[0].status);
  EXPECT_EQ(first[0].weights, second[0].weights);
  EXPECT_EQ(first[0].losses, second[0].losses);
}

TEST(DataParallelTest, BatchSmallerThanTheRanks) {
  // Batches of 2 on 3 ranks: one rank has no sample of its own each step.
  const std::string path = WriteModel("small.pbtxt", ModelText(2));
  const RankResult alone = Alone(path);
  ASSERT_OK(alone.status);
  const std::vector<RankResult> results = RunRanks(3, {path}, TrainAll);
  for (int r = 0; r < 3; ++r) {
    ASSERT_OK(results[r].status);
    ExpectClose(results[r].losses, alone.losses, 1e-9, "losses");
    ExpectClose(results[r].weights, alone.weights, 1e-9, "weights");
  }
}

TEST(DataParallelTest, AStopOnOneRankStopsAllAtTheSameStep) {
  const std::string path = WriteModel("m.pbtxt", ModelText(10));
  const std::vector<RankResult> results =
      RunRanks(2, {path}, [](int rank, Model& model, RankResult& result) {
        int calls = 0;
        TrainingOptions options;
        // Only rank 1 is asked to stop, after its 13th step.
        options.stop_requested = [&] { return rank == 1 && ++calls == 13; };
        auto run = model.Train(options);
        if (!run.ok()) return run.status();
        result.stopped = run->stopped;
        return model.Save(TestPath(absl::StrCat("stopped_", rank, ".ckpt")));
      });
  ASSERT_OK(results[0].status);
  ASSERT_OK(results[1].status);
  EXPECT_TRUE(results[0].stopped);
  EXPECT_TRUE(results[1].stopped);
  EXPECT_EQ(results[0].weights, results[1].weights);
  // Rank 0 alone wrote its checkpoint.
  EXPECT_TRUE(std::filesystem::exists(TestPath("stopped_0.ckpt")));
  EXPECT_FALSE(std::filesystem::exists(TestPath("stopped_1.ckpt")));

  // One process resumes the 2-rank run and ends where a whole run ends.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> resumed, Model::FromFile(path));
  ASSERT_OK(resumed->Restore(TestPath("stopped_0.ckpt")));
  ASSERT_OK_AND_ASSIGN(TrainingResult rest, resumed->Train());
  EXPECT_EQ(rest.epochs.back().step, 110);
  ExpectClose(Weights(*resumed), Alone(path).weights, 1e-9, "resumed");
}

// Plain SGD that counts the values it updates, elementwise (so sharded
// data-parallel) or not.
std::atomic<int64_t> updated_values{0};

class CountingSgd : public Optimizer {
 public:
  explicit CountingSgd(bool elementwise) : elementwise_(elementwise) {}
  bool elementwise() const override { return elementwise_; }
  std::vector<std::string> SlotNames() const override { return {}; }
  void Apply(const UpdateContext& update, Tensor& value, const Tensor& grad,
             absl::Span<Tensor* const>) const override {
    updated_values += value.num_elements();
    DispatchFloat(value.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* w = value.data<T>();
      const T* g = grad.data<T>();
      const T rate = static_cast<T>(update.learning_rate);
      for (int64_t i = 0; i < value.num_elements(); ++i) w[i] -= rate * g[i];
    });
  }

 private:
  const bool elementwise_;
};

NABLA_REGISTER_OPTIMIZER("CountingSGD")
    .Attr("learning_rate", 0.05)
    .Factory(
        [](const ResolvedAttrs&) -> absl::StatusOr<std::unique_ptr<Optimizer>> {
          return std::make_unique<CountingSgd>(true);
        });
NABLA_REGISTER_OPTIMIZER("UnshardedCountingSGD")
    .Attr("learning_rate", 0.05)
    .Factory(
        [](const ResolvedAttrs&) -> absl::StatusOr<std::unique_ptr<Optimizer>> {
          return std::make_unique<CountingSgd>(false);
        });

// `model` (ModelText's, with Adam and 10 epochs) with `optimizer` for 2
// epochs (22 steps).
std::string WithOptimizer(const std::string& model,
                          const std::string& optimizer) {
  return absl::StrReplaceAll(
      model,
      {{R"(name: "Adam")", absl::StrCat(R"(name: ")", optimizer, R"(")")},
       {"epochs: 10", "epochs: 2"}});
}

// With an elementwise optimizer each rank updates only its part of each
// variable and hands it to the others: together the ranks update every
// value once per step, where an optimizer that is not elementwise has
// every rank update every value. Both end at the same bits (the sums add
// the ranks' gradients in rank order either way), and at one process's
// weights within `tolerance`.
void ExpectEachRankUpdatesItsPart(const std::string& model, int64_t values,
                                  double tolerance) {
  const std::string sharded =
      WriteModel("sharded.pbtxt", WithOptimizer(model, "CountingSGD"));
  const std::string unsharded = WriteModel(
      "unsharded.pbtxt", WithOptimizer(model, "UnshardedCountingSGD"));
  const RankResult alone = Alone(sharded, /*validate=*/false);
  ASSERT_OK(alone.status);
  ASSERT_EQ(alone.steps, 22);
  ASSERT_EQ(static_cast<int64_t>(alone.weights.size()), values);
  for (int ranks : {2, 3}) {
    updated_values = 0;
    const std::vector<RankResult> parts =
        RunRanks(ranks, {sharded}, TrainWithoutValidation);
    EXPECT_EQ(updated_values, 22 * values) << ranks << " ranks";
    updated_values = 0;
    const std::vector<RankResult> wholes =
        RunRanks(ranks, {unsharded}, TrainWithoutValidation);
    EXPECT_EQ(updated_values, ranks * 22 * values) << ranks << " ranks";
    for (int r = 0; r < ranks; ++r) {
      ASSERT_OK(parts[r].status);
      ASSERT_OK(wholes[r].status);
      EXPECT_EQ(parts[r].weights, wholes[0].weights) << ranks << " ranks";
      ExpectClose(parts[r].weights, alone.weights, tolerance,
                  "sharded weights");
    }
  }
  EXPECT_NE(alone.weights, Weights(*Model::FromFile(sharded).value()));
}

// 3 * 16 + 16 + 16 + 1 values in one bucket; parts start at multiples of
// 16, so with 2 and 3 ranks more than one rank updates the first layer's
// weights.
TEST(DataParallelTest, EachRankUpdatesItsPartOfTheVariables) {
  ExpectEachRankUpdatesItsPart(ModelText(10), 81, 1e-9);
}

// The same in float32 with a layer of 300 x 300 weights: a gradient larger
// than a bucket, reduce-scattered and gathered where it is, between two
// buckets of fused small ones.
TEST(DataParallelTest, EachRankUpdatesItsPartOfALargeFloat32Layer) {
  const std::string model = absl::StrReplaceAll(
      ModelText(10),
      {{R"( attr { key: "dtype" value { s: "float64" } })", ""},
       {R"(node { name: "out" op: "Dense" input: "h")",
        R"(node { name: "h2" op: "Dense" input: "h" attr { key: "units" value { i: 300 } } attr { key: "activation" value { s: "Tanh" } } }
  node { name: "out" op: "Dense" input: "h2")"},
       {R"(attr { key: "units" value { i: 16 } })",
        R"(attr { key: "units" value { i: 300 } })"}});
  ExpectEachRankUpdatesItsPart(model, 3 * 300 + 300 + 300 * 300 + 300 + 301,
                               1e-4);
}

// ModelText(batch) with a BatchNormLayer on x, for one epoch.
std::string BatchNormModelText(int batch) {
  return absl::StrReplaceAll(
      ModelText(batch),
      {{R"(node { name: "h" op: "Dense" input: "x")",
        R"(node { name: "bn" op: "BatchNormLayer" input: "x" attr { key: "dtype" value { s: "float64" } } }
  node { name: "h" op: "Dense" input: "bn")"},
       {"epochs: 10", "epochs: 1"}});
}

// BatchNorm's running mean moves by the mean of the whole batch, as in one
// process (each rank normalises its shard with the shard's statistics, as
// PyTorch's DDP without SyncBatchNorm does, so only the state after the
// first step can be compared with one process).
TEST(DataParallelTest, RunningMeansMoveAsOneProcess) {
  const std::string path = WriteModel("bn.pbtxt", BatchNormModelText(0));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> alone, Model::FromFile(path));
  ASSERT_OK(alone->Train().status());
  ASSERT_OK_AND_ASSIGN(Values mean, alone->Variable("bn/mean"));
  ASSERT_OK_AND_ASSIGN(Values initial,
                       Model::FromFile(path).value()->Variable("bn/mean"));
  ASSERT_NE(mean.data, initial.data);  // the step moved it
  for (int ranks : {2, 3}) {
    std::vector<std::vector<double>> means(ranks);
    const std::vector<RankResult> results =
        RunRanks(ranks, {path}, [&](int rank, Model& model, RankResult&) {
          auto run = model.Train();
          if (!run.ok()) return run.status();
          auto value = model.Variable("bn/mean");
          if (!value.ok()) return value.status();
          means[rank] = value->data;
          return absl::OkStatus();
        });
    for (int r = 0; r < ranks; ++r) {
      ASSERT_OK(results[r].status);
      ExpectClose(means[r], mean.data, 1e-12, absl::StrCat(ranks, " ranks"));
      EXPECT_EQ(means[r], means[0]);
    }
  }
}

// Batches of 5 on 4 ranks: no shard of a single sample, which BatchNorm
// refuses in training (the batch goes to 2 ranks, 2 run copies).
TEST(DataParallelTest, SmallBatchesKeepTwoSamplesPerShard) {
  const std::string path = WriteModel("bn5.pbtxt", BatchNormModelText(5));
  const std::vector<RankResult> results = RunRanks(4, {path}, TrainAll);
  for (int r = 0; r < 4; ++r) {
    ASSERT_TRUE(results[r].status.ok()) << results[r].status;
    EXPECT_EQ(results[r].weights, results[0].weights);
    EXPECT_EQ(results[r].steps, 21);  // ceil(103 / 5)
  }
}

// Dropout draws, on each rank, the masks one process draws for the same
// samples: one step of 2 or 3 ranks ends where one process ends.
TEST(DataParallelTest, DropoutMasksAreOneProcesssMasks) {
  const std::string text = absl::StrReplaceAll(
      ModelText(0),
      {{R"(node { name: "out" op: "Dense" input: "h")",
        R"(node { name: "drop" op: "Dropout" input: "h" attr { key: "rate" value { f: 0.5 } } }
  node { name: "out" op: "Dense" input: "drop")"},
       {"epochs: 10", "epochs: 1"}});
  const std::string path = WriteModel("dropout.pbtxt", text);
  const RankResult alone = Alone(path);
  ASSERT_OK(alone.status);
  for (int ranks : {2, 3}) {
    for (const RankResult& result : RunRanks(ranks, {path}, TrainAll)) {
      ASSERT_TRUE(result.status.ok()) << result.status;
      ExpectClose(result.weights, alone.weights, 1e-12,
                  absl::StrCat(ranks, " ranks"));
    }
  }
}

// A step that fails on one rank (a label its kernel refuses) fails on
// every rank, naming the rank, and no rank updates anything.
TEST(DataParallelTest, AStepThatFailsOnOneRankFailsOnAll) {
  const std::string path = WriteModel("classes.pbtxt", R"(graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 } } } }
  node { name: "logits" op: "Dense" input: "x" attr { key: "units" value { i: 3 } } }
  node { name: "loss" op: "SparseSoftmaxCrossEntropy" input: "logits" input: "y" }
}
training { loss: "loss" optimizer { name: "SGD" attr { key: "learning_rate" value { f: 0.1 } } } }
)");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> fresh, Model::FromFile(path));
  const std::vector<double> before = Weights(*fresh);
  std::vector<absl::Status> steps(2);
  const std::vector<RankResult> results =
      RunRanks(2, {path}, [&](int rank, Model& model, RankResult&) {
        const double label = rank == 1 ? 7 : 1;  // 7: no such class
        steps[rank] = model
                          .TrainStep({{"x", Values({2, 2}, {0.5, 1, -1, 2})},
                                      {"y", Values({2}, {label, 0})}})
                          .status();
        return absl::OkStatus();
      });
  EXPECT_EQ(steps[0].code(), absl::StatusCode::kAborted);
  EXPECT_EQ(steps[0].message(),
            "the step failed on rank 1 of 2 (its error says why); no rank "
            "updated anything (rank 0 of 2)");
  EXPECT_EQ(steps[1].code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(steps[1].message(), "7")) << steps[1];
  for (const RankResult& result : results) {
    ASSERT_OK(result.status);
    EXPECT_EQ(result.weights, before);
  }
}

TEST(DataParallelTest, RanksThatDifferAreNamed) {
  // The same model under another name is the same model.
  const std::string same = WriteModel("same.pbtxt", ModelText(10));
  const std::string copy = WriteModel("copy.pbtxt", ModelText(10));
  for (const RankResult& result :
       RunRanks(2, {same, copy},
                [](int, Model&, RankResult&) { return absl::OkStatus(); })) {
    EXPECT_OK(result.status);
  }
  const std::string other = WriteModel("other.pbtxt", ModelText(12));
  const std::vector<RankResult> results =
      RunRanks(3, {same, same, other}, TrainAll);
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(results[r].status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(results[r].status.message(),
              "data-parallel ranks differ from rank 0: rank 2 of 3 has "
              "another model, another run settings (seed, epochs, batch "
              "size, learning rate, metrics, checkpoint) (every rank must "
              "run the same model, plugins, data and settings)")
        << "rank " << r;
  }
}

}  // namespace
}  // namespace nabla
