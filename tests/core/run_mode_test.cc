// Training and inference modes, seen through a model with Dropout: Run()
// (predict, evaluate) is inference, where Dropout is the identity; a
// training step drops; and the training steps' masks are the same for any
// thread count and for a run stopped and resumed from a checkpoint.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
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

// x [-1, 4] -> Dense 16 (ReLU) -> Dropout 0.5 -> Dense 1, mean squared error.
constexpr char kBody[] = R"(
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 4 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "h" op: "Dense" input: "x" attr { key: "units" value { i: 16 } } attr { key: "activation" value { s: "ReLU" } } }
  node { name: "drop" op: "Dropout" input: "h" attr { key: "rate" value { f: 0.5 } } }
  node { name: "p" op: "Dense" input: "drop" attr { key: "units" value { i: 1 } } }
  node { name: "loss" op: "MeanSquaredError" input: "p" input: "y" }
)";

std::string WithoutDropout() {
  return absl::StrReplaceAll(
      kBody,
      {{R"(op: "Dropout" input: "h" attr { key: "rate" value { f: 0.5 } })",
        R"(op: "Identity" input: "h")"}});
}

struct Batch {
  Tensor x = RandomTensor(DType::kFloat32, {8, 4}, 1);
  Tensor y = RandomTensor(DType::kFloat32, {8, 1}, 2);
};

// A session whose training steps keep Dropout's output (when there is one)
// for last_value().
std::unique_ptr<Session> MakeSession(const std::string& body, int threads = 1) {
  std::unique_ptr<Session> session =
      SessionFromBody(body, "m.pbtxt", {.threads = threads, .seed = 5});
  if (session == nullptr) return nullptr;
  std::vector<Endpoint> keep;
  absl::StatusOr<int> drop = session->graph().FindNode("drop");
  if (drop.ok()) keep.push_back({*drop, 0});
  EXPECT_OK(session->SetTraining("loss", Sgd(0.1), keep));
  return session;
}

// Trains `steps` steps; returns, for each, which elements of Dropout's
// output were zero.
std::vector<std::vector<bool>> Train(Session& session, int steps) {
  const Batch batch;
  const Feed feeds[] = {{"x", &batch.x}, {"y", &batch.y}};
  const int drop = session.graph().FindNode("drop").value();
  std::vector<std::vector<bool>> masks;
  for (int i = 0; i < steps; ++i) {
    EXPECT_OK(session.TrainStep(feeds).status());
    const Tensor* out = session.last_value(drop, 0);
    if (out == nullptr) {
      ADD_FAILURE() << "Dropout's output was not kept";
      return masks;
    }
    std::vector<bool> zero(out->num_elements());
    for (int64_t e = 0; e < out->num_elements(); ++e) {
      zero[e] = out->ValueAt(e) == 0;
    }
    masks.push_back(zero);
  }
  return masks;
}

Tensor Predict(Session& session) {
  const Batch batch;
  const Feed feeds[] = {{"x", &batch.x}};
  absl::StatusOr<std::vector<Tensor>> out = session.Run(feeds, {"p"});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? (*out)[0] : Tensor();
}

TEST(RunModeTest, InferenceIsTheModelWithoutDropout) {
  auto with = MakeSession(kBody);
  auto without = MakeSession(WithoutDropout());
  ASSERT_NE(with, nullptr);
  ASSERT_NE(without, nullptr);
  ExpectBitIdentical(Predict(*with), Predict(*without));
}

// The first training step's loss is computed with half of h dropped, so it
// is not the loss of the same variables in inference.
TEST(RunModeTest, TrainingStepsDrop) {
  auto with = MakeSession(kBody);
  auto without = MakeSession(WithoutDropout());
  ASSERT_NE(with, nullptr);
  ASSERT_NE(without, nullptr);
  const Batch batch;
  const Feed feeds[] = {{"x", &batch.x}, {"y", &batch.y}};
  ASSERT_OK_AND_ASSIGN(const double dropped, with->TrainStep(feeds));
  ASSERT_OK_AND_ASSIGN(const double kept, without->TrainStep(feeds));
  EXPECT_NE(dropped, kept);
}

TEST(RunModeTest, SameBitsForAnyThreadCount) {
  auto one = MakeSession(kBody, 1);
  auto two = MakeSession(kBody, 2);
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(Train(*one, 4), Train(*two, 4));
  EXPECT_EQ(VariableBytesOf(*one), VariableBytesOf(*two));
}

// Each step draws another mask.
TEST(RunModeTest, EachStepDrawsAnotherMask) {
  auto session = MakeSession(kBody);
  ASSERT_NE(session, nullptr);
  const std::vector<std::vector<bool>> masks = Train(*session, 3);
  ASSERT_EQ(masks.size(), 3u);
  EXPECT_NE(masks[0], masks[1]);
  EXPECT_NE(masks[1], masks[2]);
}

// Four steps straight, and two, a checkpoint, a new session and two more:
// the resumed steps draw the masks of steps 2 and 3 (not those of 0 and 1
// again), and end with the same variables.
TEST(RunModeTest, ResumedRunDrawsTheMasksOfTheStraightRun) {
  auto straight = MakeSession(kBody);
  ASSERT_NE(straight, nullptr);
  const std::vector<std::vector<bool>> masks = Train(*straight, 4);
  ASSERT_EQ(masks.size(), 4u);

  const char* root = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(root != nullptr ? root : "/tmp", "/run_mode.ckpt");
  auto first = MakeSession(kBody);
  ASSERT_NE(first, nullptr);
  Train(*first, 2);
  ASSERT_OK(SaveCheckpoint(*first, path));
  auto resumed = MakeSession(kBody);
  ASSERT_NE(resumed, nullptr);
  ASSERT_OK_AND_ASSIGN(const Checkpoint checkpoint, ReadCheckpoint(path));
  ASSERT_OK(RestoreCheckpoint(checkpoint, path, *resumed));
  const std::vector<std::vector<bool>> later = Train(*resumed, 2);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0], masks[2]);
  EXPECT_EQ(later[1], masks[3]);
  EXPECT_EQ(VariableBytesOf(*resumed), VariableBytesOf(*straight));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace nabla
