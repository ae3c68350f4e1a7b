// The memory limit: variables, optimizer slots and plans that would exceed
// SessionOptions::memory_limit_bytes are refused before they are allocated,
// with the bytes they need, counted here by hand.
#include "core/memory_limit.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/graph.h"
#include "core/optimizer.h"
#include "core/session.h"
#include "core/tensor.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "proto/model.pb.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(HumanBytesTest, BinaryUnits) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1024), "1.00 KiB");
  EXPECT_EQ(HumanBytes(1536), "1.50 KiB");
  EXPECT_EQ(HumanBytes(100 * 1024), "100 KiB");
  EXPECT_EQ(HumanBytes(3 * 1024 * 1024 + 256 * 1024), "3.25 MiB");
  EXPECT_EQ(HumanBytes(size_t{1} << 30), "1.00 GiB");
}

TEST(CheckMemoryLimitTest, ZeroIsNoLimitAndTheLimitItselfFits) {
  EXPECT_OK(CheckMemoryLimit(size_t{1} << 60, 0, "x needs"));
  EXPECT_OK(CheckMemoryLimit(100, 100, "x needs"));
}

TEST(CheckMemoryLimitTest, MessageHasExactAndHumanBytes) {
  EXPECT_STATUS(CheckMemoryLimit(2048, 1024, "the thing needs", "; why"),
                absl::StatusCode::kResourceExhausted,
                "out of memory: the thing needs 2048 bytes (2.00 KiB), more "
                "than the memory limit of 1024 bytes (1.00 KiB); why");
  EXPECT_STATUS(CheckMemoryLimit(101, 100, "the thing needs"),
                absl::StatusCode::kResourceExhausted,
                "out of memory: the thing needs 101 bytes, more than the "
                "memory limit of 100 bytes");
}

// loss = sum(x·w + x·w), float32: x [N, 2], w [2, 3]. z = x·w feeds both
// inputs of the Add, so its gradient has one buffer per use.
constexpr char kModel[] = R"model(
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "w" op: "Variable" attr { key: "shape" value { shape { dim: 2 dim: 3 } } } }
  node { name: "z" op: "MatMul" input: "x" input: "w" }
  node { name: "s" op: "Add" input: "z" input: "z" }
  node { name: "loss" op: "ReduceSum" input: "s" }
)model";

// The bytes of the training plan for a batch of 4, by hand. Its buffers:
//   values     x, z, s, loss
//   gradients  w, z, s, loss
//   sums       z is used twice: one part per use
// ten buffers of at most 12 floats, each starting on a 64-byte boundary.
// While Add's gradient writes z's two parts, six are alive (x, which
// MatMul's gradient reads, loss, dL/dloss, dL/ds and both parts); the
// others share their memory: 6 * 64 = 384 bytes (640 unshared). The
// variable w is 6 floats = 24 bytes more.
constexpr size_t kPlanBytes = 384;
constexpr size_t kVariableBytes = 24;

std::unique_ptr<Session> MakeSession(size_t limit) {
  return SessionFromBody(kModel, "m.pbtxt", {.memory_limit_bytes = limit});
}

Tensor Batch(int64_t n) { return Tensor(DType::kFloat32, Shape{n, 2}); }

TEST(MemoryLimitTest, VariablesOverTheLimitAreRefused) {
  auto graph = GraphFromBody(kModel, "m.pbtxt");
  ASSERT_OK(graph.status());
  auto session =
      Session::Create(std::make_shared<const Graph>(*std::move(graph)),
                      {.memory_limit_bytes = kVariableBytes - 1});
  EXPECT_STATUS(session, absl::StatusCode::kResourceExhausted,
                "out of memory: the variables need 24 bytes, more than the "
                "memory limit of 23 bytes; the largest is m.pbtxt:4: node "
                "'w' (Variable), float32[2, 3], 24 bytes");
}

TEST(MemoryLimitTest, AHugeVariableIsRefusedBeforeItIsAllocated) {
  // 3.6e9 elements: below the per-tensor cap, 13.4 GiB of float32. Were it
  // allocated and zeroed first, the test would run out of memory instead.
  constexpr char kHuge[] = R"model(
    node { name: "v" op: "Variable" attr { key: "shape" value { shape { dim: 60000 dim: 60000 } } } }
  )model";
  auto graph = GraphFromBody(kHuge, "big.pbtxt");
  ASSERT_OK(graph.status());
  auto session =
      Session::Create(std::make_shared<const Graph>(*std::move(graph)),
                      {.memory_limit_bytes = size_t{1} << 30});
  EXPECT_STATUS(session, absl::StatusCode::kResourceExhausted,
                "the variables need 14400000000 bytes (13.4 GiB), more than "
                "the memory limit of 1073741824 bytes (1.00 GiB)");
}

TEST(MemoryLimitTest, SlotsOverTheLimitAreRefusedBySetTraining) {
  // Momentum keeps one slot per trainable variable: 24 bytes more.
  auto session = MakeSession(2 * kVariableBytes - 1);
  ASSERT_NE(session, nullptr);
  OptimizerConfig config;
  config.set_name("SGD");
  (*config.mutable_attr())["momentum"].set_f(0.9);
  EXPECT_STATUS(session->SetTraining("loss", MakeUpdateRule(config).value()),
                absl::StatusCode::kResourceExhausted,
                "out of memory: the variables and the optimizer's slots need "
                "48 bytes, more than the memory limit of 47 bytes: variables "
                "24 bytes, 1 slot(s) per trainable variable (momentum) 24 "
                "bytes");
  EXPECT_EQ(session->update_rule(), nullptr);
}

TEST(MemoryLimitTest, ATrainingPlanOverTheLimitIsRefused) {
  auto session = MakeSession(kPlanBytes + kVariableBytes - 1);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  const Tensor x = Batch(4);
  const Feed feeds[] = {{"x", &x}};
  EXPECT_STATUS(session->TrainStep(feeds), absl::StatusCode::kResourceExhausted,
                "out of memory: the training plan for x[4, 2] needs 408 "
                "bytes, more than the memory limit of 407 bytes: its buffers "
                "384 bytes, variables 24, optimizer slots 0, other plans 0");
  EXPECT_EQ(session->step(), 0);
}

TEST(MemoryLimitTest, APlanThatFitsExactlyRunsAndMatchesItsMemoryPlan) {
  auto session = MakeSession(kPlanBytes + kVariableBytes);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  const Tensor x = Batch(4);
  const Feed feeds[] = {{"x", &x}};
  ASSERT_OK(session->TrainStep(feeds).status());
  // The count the limit checks is the one --time reports.
  ASSERT_OK_AND_ASSIGN(MemoryPlan memory, session->TrainingMemory(feeds));
  EXPECT_EQ(memory.plan_bytes(), kPlanBytes);
  EXPECT_EQ(memory.peak_bytes(), kPlanBytes + kVariableBytes);
}

TEST(MemoryLimitTest, PlansTheSessionKeepsCountAgainstTheLimit) {
  auto session = MakeSession(kPlanBytes + kVariableBytes);
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  const Tensor x4 = Batch(4), x2 = Batch(2);
  const Feed feeds4[] = {{"x", &x4}}, feeds2[] = {{"x", &x2}};
  ASSERT_OK(session->TrainStep(feeds4).status());
  // A batch of 2: the same ten buffers, each still within 64 bytes, the
  // same six alive at once, while the plan for 4 is still held.
  EXPECT_STATUS(session->TrainStep(feeds2),
                absl::StatusCode::kResourceExhausted,
                "the training plan for x[2, 2] needs 792 bytes, more than the "
                "memory limit of 408 bytes: its buffers 384 bytes, variables "
                "24, optimizer slots 0, other plans 384");
}

TEST(MemoryLimitTest, AForwardPlanOverTheLimitIsRefused) {
  // Fetching z needs x and z only, both alive while MatMul runs: two
  // 64-byte buffers, and w.
  auto session = MakeSession(128 + kVariableBytes - 1);
  ASSERT_NE(session, nullptr);
  const Tensor x = Batch(4);
  const Feed feeds[] = {{"x", &x}};
  EXPECT_STATUS(session->Run(feeds, {"z"}),
                absl::StatusCode::kResourceExhausted,
                "the forward plan for x[4, 2] needs 152 bytes, more than the "
                "memory limit of 151 bytes: its buffers 128 bytes");
}

// Dense layers, a value used three times and class labels that carry no
// gradient: the limit's count is still the one TrainingMemory() reports.
constexpr char kLayered[] = R"model(
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 5 } } } }
  node { name: "label" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 } } } }
  node { name: "h" op: "Dense" input: "x" attr { key: "units" value { i: 7 } } attr { key: "activation" value { s: "Tanh" } } }
  node { name: "logits" op: "Dense" input: "h" attr { key: "units" value { i: 3 } } }
  node { name: "ce" op: "SparseSoftmaxCrossEntropy" input: "logits" input: "label" }
  node { name: "hh" op: "Mul" input: "h" input: "h" }
  node { name: "hhh" op: "Mul" input: "hh" input: "h" }
  node { name: "penalty" op: "ReduceMean" input: "hhh" }
  node { name: "loss" op: "Add" input: "ce" input: "penalty" }
)model";

TEST(MemoryLimitTest, TheLimitCountsWhatTrainingMemoryReports) {
  const Tensor x(DType::kFloat32, Shape{6, 5}),
      label(DType::kFloat32, Shape{6});
  const Feed feeds[] = {{"x", &x}, {"label", &label}};
  auto unlimited = SessionFromBody(kLayered, "l.pbtxt", {});
  ASSERT_NE(unlimited, nullptr);
  ASSERT_OK(unlimited->SetTraining("loss", Sgd()));
  ASSERT_OK_AND_ASSIGN(MemoryPlan memory, unlimited->TrainingMemory(feeds));
  const size_t peak = memory.peak_bytes();
  ASSERT_GT(memory.sum_bytes, 0u);

  auto fits =
      SessionFromBody(kLayered, "l.pbtxt", {.memory_limit_bytes = peak});
  ASSERT_NE(fits, nullptr);
  ASSERT_OK(fits->SetTraining("loss", Sgd()));
  EXPECT_OK(fits->TrainStep(feeds).status());

  auto over =
      SessionFromBody(kLayered, "l.pbtxt", {.memory_limit_bytes = peak - 1});
  ASSERT_NE(over, nullptr);
  ASSERT_OK(over->SetTraining("loss", Sgd()));
  EXPECT_STATUS(over->TrainStep(feeds), absl::StatusCode::kResourceExhausted,
                absl::StrCat("the training plan for x[6, 5], label[6] needs ",
                             peak, " bytes"));
}

TEST(MemoryLimitTest, NoLimitByDefault) {
  auto session = SessionFromBody(kModel, "m.pbtxt", {});
  ASSERT_NE(session, nullptr);
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  const Tensor x = Batch(4);
  const Feed feeds[] = {{"x", &x}};
  EXPECT_OK(session->TrainStep(feeds).status());
}

}  // namespace
}  // namespace nabla
