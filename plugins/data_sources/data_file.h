// Helpers shared by the built-in data sources: where a data file is, reading
// it whole (gzip-compressed or not), and attribute values that ResolvedAttrs
// has no getter for.
#ifndef NABLA_PLUGINS_DATA_SOURCES_DATA_FILE_H_
#define NABLA_PLUGINS_DATA_SOURCES_DATA_FILE_H_

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

struct Contents {
  // The file's bytes, decompressed when it was gzip-compressed.
  std::string bytes;
  // Whether the file started with the gzip magic bytes 1f 8b.
  bool gzipped = false;
};

// Reads all of `path`. A file that starts with 1f 8b is decompressed (every
// gzip member, one after another, as gunzip does). Errors start with the
// path: NotFound when it cannot be opened; InvalidArgument for a directory,
// a corrupt or truncated gzip stream, or bytes after the last member.
[[nodiscard]] absl::StatusOr<Contents> Read(const std::string& path);

// "\"a\", \"b\"": names for messages.
std::string QuoteJoin(const std::vector<std::string>& names);

}  // namespace data_file
}  // namespace nabla

#endif  // NABLA_PLUGINS_DATA_SOURCES_DATA_FILE_H_
