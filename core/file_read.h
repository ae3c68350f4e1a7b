// Reading a whole input file safely: only regular files (a FIFO, a device
// such as /dev/zero, a directory or a socket is refused before anything
// blocks on it), and never more than a limit fit for the kind of file, so
// an endless or huge source is refused by name instead of exhausting
// memory.
//
//   NABLA_ASSIGN_OR_RETURN(std::string text,
//                          ReadRegularFile(path, kMaxModelFileBytes));
#ifndef NABLA_CORE_FILE_READ_H_
#define NABLA_CORE_FILE_READ_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nabla {

// Model files and --predict_file rows: text a person writes or a script
// generates, far below this by default (train_graph --max_text_size and
// ModelOptions::max_model_file_bytes set another limit).
inline constexpr uint64_t kMaxTextFileBytes = uint64_t{1} << 30;  // 1 GiB

// The machine's physical memory, from sysconf; 0 when it cannot tell.
uint64_t PhysicalMemoryBytes();

// Files whose size follows the model or the data (checkpoints, CSV and IDX
// data read whole): at most the machine's physical memory, since they are
// held in memory whole (no limit when it is unknown).
uint64_t MaxWholeFileBytes();

// `path` as given when it is absolute or `dir` is empty or ".", else
// dir/path: how a model file's relative paths (data files, save_best) are
// resolved against its directory.
std::string PathRelativeTo(const std::string& dir, const std::string& path);

// OK when `path` is a regular file (symbolic links followed); otherwise
// NotFound (missing) or InvalidArgument ("is a FIFO, not a regular file"),
// naming the path. Does not open it.
[[nodiscard]] absl::Status CheckRegularFile(const std::string& path);

// The bytes of `path`, a regular file of at most `max_bytes` (else
// ResourceExhausted naming the path, its size and the limit). The file is
// opened without blocking and checked again once open.
[[nodiscard]] absl::StatusOr<std::string> ReadRegularFile(
    const std::string& path, uint64_t max_bytes);

}  // namespace nabla

#endif  // NABLA_CORE_FILE_READ_H_
