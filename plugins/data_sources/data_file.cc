#include "plugins/data_sources/data_file.h"

#include <glob.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/file_read.h"

namespace nabla {
namespace data_file {
namespace {

// zlib counts bytes in 32-bit uInt: feed and drain it in pieces this large.
constexpr size_t kZlibChunk = size_t{1} << 30;
// Until a reader's header tells how much it wants: this much at a time.
constexpr size_t kProbeChunk = size_t{1} << 16;
// Deflate cannot compress better than about 1032:1, so a gzip trailer that
// promises more than this is not believed when reserving the output.
constexpr size_t kMaxDeflateRatio = 1032;

bool StartsWithGzipMagic(absl::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

// Data files are held in memory whole (until they stream): at most the
// machine's memory.
[[nodiscard]] absl::StatusOr<std::string> ReadRaw(const std::string& path) {
  return ReadRegularFile(path, MaxWholeFileBytes());
}

// The size of the last member's data, from the gzip trailer (modulo 2^32),
// when it is believable: a hint for how much to reserve.
size_t OutputSizeHint(absl::string_view compressed) {
  const size_t fallback = compressed.size() * 4;
  if (compressed.size() < 18) return fallback;
  const auto* end = reinterpret_cast<const unsigned char*>(compressed.data()) +
                    compressed.size();
  const size_t isize = size_t{end[-4]} | size_t{end[-3]} << 8 |
                       size_t{end[-2]} << 16 | size_t{end[-1]} << 24;
  if (isize == 0 || isize > compressed.size() * kMaxDeflateRatio) {
    return fallback;
  }
  return isize;
}

class Inflater {
 public:
  Inflater() { ok_ = inflateInit2(&stream_, 15 + 16) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&stream_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  bool ok() const { return ok_; }
  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
  bool ok_ = false;
};

[[nodiscard]] absl::Status TooLarge(const std::string& path,
                                    uint64_t max_bytes) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": decompresses to more than ", max_bytes,
                   " bytes, more than a data file read whole may hold (the "
                   "machine's memory)"));
}

// Decompresses every gzip member of `compressed` (which starts with one),
// stopping once `wanted` bytes are out (`*cut_short` then). Offsets in
// messages count compressed bytes from the start of the file.
[[nodiscard]] absl::StatusOr<std::string> Gunzip(const std::string& path,
                                                 absl::string_view compressed,
                                                 const WantedBytes& wanted,
                                                 uint64_t max_bytes,
                                                 bool* cut_short) {
  Inflater inflater;
  if (!inflater.ok()) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": cannot start zlib"));
  }
  z_stream& zs = inflater.stream();
  // Room for one byte past max_bytes, which shows that there is more.
  const uint64_t room_cap = max_bytes < UINT64_MAX ? max_bytes + 1 : max_bytes;
  std::string out(
      std::min<uint64_t>(std::max<size_t>(OutputSizeHint(compressed), 64),
                         room_cap),
      '\0');
  size_t in_pos = 0, out_pos = 0;
  uint64_t limit = UINT64_MAX;
  for (;;) {
    if (wanted && limit == UINT64_MAX) {
      limit = wanted(absl::string_view(out.data(), out_pos));
    }
    if (out_pos >= limit) {
      *cut_short = true;
      break;
    }
    if (zs.avail_in == 0 && in_pos < compressed.size()) {
      const size_t chunk = std::min(compressed.size() - in_pos, kZlibChunk);
      zs.next_in = reinterpret_cast<Bytef*>(
          const_cast<char*>(compressed.data() + in_pos));
      zs.avail_in = static_cast<uInt>(chunk);
      in_pos += chunk;
    }
    // Grow by half again (the size hint is usually exact, so rarely), never
    // past what is wanted or may be held.
    if (out_pos == out.size()) {
      if (out_pos > max_bytes) return TooLarge(path, max_bytes);
      out.resize(std::min<uint64_t>({out.size() + out.size() / 2,
                                     std::max<uint64_t>(limit, out.size() + 1),
                                     room_cap}));
    }
    // Small steps until `wanted` can tell (a header is short).
    const uint64_t step =
        limit == UINT64_MAX && wanted ? kProbeChunk : kZlibChunk;
    const size_t room =
        std::min<uint64_t>({out.size() - out_pos, step, limit - out_pos});
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out_pos += room - zs.avail_out;
    const size_t consumed = in_pos - zs.avail_in;
    if (rc == Z_OK) continue;
    if (rc == Z_STREAM_END) {
      if (consumed == compressed.size()) break;
      if (!StartsWithGzipMagic(compressed.substr(consumed))) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": ", compressed.size() - consumed,
            compressed.size() - consumed == 1 ? " byte" : " bytes",
            " after the end of the gzip stream at compressed byte ", consumed));
      }
      inflateReset(&zs);  // another member follows, as `cat a.gz b.gz`
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos == compressed.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": the gzip stream ends early, after ", compressed.size(),
          " compressed bytes (the file is truncated)"));
    }
    if (rc == Z_BUF_ERROR) continue;  // the output was full: grow it
    if (rc == Z_MEM_ERROR) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": out of memory while decompressing"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": corrupt gzip stream at compressed byte ", consumed, ": ",
        zs.msg != nullptr ? zs.msg : "unknown zlib error"));
  }
  if (out_pos > max_bytes) return TooLarge(path, max_bytes);
  // The last step may have passed what is wanted.
  if (wanted && limit == UINT64_MAX) {
    limit = wanted(absl::string_view(out.data(), out_pos));
  }
  if (out_pos > limit) {
    out_pos = limit;
    *cut_short = true;
  }
  out.resize(out_pos);
  return out;
}

}  // namespace

std::string ResolvePath(const DataSourceContext& context,
                        const std::string& path) {
  std::string resolved = PathRelativeTo(context.base_dir, path);
  if (context.files_read != nullptr) context.files_read->push_back(resolved);
  return resolved;
}

[[nodiscard]] absl::StatusOr<std::vector<std::string>> ExpandPaths(
    const DataSourceContext& context, const std::string& pattern) {
  if (pattern.find_first_of("*?[") == std::string::npos) {
    return std::vector<std::string>{ResolvePath(context, pattern)};
  }
  const std::string resolved = PathRelativeTo(context.base_dir, pattern);
  glob_t found;
  // A folder that is missing or cannot be read matches nothing.
  const int status = ::glob(resolved.c_str(), 0, nullptr, &found);
  std::vector<std::string> paths;
  if (status == 0) {
    for (size_t i = 0; i < found.gl_pathc; ++i) {
      paths.emplace_back(found.gl_pathv[i]);
    }
  }
  ::globfree(&found);
  if (status == GLOB_NOMATCH) {
    return absl::NotFoundError(
        absl::StrCat(resolved, ": no file matches the pattern"));
  }
  if (status != 0) {
    return absl::NotFoundError(
        absl::StrCat(resolved, ": cannot list the files of the pattern"));
  }
  if (context.files_read != nullptr) {
    context.files_read->insert(context.files_read->end(), paths.begin(),
                               paths.end());
  }
  return paths;
}

[[nodiscard]] absl::StatusOr<Contents> Read(const std::string& path,
                                            const WantedBytes& wanted,
                                            uint64_t max_bytes) {
  auto raw = ReadRaw(path);
  if (!raw.ok()) return raw.status();
  Contents contents;
  contents.gzipped = StartsWithGzipMagic(*raw);
  if (!contents.gzipped) {
    contents.bytes = std::move(*raw);
    return contents;
  }
  auto plain = Gunzip(path, *raw, wanted,
                      max_bytes > 0 ? max_bytes : MaxWholeFileBytes(),
                      &contents.cut_short);
  if (!plain.ok()) return plain.status();
  contents.bytes = std::move(*plain);
  return contents;
}

std::string QuoteJoin(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  return absl::StrCat("\"", absl::StrJoin(names, "\", \""), "\"");
}

}  // namespace data_file
}  // namespace nabla
