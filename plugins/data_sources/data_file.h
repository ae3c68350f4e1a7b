// Helpers shared by the built-in data sources: where a data file is, reading
// it whole (gzip-compressed or not), and attribute values that ResolvedAttrs
// has no getter for.
#ifndef NABLA_PLUGINS_DATA_SOURCES_DATA_FILE_H_
#define NABLA_PLUGINS_DATA_SOURCES_DATA_FILE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/attrs.h"
#include "core/data_source.h"

namespace nabla {
namespace data_file {

// `path` as given when it is absolute or the base directory is empty or
// ".", else base_dir/path. The result is also the file's name in messages,
// so a user sees the path that was opened; it is added to
// context.files_read when that is set.
std::string ResolvePath(const DataSourceContext& context,
                        const std::string& path);

// The files `pattern` names, resolved as ResolvePath does: itself when it
// has no wildcard (*, ? or [), else every file the glob(7) pattern
// matches, in sorted order (the shards of one data set); NotFound naming
// the pattern when none matches. Each is added to context.files_read.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ExpandPaths(
    const DataSourceContext& context, const std::string& pattern);

struct Contents {
  // The file's bytes, decompressed when it was gzip-compressed.
  std::string bytes;
  // Whether the file started with the gzip magic bytes 1f 8b.
  bool gzipped = false;
  // Decompression stopped once `wanted` bytes were there (see Read()).
  bool cut_short = false;
};

// How many decompressed bytes a reader needs in all, given those it has so
// far (a header tells): UINT64_MAX while it cannot tell.
using WantedBytes = std::function<uint64_t(absl::string_view prefix)>;

// Reads all of `path`. A file that starts with 1f 8b is decompressed (every
// gzip member, one after another, as gunzip does), but no further than
// `wanted` says: a small file that would inflate to gigabytes is stopped
// where its header's promise (or a sample limit) ends; and never past
// `max_bytes` (0: the machine's memory), which is an error. Errors start
// with the path: NotFound when it cannot be opened; InvalidArgument for a
// directory, a corrupt or truncated gzip stream, bytes after the last
// member, or more than `max_bytes` inflated.
[[nodiscard]] absl::StatusOr<Contents> Read(const std::string& path,
                                            const WantedBytes& wanted = {},
                                            uint64_t max_bytes = 0);

// "\"a\", \"b\"": names for messages.
std::string QuoteJoin(const std::vector<std::string>& names);

}  // namespace data_file
}  // namespace nabla

#endif  // NABLA_PLUGINS_DATA_SOURCES_DATA_FILE_H_
