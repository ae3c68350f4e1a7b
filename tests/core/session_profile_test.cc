// Session profiling and memory accounting (core/profile.h): what is timed,
// what is not, bytes against hand-computed values, and no allocation in a
// profiled steady state.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "core/profile.h"
#include "core/session.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "proto/model.pb.h"
#include "tests/allocation_counter.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// xn = x / c is not on the gradient path (no Variable behind it); y fans
// out to both inputs of sq, so its gradient is a sum of two buffers;
// `unused` is not needed by the loss. $0 is the input width, $1 the output
// width.
constexpr char kModel[] = R"pb(
  node {
    name: "x"
    op: "Placeholder"
    attr {
      key: "shape"
      value { shape { dim: -1 dim: $0 } }
    }
  }
  node {
    name: "t"
    op: "Placeholder"
    attr {
      key: "shape"
      value { shape { dim: -1 dim: $1 } }
    }
  }
  node {
    name: "c"
    op: "Const"
    attr {
      key: "value"
      value {
        tensor {
          shape { dim: $0 }
          value: 2
        }
      }
    }
  }
  node { name: "xn" op: "Div" input: "x" input: "c" }
  node {
    name: "w"
    op: "Variable"
    attr {
      key: "shape"
      value { shape { dim: $0 dim: $1 } }
    }
  }
  node { name: "y" op: "MatMul" input: "xn" input: "w" }
  node { name: "sq" op: "Mul" input: "y" input: "y" }
  node { name: "loss" op: "MeanSquaredError" input: "sq" input: "t" }
  node { name: "unused" op: "Neg" input: "y" }
)pb";

enum NodeIndex { kX, kT, kC, kXn, kW, kY, kSq, kLoss, kUnused, kNumNodes };

UpdateRule SgdWithMomentum() {
  OptimizerConfig config;
  config.set_name("SGD");
  (*config.mutable_attr())["learning_rate"].set_f(0.01);
  (*config.mutable_attr())["momentum"].set_f(0.9);
  return MakeUpdateRule(config).value();
}

Tensor Filled(const Shape& shape) {
  std::vector<double> values(shape.num_elements());
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.01 * (i % 7);
  return Tensor::FromValues(DType::kFloat32, shape, values);
}

// A session on kModel with `in` inputs and `out` outputs, trained with
// SGD with momentum (one slot per variable), and feeds of `batch` rows.
struct Fixture {
  Fixture(int threads, int batch, int in, int out)
      : x(Filled({batch, in})), t(Filled({batch, out})) {
    session = SessionFromBody(absl::Substitute(kModel, in, out), "model",
                              {.threads = threads, .seed = 1});
    if (session == nullptr) return;
    EXPECT_OK(session->SetTraining("loss", SgdWithMomentum()));
    feeds = {{"x", &x}, {"t", &t}};
  }

  std::unique_ptr<Session> session;
  Tensor x, t;
  std::vector<Feed> feeds;
};

void TrainSteps(Fixture& f, int steps) {
  for (int s = 0; s < steps; ++s) ASSERT_OK(f.session->TrainStep(f.feeds));
}

class ProfileTest : public ::testing::TestWithParam<int> {};

TEST_P(ProfileTest, TimesEveryStepThatRanAndNothingElse) {
  // 2 threads at this size run the phases as parallel tasks.
  Fixture f(GetParam(), 64, 128, 128);
  ASSERT_NE(f.session, nullptr);
  f.session->set_profiling(true);
  TrainSteps(f, 5);
  const Profile profile = f.session->profile();
  EXPECT_EQ(profile.steps, 5);
  EXPECT_EQ(profile.threads, GetParam());
  EXPECT_GT(profile.forward_wall_ns, 0);
  EXPECT_GT(profile.backward_wall_ns, 0);
  EXPECT_GT(profile.update_wall_ns, 0);
  ASSERT_EQ(profile.nodes.size(), kNumNodes);
  const std::vector<std::string> names = {"x", "t",  "c",    "xn",    "w",
                                          "y", "sq", "loss", "unused"};
  for (int i = 0; i < kNumNodes; ++i) {
    const NodeProfile& node = profile.nodes[i];
    SCOPED_TRACE(node.name);
    EXPECT_EQ(node.name, names[i]);
    const bool computed = i == kXn || i == kY || i == kSq || i == kLoss;
    const bool has_gradient = i == kY || i == kSq || i == kLoss;
    EXPECT_EQ(node.forward_ns > 0, computed);
    EXPECT_EQ(node.backward_ns > 0, has_gradient);
    EXPECT_EQ(node.sum_ns > 0, i == kY);
    EXPECT_EQ(node.update_ns > 0, i == kW);
    EXPECT_EQ(node.calls, computed || i == kW ? 5 : 0);
  }
  EXPECT_EQ(profile.nodes[kY].op, "MatMul");
}

TEST_P(ProfileTest, OffByDefaultAndWhenTurnedOff) {
  Fixture f(GetParam(), 4, 3, 2);
  ASSERT_NE(f.session, nullptr);
  EXPECT_FALSE(f.session->profiling());
  TrainSteps(f, 2);
  f.session->set_profiling(true);
  TrainSteps(f, 3);
  f.session->set_profiling(false);
  TrainSteps(f, 2);
  const Profile profile = f.session->profile();
  EXPECT_EQ(profile.steps, 3);
  EXPECT_EQ(profile.nodes[kY].calls, 3);
  EXPECT_EQ(profile.nodes[kW].calls, 3);
}

TEST_P(ProfileTest, ResetAndSetTrainingClearTheTotals) {
  Fixture f(GetParam(), 4, 3, 2);
  ASSERT_NE(f.session, nullptr);
  f.session->set_profiling(true);
  TrainSteps(f, 2);
  for (int reset = 0; reset < 2; ++reset) {
    if (reset == 0) {
      f.session->ResetProfile();
    } else {
      TrainSteps(f, 2);
      ASSERT_OK(f.session->SetTraining("loss", SgdWithMomentum()));
    }
    const Profile profile = f.session->profile();
    EXPECT_EQ(profile.steps, 0);
    EXPECT_EQ(profile.forward_wall_ns + profile.backward_wall_ns +
                  profile.update_wall_ns,
              0);
    for (const NodeProfile& node : profile.nodes) {
      EXPECT_EQ(node.total_ns(), 0) << node.name;
      EXPECT_EQ(node.calls, 0) << node.name;
    }
  }
  // Profiling stays on after a reset.
  TrainSteps(f, 1);
  EXPECT_EQ(f.session->profile().nodes[kY].calls, 1);
}

TEST_P(ProfileTest, RunIsNotProfiled) {
  Fixture f(GetParam(), 4, 3, 2);
  ASSERT_NE(f.session, nullptr);
  f.session->set_profiling(true);
  const std::string fetches[] = {"unused"};
  ASSERT_OK(f.session->Run(f.feeds, fetches));
  const Profile profile = f.session->profile();
  EXPECT_EQ(profile.steps, 0);
  for (const NodeProfile& node : profile.nodes) {
    EXPECT_EQ(node.total_ns(), 0) << node.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, ProfileTest, ::testing::Values(1, 2),
                         [](const auto& info) {
                           return absl::StrCat("threads", info.param);
                         });

TEST(MemoryPlanTest, BytesOfASmallGraphByHand) {
  // x [4, 3] and t [4, 2] float32; w [3, 2].
  Fixture f(1, 4, 3, 2);
  ASSERT_NE(f.session, nullptr);
  ASSERT_OK_AND_ASSIGN(const MemoryPlan memory,
                       f.session->TrainingMemory(f.feeds));
  ASSERT_EQ(memory.nodes.size(), kNumNodes);
  struct Expected {
    Shape shape;
    size_t value, gradient, sum, variable, slots;
  };
  const Expected expected[kNumNodes] = {
      {{4, 3}, 48, 0, 0, 0, 0},    // x: the fed copy
      {{4, 2}, 32, 0, 0, 0, 0},    // t
      {{3}, 12, 0, 0, 0, 0},       // c
      {{4, 3}, 48, 0, 0, 0, 0},    // xn: off the gradient path
      {{3, 2}, 0, 24, 0, 24, 24},  // w: value and momentum in the session
      {{4, 2}, 32, 32, 64, 0, 0},  // y: two consumer buffers to sum
      {{4, 2}, 32, 32, 0, 0, 0},   // sq
      {{}, 4, 4, 0, 0, 0},         // loss: a scalar
      {{}, 0, 0, 0, 0, 0},         // unused: not in the training plan
  };
  for (int i = 0; i < kNumNodes; ++i) {
    const NodeMemory& node = memory.nodes[i];
    SCOPED_TRACE(node.name);
    if (i == kUnused) {
      EXPECT_TRUE(node.output_shapes.empty());
    } else {
      ASSERT_EQ(node.output_shapes.size(), 1);
      EXPECT_EQ(node.output_shapes[0], expected[i].shape);
    }
    EXPECT_EQ(node.value_bytes, expected[i].value);
    EXPECT_EQ(node.gradient_bytes, expected[i].gradient);
    EXPECT_EQ(node.sum_bytes, expected[i].sum);
    EXPECT_EQ(node.variable_bytes, expected[i].variable);
    EXPECT_EQ(node.slot_bytes, expected[i].slots);
  }
  EXPECT_EQ(memory.value_bytes, 48 + 32 + 12 + 48 + 32 + 32 + 4);
  EXPECT_EQ(memory.gradient_bytes, 24 + 32 + 32 + 4);
  EXPECT_EQ(memory.sum_bytes, 64);
  // 13 buffers (the values above but w's, the four gradients and y's two
  // parts), each starting on a 64-byte boundary: 13 * 64 bytes unshared.
  // Shared, the arena holds the most alive at once: 8, while Mul's
  // gradient runs (c, dL/dloss, xn, y, loss, dL/dsq and y's two parts).
  EXPECT_EQ(memory.unshared_arena_bytes, 13 * 64);
  EXPECT_EQ(memory.plan_bytes(), 8 * 64);
  EXPECT_EQ(memory.variable_bytes, 24);
  EXPECT_EQ(memory.slot_bytes, 24);
  EXPECT_EQ(memory.peak_bytes(), 8 * 64 + 24 + 24);
  EXPECT_EQ(memory.nodes[kY].op, "MatMul");
}

TEST(MemoryPlanTest, FollowsTheFeedShapes) {
  Fixture f(1, 4, 3, 2);
  ASSERT_NE(f.session, nullptr);
  const Tensor x = Filled({8, 3}), t = Filled({8, 2});
  const Feed feeds[] = {{"x", &x}, {"t", &t}};
  ASSERT_OK_AND_ASSIGN(const MemoryPlan memory,
                       f.session->TrainingMemory(feeds));
  EXPECT_EQ(memory.nodes[kY].value_bytes, 8 * 2 * 4);
  EXPECT_EQ(memory.nodes[kY].sum_bytes, 2 * 8 * 2 * 4);
}

TEST(MemoryPlanTest, NeedsTrainingAndGoodFeeds) {
  std::unique_ptr<Session> session =
      SessionFromBody(absl::Substitute(kModel, 3, 2), "model", {.threads = 1});
  ASSERT_NE(session, nullptr);
  const Tensor x = Filled({4, 3});
  const Feed feeds[] = {{"x", &x}};
  EXPECT_STATUS(session->TrainingMemory(feeds),
                absl::StatusCode::kFailedPrecondition, "SetTraining");
  ASSERT_OK(session->SetTraining("loss", Sgd()));
  EXPECT_STATUS(session->TrainingMemory(feeds),
                absl::StatusCode::kInvalidArgument, "'t'");
}

class ProfiledSteadyStateTest
    : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(ProfiledSteadyStateTest, TrainingStepsAllocateNothing) {
  const auto [threads, profiling] = GetParam();
  Fixture f(threads, 64, 128, 128);
  ASSERT_NE(f.session, nullptr);
  f.session->set_profiling(profiling);
  // The first steps build the plan and warm up TBB's task pools.
  TrainSteps(f, 3);
  const long before = AllocationCount();
  bool all_ok = true;
  for (int s = 0; s < 100; ++s) {
    all_ok = all_ok && f.session->TrainStep(f.feeds).ok();
  }
  const long allocations = AllocationCount() - before;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(allocations, 0) << "heap allocations in 100 steady-state steps";
  EXPECT_EQ(f.session->profile().steps, profiling ? 103 : 0);
}

INSTANTIATE_TEST_SUITE_P(
    ThreadsAndProfiling, ProfiledSteadyStateTest,
    ::testing::Combine(::testing::Values(1, 2), ::testing::Bool()),
    [](const auto& info) {
      return absl::StrCat("threads", std::get<0>(info.param),
                          std::get<1>(info.param) ? "_profiled" : "_plain");
    });

}  // namespace
}  // namespace nabla
