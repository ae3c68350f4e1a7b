// Sizes in bytes on the command line (train_graph --memory_limit) and the
// machine's memory, which the default limit is a share of.
#ifndef NABLA_TOOLS_BYTE_SIZE_H_
#define NABLA_TOOLS_BYTE_SIZE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/file_read.h"  // PhysicalMemoryBytes()

namespace nabla {

// "4000" is 4000 bytes; a suffix K, M, G or T (either case) multiplies by
// 1024, 1024², 1024³ or 1024⁴, and the number before it may have a
// fraction: "512M", "1.5G". Rounded down to whole bytes. InvalidArgument,
// saying what is expected, for anything else or more than 2^63 bytes.
[[nodiscard]] absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text);

}  // namespace nabla

#endif  // NABLA_TOOLS_BYTE_SIZE_H_
