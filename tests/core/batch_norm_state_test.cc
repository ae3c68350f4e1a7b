// BatchNorm's running statistics as state, seen through sessions: a
// training step updates them by the momentum rule from the batch (and the
// optimizer does not touch them); Run() (inference) normalises by them and
// leaves them alone; checkpoints carry them, so a resumed run ends where
// the straight one does; and state that does not come from one
// non-trainable Variable is refused with the node's file:line.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/checkpoint.h"
#include "core/gradient_check.h"
#include "core/session.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// x [-1, 4] -> Dense 3 -> BatchNormLayer (ReLU) -> Dense 1, mean squared
// error, in float64.
constexpr char kBody[] = R"(
  node { name: "x" op: "Placeholder" attr { key: "dtype" value { s: "float64" } } attr { key: "shape" value { shape { dim: -1 dim: 4 } } } }
  node { name: "y" op: "Placeholder" attr { key: "dtype" value { s: "float64" } } attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "h" op: "Dense" input: "x" attr { key: "units" value { i: 3 } } attr { key: "dtype" value { s: "float64" } } }
  node { name: "bn" op: "BatchNormLayer" input: "h" attr { key: "activation" value { s: "ReLU" } } attr { key: "momentum" value { f: 0.75 } } attr { key: "dtype" value { s: "float64" } } }
  node { name: "p" op: "Dense" input: "bn" attr { key: "units" value { i: 1 } } attr { key: "dtype" value { s: "float64" } } }
  node { name: "loss" op: "MeanSquaredError" input: "p" input: "y" }
)";

struct Batch {
  Tensor x = RandomTensor(DType::kFloat64, {8, 4}, 1);
  Tensor y = RandomTensor(DType::kFloat64, {8, 1}, 2);
};

std::unique_ptr<Session> MakeSession() {
  std::unique_ptr<Session> session =
      SessionFromBody(kBody, "m.pbtxt", {.threads = 1, .seed = 5});
  if (session == nullptr) return nullptr;
  EXPECT_OK(session->SetTraining("loss", Sgd(0.1)));
  return session;
}

const Tensor& VariableNamed(const Session& session, const std::string& name) {
  return session.variable(session.graph().FindNode(name).value());
}

Tensor Output(Session& session, const std::string& node) {
  const Batch batch;
  const Feed feeds[] = {{"x", &batch.x}};
  absl::StatusOr<std::vector<Tensor>> out = session.Run(feeds, {node});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? (*out)[0] : Tensor();
}

void TrainSteps(Session& session, int steps) {
  const Batch batch;
  const Feed feeds[] = {{"x", &batch.x}, {"y", &batch.y}};
  for (int i = 0; i < steps; ++i) EXPECT_OK(session.TrainStep(feeds).status());
}

// The step's batch statistics are those of h, which the step computes
// from the variables before its update: Run() gives the same h.
TEST(BatchNormStateTest, TrainingStepUpdatesTheRunningStatistics) {
  auto session = MakeSession();
  ASSERT_NE(session, nullptr);
  const Tensor h = Output(*session, "h");
  TrainSteps(*session, 1);
  const Tensor& mean = VariableNamed(*session, "bn/mean");
  const Tensor& var = VariableNamed(*session, "bn/var");
  for (int c = 0; c < 3; ++c) {
    double sum = 0, squares = 0;
    for (int n = 0; n < 8; ++n) sum += h.ValueAt(n * 3 + c);
    const double batch_mean = sum / 8;
    for (int n = 0; n < 8; ++n) {
      squares += std::pow(h.ValueAt(n * 3 + c) - batch_mean, 2);
    }
    EXPECT_NEAR(mean.ValueAt(c), 0.75 * 0 + 0.25 * batch_mean, 1e-14);
    EXPECT_NEAR(var.ValueAt(c), 0.75 * 1 + 0.25 * squares / 7, 1e-14);
  }
}

// Run() normalises by the running statistics and updates nothing.
TEST(BatchNormStateTest, InferenceUsesTheRunningStatistics) {
  auto session = MakeSession();
  ASSERT_NE(session, nullptr);
  TrainSteps(*session, 3);
  const Tensor mean = VariableNamed(*session, "bn/mean");
  const Tensor var = VariableNamed(*session, "bn/var");
  const Tensor h = Output(*session, "h");
  const Tensor bn = Output(*session, "bn");
  const Tensor& scale = VariableNamed(*session, "bn/scale");
  const Tensor& bias = VariableNamed(*session, "bn/bias");
  for (int n = 0; n < 8; ++n) {
    for (int c = 0; c < 3; ++c) {
      const double normalised = (h.ValueAt(n * 3 + c) - mean.ValueAt(c)) /
                                std::sqrt(var.ValueAt(c) + 1e-5);
      const double want =
          std::max(0.0, scale.ValueAt(c) * normalised + bias.ValueAt(c));
      EXPECT_NEAR(bn.ValueAt(n * 3 + c), want, 1e-12);
    }
  }
  ExpectBitIdentical(VariableNamed(*session, "bn/mean"), mean);
  ExpectBitIdentical(VariableNamed(*session, "bn/var"), var);
}

// Four steps straight = two steps, a checkpoint, a new session, two steps:
// the running statistics are in the checkpoint.
TEST(BatchNormStateTest, CheckpointsCarryTheRunningStatistics) {
  auto straight = MakeSession();
  ASSERT_NE(straight, nullptr);
  TrainSteps(*straight, 4);
  const char* root = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(root != nullptr ? root : "/tmp", "/batch_norm.ckpt");
  auto first = MakeSession();
  ASSERT_NE(first, nullptr);
  TrainSteps(*first, 2);
  ASSERT_OK(SaveCheckpoint(*first, path));
  auto resumed = MakeSession();
  ASSERT_NE(resumed, nullptr);
  ASSERT_OK_AND_ASSIGN(const Checkpoint checkpoint, ReadCheckpoint(path));
  ASSERT_OK(RestoreCheckpoint(checkpoint, path, *resumed));
  ExpectBitIdentical(VariableNamed(*resumed, "bn/mean"),
                     VariableNamed(*first, "bn/mean"));
  TrainSteps(*resumed, 2);
  EXPECT_EQ(VariableBytesOf(*resumed), VariableBytesOf(*straight));
  std::remove(path.c_str());
}

// The op between the state and BatchNorm, for the error cases below.
std::string BodyWithState(const std::string& mean_node) {
  return absl::StrCat(R"(
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "s" op: "Variable" attr { key: "shape" value { shape { dim: 2 } } } attr { key: "initializer" value { s: "ones" } } }
  node { name: "b" op: "Variable" attr { key: "shape" value { shape { dim: 2 } } } attr { key: "initializer" value { s: "zeros" } } }
  node { name: "v" op: "Variable" attr { key: "shape" value { shape { dim: 2 } } } attr { key: "trainable" value { b: false } } attr { key: "initializer" value { s: "ones" } } }
)",
                      mean_node, R"(
  node { name: "bn" op: "BatchNorm" input: "x" input: "s" input: "b" input: "m" input: "v" }
)");
}

void ExpectGraphError(const std::string& body, const std::string& message) {
  absl::StatusOr<Graph> graph = GraphFromBody(body, "m.pbtxt");
  ASSERT_FALSE(graph.ok()) << message;
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(graph.status().message()).find(message),
            std::string::npos)
      << graph.status().message();
}

TEST(BatchNormStateTest, StateMustBeOneNonTrainableVariable) {
  ASSERT_OK(
      GraphFromBody(
          BodyWithState(
              R"(node { name: "m" op: "Variable" attr { key: "shape" value { shape { dim: 2 } } } attr { key: "trainable" value { b: false } } attr { key: "initializer" value { s: "zeros" } } })"),
          "m.pbtxt")
          .status());
  ExpectGraphError(
      BodyWithState(
          R"(node { name: "m" op: "Placeholder" attr { key: "shape" value { shape { dim: 2 } } } })"),
      "m.pbtxt:8: node 'bn' (BatchNorm): input 'mean' is state this op "
      "updates in training; it comes from 'm' (Placeholder), not a Variable");
  ExpectGraphError(
      BodyWithState(
          R"(node { name: "m" op: "Variable" attr { key: "shape" value { shape { dim: 2 } } } attr { key: "initializer" value { s: "zeros" } } })"),
      "m.pbtxt:8: node 'bn' (BatchNorm): input 'mean' is state this op "
      "updates in training; it comes from Variable 'm', which is trainable: "
      "give it trainable: false, so the optimizer leaves it alone");
  std::string shared = BodyWithState(
      R"(node { name: "m" op: "Variable" attr { key: "shape" value { shape { dim: 2 } } } attr { key: "trainable" value { b: false } } attr { key: "initializer" value { s: "zeros" } } })");
  shared += R"(  node { name: "peek" op: "Identity" input: "v" })";
  ExpectGraphError(shared,
                   "m.pbtxt:8: node 'bn' (BatchNorm): input 'var' is state "
                   "this op updates in training; it comes from Variable 'v', "
                   "which also feeds 'peek': state must feed this input "
                   "only");
}

}  // namespace
}  // namespace nabla
