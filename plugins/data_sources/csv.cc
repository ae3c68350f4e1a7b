// "csv": samples from a CSV file, one row per sample. Chosen columns feed
// two placeholders: the features as [N, F] and the targets as [N, T], or as
// [N] class indices with labels: "classes".
//
//   data { source { name: "csv"
//     attr { key: "path" value { s: "iris.csv" } }
//     attr { key: "target_columns" value { list { s: "species" } } }
//     attr { key: "labels" value { s: "classes" } } } }
//
// Attributes:
//   path (string, required): the file. A relative path is resolved against
//       the model file's directory. A gzip-compressed file is decompressed.
//       A glob pattern ("parts/*.csv") names shards: every matching file in
//       sorted order, each with the first's header (or width), read as one
//       table.
//   header (bool, true): the first row names the columns.
//   delimiter (string, ","): the one character between fields: ";", "\t".
//   feature_columns (list(string), []): the feature columns by header name,
//       in the order they fill a sample's feature row.
//   feature_indices (list(int), []): the same by 0-based column index. Set
//       at most one of the two; when neither is set, every column that is
//       not a target is a feature, in file order.
//   target_columns (list(string), []), target_indices (list(int), []): the
//       target columns, likewise. When neither is set, every column that is
//       not a feature is a target (if none is left, only features are fed).
//       The features, the targets or both must be chosen, and no column may
//       be both.
//   weight_columns (list(string), []), weight_indices (list(int), []): at
//       most one column of per-sample weights (numbers >= 0), neither a
//       feature nor a target, fed as [N] to weights_placeholder (for a
//       WeightedMean of a loss with reduction "none").
//   features_placeholder (string, "x"): the placeholder fed the features.
//   targets_placeholder (string, "y"): the placeholder fed the targets.
//   weights_placeholder (string, "w"): the placeholder fed the weights.
//   labels (string, "numbers"): "numbers": target cells are numbers.
//       "classes": the one target column holds class labels (integers or any
//       text), fed as [N] indices 0..K-1.
//   classes (list(string), []): with labels: "classes", the labels in index
//       order; a cell holding another label is an error. When empty, the
//       distinct labels of the file, sorted: numbers first, by value ("2"
//       before "10"), then text; for validation and test data, the
//       training data's classes (a label training never had is an error),
//       so a split that lacks a class reads the others as training did.
//       Labels are compared as written: "1" and "1.0" are two classes. An
//       empty cell is an error unless classes lists "".
//   dtype (string, "float32"): "float32" or "float64", of both columns.
//   skip_rows (int, 0): rows skipped before the header (or the first row of
//       data), such as the line of metadata scikit-learn's CSVs start with.
//   comment (string, ""): a line that starts with this character is
//       skipped wherever it is ("#" for comment lines); none when empty.
//
// The format is RFC 4180's: a field in double quotes may hold the
// delimiter, line breaks and "" for a quote. Lines end in \n, \r\n or \r.
// Spaces and tabs around a field are dropped (inside quotes they are kept);
// a UTF-8 byte order mark is skipped. Blank lines at the end are ignored,
// elsewhere they are an error. A number is decimal, with an optional sign
// and exponent; "nan", "inf" and numbers beyond the dtype's range are
// refused. Cells of columns that are not chosen are not read, but every row
// must have as many columns as the first. Errors name the file, the 1-based
// line (a row's number is the line it starts on), the 1-based column with
// its header name, and what was expected:
//
//   data.csv:7: column 3 ("hours"): expected a number, got "abc"
//   data.csv:9: 4 columns, expected 5 (as in row 1)
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/charconv.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "core/attrs.h"
#include "core/data_source.h"
#include "core/status_macros.h"
#include "plugins/data_sources/csv_pieces.h"
#include "plugins/data_sources/data_file.h"

namespace nabla {
namespace {

// The columns of one role (features or targets) as the attributes give
// them: by header name or by index, or neither (the columns left over).
struct ColumnChoice {
  std::string role;  // "feature", "target", "weight"
  std::vector<std::string> names;
  std::vector<int64_t> indices;

  std::string names_attr() const { return absl::StrCat(role, "_columns"); }
  std::string indices_attr() const { return absl::StrCat(role, "_indices"); }
  bool empty() const { return names.empty() && indices.empty(); }
};

struct CsvOptions {
  std::string path;
  bool header = true;
  char delimiter = ',';
  int64_t skip_rows = 0;
  char comment = '\0';  // none
  ColumnChoice features, targets, weights;
  std::string features_placeholder, targets_placeholder, weights_placeholder;
  bool classes = false;  // labels: "classes"
  std::vector<std::string> class_order;
  // class_order is the training data's (DataSourceContext::training_classes).
  bool training_order = false;
  // Only the class labels are read, for SortedClasses(): the first pass
  // over streamed data, which fixes the classes before any row is fed.
  bool labels_only = false;
  DType dtype = DType::kFloat32;
};

// A number as written in a cell: "15", "-1.5", "+2e-3". Not finite values
// ("inf", "nan", "1e999") are returned for the caller to refuse; hex ("0x1p3")
// is not a number. absl::from_chars, unlike strtod, ignores the C locale.
std::optional<double> ParseNumber(absl::string_view text) {
  // Plain integers of up to 15 digits (pixels, counts, class labels) are
  // exact in a double and several times faster to read by hand.
  const size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+');
  if (text.size() > sign && text.size() <= 15 + sign) {
    int64_t digits = 0;
    size_t i = sign;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      digits = digits * 10 + (text[i++] - '0');
    }
    if (i == text.size()) {
      return text[0] == '-' ? -static_cast<double>(digits)
                            : static_cast<double>(digits);
    }
  }
  if (absl::ConsumePrefix(&text, "+") && absl::StartsWith(text, "-")) {
    return std::nullopt;
  }
  if (absl::StartsWithIgnoreCase(absl::StripPrefix(text, "-"), "0x")) {
    return std::nullopt;
  }
  double value = 0;
  const char* end = text.data() + text.size();
  const absl::from_chars_result result =
      absl::from_chars(text.data(), end, value);
  if (result.ec == std::errc::invalid_argument || result.ptr != end) {
    return std::nullopt;
  }
  // Out of range: from_chars gives the largest double for an overflow and
  // 0 for an underflow.
  if (result.ec == std::errc::result_out_of_range && std::fabs(value) > 1) {
    return std::copysign(std::numeric_limits<double>::infinity(), value);
  }
  return value;
}

std::string Plural(size_t count, absl::string_view noun) {
  return absl::StrCat(count, " ", noun, count == 1 ? "" : "s");
}

// ---------------------------------------------------------------------------
// Reading records.

// One record. Its fields point into the text or into the reader, and stay
// valid until the reader's next Next().
struct Record {
  int64_t line = 0;  // 1-based line where the record starts
  std::vector<absl::string_view> fields;
  bool any_quoted = false;

  // An empty or all-blank line.
  bool blank() const {
    return fields.size() == 1 && fields[0].empty() && !any_quoted;
  }
};

class CsvReader {
 public:
  // `text` holds whole records, the first on line `first_line`.
  CsvReader(absl::string_view text, char delimiter, char comment,
            const std::string& file, int64_t first_line = 1)
      : text_(text),
        delimiter_(delimiter),
        file_(file),
        line_(first_line),
        comment_(comment) {}

  // The line after the records read so far.
  int64_t line() const { return line_; }

  // Reads the next record into `record`, past comment lines; false at the
  // end of the text.
  [[nodiscard]] absl::StatusOr<bool> Next(Record* record) {
    while (comment_ != '\0' && !AtEnd() && text_[pos_] == comment_) {
      while (!AtLineEnd()) ++pos_;
      EndLine();
    }
    if (AtEnd()) return false;
    record->line = line_;
    record->fields.clear();
    record->any_quoted = false;
    unescaped_.clear();
    for (;;) {
      SkipPads();
      absl::string_view field;
      if (!AtEnd() && text_[pos_] == '"') {
        const int column = static_cast<int>(record->fields.size()) + 1;
        NABLA_ASSIGN_OR_RETURN(field, ReadQuoted(column));
        record->any_quoted = true;
      } else {
        field = ReadPlain();
      }
      record->fields.push_back(field);
      if (AtEnd() || text_[pos_] != delimiter_) break;
      ++pos_;
    }
    EndLine();
    return true;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool AtLineEnd() const {
    return AtEnd() || text_[pos_] == '\n' || text_[pos_] == '\r';
  }
  bool IsPad(char c) const {
    return (c == ' ' || c == '\t') && c != delimiter_;
  }
  void SkipPads() {
    while (!AtEnd() && IsPad(text_[pos_])) ++pos_;
  }

  // Consumes \n, \r\n or \r, if there.
  void EndLine() {
    if (AtEnd()) return;
    if (text_[pos_] == '\r') {
      ++pos_;
      if (!AtEnd() && text_[pos_] == '\n') ++pos_;
    } else {
      ++pos_;  // '\n'
    }
    ++line_;
  }

  // An unquoted field, without the blanks around it.
  absl::string_view ReadPlain() {
    const size_t start = pos_;
    while (!AtLineEnd() && text_[pos_] != delimiter_) ++pos_;
    size_t end = pos_;
    while (end > start && IsPad(text_[end - 1])) --end;
    return text_.substr(start, end - start);
  }

  // A quoted field, from the opening quote at pos_ through the closing one
  // and the blanks after it.
  [[nodiscard]] absl::StatusOr<absl::string_view> ReadQuoted(int column) {
    const int64_t open_line = line_;
    const size_t start = ++pos_;
    bool escaped = false;
    size_t close;
    for (;;) {
      close = text_.find('"', pos_);
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat(file_, ":", open_line, ": column ", column,
                         ": the quoted field never closes"));
      }
      if (close + 1 < text_.size() && text_[close + 1] == '"') {
        escaped = true;
        pos_ = close + 2;
        continue;
      }
      break;
    }
    absl::string_view field = text_.substr(start, close - start);
    line_ += CountLineBreaks(field);
    pos_ = close + 1;
    SkipPads();
    if (!AtLineEnd() && text_[pos_] != delimiter_) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_, ":", line_, ": column ", column, ": unexpected '",
          text_.substr(pos_, 1), "' after the closing quote (write \"\" for a ",
          "quote inside quotes)"));
    }
    if (!escaped) return field;
    unescaped_.emplace_back();
    std::string& out = unescaped_.back();
    for (size_t i = 0; i < field.size(); ++i) {
      out.push_back(field[i]);
      if (field[i] == '"') ++i;  // the second quote of ""
    }
    return absl::string_view(out);
  }

  static int64_t CountLineBreaks(absl::string_view text) {
    int64_t count = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') ++count;
      if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
        ++count;
      }
    }
    return count;
  }

  absl::string_view text_;
  char delimiter_;
  const std::string& file_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  const char comment_;
  // Quoted fields with "" inside, unescaped; a deque keeps them in place.
  std::deque<std::string> unescaped_;
};

// ---------------------------------------------------------------------------
// Turning records into columns.

class CsvTable {
 public:
  explicit CsvTable(CsvOptions options) : options_(std::move(options)) {}

  // Adds the rows of one file. Files after the first (shards of one table)
  // must have the first's header, or without one, its number of columns.
  [[nodiscard]] absl::Status AddFile(std::string file, absl::string_view text) {
    BeginFile(std::move(file));
    NABLA_RETURN_IF_ERROR(AddRecords(text, 1).status());
    return EndFile();
  }

  // A file read in pieces: BeginFile(), AddRecords() for each piece of
  // whole records in order, EndFile().
  void BeginFile(std::string file) {
    file_ = std::move(file);
    files_.push_back({file_, rows_});
    file_rows_ = 0;
    skipped_ = 0;
    blank_line_ = 0;
    first_record_ = true;
  }

  // Whole records of the file being read, from line `first_line`; returns
  // the line after them.
  [[nodiscard]] absl::StatusOr<int64_t> AddRecords(absl::string_view text,
                                                   int64_t first_line) {
    if (first_line == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") {
      text.remove_prefix(3);
    }
    CsvReader reader(text, options_.delimiter, options_.comment, file_,
                     first_line);
    Record record;
    for (;;) {
      NABLA_ASSIGN_OR_RETURN(const bool more, reader.Next(&record));
      if (!more) break;
      if (skipped_ < options_.skip_rows) {
        ++skipped_;
        continue;
      }
      if (record.blank()) {
        if (blank_line_ == 0) blank_line_ = record.line;
        continue;
      }
      if (blank_line_ != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(file_, ":", blank_line_,
                         ": blank line (blank lines may only end the file)"));
      }
      if (first_record_) {
        first_record_ = false;
        NABLA_RETURN_IF_ERROR(
            files_.size() == 1 && !begun_ ? Begin(record) : BeginShard(record));
        begun_ = true;
        if (options_.header) continue;
      }
      NABLA_RETURN_IF_ERROR(AddRow(record));
    }
    return reader.line();
  }

  [[nodiscard]] absl::Status EndFile() {
    if (first_record_) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_, ": the file is empty"));
    }
    return absl::OkStatus();
  }

  // Rows added and not yet taken; all rows added.
  int64_t rows() const { return rows_ - taken_; }
  int64_t rows_read() const { return rows_; }

  // The distinct class labels of every row, in index order (see
  // ClassIndices); with labels_only.
  std::vector<std::string> SortedClasses() const {
    std::vector<std::string> sorted(distinct_labels_.begin(),
                                    distinct_labels_.end());
    std::sort(sorted.begin(), sorted.end(), ClassLess);
    return sorted;
  }

  // Every row, as the source's columns.
  [[nodiscard]] absl::StatusOr<std::vector<DataColumn>> Finish() {
    if (rows_ == 0) return Error("no rows of data after the header");
    return TakeColumns();
  }

  // The rows added since the last TakeColumns(), as columns, which no
  // longer holds them; sample 0 is the first of them.
  [[nodiscard]] absl::StatusOr<std::vector<DataColumn>> TakeColumns() {
    const int64_t rows = rows_ - taken_;
    std::vector<DataColumn> columns;
    const int64_t features = static_cast<int64_t>(feature_cols_.size());
    columns.push_back(
        {options_.features_placeholder,
         Tensor::FromValues(options_.dtype, {rows, features}, features_)});
    if (options_.classes) {
      std::vector<std::string> names;
      const std::vector<double> indices = ClassIndices(&names);
      columns.push_back({options_.targets_placeholder,
                         Tensor::FromValues(options_.dtype, {rows}, indices),
                         std::move(names)});
    } else if (!target_cols_.empty()) {
      const int64_t targets = static_cast<int64_t>(target_cols_.size());
      columns.push_back(
          {options_.targets_placeholder,
           Tensor::FromValues(options_.dtype, {rows, targets}, targets_)});
    }
    if (!weight_cols_.empty()) {
      columns.push_back({options_.weights_placeholder,
                         Tensor::FromValues(options_.dtype, {rows}, weights_)});
    }
    // The files of these rows, counted from the first of them.
    SampleOrigin origin;
    for (const SampleOrigin::File& file : files_) {
      origin.files.push_back(
          {file.name, std::max<int64_t>(0, file.first_sample - taken_)});
    }
    origin.lines = std::move(lines_);
    for (DataColumn& column : columns) column.origin = origin;
    taken_ = rows_;
    files_.erase(files_.begin(), files_.end() - 1);
    features_.clear();
    targets_.clear();
    weights_.clear();
    labels_.clear();
    lines_.clear();
    return columns;
  }

 private:
  // The first record of a file after the first: the same header (or
  // number of columns) as the first file's.
  [[nodiscard]] absl::Status BeginShard(const Record& record) {
    const std::string& first_file = first_file_;
    first_line_ = record.line;
    if (options_.header) {
      const std::vector<std::string> names(record.fields.begin(),
                                           record.fields.end());
      if (names == names_) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat(
          file_, ":", record.line, ": the header (",
          data_file::QuoteJoin(names), ") is not that of ", first_file, " (",
          data_file::QuoteJoin(names_),
          "); the files of one source must have the same columns"));
    }
    const int width = static_cast<int>(record.fields.size());
    if (width == width_) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(file_, ":", record.line, ": ", Plural(width, "column"),
                     ", but ", first_file, " has ", width_,
                     "; the files of one source must have the same columns"));
  }

  // The first record: the header or the first row of data. It fixes the
  // number of columns and, with the attributes, which are chosen.
  [[nodiscard]] absl::Status Begin(const Record& record) {
    first_file_ = file_;
    width_ = static_cast<int>(record.fields.size());
    first_line_ = record.line;
    if (options_.header) {
      for (absl::string_view name : record.fields) names_.emplace_back(name);
    }
    for (size_t i = 0; i < options_.class_order.size(); ++i) {
      class_index_[options_.class_order[i]] = static_cast<int>(i);
    }
    return Choose();
  }

  [[nodiscard]] absl::Status Choose() {
    NABLA_ASSIGN_OR_RETURN(feature_cols_, Resolve(options_.features));
    NABLA_ASSIGN_OR_RETURN(target_cols_, Resolve(options_.targets));
    NABLA_ASSIGN_OR_RETURN(weight_cols_, Resolve(options_.weights));
    for (int column : feature_cols_) {
      if (std::count(target_cols_.begin(), target_cols_.end(), column) > 0) {
        return Error(absl::StrCat(ColumnLabel(column),
                                  " is both a feature and a target"));
      }
    }
    for (int column : weight_cols_) {
      if (std::count(feature_cols_.begin(), feature_cols_.end(), column) +
              std::count(target_cols_.begin(), target_cols_.end(), column) >
          0) {
        return Error(absl::StrCat(ColumnLabel(column),
                                  " is the weights and a feature or target"));
      }
    }
    // Columns left over are features or targets, never the weights.
    auto others = [&](std::vector<int> taken) {
      taken.insert(taken.end(), weight_cols_.begin(), weight_cols_.end());
      return Others(taken);
    };
    if (options_.features.empty()) feature_cols_ = others(target_cols_);
    if (options_.targets.empty()) target_cols_ = others(feature_cols_);
    if (feature_cols_.empty()) {
      return Error(absl::StrCat("no feature columns: all ",
                                Plural(width_, "column"), " are targets"));
    }
    if (options_.classes && target_cols_.size() != 1) {
      std::vector<std::string> labels;
      for (int column : target_cols_) labels.push_back(ColumnLabel(column));
      return Error(absl::StrCat(
          "labels: \"classes\" needs exactly one target column, got ",
          target_cols_.size(), labels.empty() ? "" : ": ",
          absl::StrJoin(labels, ", ")));
    }
    return absl::OkStatus();
  }

  // The 0-based columns `choice` names, in its order (empty when it names
  // none).
  [[nodiscard]] absl::StatusOr<std::vector<int>> Resolve(
      const ColumnChoice& choice) const {
    std::vector<int> columns;
    for (const std::string& name : choice.names) {
      NABLA_ASSIGN_OR_RETURN(const int column,
                             FindName(choice.names_attr(), name));
      columns.push_back(column);
    }
    for (int64_t index : choice.indices) {
      if (index >= width_) {
        return Error(absl::StrCat(choice.indices_attr(), " has ", index,
                                  ", but row ", first_line_, " has ",
                                  Plural(width_, "column"), " (indices 0 to ",
                                  width_ - 1, ")"));
      }
      columns.push_back(static_cast<int>(index));
    }
    return columns;
  }

  [[nodiscard]] absl::StatusOr<int> FindName(const std::string& attr,
                                             const std::string& name) const {
    std::vector<int> found;
    for (int i = 0; i < width_; ++i) {
      if (names_[i] == name) found.push_back(i);
    }
    if (found.empty()) {
      return Error(absl::StrCat(
          attr, " names \"", name,
          "\", which is not in the header: ", data_file::QuoteJoin(names_)));
    }
    if (found.size() > 1) {
      return Error(absl::StrCat(attr, " names \"", name,
                                "\", which the header has twice (columns ",
                                found[0] + 1, " and ", found[1] + 1, ")"));
    }
    return found[0];
  }

  // Every column not in `taken`, in file order.
  std::vector<int> Others(const std::vector<int>& taken) const {
    std::vector<int> others;
    for (int i = 0; i < width_; ++i) {
      if (std::count(taken.begin(), taken.end(), i) == 0) others.push_back(i);
    }
    return others;
  }

  [[nodiscard]] absl::Status AddRow(const Record& row) {
    const int width = static_cast<int>(row.fields.size());
    if (width != width_) {
      // No row has fit yet: most likely the first row is not part of the
      // table (scikit-learn's CSVs start with a line of metadata).
      const std::string hint =
          file_rows_ > 0 ? ""
                         : "; only the first row has that many: if the file "
                           "starts with lines that are not part of the table, "
                           "skip them with skip_rows";
      return absl::InvalidArgumentError(absl::StrCat(
          file_, ":", row.line, ": ", Plural(width, "column"), ", expected ",
          width_, " (as in row ", first_line_, ")", hint));
    }
    if (options_.labels_only) {
      NABLA_RETURN_IF_ERROR(AddClass(row, target_cols_[0]));
      distinct_labels_.insert(std::move(labels_.back()));
      labels_.clear();
      ++rows_;
      ++file_rows_;
      return absl::OkStatus();
    }
    for (int column : feature_cols_) {
      NABLA_RETURN_IF_ERROR(AddNumber(row, column, &features_));
    }
    if (options_.classes) {
      NABLA_RETURN_IF_ERROR(AddClass(row, target_cols_[0]));
    } else {
      for (int column : target_cols_) {
        NABLA_RETURN_IF_ERROR(AddNumber(row, column, &targets_));
      }
    }
    for (int column : weight_cols_) {
      NABLA_RETURN_IF_ERROR(AddNumber(row, column, &weights_));
      if (weights_.back() < 0) {
        return CellError(row, column, "expected a weight >= 0",
                         row.fields[column]);
      }
    }
    lines_.push_back(row.line);
    ++rows_;
    ++file_rows_;
    return absl::OkStatus();
  }

  [[nodiscard]] absl::Status AddNumber(const Record& row, int column,
                                       std::vector<double>* out) const {
    const absl::string_view cell = row.fields[column];
    const std::optional<double> value = ParseNumber(cell);
    if (!value.has_value()) {
      return CellError(row, column, "expected a number", cell);
    }
    if (!std::isfinite(*value)) {
      return CellError(row, column, "expected a finite number", cell);
    }
    if (options_.dtype == DType::kFloat32 && std::fabs(*value) > FLT_MAX) {
      return CellError(row, column, "expected a number in float32's range",
                       cell);
    }
    out->push_back(*value);
    return absl::OkStatus();
  }

  [[nodiscard]] absl::Status AddClass(const Record& row, int column) {
    const absl::string_view cell = row.fields[column];
    // A missing label, not a class named "", unless `classes` declares one.
    if (cell.empty() && std::count(options_.class_order.begin(),
                                   options_.class_order.end(), "") == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_, ":", row.line, ": ", ColumnLabel(column),
          ": the class label is empty (list \"\" in classes if empty is a "
          "class)"));
    }
    if (!options_.class_order.empty() &&
        class_index_.count(std::string(cell)) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_, ":", row.line, ": ", ColumnLabel(column), ": class \"", cell,
          options_.training_order ? "\" is not among the training data's ("
                                  : "\" is not in classes (",
          data_file::QuoteJoin(options_.class_order), ")"));
    }
    labels_.emplace_back(cell);
    return absl::OkStatus();
  }

  // Each row's label as its index in the classes, given or sorted; the
  // classes in index order go to `names`.
  std::vector<double> ClassIndices(std::vector<std::string>* names) {
    if (options_.class_order.empty()) {
      std::vector<std::string> sorted = labels_;
      std::sort(sorted.begin(), sorted.end(), ClassLess);
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      for (size_t i = 0; i < sorted.size(); ++i) {
        class_index_[sorted[i]] = static_cast<int>(i);
      }
      *names = std::move(sorted);
    } else {
      *names = options_.class_order;
    }
    std::vector<double> indices;
    indices.reserve(labels_.size());
    for (const std::string& label : labels_) {
      indices.push_back(class_index_.at(label));
    }
    return indices;
  }

  // Numbers first, by value (then as written, so "1" and "1.0" differ);
  // then other text, by bytes.
  static bool ClassLess(const std::string& a, const std::string& b) {
    std::optional<double> x = ParseNumber(a), y = ParseNumber(b);
    if (x.has_value() && !std::isfinite(*x)) x.reset();
    if (y.has_value() && !std::isfinite(*y)) y.reset();
    if (x.has_value() != y.has_value()) return x.has_value();
    if (x.has_value() && *x != *y) return *x < *y;
    return a < b;
  }

  // `column 3 ("hours")`, or `column 3` without a header.
  std::string ColumnLabel(int column) const {
    if (names_.empty()) return absl::StrCat("column ", column + 1);
    return absl::StrCat("column ", column + 1, " (\"", names_[column], "\")");
  }

  [[nodiscard]] absl::Status CellError(const Record& row, int column,
                                       absl::string_view expected,
                                       absl::string_view cell) const {
    return absl::InvalidArgumentError(
        absl::StrCat(file_, ":", row.line, ": ", ColumnLabel(column), ": ",
                     expected, ", got \"", cell, "\""));
  }

  [[nodiscard]] absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(file_, ": ", what));
  }

  const CsvOptions options_;
  std::string file_;                // the file being read
  int width_ = 0;                   // columns of every row
  int64_t first_line_ = 0;          // the line of the header or first row
  std::vector<std::string> names_;  // from the header; empty without one
  std::vector<int> feature_cols_, target_cols_, weight_cols_;  // 0-based
  std::vector<double> features_, targets_, weights_;           // row-major
  std::vector<std::string> labels_;  // with labels: "classes", per row
  std::vector<int64_t> lines_;       // the line each row starts on
  // The files of the rows not yet taken, each with its first row.
  std::vector<SampleOrigin::File> files_;
  std::string first_file_;  // whose first record fixed the columns
  int64_t taken_ = 0;       // rows already taken by TakeColumns()
  // Of the file being read: rows skipped (skip_rows), the first of the
  // blank lines just read, whether its first record is still to come.
  int64_t skipped_ = 0;
  int64_t blank_line_ = 0;
  bool first_record_ = true;
  bool begun_ = false;                     // Begin() has fixed the columns
  std::set<std::string> distinct_labels_;  // with labels_only
  std::unordered_map<std::string, int> class_index_;
  int64_t rows_ = 0;
  int64_t file_rows_ = 0;  // rows of the file being read
};

class CsvSource : public DataSource {
 public:
  explicit CsvSource(CsvOptions options) : options_(std::move(options)) {}

  [[nodiscard]] absl::StatusOr<std::vector<DataColumn>> Load(
      const DataSourceContext& context) const override {
    NABLA_ASSIGN_OR_RETURN(const std::vector<std::string> files,
                           data_file::ExpandPaths(context, options_.path));
    CsvTable table(OptionsFor(context));
    for (const std::string& file : files) {
      NABLA_ASSIGN_OR_RETURN(data_file::Contents contents,
                             data_file::Read(file));
      NABLA_RETURN_IF_ERROR(table.AddFile(file, contents.bytes));
    }
    return table.Finish();
  }

  // Reads the files in pieces (CsvPieces), holding one chunk of rows at a
  // time. Class labels without a given order take a first pass that reads
  // only them, so that every chunk indexes them alike.
  [[nodiscard]] absl::Status Stream(
      const DataSourceContext& context, int64_t chunk_samples,
      const ChunkConsumer& consume) const override {
    NABLA_ASSIGN_OR_RETURN(const std::vector<std::string> files,
                           data_file::ExpandPaths(context, options_.path));
    CsvOptions options = OptionsFor(context);
    if (options.classes && options.class_order.empty()) {
      CsvOptions labels = options;
      labels.labels_only = true;
      CsvTable table(labels);
      NABLA_RETURN_IF_ERROR(ReadPieces(files, table, 0, nullptr));
      options.class_order = table.SortedClasses();
      if (options.class_order.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(files.back(), ": no rows of data after the header"));
      }
    }
    CsvTable table(options);
    return ReadPieces(files, table, std::max<int64_t>(1, chunk_samples),
                      &consume);
  }

 private:
  CsvOptions OptionsFor(const DataSourceContext& context) const {
    CsvOptions options = options_;
    const std::vector<std::string>* trained =
        context.TrainingClasses(options.targets_placeholder);
    if (options.classes && options.class_order.empty() && trained != nullptr) {
      options.class_order = *trained;
      options.training_order = true;
    }
    return options;
  }

  // Every file into `table` piece by piece; with `consume`, the rows go to
  // it in chunks of `chunk_samples` or more, and the last ones at the end.
  [[nodiscard]] absl::Status ReadPieces(const std::vector<std::string>& files,
                                        CsvTable& table, int64_t chunk_samples,
                                        const ChunkConsumer* consume) const {
    for (const std::string& file : files) {
      NABLA_ASSIGN_OR_RETURN(
          std::unique_ptr<CsvPieces> pieces,
          CsvPieces::Open(file, options_.delimiter, options_.comment));
      table.BeginFile(file);
      for (int64_t line = 1;;) {
        NABLA_ASSIGN_OR_RETURN(const absl::string_view piece, pieces->Next());
        if (piece.empty()) break;
        NABLA_ASSIGN_OR_RETURN(line, table.AddRecords(piece, line));
        if (consume != nullptr && table.rows() >= chunk_samples) {
          NABLA_ASSIGN_OR_RETURN(std::vector<DataColumn> chunk,
                                 table.TakeColumns());
          NABLA_RETURN_IF_ERROR((*consume)(std::move(chunk)));
        }
      }
      NABLA_RETURN_IF_ERROR(table.EndFile());
    }
    if (consume == nullptr) return absl::OkStatus();
    if (table.rows_read() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(files.back(), ": no rows of data after the header"));
    }
    if (table.rows() > 0) {
      NABLA_ASSIGN_OR_RETURN(std::vector<DataColumn> chunk,
                             table.TakeColumns());
      return (*consume)(std::move(chunk));
    }
    return absl::OkStatus();
  }

  CsvOptions options_;
};

// ---------------------------------------------------------------------------
// Checking the attributes.

[[nodiscard]] absl::Status CheckNoRepeats(
    const std::string& attr, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::find(values.begin(), values.begin() + i, values[i]) !=
        values.begin() + i) {
      return absl::InvalidArgumentError(
          absl::StrCat(attr, " lists \"", values[i], "\" twice"));
    }
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<ColumnChoice> ReadChoice(
    const ResolvedAttrs& attrs, const std::string& role, bool header) {
  ColumnChoice choice;
  choice.role = role;
  choice.names = attrs.GetStringList(choice.names_attr());
  const auto indices = attrs.GetIntList(choice.indices_attr());
  choice.indices.assign(indices.begin(), indices.end());
  if (!choice.names.empty() && !choice.indices.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("set ", choice.names_attr(), " or ", choice.indices_attr(),
                     ", not both"));
  }
  if (!choice.names.empty() && !header) {
    return absl::InvalidArgumentError(
        absl::StrCat(choice.names_attr(),
                     " needs a header (header is false): name the columns "
                     "by ",
                     choice.indices_attr(), " instead"));
  }
  NABLA_RETURN_IF_ERROR(CheckNoRepeats(choice.names_attr(), choice.names));
  for (size_t i = 0; i < choice.indices.size(); ++i) {
    const int64_t index = choice.indices[i];
    if (index < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(choice.indices_attr(), " must be >= 0, got ", index));
    }
    if (std::count(choice.indices.begin(), choice.indices.begin() + i, index) >
        0) {
      return absl::InvalidArgumentError(
          absl::StrCat(choice.indices_attr(), " lists ", index, " twice"));
    }
  }
  return choice;
}

[[nodiscard]] absl::Status ReadLabels(const ResolvedAttrs& attrs,
                                      CsvOptions* options) {
  const std::string& labels = attrs.GetString("labels");
  if (labels != "numbers" && labels != "classes") {
    return absl::InvalidArgumentError(absl::StrCat(
        "labels must be \"numbers\" or \"classes\", got \"", labels, "\""));
  }
  options->classes = labels == "classes";
  options->class_order = attrs.GetStringList("classes");
  if (!options->classes && !options->class_order.empty()) {
    return absl::InvalidArgumentError(
        "classes is set, but labels is \"numbers\": set labels: \"classes\"");
  }
  return CheckNoRepeats("classes", options->class_order);
}

[[nodiscard]] absl::Status ReadPlaceholders(const ResolvedAttrs& attrs,
                                            CsvOptions* options) {
  const std::vector<std::pair<const char*, std::string*>> placeholders = {
      {"features_placeholder", &options->features_placeholder},
      {"targets_placeholder", &options->targets_placeholder},
      {"weights_placeholder", &options->weights_placeholder}};
  for (size_t i = 0; i < placeholders.size(); ++i) {
    const auto& [name, value] = placeholders[i];
    *value = attrs.GetString(name);
    if (value->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, " is empty"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (*placeholders[j].second == *value) {
        return absl::InvalidArgumentError(
            absl::StrCat(placeholders[j].first, " and ", name, " are both \"",
                         *value, "\""));
      }
    }
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<std::unique_ptr<DataSource>> MakeCsvSource(
    const ResolvedAttrs& attrs) {
  CsvOptions options;
  options.path = attrs.GetString("path");
  if (options.path.empty()) {
    return absl::InvalidArgumentError("path is empty");
  }
  options.header = attrs.GetBool("header");
  const std::string& delimiter = attrs.GetString("delimiter");
  if (delimiter.size() != 1 || delimiter == "\"" || delimiter == "\n" ||
      delimiter == "\r") {
    return absl::InvalidArgumentError(absl::StrCat(
        "delimiter must be one character other than a double quote or a "
        "line break, got \"",
        delimiter, "\""));
  }
  options.delimiter = delimiter[0];
  options.skip_rows = attrs.GetInt("skip_rows");
  if (options.skip_rows < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("skip_rows must be >= 0, got ", options.skip_rows));
  }
  const std::string& comment = attrs.GetString("comment");
  if (comment.size() > 1 || comment == "\"" || comment == "\n" ||
      comment == "\r" || comment == delimiter || comment == " " ||
      comment == "\t") {
    return absl::InvalidArgumentError(absl::StrCat(
        "comment must be empty or one character other than the delimiter, a "
        "double quote, a blank or a line break, got \"",
        comment, "\""));
  }
  if (!comment.empty()) options.comment = comment[0];
  NABLA_ASSIGN_OR_RETURN(options.features,
                         ReadChoice(attrs, "feature", options.header));
  NABLA_ASSIGN_OR_RETURN(options.targets,
                         ReadChoice(attrs, "target", options.header));
  NABLA_ASSIGN_OR_RETURN(options.weights,
                         ReadChoice(attrs, "weight", options.header));
  if (options.weights.names.size() + options.weights.indices.size() > 1) {
    return absl::InvalidArgumentError(
        "weight_columns and weight_indices name at most one column");
  }
  if (options.features.empty() && options.targets.empty()) {
    return absl::InvalidArgumentError(
        "choose the targets (target_columns or target_indices) or the "
        "features (feature_columns or feature_indices)");
  }
  NABLA_RETURN_IF_ERROR(ReadLabels(attrs, &options));
  NABLA_RETURN_IF_ERROR(ReadPlaceholders(attrs, &options));
  NABLA_ASSIGN_OR_RETURN(options.dtype,
                         DTypeFromName(attrs.GetString("dtype")));
  return std::make_unique<CsvSource>(std::move(options));
}

NABLA_REGISTER_DATA_SOURCE("csv")
    .RequiredAttr("path", AttrType::kString)
    .Attr("header", true)
    .Attr("delimiter", ",")
    .Attr("skip_rows", int64_t{0})
    .Attr("comment", "")
    .StringListAttr("feature_columns", {})
    .IntListAttr("feature_indices", {})
    .StringListAttr("target_columns", {})
    .IntListAttr("target_indices", {})
    .StringListAttr("weight_columns", {})
    .IntListAttr("weight_indices", {})
    .Attr("features_placeholder", "x")
    .Attr("targets_placeholder", "y")
    .Attr("weights_placeholder", "w")
    .Attr("labels", "numbers")
    .StringListAttr("classes", {})
    .Attr("dtype", "float32")
    .Factory(MakeCsvSource)
    .Doc(
        "Rows of a CSV file: chosen columns feed features_placeholder "
        "[N, F] and targets_placeholder [N, T] (or [N] class indices), and "
        "a weight column weights_placeholder [N].");

}  // namespace
}  // namespace nabla
