#include "tools/byte_size.h"

#include <cmath>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nabla {

[[nodiscard]] absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected bytes, or a number with K, M, G or T (powers of 1024) as "
        "in 512M or 4G, got '",
        text, "'", why));
  };
  absl::string_view number = text;
  int shift = 0;
  static constexpr char kUnits[] = "KMGT";
  if (!number.empty()) {
    const char* unit = std::strchr(kUnits, absl::ascii_toupper(number.back()));
    if (unit != nullptr && *unit != '\0') {
      shift = 10 * static_cast<int>(unit - kUnits + 1);
      number.remove_suffix(1);
    }
  }
  // Digits with at most one point: SimpleAtod alone would also take signs,
  // exponents, spaces, "inf" and "nan".
  double value;
  if (number.empty() || !absl::ascii_isdigit(number[0]) ||
      number.find_first_not_of("0123456789.") != absl::string_view::npos ||
      !absl::SimpleAtod(number, &value)) {
    return bad("");
  }
  const double bytes = std::floor(std::ldexp(value, shift));
  if (!(bytes < std::ldexp(1.0, 63))) return bad(": more than 2^63 bytes");
  return static_cast<uint64_t>(bytes);
}

}  // namespace nabla
