// End to end through a session: Adam with gradient clipping by value and by
// norm trains a small linear regression, and a checkpoint taken mid-run
// resumes bit-identically (variables, Adam's slots and the step).
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/checkpoint.h"
#include "core/session.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/plugins/optimizers/optimizer_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// prediction = x w + b, loss = mean squared error against y.
constexpr char kLinearModel[] = R"pb(
  graph {
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 4 } }
      }
    }
    node {
      name: "y"
      op: "Placeholder"
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 1 } }
      }
    }
    node {
      name: "w"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 4 dim: 1 } }
      }
    }
    node {
      name: "b"
      op: "Variable"
      attr {
        key: "shape"
        value { shape { dim: 1 } }
      }
    }
    node { name: "xw" op: "MatMul" input: "x" input: "w" }
    node { name: "prediction" op: "BiasAdd" input: "xw" input: "b" }
    node { name: "loss" op: "MeanSquaredError" input: "prediction" input: "y" }
  }
)pb";

constexpr int kSamples = 16;

// y = x . (1, -2, 0.5, 3) + 0.25, with x from a fixed pattern.
struct Data {
  Tensor x, y;
  Data() {
    std::vector<double> xs, ys;
    const double true_w[] = {1, -2, 0.5, 3};
    for (int i = 0; i < kSamples; ++i) {
      double dot = 0.25;
      for (int j = 0; j < 4; ++j) {
        xs.push_back(std::sin(1.7 * i + 0.9 * j + 0.3));
        dot += xs.back() * true_w[j];
      }
      ys.push_back(dot);
    }
    x = Tensor::FromValues(DType::kFloat32, {kSamples, 4}, xs);
    y = Tensor::FromValues(DType::kFloat32, {kSamples, 1}, ys);
  }
};

OptimizerConfig AdamConfig(double clip_value, double clip_norm) {
  OptimizerConfig config = Config("Adam", {{"learning_rate", MakeAttr(0.05)}});
  config.set_clip_value(clip_value);
  config.set_clip_norm(clip_norm);
  return config;
}

std::unique_ptr<Session> TrainingSession(const OptimizerConfig& config,
                                         uint64_t seed) {
  std::unique_ptr<Session> session =
      SessionFromModelText(kLinearModel, {.seed = seed});
  if (session == nullptr) return nullptr;
  auto rule = MakeUpdateRule(config);
  EXPECT_TRUE(rule.ok()) << rule.status();
  if (!rule.ok()) return nullptr;
  const absl::Status status = session->SetTraining("loss", *std::move(rule));
  EXPECT_TRUE(status.ok()) << status;
  return status.ok() ? std::move(session) : nullptr;
}

// The gradients of w then b from the last step, flattened.
std::vector<double> LastGradients(const Session& session) {
  std::vector<double> all;
  for (const char* name : {"w", "b"}) {
    const Tensor* grad =
        session.last_gradient(session.graph().FindNode(name).value());
    EXPECT_NE(grad, nullptr) << name;
    if (grad == nullptr) continue;
    for (double g : grad->ToDoubles()) all.push_back(g);
  }
  return all;
}

double Norm(const std::vector<double>& values) {
  double squares = 0;
  for (double v : values) squares += v * v;
  return std::sqrt(squares);
}

TEST(AdamTrainingTest, ClipsGradientsAndReducesTheLoss) {
  constexpr double kClipValue = 0.3, kClipNorm = 0.5;
  const Data data;
  const Feed feeds[] = {{"x", &data.x}, {"y", &data.y}};
  // The same first step unclipped: both clippings have work to do.
  std::unique_ptr<Session> unclipped = TrainingSession(AdamConfig(0, 0), 7);
  std::unique_ptr<Session> clipped =
      TrainingSession(AdamConfig(kClipValue, kClipNorm), 7);
  ASSERT_NE(unclipped, nullptr);
  ASSERT_NE(clipped, nullptr);
  ASSERT_OK_AND_ASSIGN(const double first_loss, unclipped->TrainStep(feeds));
  ASSERT_OK_AND_ASSIGN(const double same_loss, clipped->TrainStep(feeds));
  EXPECT_EQ(first_loss, same_loss);
  const std::vector<double> raw = LastGradients(*unclipped);
  double largest = 0;
  for (double g : raw) largest = std::max(largest, std::abs(g));
  ASSERT_GT(largest, kClipValue);
  // Clamp each element, then scale all to the norm when larger.
  std::vector<double> expected = raw;
  for (double& g : expected) g = std::clamp(g, -kClipValue, kClipValue);
  const double clamped_norm = Norm(expected);
  ASSERT_GT(clamped_norm, kClipNorm);
  for (double& g : expected) g *= kClipNorm / clamped_norm;
  const std::vector<double> got = LastGradients(*clipped);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected[i], 1e-6) << i;
  }

  double loss = first_loss;
  for (int step = 2; step <= 300; ++step) {
    ASSERT_OK_AND_ASSIGN(loss, clipped->TrainStep(feeds));
    const std::vector<double> grads = LastGradients(*clipped);
    EXPECT_LE(Norm(grads), kClipNorm * (1 + 1e-6)) << "step " << step;
    // float32: the limit itself rounds to the nearest float.
    for (double g : grads) {
      EXPECT_LE(std::abs(g), kClipValue * (1 + 1e-6)) << "step " << step;
    }
  }
  EXPECT_LT(loss, first_loss / 100) << "first loss " << first_loss;
}

// A fresh, empty directory for one test.
std::string TestDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(root != nullptr ? root : "/tmp", "/", name, "_", ::getpid());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

// Adam after a warm-up into warm restarts, clipped: the step feeds Adam's
// bias correction and the schedule, so both must come back exactly.
OptimizerConfig ResumableConfig() {
  OptimizerConfig config = AdamConfig(0, 1.0);
  ScheduleConfig* schedule = config.mutable_schedule();
  schedule->set_name("cosine_restarts");
  (*schedule->mutable_attr())["first_period"] = MakeAttr(3);
  (*schedule->mutable_attr())["period_multiplier"] = MakeAttr(2);
  schedule->set_warmup_steps(2);
  return config;
}

std::vector<std::vector<double>> Variables(const Session& session) {
  std::vector<std::vector<double>> values;
  for (int v : session.variable_nodes()) {
    values.push_back(session.variable(v).ToDoubles());
  }
  return values;
}

std::vector<std::vector<double>> Slots(const Session& session) {
  std::vector<std::vector<double>> values;
  for (int v : session.variable_nodes()) {
    for (const Tensor& slot : session.slots(v)) {
      values.push_back(slot.ToDoubles());
    }
  }
  return values;
}

TEST(AdamTrainingTest, CheckpointResumesBitIdentically) {
  const Data data;
  const Feed feeds[] = {{"x", &data.x}, {"y", &data.y}};
  const std::string path = TestDir("adam_checkpoint") + "/model.checkpoint";
  std::unique_ptr<Session> uninterrupted =
      TrainingSession(ResumableConfig(), 3);
  ASSERT_NE(uninterrupted, nullptr);
  for (int s = 0; s < 5; ++s) ASSERT_OK(uninterrupted->TrainStep(feeds));
  ASSERT_OK(SaveCheckpoint(*uninterrupted, path));
  const auto saved_slots = Slots(*uninterrupted);
  for (int s = 0; s < 6; ++s) ASSERT_OK(uninterrupted->TrainStep(feeds));

  // Another seed, so only the checkpoint can make the runs agree.
  std::unique_ptr<Session> resumed = TrainingSession(ResumableConfig(), 4);
  ASSERT_NE(resumed, nullptr);
  ASSERT_OK_AND_ASSIGN(const Checkpoint checkpoint, ReadCheckpoint(path));
  ASSERT_OK(RestoreCheckpoint(checkpoint, path, *resumed));
  EXPECT_EQ(resumed->step(), 5);
  EXPECT_EQ(Slots(*resumed), saved_slots);
  EXPECT_EQ(resumed->slots(resumed->variable_nodes()[0]).size(), 2u);
  for (int s = 0; s < 6; ++s) ASSERT_OK(resumed->TrainStep(feeds));
  EXPECT_EQ(Variables(*resumed), Variables(*uninterrupted));
  EXPECT_EQ(Slots(*resumed), Slots(*uninterrupted));
  EXPECT_EQ(resumed->step(), 11);

  // The step matters: restarting the count from 0 ends elsewhere.
  std::unique_ptr<Session> restarted = TrainingSession(ResumableConfig(), 4);
  ASSERT_NE(restarted, nullptr);
  ASSERT_OK(RestoreCheckpoint(checkpoint, path, *restarted));
  restarted->set_step(0);
  for (int s = 0; s < 6; ++s) ASSERT_OK(restarted->TrainStep(feeds));
  EXPECT_NE(Variables(*restarted), Variables(*uninterrupted));
}

}  // namespace
}  // namespace nabla
