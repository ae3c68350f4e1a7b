// Checks that optimizer and schedule factories run on their resolved
// settings. Each returns OK or InvalidArgument naming the setting, the range
// it must lie in and the value it got:
//
//   NABLA_RETURN_IF_ERROR(CheckInUnitInterval("beta1", beta1));
//   // -> "beta1 must be in [0, 1), got 1.5"
//
// NaN and infinities are refused by every check.
#ifndef NABLA_CORE_SETTING_CHECKS_H_
#define NABLA_CORE_SETTING_CHECKS_H_

#include <cmath>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace nabla {

// value > 0.
[[nodiscard]] inline absl::Status CheckPositive(absl::string_view name,
                                                double value) {
  if (value > 0 && std::isfinite(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, " must be > 0, got ", value));
}

// value >= 0.
[[nodiscard]] inline absl::Status CheckNonNegative(absl::string_view name,
                                                   double value) {
  if (value >= 0 && std::isfinite(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, " must be >= 0, got ", value));
}

// 0 <= value < 1: a decay factor of an exponential moving average.
[[nodiscard]] inline absl::Status CheckInUnitInterval(absl::string_view name,
                                                      double value) {
  if (value >= 0 && value < 1) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, " must be in [0, 1), got ", value));
}

// An integer value >= `low`.
[[nodiscard]] inline absl::Status CheckIntAtLeast(absl::string_view name,
                                                  int64_t value, int64_t low) {
  if (value >= low) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, " must be >= ", low, ", got ", value));
}

}  // namespace nabla

#endif  // NABLA_CORE_SETTING_CHECKS_H_
