#include "plugins/data_sources/csv_pieces.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/file_read.h"
#include "core/status_macros.h"

namespace nabla {

absl::StatusOr<std::unique_ptr<CsvPieces>> CsvPieces::Open(
    const std::string& path, char delimiter, char comment, size_t block_bytes) {
  NABLA_RETURN_IF_ERROR(CheckRegularFile(path));
  // gzread reads a file that is not compressed as it is.
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  }
  return std::unique_ptr<CsvPieces>(
      new CsvPieces(file, path, delimiter, comment, block_bytes));
}

CsvPieces::~CsvPieces() { gzclose(file_); }

absl::StatusOr<absl::string_view> CsvPieces::Next() {
  buffer_.erase(0, returned_);
  returned_ = 0;
  for (;;) {
    const size_t end = LastRecordEnd();
    if (end > 0) {
      returned_ = end;
      return absl::string_view(buffer_).substr(0, end);
    }
    if (at_end_) {
      // The last record, without a line break after it (or nothing).
      returned_ = buffer_.size();
      return absl::string_view(buffer_);
    }
    if (buffer_.size() > kMaxRecordBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": a record longer than ", kMaxRecordBytes >> 20,
                       " MiB (a quoted field that never closes?)"));
    }
    const size_t had = buffer_.size();
    buffer_.resize(had + block_bytes_);
    const int got = gzread(file_, buffer_.data() + had,
                           static_cast<unsigned>(block_bytes_));
    if (got < 0) {
      int code = 0;
      const char* message = gzerror(file_, &code);
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": cannot read: ", message));
    }
    buffer_.resize(had + static_cast<size_t>(got));
    if (got == 0) at_end_ = true;
  }
}

size_t CsvPieces::LastRecordEnd() const {
  enum class State { kFieldStart, kPlain, kQuoted, kAfterQuote };
  const std::string& t = buffer_;
  const size_t n = t.size();
  size_t last = 0;
  bool record_start = true;
  State state = State::kFieldStart;
  for (size_t i = 0; i < n; ++i) {
    const char c = t[i];
    if (state == State::kQuoted) {
      if (c != '"') continue;
      if (i + 1 == n && !at_end_) return last;  // "" or the closing quote?
      if (i + 1 < n && t[i + 1] == '"') {
        ++i;
      } else {
        state = State::kAfterQuote;
      }
      continue;
    }
    if (record_start && comment_ != '\0' && c == comment_) {
      // A comment line: to its end, quotes and all.
      while (i < n && t[i] != '\n' && t[i] != '\r') ++i;
      if (i == n) return last;
    }
    const char now = t[i];
    if (now == '\n' || now == '\r') {
      if (now == '\r' && i + 1 == n && !at_end_) return last;  // \r\n?
      if (now == '\r' && i + 1 < n && t[i + 1] == '\n') ++i;
      last = i + 1;
      record_start = true;
      state = State::kFieldStart;
      continue;
    }
    record_start = false;
    if (now == delimiter_) {
      state = State::kFieldStart;
    } else if (state == State::kFieldStart) {
      if (now == '"') {
        state = State::kQuoted;
      } else if (now != ' ' && now != '\t') {
        state = State::kPlain;
      }
    }
  }
  return last;
}

}  // namespace nabla
