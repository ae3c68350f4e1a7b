// Errors about one value of a kernel's input (a label out of range, an
// index that is not an integer) that carry which value it was, so that a
// run can name where that sample was read: the file and line of the data.
//
// A kernel says which element of which input:
//
//   return InputValueError(1, i, absl::StrCat("label of sample ", i, ...));
//
// The planner, which knows the node, turns that into the sample of the
// batch when the input is a Placeholder (BatchSample), and the run, which
// knows the batch's rows, names the file and line (Dataset). Both travel as
// payloads of the absl::Status, so every layer in between passes them on.
#ifndef NABLA_CORE_BAD_VALUE_H_
#define NABLA_CORE_BAD_VALUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace nabla {

inline constexpr absl::string_view kInputElementPayload = "nabla/input-element";
inline constexpr absl::string_view kBatchSamplePayload = "nabla/batch-sample";

// Element `element` (row-major) of input `input` of the failing kernel.
struct InputElement {
  int input = 0;
  int64_t element = 0;
};

// Sample `sample` (axis 0) of the batch fed to `placeholder`.
struct BatchSample {
  std::string placeholder;
  int64_t sample = 0;
};

// InvalidArgument(`message`) that says it is about element `element` of
// input `input`.
[[nodiscard]] inline absl::Status InputValueError(int input, int64_t element,
                                                  absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kInputElementPayload,
                    absl::Cord(absl::StrCat(input, " ", element)));
  return status;
}

inline std::optional<InputElement> FindInputElement(
    const absl::Status& status) {
  // absl::optional, which is not std::optional in Debian's Abseil.
  const auto payload = status.GetPayload(kInputElementPayload);
  if (!payload.has_value()) return std::nullopt;
  const std::pair<std::string, std::string> parts =
      absl::StrSplit(std::string(*payload), absl::MaxSplits(' ', 1));
  InputElement found;
  if (!absl::SimpleAtoi(parts.first, &found.input) ||
      !absl::SimpleAtoi(parts.second, &found.element)) {
    return std::nullopt;
  }
  return found;
}

inline void SetBatchSample(absl::Status& status, const BatchSample& sample) {
  status.SetPayload(
      kBatchSamplePayload,
      absl::Cord(absl::StrCat(sample.sample, " ", sample.placeholder)));
}

inline std::optional<BatchSample> FindBatchSample(const absl::Status& status) {
  const auto payload = status.GetPayload(kBatchSamplePayload);
  if (!payload.has_value()) return std::nullopt;
  const std::pair<std::string, std::string> parts =
      absl::StrSplit(std::string(*payload), absl::MaxSplits(' ', 1));
  BatchSample found;
  found.placeholder = parts.second;
  if (!absl::SimpleAtoi(parts.first, &found.sample)) return std::nullopt;
  return found;
}

// `status` with `message` instead of its own, its code and payloads kept.
[[nodiscard]] inline absl::Status WithMessage(const absl::Status& status,
                                              absl::string_view message) {
  auto out = absl::Status(status.code(), message);
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

}  // namespace nabla

#endif  // NABLA_CORE_BAD_VALUE_H_
