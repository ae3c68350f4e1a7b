// Writing a whole file so that readers see the old one or the new one,
// never a part: checkpoints and exported ONNX models.
#ifndef NABLA_CORE_FILE_WRITE_H_
#define NABLA_CORE_FILE_WRITE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nabla {

// Writes `bytes` to PATH.tmp.PID, syncs it and renames it over `path`.
// Temporaries left by a killed writer whose process is gone are removed
// first. NotFound / PermissionDenied / Internal "PATH: cannot write WHAT:
// reason" on failure, and `path` is untouched.
[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path,
                                               const std::string& bytes,
                                               absl::string_view what);

}  // namespace nabla

#endif  // NABLA_CORE_FILE_WRITE_H_
