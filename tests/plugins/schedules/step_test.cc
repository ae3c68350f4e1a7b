#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/plugins/schedules/schedule_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// 0.1 * 0.5^floor(t / 3).
TEST(StepScheduleTest, DecaysEveryStepSizeUpdates) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule,
                       ScheduledRule("step", {{"step_size", MakeAttr(3)},
                                              {"gamma", MakeAttr(0.5)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.1 * 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(5), 0.1 * 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(6), 0.1 * 0.5 * 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(10), 0.1 * 0.5 * 0.5 * 0.5);
}

TEST(StepScheduleTest, DefaultGamma) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule,
                       ScheduledRule("step", {{"step_size", MakeAttr(2)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.1 * 0.1 * 0.1);
}

TEST(StepScheduleTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(ScheduledRule("step", {}), code,
                "schedule 'step': missing required attribute 'step_size'");
  EXPECT_STATUS(ScheduledRule("step", {{"step_size", MakeAttr(0)}}), code,
                "schedule 'step': step_size must be >= 1, got 0");
  EXPECT_STATUS(ScheduledRule("step", {{"step_size", MakeAttr(2)},
                                       {"gamma", MakeAttr(0.0)}}),
                code, "schedule 'step': gamma must be > 0, got 0");
  EXPECT_STATUS(ScheduledRule("step", {{"step_size", MakeAttr(1.5)}}), code,
                "attribute 'step_size' must be int");
}

}  // namespace
}  // namespace nabla
