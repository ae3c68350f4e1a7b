#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/plugins/schedules/schedule_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

constexpr double kPi = 3.14159265358979323846;

// 0.1 * (1 + cos(pi * T_cur / T_i)) / 2 with min_learning_rate 0.
double Cosine(double t_cur, double t_i) {
  return 0.1 * (1 + std::cos(kPi * t_cur / t_i)) / 2;
}

// Periods of 4: t = 0..3, 4..7, ...
TEST(CosineRestartsScheduleTest, EqualPeriods) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("cosine_restarts", {{"first_period", MakeAttr(4)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.05 * (1 + std::sqrt(0.5)));
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.05);
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.05 * (1 - std::sqrt(0.5)));
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.1);  // restart
  EXPECT_DOUBLE_EQ(rule.LearningRate(6), 0.05);
  EXPECT_DOUBLE_EQ(rule.LearningRate(401), 0.05 * (1 + std::sqrt(0.5)));
}

// Periods of 2, 4, 8, 16: they start at t = 0, 2, 6, 14, 30.
TEST(CosineRestartsScheduleTest, DoublingPeriods) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("cosine_restarts", {{"first_period", MakeAttr(2)},
                                        {"period_multiplier", MakeAttr(2)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.05);  // cos(pi / 2) = 0
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1);   // restart, period 4
  EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.05 * (1 + std::sqrt(0.5)));
  EXPECT_DOUBLE_EQ(rule.LearningRate(4), 0.05);
  EXPECT_DOUBLE_EQ(rule.LearningRate(5), 0.05 * (1 - std::sqrt(0.5)));
  EXPECT_DOUBLE_EQ(rule.LearningRate(6), 0.1);  // restart, period 8
  EXPECT_DOUBLE_EQ(rule.LearningRate(10), 0.05);
  EXPECT_DOUBLE_EQ(rule.LearningRate(13), Cosine(7, 8));
  EXPECT_DOUBLE_EQ(rule.LearningRate(14), 0.1);  // restart, period 16
  EXPECT_DOUBLE_EQ(rule.LearningRate(29), Cosine(15, 16));
  EXPECT_DOUBLE_EQ(rule.LearningRate(30), 0.1);  // restart, period 32
}

TEST(CosineRestartsScheduleTest, MinLearningRate) {
  ASSERT_OK_AND_ASSIGN(UpdateRule rule,
                       ScheduledRule("cosine_restarts",
                                     {{"first_period", MakeAttr(2)},
                                      {"min_learning_rate", MakeAttr(0.01)}}));
  EXPECT_DOUBLE_EQ(rule.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1), 0.01 + 0.09 * 0.5);
  EXPECT_DOUBLE_EQ(rule.LearningRate(2), 0.1);
}

// Periods 1, 10^6, 10^12, 10^18, 10^24: the last one is longer than any
// int64 count, and finding it must not overflow.
TEST(CosineRestartsScheduleTest, HugePeriodsDoNotOverflow) {
  ASSERT_OK_AND_ASSIGN(
      UpdateRule rule,
      ScheduledRule("cosine_restarts",
                    {{"first_period", MakeAttr(1)},
                     {"period_multiplier", MakeAttr(int64_t{1000000})}}));
  const int64_t t = std::numeric_limits<int64_t>::max();
  const double rate = rule.LearningRate(t);
  // T_cur = t - 1 - 10^6 - 10^12 - 10^18 of T_i = 10^24.
  EXPECT_DOUBLE_EQ(rate, Cosine(8223371036853775806.0, 1e24));
  EXPECT_LT(rate, 0.1);
  EXPECT_DOUBLE_EQ(rule.LearningRate(1000000), Cosine(999999, 1e6));
}

TEST(CosineRestartsScheduleTest, RefusesBadSettings) {
  const auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_STATUS(ScheduledRule("cosine_restarts", {}), code,
                "schedule 'cosine_restarts': missing required attribute "
                "'first_period'");
  EXPECT_STATUS(
      ScheduledRule("cosine_restarts", {{"first_period", MakeAttr(0)}}), code,
      "schedule 'cosine_restarts': first_period must be >= 1, got 0");
  EXPECT_STATUS(
      ScheduledRule("cosine_restarts", {{"first_period", MakeAttr(3)},
                                        {"period_multiplier", MakeAttr(0)}}),
      code,
      "schedule 'cosine_restarts': period_multiplier must be >= 1, got 0");
  EXPECT_STATUS(
      ScheduledRule("cosine_restarts", {{"first_period", MakeAttr(3)},
                                        {"min_learning_rate", MakeAttr(-1.0)}}),
      code,
      "schedule 'cosine_restarts': min_learning_rate must be >= 0, got -1");
}

}  // namespace
}  // namespace nabla
