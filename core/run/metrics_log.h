// The --metrics_out log: one JSON object per line per epoch (JSON Lines),
// for plotting or comparing runs with other tools.
//
//   {"epoch":3,"step":300,"loss":0.412,"accuracy":0.853,"val_loss":0.45,
//    "val_accuracy":0.84,"lr":0.001,"samples_per_sec":5312,"seconds":36.9,
//    "epoch_seconds":12.3}
//
// (one line in the file). Keys, in this order: epoch, step, loss, each
// training metric under its own name, val_loss and val_<metric> when there
// is a validation split, test_loss and test_<metric> when there is a test
// split, lr, samples_per_sec, seconds, epoch_seconds. Numbers are written so
// that they read back as the same double (JsonNumber); NaN and infinities
// (not JSON) and an unknown lr are written as null.
//
//   absl::StatusOr<std::unique_ptr<MetricsLog>> log = MetricsLog::Open(path);
//   if (!log.ok()) return log.status();
//   ... per epoch: NABLA_RETURN_IF_ERROR((*log)->Append(record));
#ifndef NABLA_CORE_RUN_METRICS_LOG_H_
#define NABLA_CORE_RUN_METRICS_LOG_H_

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/run/epoch_record.h"

namespace nabla {

// `record` as one JSON object, without a newline.
std::string FormatMetricsJson(const EpochRecord& record);

// Decimal text that reads back as `value`: whole numbers below 2^53 in
// full ("3", "1000000"), others in the shortest form ("0.1", "1e+20");
// "null" for NaN and infinities.
std::string JsonNumber(double value);

// An open log file. Closes the file on destruction. Not thread-safe.
class MetricsLog {
 public:
  // Creates or truncates `path`. On error, a status from errno (NotFound,
  // PermissionDenied, ...) whose message names the path.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetricsLog>> Open(
      const std::string& path);

  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  // Writes one line and flushes it, so a killed run keeps every finished
  // epoch. A write error names the path.
  [[nodiscard]] absl::Status Append(const EpochRecord& record);

  // Flushes and closes; reports an error the close found. Later Append()
  // calls fail with FailedPrecondition.
  [[nodiscard]] absl::Status Close();

  const std::string& path() const { return path_; }

 private:
  MetricsLog(std::string path, std::FILE* file)
      : path_(std::move(path)), file_(file) {}

  std::string path_;
  std::FILE* file_;
};

}  // namespace nabla

#endif  // NABLA_CORE_RUN_METRICS_LOG_H_
