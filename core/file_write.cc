#include "core/file_write.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status WriteAll(int fd, const std::string& bytes,
                                    const std::string& path) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n =
        ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(
          absl::StrCat(path, ": write failed: ", std::strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Removes PATH.tmp.PID files that a save killed mid-way (kill -9) left:
// only those whose process is gone, so a save running elsewhere keeps its
// own.
void RemoveStaleTemporaries(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string prefix = absl::StrCat(
      slash == std::string::npos ? path : path.substr(slash + 1), ".tmp.");
  std::unique_ptr<DIR, int (*)(DIR*)> listing(::opendir(dir.c_str()),
                                              &::closedir);
  if (listing == nullptr) return;
  while (const dirent* entry = ::readdir(listing.get())) {
    const absl::string_view name = entry->d_name;
    int64_t pid = 0;
    if (!absl::StartsWith(name, prefix) ||
        !absl::SimpleAtoi(name.substr(prefix.size()), &pid) || pid <= 0 ||
        pid == ::getpid() || name.substr(prefix.size()) != absl::StrCat(pid)) {
      continue;
    }
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::remove(absl::StrCat(dir, "/", name).c_str());
    }
  }
}

}  // namespace

[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path,
                                               const std::string& bytes,
                                               absl::string_view what) {
  RemoveStaleTemporaries(path);
  const std::string temp = absl::StrCat(path, ".tmp.", ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    const std::string message =
        absl::StrCat(path, ": cannot write ", what, ": ", std::strerror(errno));
    if (errno == ENOENT || errno == ENOTDIR)
      return absl::NotFoundError(message);
    if (errno == EACCES || errno == EPERM) {
      return absl::PermissionDeniedError(message);
    }
    return absl::InternalError(message);
  }
  absl::Status status = WriteAll(fd, bytes, temp);
  if (status.ok() && ::fsync(fd) != 0) {
    status = absl::InternalError(
        absl::StrCat(temp, ": fsync failed: ", std::strerror(errno)));
  }
  ::close(fd);
  if (status.ok() && std::rename(temp.c_str(), path.c_str()) != 0) {
    status = absl::InternalError(absl::StrCat(
        path, ": cannot rename ", what, " into place: ", std::strerror(errno)));
  }
  if (!status.ok()) std::remove(temp.c_str());
  return status;
}

}  // namespace nabla
