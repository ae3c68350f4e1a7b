#include "absl/status/status.h"
#include "core/schedule.h"
#include "gtest/gtest.h"
#include "tests/plugins/schedules/schedule_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(ConstantScheduleTest, KeepsTheBaseRate) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule, ScheduledRule("constant", {}));
  for (int64_t t : {0, 1, 7, 1000000}) EXPECT_EQ(rule.LearningRate(t), 0.1);
}

TEST(ConstantScheduleTest, NoScheduleIsConstant) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule, ScheduledRule("", {}));
  for (int64_t t : {0, 1, 7, 1000000}) EXPECT_EQ(rule.LearningRate(t), 0.1);
}

TEST(ConstantScheduleTest, RefusesSettings) {
  EXPECT_STATUS(ScheduledRule("constant", {{"gamma", MakeAttr(0.5)}}),
                absl::StatusCode::kInvalidArgument,
                "schedule 'constant': unknown attribute 'gamma'");
}

TEST(SchedulesTest, AllRegistered) {
  for (const char* name : {"constant", "step", "multistep", "exponential",
                           "inverse_time", "polynomial", "cosine_restarts"}) {
    EXPECT_TRUE(ScheduleRegistry::Global().Contains(name)) << name;
  }
}

TEST(SchedulesTest, UnknownNameSuggestsCloseOnes) {
  EXPECT_STATUS(ScheduledRule("cosine_restart", {}),
                absl::StatusCode::kNotFound, "cosine_restarts");
}

}  // namespace
}  // namespace nabla
