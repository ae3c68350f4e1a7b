// Learning-rate schedules as a model file reaches them: an SGD update rule
// whose OptimizerConfig names the schedule, asked for LearningRate(t).
//
//   ASSERT_OK_AND_ASSIGN(UpdateRule rule,
//                        ScheduledRule("step", {{"step_size", MakeAttr(3)}}));
//   EXPECT_DOUBLE_EQ(rule.LearningRate(3), 0.1 * 0.1);
#ifndef NABLA_TESTS_PLUGINS_SCHEDULES_SCHEDULE_TEST_UTIL_H_
#define NABLA_TESTS_PLUGINS_SCHEDULES_SCHEDULE_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/attrs.h"
#include "core/update_rule.h"
#include "proto/model.pb.h"

namespace nabla {

// The base learning rate of every ScheduledRule.
inline constexpr double kBase = 0.1;

// An SGD rule with learning_rate kBase and the schedule `name` (empty for
// none) with `settings` and `warmup_steps`.
inline absl::StatusOr<UpdateRule> ScheduledRule(
    absl::string_view name,
    const std::vector<std::pair<std::string, AttrValue>>& settings,
    int64_t warmup_steps = 0) {
  OptimizerConfig config;
  config.set_name("SGD");
  (*config.mutable_attr())["learning_rate"] = MakeAttr(kBase);
  ScheduleConfig* schedule = config.mutable_schedule();
  schedule->set_name(std::string(name));
  for (const auto& [key, value] : settings) {
    (*schedule->mutable_attr())[key] = value;
  }
  schedule->set_warmup_steps(warmup_steps);
  return MakeUpdateRule(config);
}

}  // namespace nabla

#endif  // NABLA_TESTS_PLUGINS_SCHEDULES_SCHEDULE_TEST_UTIL_H_
