#include "core/memory_limit.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nabla {
namespace {

// "184 bytes", or "40000000000 bytes (37.3 GiB)": the exact count to check
// against, the unit to read.
std::string BytesText(size_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " bytes");
  return absl::StrCat(bytes, " bytes (", HumanBytes(bytes), ")");
}

}  // namespace

std::string HumanBytes(size_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit + 1 < 4) {
    value /= 1024;
    ++unit;
  }
  const int decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
  return absl::StrFormat("%.*f %s", decimals, value, kUnits[unit]);
}

[[nodiscard]] absl::Status CheckMemoryLimit(size_t needed, size_t limit,
                                            absl::string_view what,
                                            absl::string_view detail) {
  if (limit == 0 || needed <= limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "out of memory: ", what, " ", BytesText(needed),
      ", more than the memory limit of ", BytesText(limit), detail));
}

}  // namespace nabla
