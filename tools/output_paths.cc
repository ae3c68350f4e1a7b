#include "tools/output_paths.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"

namespace nabla {
namespace {

struct FileId {
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
  std::string absolute;  // for a file that does not exist yet

  bool operator==(const FileId& other) const {
    if (exists != other.exists) return false;
    if (exists) return device == other.device && inode == other.inode;
    return absolute == other.absolute;
  }
};

// The directory's real path and the name, or the path made absolute as
// written when the directory cannot be resolved.
std::string AbsoluteOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string name =
      slash == std::string::npos ? path : path.substr(slash + 1);
  std::unique_ptr<char, decltype(&std::free)> real(
      realpath(dir.c_str(), nullptr), &std::free);
  if (real != nullptr) return absl::StrCat(real.get(), "/", name);
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  return getcwd(cwd, sizeof(cwd)) != nullptr ? absl::StrCat(cwd, "/", path)
                                             : path;
}

FileId IdOf(const std::string& path) {
  FileId id;
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    id.exists = true;
    id.device = st.st_dev;
    id.inode = st.st_ino;
  } else {
    id.absolute = AbsoluteOf(path);
  }
  return id;
}

}  // namespace

[[nodiscard]] absl::Status CheckOutputsApart(
    absl::Span<const NamedPath> inputs, absl::Span<const NamedPath> outputs) {
  std::vector<FileId> output_ids;
  for (const NamedPath& output : outputs)
    output_ids.push_back(IdOf(output.path));
  for (size_t o = 0; o < outputs.size(); ++o) {
    for (const NamedPath& input : inputs) {
      if (IdOf(input.path) == output_ids[o]) {
        return absl::InvalidArgumentError(absl::StrCat(
            outputs[o].what, " ", outputs[o].path, " is ", input.what, " ",
            input.path, ": writing it would destroy it; choose another path"));
      }
    }
    for (size_t earlier = 0; earlier < o; ++earlier) {
      if (output_ids[earlier] == output_ids[o]) {
        return absl::InvalidArgumentError(absl::StrCat(
            outputs[o].what, " ", outputs[o].path, " and ",
            outputs[earlier].what, " ", outputs[earlier].path,
            " are the same file: one would overwrite the other; choose "
            "another path"));
      }
    }
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::Status CheckOutputWritable(const NamedPath& output) {
  const std::string& path = output.path;
  struct stat info;
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISREG(info.st_mode)) return absl::OkStatus();
    // /dev/null discards an output on purpose, without blocking.
    struct stat null_device;
    if (S_ISCHR(info.st_mode) && ::stat("/dev/null", &null_device) == 0 &&
        info.st_rdev == null_device.st_rdev) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat(output.what, " ", path,
                     S_ISDIR(info.st_mode)    ? ": is a directory"
                     : S_ISFIFO(info.st_mode) ? ": is a FIFO"
                                              : ": is a device or special file",
                     ", not a regular file to write"));
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        output.what, " ", path, ": the directory ", dir, " does not exist"));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        output.what, " ", path, ": the directory ", dir, " is not writable"));
  }
  return absl::OkStatus();
}

}  // namespace nabla
