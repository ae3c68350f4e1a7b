// A CSV file read in pieces of whole records, for data larger than memory
// (data.stream): blocks of kBlockBytes are read, gzip-compressed or not,
// and each piece ends where a record ends, found with the rules the CSV
// reader parses by (a quote opens a quoted field only at its start, "" is a
// quote inside one, a line starting with the comment character is a
// comment), so that no record is cut in two.
#ifndef NABLA_PLUGINS_DATA_SOURCES_CSV_PIECES_H_
#define NABLA_PLUGINS_DATA_SOURCES_CSV_PIECES_H_

#include <zlib.h>

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nabla {

class CsvPieces {
 public:
  static constexpr size_t kBlockBytes = size_t{4} << 20;
  // A record longer than this (most likely a quote that never closes) is
  // an error rather than a buffer that grows with the file.
  static constexpr size_t kMaxRecordBytes = size_t{64} << 20;

  // Opens `path`, a regular file (else an error naming it), to be read
  // `block_bytes` at a time.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<CsvPieces>> Open(
      const std::string& path, char delimiter, char comment,
      size_t block_bytes = kBlockBytes);
  ~CsvPieces();
  CsvPieces(const CsvPieces&) = delete;
  CsvPieces& operator=(const CsvPieces&) = delete;

  // The text after the previous piece up to the end of its last whole
  // record (or the end of the file); empty at the end. Valid until the
  // next call.
  [[nodiscard]] absl::StatusOr<absl::string_view> Next();

 private:
  CsvPieces(gzFile file, std::string path, char delimiter, char comment,
            size_t block_bytes)
      : file_(file),
        path_(std::move(path)),
        delimiter_(delimiter),
        comment_(comment),
        block_bytes_(block_bytes) {}
  // Where the last whole record of buffer_ ends (0: none yet).
  size_t LastRecordEnd() const;

  gzFile file_;
  const std::string path_;
  const char delimiter_, comment_;
  const size_t block_bytes_;
  std::string buffer_;
  size_t returned_ = 0;  // bytes of buffer_ the last piece held
  bool at_end_ = false;
};

}  // namespace nabla

#endif  // NABLA_PLUGINS_DATA_SOURCES_CSV_PIECES_H_
