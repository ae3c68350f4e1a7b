#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/plugins/schedules/schedule_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// 0.1 / (1 + 0.5 * t / 2), the quotient floored with staircase.
TEST(InverseTimeScheduleTest, Decays) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("inverse_time", {{"decay_rate", MakeAttr(0.5)},
                                     {"decay_steps", MakeAttr(2)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.1 / 1.25);
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.1 / 1.75);
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.1 / 2);
}

TEST(InverseTimeScheduleTest, Staircase) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("inverse_time", {{"decay_rate", MakeAttr(0.5)},
                                     {"decay_steps", MakeAttr(2)},
                                     {"staircase", MakeAttr(true)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.1 / 1.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.1 / 2);
}

TEST(InverseTimeScheduleTest, DefaultDecayStepsIsOne) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("inverse_time", {{"decay_rate", MakeAttr(0.25)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(6), 0.1 / 2.5);
}

TEST(InverseTimeScheduleTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(ScheduledRule("inverse_time", {}), code,
                "schedule 'inverse_time': missing required attribute "
                "'decay_rate'");
  EXPECT_STATUS(ScheduledRule("inverse_time", {{"decay_rate", MakeAttr(0.0)}}),
                code, "schedule 'inverse_time': decay_rate must be > 0, got 0");
  EXPECT_STATUS(ScheduledRule("inverse_time", {{"decay_rate", MakeAttr(0.5)},
                                               {"decay_steps", MakeAttr(-2)}}),
                code,
                "schedule 'inverse_time': decay_steps must be >= 1, got -2");
}

}  // namespace
}  // namespace nabla
