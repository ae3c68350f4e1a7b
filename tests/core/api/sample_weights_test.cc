// Per-sample weights (a WeightedMean of a loss with reduction "none") and
// class weights train as repeated samples do: a sample of weight 2 counts
// as two copies of it (scikit-learn's meaning of sample_weight).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "nabla/model.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

struct Sample {
  double x0, x1, label, weight;
};

// A 2-3 softmax classifier on `samples`, one full-batch SGD step per
// epoch; the loss is `loss_nodes` (they read "logits", "y" and "w").
std::string Model(const std::vector<Sample>& samples,
                  const std::string& loss_nodes) {
  std::vector<double> x, y, w;
  for (const Sample& s : samples) {
    x.insert(x.end(), {s.x0, s.x1});
    y.push_back(s.label);
    w.push_back(s.weight);
  }
  const size_t n = samples.size();
  return absl::StrCat(R"(graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 } } } }
  node { name: "w" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 } } } }
  node { name: "logits" op: "Dense" input: "x" attr { key: "units" value { i: 3 } } }
)",
                      loss_nodes, R"(}
training { loss: "loss" optimizer { name: "SGD" attr { key: "learning_rate" value { f: 0.5 } } } epochs: 5 seed: 7 }
data {
  feed { placeholder: "x" tensor { shape { dim: )",
                      n, R"( dim: 2 } value: [)", absl::StrJoin(x, ", "),
                      R"(] } }
  feed { placeholder: "y" tensor { shape { dim: )",
                      n, R"( } value: [)", absl::StrJoin(y, ", "), R"(] } }
  feed { placeholder: "w" tensor { shape { dim: )",
                      n, R"( } value: [)", absl::StrJoin(w, ", "), R"(] } }
}
)");
}

constexpr char kUnweighted[] = R"(
  node { name: "loss" op: "SparseSoftmaxCrossEntropy" input: "logits" input: "y" }
  node { name: "unused" op: "Identity" input: "w" }
)";
constexpr char kSampleWeighted[] = R"(
  node { name: "each" op: "SparseSoftmaxCrossEntropy" input: "logits" input: "y"
         attr { key: "reduction" value { s: "none" } } }
  node { name: "loss" op: "WeightedMean" input: "each" input: "w" }
)";
constexpr char kClassWeighted[] = R"(
  node { name: "loss" op: "SparseSoftmaxCrossEntropy" input: "logits" input: "y"
         attr { key: "class_weights" value { list { f: [1, 3, 0.5] } } } }
  node { name: "unused" op: "Identity" input: "w" }
)";

std::vector<double> TrainedWeights(const std::string& text) {
  auto model = Model::FromString(text);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return {};
  EXPECT_OK((*model)->Train().status());
  std::vector<double> all;
  for (const std::string& name : (*model)->VariableNames()) {
    auto values = (*model)->Variable(name);
    EXPECT_TRUE(values.ok()) << values.status();
    if (values.ok()) {
      all.insert(all.end(), values->data.begin(), values->data.end());
    }
  }
  return all;
}

void ExpectNear(const std::vector<double>& a, const std::vector<double>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;
}

const Sample kA = {0.5, 1, 0, 1}, kB = {-1, 0.25, 1, 1}, kC = {2, -0.5, 2, 1},
             kD = {0, -2, 1, 1};

TEST(SampleWeightsTest, WeightTwoTrainsAsTwoCopies) {
  const std::vector<double> copies =
      TrainedWeights(Model({kA, kB, kB, kC, kD, kD, kD}, kUnweighted));
  Sample b = kB, d = kD;
  b.weight = 2;
  d.weight = 3;
  const std::vector<double> weighted =
      TrainedWeights(Model({kA, b, kC, d}, kSampleWeighted));
  ExpectNear(weighted, copies);
  // A weight of 0 leaves the sample out.
  Sample ignored = kC;
  ignored.weight = 0;
  ExpectNear(TrainedWeights(Model({kA, kB, ignored, kD}, kSampleWeighted)),
             TrainedWeights(Model({kA, kB, kD}, kUnweighted)));
}

// Class 1 weighs 3 and class 2 a half: as three copies of each class-1
// sample against one class-2 sample counted half.
TEST(SampleWeightsTest, ClassWeightsAreSampleWeightsByClass) {
  Sample b = kB, c = kC, d = kD;
  b.weight = 3;
  c.weight = 0.5;
  d.weight = 3;
  ExpectNear(TrainedWeights(Model({kA, kB, kC, kD}, kClassWeighted)),
             TrainedWeights(Model({kA, b, c, d}, kSampleWeighted)));
}

}  // namespace
}  // namespace nabla
