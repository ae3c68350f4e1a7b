// Keeps a tool's outputs off its inputs and off each other: --save,
// --metrics_out, --plot and --dot must not name the model file, a data
// file, the checkpoint being resumed, a plugin or one another, whatever
// the spelling (./m.pbtxt, a symlink, a hard link).
#ifndef NABLA_TOOLS_OUTPUT_PATHS_H_
#define NABLA_TOOLS_OUTPUT_PATHS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace nabla {

struct NamedPath {
  std::string what;  // "--plot", "the model file", "data file"
  std::string path;
};

// InvalidArgument naming both when an output is an input or another
// output. Files that exist are compared by device and inode; a file to be
// created, by its absolute path with its directory's symlinks resolved.
[[nodiscard]] absl::Status CheckOutputsApart(
    absl::Span<const NamedPath> inputs, absl::Span<const NamedPath> outputs);

// Before any work: an output that exists must be a regular file or
// /dev/null (opening a FIFO to write would block), and one to be
// created needs an existing, writable directory. InvalidArgument naming
// the output otherwise ("--save /no/such/dir/m.ckpt: the directory
// /no/such/dir does not exist").
[[nodiscard]] absl::Status CheckOutputWritable(const NamedPath& output);

}  // namespace nabla

#endif  // NABLA_TOOLS_OUTPUT_PATHS_H_
