#include "core/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace nabla {
namespace {

// "a FIFO", "a directory", ... for a file that is not a regular one.
const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

[[nodiscard]] absl::Status NotRegular(const std::string& path, mode_t mode) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": is ", KindOf(mode), ", not a regular file"));
}

// "1.5 GiB" style sizes for messages.
std::string Bytes(uint64_t n) {
  if (n >= (uint64_t{1} << 30)) {
    return absl::StrCat(n >> 30, " GiB (", n, " bytes)");
  }
  if (n >= (uint64_t{1} << 20)) {
    return absl::StrCat(n >> 20, " MiB (", n, " bytes)");
  }
  return absl::StrCat(n, " bytes");
}

}  // namespace

uint64_t PhysicalMemoryBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

uint64_t MaxWholeFileBytes() {
  const uint64_t memory = PhysicalMemoryBytes();
  return memory > 0 ? memory : UINT64_MAX;
}

std::string PathRelativeTo(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || dir.empty() || dir == ".") return path;
  return absl::StrCat(dir, dir.back() == '/' ? "" : "/", path);
}

[[nodiscard]] absl::Status CheckRegularFile(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) return NotRegular(path, info.st_mode);
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<std::string> ReadRegularFile(
    const std::string& path, uint64_t max_bytes) {
  // Checked before opening: opening a FIFO for reading would wait for a
  // writer. O_NONBLOCK covers a file swapped in between.
  if (absl::Status regular = CheckRegularFile(path); !regular.ok()) {
    return regular;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) return NotRegular(path, info.st_mode);
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  if (size > max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": ", Bytes(size), " is more than the ",
                     Bytes(max_bytes), " a file of its kind may hold"));
  }
  std::string bytes(size, '\0');
  size_t done = 0;
  while (done < size) {
    const ssize_t got = ::read(fd, bytes.data() + done, size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return absl::DataLossError(absl::StrCat(
          path, ": read failed after ", done, " of ", size, " bytes",
          got < 0 ? ": " : "", got < 0 ? std::strerror(errno) : ""));
    }
    done += static_cast<size_t>(got);
  }
  return bytes;
}

}  // namespace nabla
