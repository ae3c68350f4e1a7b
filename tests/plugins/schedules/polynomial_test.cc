#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/plugins/schedules/schedule_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// (0.1 - 0.01) * (1 - min(t, 10) / 10)^power + 0.01.
TEST(PolynomialScheduleTest, LinearThenConstant) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("polynomial", {{"decay_steps", MakeAttr(10)},
                                   {"end_learning_rate", MakeAttr(0.01)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(5), 0.09 * 0.5 + 0.01);
  EXPECT_DOUBLE_EQ(rule.LearningRate(9), 0.09 * 0.1 + 0.01);
  EXPECT_DOUBLE_EQ(rule.LearningRate(10), 0.01);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1000), 0.01);
}

TEST(PolynomialScheduleTest, Power) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("polynomial", {{"decay_steps", MakeAttr(10)},
                                   {"end_learning_rate", MakeAttr(0.01)},
                                   {"power", MakeAttr(2.0)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(5), 0.09 * 0.25 + 0.01);
}

TEST(PolynomialScheduleTest, DefaultEndRate) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("polynomial", {{"decay_steps", MakeAttr(4)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), (0.1 - 0.0001) * 0.5 + 0.0001);
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.0001);
}

TEST(PolynomialScheduleTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(ScheduledRule("polynomial", {}), code,
                "schedule 'polynomial': missing required attribute "
                "'decay_steps'");
  EXPECT_STATUS(ScheduledRule("polynomial", {{"decay_steps", MakeAttr(0)}}),
                code, "schedule 'polynomial': decay_steps must be >= 1, got 0");
  EXPECT_STATUS(
      ScheduledRule("polynomial", {{"decay_steps", MakeAttr(5)},
                                   {"end_learning_rate", MakeAttr(-0.01)}}),
      code, "schedule 'polynomial': end_learning_rate must be >= 0, got -0.01");
  EXPECT_STATUS(ScheduledRule("polynomial", {{"decay_steps", MakeAttr(5)},
                                             {"power", MakeAttr(0.0)}}),
                code, "schedule 'polynomial': power must be > 0, got 0");
}

}  // namespace
}  // namespace nabla
