// "cosine_restarts": cosine annealing with warm restarts (SGDR, Loshchilov &
// Hutter, 2017), as PyTorch's CosineAnnealingWarmRestarts stepped once per
// update. Period i lasts T_i = first_period * period_multiplier^i updates;
// with T_cur the number of updates made in the current period before this
// one:
//
//   rate(t) = min_learning_rate
//             + (base - min_learning_rate) * (1 + cos(pi * T_cur / T_i)) / 2
//
// so each period starts at base and falls towards min_learning_rate.
#include <cmath>
#include <limits>
#include <memory>

#include "core/schedule.h"
#include "core/setting_checks.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

constexpr double kPi = 3.14159265358979323846;

class CosineRestartsSchedule : public LearningRateSchedule {
 public:
  CosineRestartsSchedule(int64_t first_period, int64_t period_multiplier,
                         double min_learning_rate)
      : first_period_(first_period),
        period_multiplier_(period_multiplier),
        min_learning_rate_(min_learning_rate) {}

  double Rate(int64_t t, double base) const override {
    double t_cur = 0, t_i = 0;
    Locate(t, &t_cur, &t_i);
    return min_learning_rate_ +
           (base - min_learning_rate_) * (1 + std::cos(kPi * t_cur / t_i)) / 2;
  }

 private:
  // The offset of update t in its period and the period's length.
  void Locate(int64_t t, double* t_cur, double* t_i) const {
    if (period_multiplier_ == 1) {
      *t_cur = static_cast<double>(t % first_period_);
      *t_i = static_cast<double>(first_period_);
      return;
    }
    int64_t offset = t, period = first_period_;
    // Periods at least double, so this runs fewer than 64 times.
    while (offset >= period) {
      offset -= period;
      if (period > std::numeric_limits<int64_t>::max() / period_multiplier_) {
        // The next period is longer than any int64 offset: t is in it.
        *t_cur = static_cast<double>(offset);
        *t_i = static_cast<double>(period) *
               static_cast<double>(period_multiplier_);
        return;
      }
      period *= period_multiplier_;
    }
    *t_cur = static_cast<double>(offset);
    *t_i = static_cast<double>(period);
  }

  int64_t first_period_;
  int64_t period_multiplier_;
  double min_learning_rate_;
};

absl::StatusOr<std::unique_ptr<LearningRateSchedule>>
MakeCosineRestartsSchedule(const ResolvedAttrs& attrs) {
  const int64_t first_period = attrs.GetInt("first_period");
  const int64_t period_multiplier = attrs.GetInt("period_multiplier");
  const double min_learning_rate = attrs.GetFloat("min_learning_rate");
  NABLA_RETURN_IF_ERROR(CheckIntAtLeast("first_period", first_period, 1));
  NABLA_RETURN_IF_ERROR(
      CheckIntAtLeast("period_multiplier", period_multiplier, 1));
  NABLA_RETURN_IF_ERROR(
      CheckNonNegative("min_learning_rate", min_learning_rate));
  return std::make_unique<CosineRestartsSchedule>(
      first_period, period_multiplier, min_learning_rate);
}

NABLA_REGISTER_SCHEDULE("cosine_restarts")
    .RequiredAttr("first_period", AttrType::kInt)
    .Attr("period_multiplier", 1)
    .Attr("min_learning_rate", 0.0)
    .Factory(MakeCosineRestartsSchedule)
    .Doc(
        "SGDR: in each period, min_learning_rate + (learning_rate - "
        "min_learning_rate) * (1 + cos(pi * T_cur / T_i)) / 2; periods last "
        "first_period * period_multiplier^i updates.");

}  // namespace
}  // namespace nabla
