// Helpers shared by the fuzz targets: reading option bytes off the front of
// an input, and a scratch file for entry points that read from a path.
#ifndef NABLA_TESTS_FUZZ_FUZZ_UTIL_H_
#define NABLA_TESTS_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace nabla {
namespace fuzz {

// Consumes an input from the front: option bytes first, the rest is data.
// Past the end every byte reads as 0, so any input is a valid one.
class InputReader {
 public:
  InputReader(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  // Up to `n` bytes.
  absl::string_view Bytes(size_t n) {
    const absl::string_view taken = rest_.substr(0, n);
    rest_.remove_prefix(taken.size());
    return taken;
  }
  absl::string_view Rest() const { return rest_; }

 private:
  absl::string_view rest_;
};

// With NABLA_FUZZ_VERBOSE set, prints how far an input got: `stage` and
// the status that stopped it (or OK). For checking that seeds go deep.
inline void Trace(absl::string_view stage, const absl::Status& status) {
  static const bool verbose = std::getenv("NABLA_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(stage.size()),
                 stage.data(), status.ToString().c_str());
  }
}

// A directory of this process's own, made once and reused by every input.
inline const std::string& ScratchDir() {
  static const std::string* dir = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    if (tmp == nullptr) tmp = std::getenv("TMPDIR");
    std::string path =
        absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/nabla_fuzz_XXXXXX");
    if (::mkdtemp(path.data()) == nullptr) std::abort();
    std::atexit([] { std::filesystem::remove_all(ScratchDir()); });
    return new std::string(path);
  }();
  return *dir;
}

// Writes `bytes` to ScratchDir()/name and returns the path. A failure to
// write is the machine's, not the input's: it aborts.
inline std::string WriteScratchFile(absl::string_view name,
                                    absl::string_view bytes) {
  const std::string path = absl::StrCat(ScratchDir(), "/", name);
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr ||
      std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size() ||
      std::fclose(file) != 0) {
    std::abort();
  }
  return path;
}

}  // namespace fuzz
}  // namespace nabla

#endif  // NABLA_TESTS_FUZZ_FUZZ_UTIL_H_
