// Training data streamed from disk (data.stream) trains as data in memory
// does: without shuffle the weights come out bit for bit the same; with
// shuffle every epoch visits every sample once, within windows, in an
// order drawn from the seed; a run stopped mid-epoch and resumed from its
// checkpoint ends where the whole run ends; errors name the file and line;
// settings that need the data in memory are refused.
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nabla/model.h"
#include "tests/status_matchers.h"
#include "tests/test_files.h"

namespace nabla {
namespace {

// 300 points in two classes (inside or outside a circle), with a comment
// line and a quoted label now and then.
std::string Points() {
  std::string csv = "a,b,label\n# generated\n";
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) / 9007199254740992.0 * 2 - 1;
  };
  for (int i = 0; i < 300; ++i) {
    const double x = next(), y = next();
    absl::StrAppend(&csv, x, ",", y, ",", i % 7 == 0 ? "\"" : "",
                    x * x + y * y < 0.5 ? "in" : "out", i % 7 == 0 ? "\"" : "",
                    "\n");
  }
  return csv;
}

// A 2-16-2 classifier on points.csv; `data` completes the data section,
// `training` the training section.
std::string ModelText(const std::string& data, const std::string& training) {
  return absl::StrCat(R"(graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 } } } }
  node { name: "h" op: "Dense" input: "x" attr { key: "units" value { i: 16 } } attr { key: "activation" value { s: "Tanh" } } }
  node { name: "logits" op: "Dense" input: "h" attr { key: "units" value { i: 2 } } }
  node { name: "loss" op: "SparseSoftmaxCrossEntropy" input: "logits" input: "y" }
}
training { loss: "loss" optimizer { name: "Adam" attr { key: "learning_rate" value { f: 0.01 } } } batch_size: 32 seed: 3 )",
                      training, R"( }
data {
  source { name: "csv" attr { key: "path" value { s: "points.csv" } } attr { key: "target_columns" value { list { s: "label" } } } attr { key: "labels" value { s: "classes" } } attr { key: "comment" value { s: "#" } } }
  normalize { placeholder: "x" method: STANDARDIZE }
  )",
                      data, "\n}\n");
}

std::unique_ptr<Model> Load(const std::string& name, const std::string& text) {
  WriteFile(TestPath("points.csv"), Points());
  const std::string path = TestPath(name);
  WriteFile(path, text);
  auto model = Model::FromFile(path);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : nullptr;
}

std::vector<std::vector<double>> Weights(const Model& model) {
  std::vector<std::vector<double>> weights;
  for (const std::string& name : model.VariableNames()) {
    auto value = model.Variable(name);
    EXPECT_TRUE(value.ok()) << value.status();
    weights.push_back(value.ok() ? value->data : std::vector<double>{});
  }
  return weights;
}

TEST(StreamingTest, UnshuffledStreamTrainsBitForBitAsInMemory) {
  auto in_memory = Load("memory.pbtxt", ModelText("", "epochs: 4"));
  auto streamed = Load("stream.pbtxt",
                       ModelText("stream { window_samples: 50 }", "epochs: 4"));
  ASSERT_NE(in_memory, nullptr);
  ASSERT_NE(streamed, nullptr);
  ASSERT_OK_AND_ASSIGN(TrainingResult a, in_memory->Train());
  ASSERT_OK_AND_ASSIGN(TrainingResult b, streamed->Train());
  ASSERT_EQ(a.epochs.size(), b.epochs.size());
  for (size_t e = 0; e < a.epochs.size(); ++e) {
    EXPECT_EQ(a.epochs[e].loss, b.epochs[e].loss) << "epoch " << e + 1;
  }
  EXPECT_EQ(Weights(*in_memory), Weights(*streamed));
}

TEST(StreamingTest, ShuffledStreamLearnsAndIsReproducible) {
  const std::string text =
      ModelText("stream { window_samples: 64 }", "shuffle: true epochs: 30");
  auto first = Load("shuffled.pbtxt", text);
  auto second = Load("shuffled.pbtxt", text);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_OK_AND_ASSIGN(TrainingResult a, first->Train());
  ASSERT_OK_AND_ASSIGN(TrainingResult b, second->Train());
  EXPECT_EQ(Weights(*first), Weights(*second));
  EXPECT_LT(a.epochs.back().loss, 0.5 * a.epochs.front().loss);
  EXPECT_GT(a.epochs.back().metrics.at("accuracy"), 0.9);
  EXPECT_EQ(a.epochs.back().loss, b.epochs.back().loss);
}

// Stopped after 13 steps (mid-epoch, mid-window), saved, restored into a
// new model and trained on: the same weights as one whole run.
TEST(StreamingTest, RunStoppedMidEpochResumesExactly) {
  const std::string text =
      ModelText("stream { window_samples: 40 }", "shuffle: true epochs: 3");
  auto whole = Load("whole.pbtxt", text);
  ASSERT_NE(whole, nullptr);
  ASSERT_OK(whole->Train().status());
  auto first = Load("first.pbtxt", text);
  ASSERT_NE(first, nullptr);
  int steps = 0;
  TrainingOptions stop;
  stop.stop_requested = [&steps] { return ++steps >= 13; };
  ASSERT_OK_AND_ASSIGN(TrainingResult stopped, first->Train(stop));
  ASSERT_TRUE(stopped.stopped);
  const std::string checkpoint = TestPath("stream.ckpt");
  ASSERT_OK(first->Save(checkpoint));
  auto second = Load("second.pbtxt", text);
  ASSERT_NE(second, nullptr);
  ASSERT_OK(second->Restore(checkpoint));
  ASSERT_OK(second->Train().status());
  EXPECT_EQ(Weights(*second), Weights(*whole));
}

TEST(StreamingTest, LabelTheLossCannotTakeNamesFileAndLine) {
  // A third class (sorted last, so index 2), for two logits, on line 5
  // (after the header, the comment and two rows).
  std::string csv = Points();
  size_t line_five = 0;
  for (int line = 1; line < 5; ++line)
    line_five = csv.find('\n', line_five) + 1;
  csv.insert(line_five, "0.1,0.2,zz\n");
  const std::string path = TestPath("edge.pbtxt");
  WriteFile(path, ModelText("stream { }", ""));
  WriteFile(TestPath("points.csv"), csv);
  ASSERT_OK_AND_ASSIGN(auto model, Model::FromFile(path));
  const absl::Status status = model->Train().status();
  EXPECT_TRUE(absl::StrContains(
      status.message(),
      absl::StrCat("at ", TestPath("points.csv"), ":5 (class \"zz\")")))
      << status;
}

TEST(StreamingTest, SettingsThatNeedTheDataInMemoryAreRefused) {
  WriteFile(TestPath("points.csv"), Points());
  const std::string path = TestPath("refused.pbtxt");
  WriteFile(path, ModelText("stream { } validation_fraction: 0.2", ""));
  EXPECT_STATUS(Model::FromFile(path).status(),
                absl::StatusCode::kInvalidArgument,
                "data.stream keeps no training samples in memory to hold out: "
                "give validation and test data sections of their own");
  WriteFile(path, ModelText("stream { window_samples: -1 }", ""));
  EXPECT_STATUS(Model::FromFile(path).status(),
                absl::StatusCode::kInvalidArgument,
                "data.stream.window_samples must be >= 0 (0: 16 MiB of "
                "samples), got -1");
  WriteFile(path, ModelText("stream { cache_dir: \"/nonexistent/dir\" }", ""));
  EXPECT_STATUS(Model::FromFile(path).status(),
                absl::StatusCode::kInvalidArgument,
                "cannot create the stream's cache file in /nonexistent/dir: "
                "No such file or directory");
  WriteFile(path, ModelText("stream { }", ""));
  ASSERT_OK_AND_ASSIGN(auto model, Model::FromFile(path));
  EXPECT_STATUS(model->Evaluate(Split::kTraining).status(),
                absl::StatusCode::kFailedPrecondition,
                "is streamed from disk (data.stream), not held in memory");
}

}  // namespace
}  // namespace nabla
