#include "core/run/metrics_log.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace nabla {
namespace {

// Metric names are identifiers in practice; escaping keeps a surprising
// one from breaking the line.
std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

void AppendKey(std::string* out, absl::string_view key,
               absl::string_view value) {
  if (out->size() > 1) *out += ',';
  absl::StrAppend(out, JsonString(key), ":", value);
}

void AppendSplit(std::string* out, absl::string_view prefix,
                 const std::optional<double>& loss,
                 const std::vector<NamedMetric>& metrics) {
  if (loss.has_value()) {
    AppendKey(out, absl::StrCat(prefix, "loss"), JsonNumber(*loss));
  }
  for (const NamedMetric& m : metrics) {
    AppendKey(out, absl::StrCat(prefix, m.name), JsonNumber(m.value));
  }
}

[[nodiscard]] absl::Status FileError(int error, absl::string_view what,
                                     const std::string& path) {
  return absl::ErrnoToStatus(error,
                             absl::StrCat("--metrics_out: ", what, " ", path));
}

}  // namespace

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  // Whole numbers below 2^53 read better in full ("1000000", not "1e+06").
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return absl::StrFormat("%.0f", value);
  }
  // std::to_chars without a precision gives the shortest round-trip form.
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string FormatMetricsJson(const EpochRecord& record) {
  std::string out = "{";
  AppendKey(&out, "epoch", absl::StrCat(record.epoch));
  AppendKey(&out, "step", absl::StrCat(record.step));
  AppendSplit(&out, "", record.loss, record.metrics);
  AppendSplit(&out, "val_", record.val_loss, record.val_metrics);
  AppendSplit(&out, "test_", record.test_loss, record.test_metrics);
  AppendKey(&out, "lr",
            record.lr.has_value() ? JsonNumber(*record.lr) : "null");
  AppendKey(&out, "samples_per_sec", JsonNumber(record.samples_per_sec));
  AppendKey(&out, "seconds", JsonNumber(record.seconds));
  AppendKey(&out, "epoch_seconds", JsonNumber(record.epoch_seconds));
  out += '}';
  return out;
}

absl::StatusOr<std::unique_ptr<MetricsLog>> MetricsLog::Open(
    const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return FileError(errno, "cannot open", path);
  return std::unique_ptr<MetricsLog>(new MetricsLog(path, file));
}

MetricsLog::~MetricsLog() {
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status MetricsLog::Append(const EpochRecord& record) {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("--metrics_out: ", path_, " is closed"));
  }
  const std::string line = FormatMetricsJson(record) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fflush(file_) != 0) {
    return FileError(errno, "cannot write", path_);
  }
  return absl::OkStatus();
}

absl::Status MetricsLog::Close() {
  if (file_ == nullptr) return absl::OkStatus();
  std::FILE* file = std::exchange(file_, nullptr);
  if (std::fclose(file) != 0) return FileError(errno, "cannot close", path_);
  return absl::OkStatus();
}

}  // namespace nabla
