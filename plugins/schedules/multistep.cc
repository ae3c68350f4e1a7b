// "multistep": multiply the rate by gamma at each milestone, as PyTorch's
// MultiStepLR stepped once per update. With t the number of earlier updates
// and milestones m_1 < m_2 < ...:
//
//   rate(t) = base * gamma^(number of milestones m_i <= t)
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "core/schedule.h"
#include "core/setting_checks.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

class MultiStepSchedule : public LearningRateSchedule {
 public:
  MultiStepSchedule(std::vector<int64_t> milestones, double gamma)
      : milestones_(std::move(milestones)), gamma_(gamma) {}

  double Rate(int64_t t, double base) const override {
    const auto passed =
        std::upper_bound(milestones_.begin(), milestones_.end(), t) -
        milestones_.begin();
    return base * std::pow(gamma_, static_cast<double>(passed));
  }

 private:
  std::vector<int64_t> milestones_;  // strictly increasing
  double gamma_;
};

[[nodiscard]] absl::Status CheckMilestones(
    absl::Span<const int64_t> milestones) {
  if (milestones.empty()) {
    return absl::InvalidArgumentError("milestones must not be empty");
  }
  for (size_t i = 0; i < milestones.size(); ++i) {
    if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "milestones must be positive and strictly increasing, got [",
          absl::StrJoin(milestones, ", "), "]"));
    }
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<std::unique_ptr<LearningRateSchedule>>
MakeMultiStepSchedule(const ResolvedAttrs& attrs) {
  const absl::Span<const int64_t> milestones = attrs.GetIntList("milestones");
  const double gamma = attrs.GetFloat("gamma");
  NABLA_RETURN_IF_ERROR(CheckMilestones(milestones));
  NABLA_RETURN_IF_ERROR(CheckPositive("gamma", gamma));
  return std::make_unique<MultiStepSchedule>(
      std::vector<int64_t>(milestones.begin(), milestones.end()), gamma);
}

NABLA_REGISTER_SCHEDULE("multistep")
    .RequiredAttr("milestones", AttrType::kIntList)
    .Attr("gamma", 0.1)
    .Factory(MakeMultiStepSchedule)
    .Doc(
        "learning_rate * gamma^(number of milestones <= t), t counting "
        "updates from 0.");

}  // namespace
}  // namespace nabla
