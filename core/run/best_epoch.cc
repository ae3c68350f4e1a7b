#include "core/run/best_epoch.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace nabla {
namespace {

// The figures a validation split reports under `targets`, "loss" first.
std::vector<std::string> ReportedFigures(const MetricTargets& targets) {
  std::vector<std::string> names = {"loss"};
  if (!targets.has_metrics) return names;
  if (targets.kind == MetricKind::kRegression) {
    names.insert(names.end(), {"mse", "mae"});
    return names;
  }
  names.push_back("accuracy");
  for (const MetricRequest& request : targets.extra) {
    names.push_back(request.name);
  }
  return names;
}

bool LowerIsBetter(absl::string_view metric) {
  return metric == "loss" || metric == "mse" || metric == "mae";
}

}  // namespace

[[nodiscard]] absl::StatusOr<MonitorSettings> ResolveMonitor(
    const MonitorRequest& request, const MetricTargets& targets,
    absl::string_view source) {
  const MonitorConfig& config = request.config;
  MonitorSettings monitor;
  if (!config.metric().empty()) {
    absl::string_view name = config.metric();
    absl::ConsumePrefix(&name, "val_");
    monitor.metric = std::string(name);
  }
  const std::vector<std::string> reported = ReportedFigures(targets);
  bool known = false;
  for (const std::string& name : reported) known |= name == monitor.metric;
  if (!known) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": the monitored metric \"", config.metric(),
        "\" is not reported on the validation data, which gives ",
        absl::StrJoin(reported, ", "), " (more through training.metrics)"));
  }
  switch (config.mode()) {
    case MonitorConfig::MODE_AUTO:
      monitor.maximize = !LowerIsBetter(monitor.metric);
      break;
    case MonitorConfig::MODE_MIN:
      monitor.maximize = false;
      break;
    case MonitorConfig::MODE_MAX:
      monitor.maximize = true;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": the monitor's mode ", config.mode(),
                       " is none of MODE_AUTO, MODE_MIN, MODE_MAX"));
  }
  if (!(config.min_delta() >= 0) || !std::isfinite(config.min_delta())) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": the monitor's min_delta must be >= 0, got ",
                     config.min_delta()));
  }
  if (request.patience < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": patience must be >= 0 (0: no early stopping), got ",
        request.patience));
  }
  monitor.min_delta = config.min_delta();
  monitor.patience = request.patience;
  return monitor;
}

std::optional<double> MonitoredValue(const MonitorSettings& monitor,
                                     const EpochRecord& record) {
  if (monitor.metric == "loss") return record.val_loss;
  for (const NamedMetric& metric : record.val_metrics) {
    if (metric.name == monitor.metric) return metric.value;
  }
  return std::nullopt;
}

bool Improve(const MonitorSettings& monitor, const EpochRecord& record,
             BestEpoch& best) {
  const std::optional<double> value = MonitoredValue(monitor, record);
  if (!value.has_value() || std::isnan(*value)) return false;
  const double gain =
      monitor.maximize ? *value - best.value : best.value - *value;
  if (best.epoch > 0 && !(gain > monitor.min_delta)) return false;
  best = {monitor.metric, record.epoch, *value};
  return true;
}

bool ShouldStop(const MonitorSettings& monitor, int64_t epoch,
                const BestEpoch& best) {
  return monitor.patience > 0 && epoch - best.epoch >= monitor.patience;
}

}  // namespace nabla
