#include <cmath>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/plugins/schedules/schedule_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// 0.1 * 0.5^(t / 4), the exponent floored with staircase.
TEST(ExponentialScheduleTest, DecaysSmoothly) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("exponential", {{"decay_rate", MakeAttr(0.5)},
                                    {"decay_steps", MakeAttr(4)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1 * std::sqrt(0.5));
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.1 * 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(6), 0.1 * 0.5 * std::sqrt(0.5));
}

TEST(ExponentialScheduleTest, Staircase) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("exponential", {{"decay_rate", MakeAttr(0.5)},
                                    {"decay_steps", MakeAttr(4)},
                                    {"staircase", MakeAttr(true)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(6), 0.1 * 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(8), 0.1 * 0.5 * 0.5);
}

TEST(ExponentialScheduleTest, DefaultDecayStepsIsOne) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("exponential", {{"decay_rate", MakeAttr(0.9)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.1 * 0.9 * 0.9 * 0.9);
}

TEST(ExponentialScheduleTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(ScheduledRule("exponential", {}), code,
                "schedule 'exponential': missing required attribute "
                "'decay_rate'");
  EXPECT_STATUS(ScheduledRule("exponential", {{"decay_rate", MakeAttr(0.0)}}),
                code, "schedule 'exponential': decay_rate must be > 0, got 0");
  EXPECT_STATUS(ScheduledRule("exponential", {{"decay_rate", MakeAttr(-0.5)}}),
                code,
                "schedule 'exponential': decay_rate must be > 0, got -0.5");
  EXPECT_STATUS(ScheduledRule("exponential", {{"decay_rate", MakeAttr(0.5)},
                                              {"decay_steps", MakeAttr(0)}}),
                code,
                "schedule 'exponential': decay_steps must be >= 1, got 0");
}

}  // namespace
}  // namespace nabla
