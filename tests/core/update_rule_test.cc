// UpdateRule: gradient clipping by value and by global norm against
// hand-computed numbers, and the errors for bad optimizer settings.
#include "core/update_rule.h"

#include <cmath>

#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

OptimizerConfig SgdConfig(double clip_value, double clip_norm) {
  OptimizerConfig config;
  config.set_name("SGD");
  config.set_clip_value(clip_value);
  config.set_clip_norm(clip_norm);
  return config;
}

TEST(ClipGradientsTest, GlobalNormScalesEveryGradientTogether) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule, MakeUpdateRule(SgdConfig(0, 1)));
  // The norm of (3, 4, 0) is 5: everything is scaled by 1/5.
  Tensor a = Tensor::FromValues(DType::kFloat64, {2}, {3, 4});
  Tensor b = Tensor::FromValues(DType::kFloat32, {1}, {0});
  Tensor* grads[] = {&a, &b};
  rule.ClipGradients(grads);
  ExpectTensorNear(a, {2}, {0.6, 0.8});
  ExpectTensorNear(b, {1}, {0});
}

TEST(ClipGradientsTest, NormBelowTheLimitIsLeftAlone) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule, MakeUpdateRule(SgdConfig(0, 10)));
  Tensor a = Tensor::FromValues(DType::kFloat64, {2}, {3, 4});
  Tensor* grads[] = {&a};
  rule.ClipGradients(grads);
  ExpectBitIdentical(a, Tensor::FromValues(DType::kFloat64, {2}, {3, 4}));
}

TEST(ClipGradientsTest, ValueClampsFirstThenTheNormScales) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule, MakeUpdateRule(SgdConfig(2, 1)));
  // Clamped to (2, -2, 0.5); norm sqrt(8.25); scaled to norm 1.
  Tensor a = Tensor::FromValues(DType::kFloat64, {3}, {3, -4, 0.5});
  Tensor* grads[] = {&a};
  rule.ClipGradients(grads);
  const double norm = std::sqrt(8.25);
  ExpectTensorNear(a, {3}, {2 / norm, -2 / norm, 0.5 / norm});
}

TEST(ClipGradientsTest, Float32ClampNeverExceedsTheSetting) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule, MakeUpdateRule(SgdConfig(0.3, 0)));
  Tensor a = Tensor::FromValues(DType::kFloat32, {2}, {1, -1});
  Tensor* grads[] = {&a};
  rule.ClipGradients(grads);
  EXPECT_LE(a.ValueAt(0), 0.3);
  EXPECT_GE(a.ValueAt(1), -0.3);
  EXPECT_NEAR(a.ValueAt(0), 0.3, 1e-7);
}

TEST(UpdateRuleTest, WithoutScheduleTheRateIsConstant) {
  OptimizerConfig config = SgdConfig(0, 0);
  (*config.mutable_attr())["learning_rate"].set_f(0.125);
  ASSERT_OK_AND_ASSIGN(UpdateRule rule, MakeUpdateRule(config));
  EXPECT_EQ(rule.LearningRate(0), 0.125);
  EXPECT_EQ(rule.LearningRate(1000000), 0.125);
  EXPECT_EQ(rule.optimizer_name(), "SGD");
}

TEST(UpdateRuleTest, BadSettingsAreNamed) {
  EXPECT_STATUS(MakeUpdateRule(SgdConfig(-1, 0)),
                absl::StatusCode::kInvalidArgument,
                "training.optimizer.clip_value must be >= 0, got -1");
  EXPECT_STATUS(MakeUpdateRule(SgdConfig(0, NAN)),
                absl::StatusCode::kInvalidArgument,
                "training.optimizer.clip_norm must be >= 0, got nan");
  OptimizerConfig rate = SgdConfig(0, 0);
  (*rate.mutable_attr())["learning_rate"].set_f(0);
  EXPECT_STATUS(MakeUpdateRule(rate), absl::StatusCode::kInvalidArgument,
                "optimizer 'SGD': learning_rate must be a positive number, "
                "got 0");
  OptimizerConfig schedule = SgdConfig(0, 0);
  schedule.mutable_schedule()->set_name("cosine_restart");
  EXPECT_STATUS(
      MakeUpdateRule(schedule), absl::StatusCode::kNotFound,
      "unknown schedule 'cosine_restart'; did you mean cosine_restarts");
  EXPECT_STATUS(MakeUpdateRule(OptimizerConfig()),
                absl::StatusCode::kInvalidArgument,
                "training.optimizer.name is not set; registered optimizers: "
                "AdaDelta, AdaGrad, Adam");
}

}  // namespace
}  // namespace nabla
