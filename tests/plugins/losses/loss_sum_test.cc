// Several losses summed into one objective with Add: the summed loss is
// the sum of the parts, and so is its gradient, through the whole stack
// (model text, planner, executor, SGD).
#include <memory>
#include <string>
#include <vector>

#include "core/session.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"

namespace nabla {
namespace {

// logits = x W; total = SoftmaxCrossEntropy(logits, y) + 0.5 · summed
// squared error of logits against t.
constexpr char kModel[] = R"pb(
  graph {
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 2 } }
      }
    }
    node {
      name: "y"
      op: "Placeholder"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 3 } }
      }
    }
    node {
      name: "t"
      op: "Placeholder"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 3 } }
      }
    }
    node {
      name: "W"
      op: "Variable"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: 2 dim: 3 } }
      }
      attr {
        key: "initializer"
        value { s: "values" }
      }
      attr {
        key: "values"
        value {
          tensor {
            shape { dim: 2 dim: 3 }
            value: [ 0.1, -0.2, 0.3, 0.4, 0.05, -0.6 ]
          }
        }
      }
    }
    node { name: "logits" op: "MatMul" input: "x" input: "W" }
    node { name: "ce" op: "SoftmaxCrossEntropy" input: "logits" input: "y" }
    node {
      name: "se"
      op: "MeanSquaredError"
      input: "logits"
      input: "t"
      attr {
        key: "reduction"
        value { s: "sum" }
      }
      attr {
        key: "weight"
        value { f: 0.5 }
      }
    }
    node { name: "total" op: "Add" input: "ce" input: "se" }
  }
)pb";

struct Data {
  Tensor x = Tensor::FromValues(DType::kFloat64, {4, 2},
                                {1, 0.5, -0.3, 2, 0.7, -1, 0, 1.5});
  Tensor y = Tensor::FromValues(DType::kFloat64, {4, 3},
                                {1, 0, 0, 0, 0, 1, 0, 1, 0, 0.3, 0.3, 0.4});
  Tensor t = Tensor::FromValues(
      DType::kFloat64, {4, 3},
      {0.5, -0.5, 0, 1, 0, -1, 0.2, 0.2, 0.2, -0.4, 0.8, 0.1});
  std::vector<Feed> feeds() const { return {{"x", &x}, {"y", &y}, {"t", &t}}; }
};

// One training step on `loss`: the loss value and dL/dW.
struct Step {
  double loss = 0;
  std::vector<double> grad;
};

Step TrainOnce(const std::string& loss) {
  std::unique_ptr<Session> session = SessionFromModelText(kModel, {});
  EXPECT_NE(session, nullptr);
  if (session == nullptr) return {};
  EXPECT_TRUE(session->SetTraining(loss, Sgd(0.1)).ok());
  const Data data;
  auto value = session->TrainStep(data.feeds());
  EXPECT_TRUE(value.ok()) << value.status();
  if (!value.ok()) return {};
  const Tensor* grad = session->last_gradient(session->variable_nodes()[0]);
  EXPECT_NE(grad, nullptr);
  if (grad == nullptr) return {};
  return {*value, grad->ToDoubles()};
}

TEST(LossSumTest, LossAndGradientAreSumsOfTheParts) {
  const Step ce = TrainOnce("ce");
  const Step se = TrainOnce("se");
  const Step total = TrainOnce("total");
  ASSERT_EQ(ce.grad.size(), 6u);
  ASSERT_EQ(se.grad.size(), 6u);
  ASSERT_EQ(total.grad.size(), 6u);
  EXPECT_GT(ce.loss, 0);
  EXPECT_GT(se.loss, 0);
  EXPECT_DOUBLE_EQ(total.loss, ce.loss + se.loss);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_NE(ce.grad[i], 0) << i;
    EXPECT_NE(se.grad[i], 0) << i;
    EXPECT_NEAR(total.grad[i], ce.grad[i] + se.grad[i], 1e-14) << i;
  }
}

TEST(LossSumTest, ForwardFetchesAddUpAndTrainingLowersTheSum) {
  std::unique_ptr<Session> session = SessionFromModelText(kModel, {});
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(session->SetTraining("total", Sgd(0.1)).ok());
  const Data data;
  const std::vector<std::string> fetches = {"ce", "se", "total"};
  auto before = session->Run(data.feeds(), fetches);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_DOUBLE_EQ((*before)[2].ValueAt(0),
                   (*before)[0].ValueAt(0) + (*before)[1].ValueAt(0));
  double last = (*before)[2].ValueAt(0);
  for (int step = 0; step < 20; ++step) {
    auto loss = session->TrainStep(data.feeds());
    ASSERT_TRUE(loss.ok()) << loss.status();
  }
  auto after = session->Run(data.feeds(), fetches);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_LT((*after)[2].ValueAt(0), last);
  EXPECT_DOUBLE_EQ((*after)[2].ValueAt(0),
                   (*after)[0].ValueAt(0) + (*after)[1].ValueAt(0));
}

}  // namespace
}  // namespace nabla
