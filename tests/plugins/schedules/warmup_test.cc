// Linear warm-up (ScheduleConfig.warmup_steps, core/update_rule.cc) composed
// with the schedules, and as the session applies it: update t (0-based) of
// a warm-up of W updates uses (t + 1) / W of the schedule's first rate; the
// schedule then starts from its own t = 0.
#include <memory>

#include "absl/status/status.h"
#include "core/session.h"
#include "core/update_rule.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/plugins/schedules/schedule_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(WarmupTest, AloneRisesLinearlyToTheBase) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule, ScheduledRule("", {}, 4));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1 * 1 / 4);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.1 * 2 / 4);
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1 * 3 / 4);
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(100), 0.1);
}

// Warm-up of 3, then step_size 2, gamma 0.5 counted from t = 3.
TEST(WarmupTest, ThenStep) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("step",
                    {{"step_size", MakeAttr(2)}, {"gamma", MakeAttr(0.5)}}, 3));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1 / 3);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.1 * 2 / 3);
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.1);         // step's t = 0
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.1);         // step's t = 1
  EXPECT_DOUBLE_EQ(rule.LearningRate(5), 0.1 * 0.5);   // step's t = 2
  EXPECT_DOUBLE_EQ(rule.LearningRate(7), 0.1 * 0.25);  // step's t = 4
}

// Warm-up of 2, then restarts every 4 updates counted from t = 2.
TEST(WarmupTest, ThenCosineRestarts) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("cosine_restarts", {{"first_period", MakeAttr(4)}}, 2));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.05);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.05);  // cosine's t = 2 of 4
  EXPECT_DOUBLE_EQ(rule.LearningRate(6), 0.1);   // restart
}

// The first rate the warm-up scales is the schedule's, not the base.
TEST(WarmupTest, ThenPolynomialScalesTheScheduledFirstRate) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule,
                       ScheduledRule("polynomial",
                                     {{"decay_steps", MakeAttr(4)},
                                      {"end_learning_rate", MakeAttr(0.02)}},
                                     2));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.05);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.08 * 0.5 + 0.02);
  EXPECT_DOUBLE_EQ(rule.LearningRate(6), 0.02);
}

TEST(WarmupTest, RefusesNegativeSteps) {
  EXPECT_STATUS(
      ScheduledRule("", {}, -1), absl::StatusCode::kInvalidArgument,
      "training.optimizer.schedule.warmup_steps must be >= 0, got -1");
}

// loss = mean((w - 0)^2) for one float64 w, so dL/dw = 2 w and SGD gives
// w <- w * (1 - 2 * rate(t)): the session asks for update t's rate with
// t counted from 0.
TEST(WarmupTest, SessionUsesTheRateOfEachUpdate) {
  std::unique_ptr<Session> session = SessionFromModelText(
      R"pb(
        graph {
          node {
            name: "w"
            op: "Variable"
            attr {
              key: "dtype"
              value { s: "float64" }
            }
            attr {
              key: "shape"
              value { shape { dim: 1 } }
            }
            attr {
              key: "initializer"
              value { s: "values" }
            }
            attr {
              key: "values"
              value {
                tensor {
                  shape { dim: 1 }
                  value: 1
                }
              }
            }
          }
          node {
            name: "zero"
            op: "Const"
            attr {
              key: "value"
              value {
                tensor {
                  dtype: DT_FLOAT64
                  shape { dim: 1 }
                  value: 0
                }
              }
            }
          }
          node { name: "loss" op: "MeanSquaredError" input: "w" input: "zero" }
        })pb",
      {});
  ASSERT_NE(session, nullptr);
  // Warm-up 2, then 0.1 * 0.5^floor(t / 1).
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("step",
                    {{"step_size", MakeAttr(1)}, {"gamma", MakeAttr(0.5)}}, 2));
  ASSERT_OK(session->SetTraining("loss", std::move(rule)));
  double expected = 1;
  for (double rate : {0.05, 0.1, 0.1, 0.05, 0.025}) {
    ASSERT_OK(session->TrainStep({}));
    expected *= 1 - 2 * rate;
    EXPECT_DOUBLE_EQ(session->variable(0).ValueAt(0), expected);
  }
}

}  // namespace
}  // namespace nabla
