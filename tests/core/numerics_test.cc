// Numerical faults: the first NaN or infinity of a training step, found in
// forward values, then gradient-kernel outputs, then fan-out sums; what
// check_numerics stops, what the default path names when the loss goes
// bad, and that checking allocates nothing.
#include <cmath>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/dataset.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/session.h"
#include "core/trainer.h"
#include "gtest/gtest.h"
#include "tests/allocation_counter.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// loss = mean((exp(ln(x·w)) - y)²) with w = 1 and batches of one sample,
// x = 1, 2, 0, 3. Step 3 takes ln 0 = -inf, which exp turns into 0: its
// loss is finite, but the gradient of ln there is 0 · (1/0) = NaN, so the
// update makes w NaN and step 4's loss is NaN.
constexpr char kLogModel[] = R"model(graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "w" op: "Variable" attr { key: "shape" value { shape { dim: 1 dim: 1 } } } attr { key: "initializer" value { s: "ones" } } }
  node { name: "z" op: "MatMul" input: "x" input: "w" }
  node { name: "lg" op: "Log" input: "z" }
  node { name: "r" op: "Exp" input: "lg" }
  node { name: "loss" op: "MeanSquaredError" input: "r" input: "y" }
}
training { loss: "loss" optimizer { name: "SGD" attr { key: "learning_rate" value { f: 0.1 } } } }
data {
  feed { placeholder: "x" tensor { shape { dim: 4 dim: 1 } value: [1, 2, 0, 3] } }
  feed { placeholder: "y" tensor { shape { dim: 4 dim: 1 } value: [0, 0, 0, 0] } }
}
)model";

struct LogRun {
  std::unique_ptr<Session> session;
  std::unique_ptr<Dataset> data;
};

LogRun MakeRun(bool check_numerics) {
  LogRun run;
  auto parsed = ParseModelText(kLogModel, "log.pbtxt");
  EXPECT_OK(parsed.status());
  auto graph = Graph::Build(parsed->model.graph(), parsed->source);
  EXPECT_OK(graph.status());
  auto session =
      Session::Create(std::make_shared<const Graph>(*std::move(graph)),
                      {.check_numerics = check_numerics});
  EXPECT_OK(session.status());
  run.session = *std::move(session);
  EXPECT_OK(run.session->SetTraining("loss", Sgd(0.1)));
  auto data = Dataset::FromConfig(run.session->graph(), parsed->model.data(),
                                  "log.pbtxt");
  EXPECT_OK(data.status());
  run.data = std::make_unique<Dataset>(*std::move(data));
  return run;
}

absl::Status TrainOneEpoch(LogRun& run) {
  TrainingSettings settings;
  settings.batch_size = 1;
  TrainingPosition position;
  TrainingObserver observer;
  return Train(*run.session, *run.data, settings, position, observer);
}

TEST(NumericsTest, CheckNumericsStopsAtTheFirstInfinityThoughTheLossIsFinite) {
  LogRun run = MakeRun(/*check_numerics=*/true);
  EXPECT_STATUS(TrainOneEpoch(run), absl::StatusCode::kInvalidArgument,
                "the first NaN or infinity at epoch 1, step 3 (the loss is "
                "still finite, 0): log.pbtxt:6: node 'lg' (Log): its output "
                "value holds -inf at [0, 0]");
  // The faulty step updated nothing.
  EXPECT_EQ(run.session->step(), 2);
  const int w = run.session->graph().FindNode("w").value();
  EXPECT_TRUE(std::isfinite(run.session->variable(w).ValueAt(0)));
  const NumericalFault* fault = run.session->numerical_fault();
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ(fault->step, 3);
  EXPECT_EQ(fault->node, run.session->graph().FindNode("lg").value());
  EXPECT_FALSE(fault->gradient);
}

TEST(NumericsTest, WithoutTheCheckABadLossNamesWhereTheNaNCameFrom) {
  LogRun run = MakeRun(/*check_numerics=*/false);
  // Step 3 goes through and puts NaN in w; step 4's loss is NaN, and the
  // first NaN of that step is w itself.
  EXPECT_STATUS(TrainOneEpoch(run), absl::StatusCode::kInvalidArgument,
                "the loss became nan at epoch 1, step 4: lower the learning "
                "rate or check the data; the first NaN or infinity of the "
                "step: log.pbtxt:4: node 'w' (Variable): its output value "
                "holds nan at [0, 0]");
  EXPECT_EQ(run.session->step(), 4);
}

TEST(NumericsTest, TheCoreErrorNamesTheStep) {
  LogRun run = MakeRun(/*check_numerics=*/true);
  const Tensor x = Tensor::FromValues(DType::kFloat32, Shape{1, 1}, {0});
  const Tensor y = Tensor::FromValues(DType::kFloat32, Shape{1, 1}, {0});
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  EXPECT_STATUS(run.session->TrainStep(feeds),
                absl::StatusCode::kInvalidArgument,
                "the first NaN or infinity at step 1: log.pbtxt:6: node 'lg' "
                "(Log): its output value holds -inf at [0, 0]");
  EXPECT_EQ(run.session->step(), 0);
}

TEST(NumericsTest, AFiniteStepLeavesNoFault) {
  LogRun run = MakeRun(/*check_numerics=*/true);
  const Tensor x = Tensor::FromValues(DType::kFloat32, Shape{1, 1}, {2});
  const Tensor y = Tensor::FromValues(DType::kFloat32, Shape{1, 1}, {0});
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  ASSERT_OK(run.session->TrainStep(feeds).status());
  EXPECT_EQ(run.session->numerical_fault(), nullptr);
}

std::unique_ptr<Session> CheckedSession(const std::string& body) {
  auto session = SessionFromBody(body, "g.pbtxt", {.check_numerics = true});
  if (session != nullptr) EXPECT_OK(session->SetTraining("loss", Sgd()));
  return session;
}

TEST(NumericsTest, AGradientKernelIsNamedWithItsInput) {
  // q = 1 / (x·w) at x = 1e-30: q = 1e30 is a float32, but dq/dz = -q/z =
  // -1e60 is not.
  auto session = CheckedSession(R"model(
    node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
    node { name: "w" op: "Variable" attr { key: "shape" value { shape { dim: 1 dim: 1 } } } attr { key: "initializer" value { s: "ones" } } }
    node { name: "z" op: "MatMul" input: "x" input: "w" }
    node { name: "one" op: "Const" attr { key: "value" value { tensor { value: 1 } } } }
    node { name: "q" op: "Div" input: "one" input: "z" }
    node { name: "loss" op: "ReduceSum" input: "q" }
  )model");
  ASSERT_NE(session, nullptr);
  const Tensor x = Tensor::FromValues(DType::kFloat32, Shape{1, 1}, {1e-30});
  const Feed feeds[] = {{"x", &x}};
  EXPECT_STATUS(session->TrainStep(feeds), absl::StatusCode::kInvalidArgument,
                "the first NaN or infinity at step 1: g.pbtxt:7: node 'q' "
                "(Div): its gradient for input 1 ('z') holds -inf at [0, 0]");
  ASSERT_NE(session->numerical_fault(), nullptr);
  EXPECT_TRUE(session->numerical_fault()->gradient);
}

TEST(NumericsTest, AFanOutSumIsNamedWithItsNode) {
  // w·c twice with c = 3e38: each path's gradient c is a float32, their sum
  // is not.
  auto session = CheckedSession(R"model(
    node { name: "w" op: "Variable" attr { key: "shape" value { shape { dim: 2 } } } attr { key: "initializer" value { s: "constant" } } attr { key: "init_value" value { f: 1e-38 } } }
    node { name: "c" op: "Const" attr { key: "value" value { tensor { value: 3e38 } } } }
    node { name: "m1" op: "Mul" input: "w" input: "c" }
    node { name: "m2" op: "Mul" input: "w" input: "c" }
    node { name: "s" op: "Add" input: "m1" input: "m2" }
    node { name: "loss" op: "ReduceSum" input: "s" }
  )model");
  ASSERT_NE(session, nullptr);
  EXPECT_STATUS(session->TrainStep({}), absl::StatusCode::kInvalidArgument,
                "the first NaN or infinity at step 1: g.pbtxt:3: node 'w' "
                "(Variable): its gradient summed over its uses holds inf at "
                "[0]");
}

TEST(NumericsTest, CheckedStepsAllocateNothing) {
  LogRun run = MakeRun(/*check_numerics=*/true);
  const Tensor x = Tensor::FromValues(DType::kFloat32, Shape{1, 1}, {2});
  const Tensor y = Tensor::FromValues(DType::kFloat32, Shape{1, 1}, {0});
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  for (int s = 0; s < 3; ++s) ASSERT_OK(run.session->TrainStep(feeds).status());
  const long before = AllocationCount();
  bool all_ok = true;
  for (int s = 0; s < 100; ++s) {
    all_ok = all_ok && run.session->TrainStep(feeds).ok();
  }
  const long allocations = AllocationCount() - before;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(allocations, 0) << "heap allocations in 100 checked steps";
}

}  // namespace
}  // namespace nabla
