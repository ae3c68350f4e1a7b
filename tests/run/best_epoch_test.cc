#include "core/run/best_epoch.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

MetricTargets Classifier() {
  MetricTargets targets;
  targets.has_metrics = true;
  targets.kind = MetricKind::kClassification;
  targets.extra = {{MetricRequest::Kind::kF1, 0, "f1"}};
  return targets;
}

MonitorSettings Resolve(const std::string& metric,
                        MonitorConfig::Mode mode = MonitorConfig::MODE_AUTO) {
  MonitorRequest request;
  request.config.set_metric(metric);
  request.config.set_mode(mode);
  auto monitor = ResolveMonitor(request, Classifier(), "m.pbtxt");
  EXPECT_TRUE(monitor.ok()) << monitor.status();
  return monitor.ok() ? *monitor : MonitorSettings{};
}

EpochRecord Epoch(int64_t epoch, double val_loss, double val_f1) {
  EpochRecord record;
  record.epoch = epoch;
  record.val_loss = val_loss;
  record.val_metrics = {{"accuracy", 0.5}, {"f1", val_f1}};
  return record;
}

TEST(ResolveMonitorTest, NamesAndModes) {
  EXPECT_EQ(Resolve("").metric, "loss");
  EXPECT_FALSE(Resolve("").maximize);
  EXPECT_EQ(Resolve("val_f1").metric, "f1");
  EXPECT_TRUE(Resolve("f1").maximize);
  EXPECT_TRUE(Resolve("accuracy").maximize);
  EXPECT_FALSE(Resolve("f1", MonitorConfig::MODE_MIN).maximize);
  EXPECT_TRUE(Resolve("val_loss", MonitorConfig::MODE_MAX).maximize);
  MetricTargets regression;
  regression.has_metrics = true;
  MonitorRequest request;
  request.config.set_metric("mae");
  ASSERT_OK_AND_ASSIGN(MonitorSettings mae,
                       ResolveMonitor(request, regression, "m.pbtxt"));
  EXPECT_FALSE(mae.maximize);
}

TEST(ResolveMonitorTest, Errors) {
  MonitorRequest request;
  request.config.set_metric("val_auc");
  EXPECT_EQ(ResolveMonitor(request, Classifier(), "m.pbtxt").status().message(),
            "m.pbtxt: the monitored metric \"val_auc\" is not reported on the "
            "validation data, which gives loss, accuracy, f1 (more through "
            "training.metrics)");
  request = {};
  request.config.set_min_delta(-0.1);
  EXPECT_EQ(ResolveMonitor(request, Classifier(), "m.pbtxt").status().message(),
            "m.pbtxt: the monitor's min_delta must be >= 0, got -0.1");
  request.config.set_min_delta(std::nan(""));
  EXPECT_EQ(ResolveMonitor(request, Classifier(), "m.pbtxt").status().message(),
            "m.pbtxt: the monitor's min_delta must be >= 0, got nan");
  request = {};
  request.patience = -2;
  EXPECT_EQ(ResolveMonitor(request, Classifier(), "m.pbtxt").status().message(),
            "m.pbtxt: patience must be >= 0 (0: no early stopping), got -2");
  request = {};
  request.config.set_mode(static_cast<MonitorConfig::Mode>(7));
  EXPECT_EQ(ResolveMonitor(request, Classifier(), "m.pbtxt").status().message(),
            "m.pbtxt: the monitor's mode 7 is none of MODE_AUTO, MODE_MIN, "
            "MODE_MAX");
}

TEST(ImproveTest, LowerLossWithMinDelta) {
  MonitorSettings monitor = Resolve("loss");
  monitor.min_delta = 0.1;
  monitor.patience = 2;
  BestEpoch best;
  EXPECT_TRUE(Improve(monitor, Epoch(1, 1.0, 0), best));
  EXPECT_FALSE(Improve(monitor, Epoch(2, 0.9, 0), best));  // by 0.1 only
  EXPECT_FALSE(ShouldStop(monitor, 2, best));
  EXPECT_TRUE(Improve(monitor, Epoch(3, 0.85, 0), best));
  EXPECT_EQ(best.epoch, 3);
  EXPECT_EQ(best.value, 0.85);
  EXPECT_EQ(best.metric, "loss");
  EXPECT_FALSE(Improve(monitor, Epoch(4, 2.0, 0), best));
  EXPECT_FALSE(ShouldStop(monitor, 4, best));
  EXPECT_FALSE(Improve(monitor, Epoch(5, 0.8, 0), best));
  EXPECT_TRUE(ShouldStop(monitor, 5, best));
}

TEST(ImproveTest, HigherF1NaNNeverImproves) {
  const MonitorSettings monitor = Resolve("f1");
  BestEpoch best;
  EXPECT_FALSE(Improve(monitor, Epoch(1, 1, std::nan("")), best));
  EXPECT_EQ(best.epoch, 0);
  EXPECT_TRUE(Improve(monitor, Epoch(2, 1, 0.5), best));
  EXPECT_FALSE(Improve(monitor, Epoch(3, 1, 0.5), best));  // equal
  EXPECT_TRUE(Improve(monitor, Epoch(4, 1, 0.6), best));
  EXPECT_EQ(best.epoch, 4);
  // Without patience the run never stops.
  EXPECT_FALSE(ShouldStop(monitor, 100, best));
  // Without validation figures nothing improves.
  EXPECT_FALSE(Improve(monitor, EpochRecord{}, best));
}

}  // namespace
}  // namespace nabla
