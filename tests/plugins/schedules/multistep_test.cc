#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/plugins/schedules/schedule_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrValue Milestones(std::vector<int64_t> values) {
  return MakeIntListAttr(values);
}

// 0.1 * 0.5^(number of milestones 2, 5 that are <= t).
TEST(MultiStepScheduleTest, DecaysAtEachMilestone) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("multistep", {{"milestones", Milestones({2, 5})},
                                  {"gamma", MakeAttr(0.5)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1 * 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.1 * 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(5), 0.1 * 0.5 * 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1000), 0.1 * 0.5 * 0.5);
}

TEST(MultiStepScheduleTest, DefaultGamma) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("multistep", {{"milestones", Milestones({3})}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.1 * 0.1);
}

TEST(MultiStepScheduleTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(ScheduledRule("multistep", {}), code,
                "schedule 'multistep': missing required attribute "
                "'milestones'");
  EXPECT_STATUS(ScheduledRule("multistep", {{"milestones", Milestones({})}}),
                code, "schedule 'multistep': milestones must not be empty");
  EXPECT_STATUS(
      ScheduledRule("multistep", {{"milestones", Milestones({5, 2})}}), code,
      "schedule 'multistep': milestones must be positive and strictly "
      "increasing, got [5, 2]");
  EXPECT_STATUS(
      ScheduledRule("multistep", {{"milestones", Milestones({3, 3})}}), code,
      "milestones must be positive and strictly increasing, got [3, 3]");
  EXPECT_STATUS(
      ScheduledRule("multistep", {{"milestones", Milestones({0, 4})}}), code,
      "milestones must be positive and strictly increasing, got [0, 4]");
  EXPECT_STATUS(ScheduledRule("multistep", {{"milestones", Milestones({4})},
                                            {"gamma", MakeAttr(-0.1)}}),
                code, "schedule 'multistep': gamma must be > 0, got -0.1");
}

}  // namespace
}  // namespace nabla
