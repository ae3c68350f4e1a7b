// The memory limit of a session (SessionOptions::memory_limit_bytes): what
// it refuses and the one message every refusal uses, so that a model too big
// for the limit is stopped before its buffers are allocated, with the bytes
// it asked for.
#ifndef NABLA_CORE_MEMORY_LIMIT_H_
#define NABLA_CORE_MEMORY_LIMIT_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nabla {

// "0 B", "512 B", "1.50 KiB", "3.25 MiB", "1.00 GiB": binary units, three
// significant digits from KiB up.
std::string HumanBytes(size_t bytes);

// OK when `limit` is 0 (no limit) or `needed` <= `limit`. Otherwise
// ResourceExhausted:
//   "out of memory: <what> <needed> bytes (<human>), more than the memory
//    limit of <limit> bytes (<human>)<detail>"
// where `what` ends with its verb ("the variables need") and `detail`
// starts with its own punctuation. The human units are left out below
// 1 KiB.
[[nodiscard]] absl::Status CheckMemoryLimit(size_t needed, size_t limit,
                                            absl::string_view what,
                                            absl::string_view detail = "");

}  // namespace nabla

#endif  // NABLA_CORE_MEMORY_LIMIT_H_
