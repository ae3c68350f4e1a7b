// The --plot chart: an SVG file, drawn without any library, with a panel
// of training / validation / test loss per epoch and, when the records
// carry the metric, a second panel with that metric (accuracy by default).
// Each panel has axes, tick labels, a grid and a legend; a non-finite
// value leaves a gap in its line, and a point with no neighbour is drawn
// as a dot (so one epoch shows).
//
//   PlotOptions options;
//   options.title = "mnist_mlp.pbtxt";
//   absl::Status s = WriteSvgPlot("run.svg", records, options);
#ifndef NABLA_CORE_RUN_SVG_PLOT_H_
#define NABLA_CORE_RUN_SVG_PLOT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/run/epoch_record.h"

namespace nabla {

enum class AxisScale {
  // Logarithmic when every finite value is positive and max / min > 100.
  kAuto,
  kLinear,
  // Values <= 0 leave gaps.
  kLog,
};

struct PlotOptions {
  // Shown above the panels (escaped for XML).
  std::string title = "training";
  // The NamedMetric shown in the second panel; no second panel when no
  // record has it in any split.
  std::string metric = "accuracy";
  AxisScale loss_scale = AxisScale::kAuto;
};

// The whole SVG document. `records` in epoch order; any number, zero
// included (an empty chart that says so).
std::string RenderSvgPlot(absl::Span<const EpochRecord> records,
                          const PlotOptions& options);

// Writes RenderSvgPlot() to `path`, replacing it. On error, a status from
// errno whose message names the path.
[[nodiscard]] absl::Status WriteSvgPlot(const std::string& path,
                                        absl::Span<const EpochRecord> records,
                                        const PlotOptions& options);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_SVG_PLOT_H_
