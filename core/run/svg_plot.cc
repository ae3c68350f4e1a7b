#include "core/run/svg_plot.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace nabla {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMaxDouble = std::numeric_limits<double>::max();

// Layout in SVG user units. Each panel: a heading line, the plot area, then
// the x tick labels and the x axis title.
constexpr int kWidth = 800;
constexpr double kPlotLeft = 70;
constexpr double kPlotRight = 630;
constexpr double kLegendX = 650;
constexpr double kTitleHeight = 40;
constexpr double kPanelHeight = 280;
constexpr double kPlotTopOffset = 20;
constexpr double kPlotHeight = 210;
// At most this many ticks on an axis, whatever rounding does.
constexpr int kMaxTicks = 20;

struct Series {
  std::string label;
  const char* color;
  // stroke-dasharray, or "" for a solid line.
  const char* dash;
  // One per record; NaN where the record has no value.
  std::vector<double> values;
};

struct Tick {
  double fraction;  // position along the axis, 0 to 1
  std::string label;
};

// Maps values onto [0, 1] along an axis; `lo` and `hi` are log10 units on
// a log axis.
struct Axis {
  bool log = false;
  double lo = 0;
  double hi = 1;
  std::vector<Tick> ticks;

  // NaN when `v` cannot be drawn.
  double Fraction(double v) const {
    if (log) v = v > 0 ? std::log10(v) : kNaN;
    if (!std::isfinite(v)) return kNaN;
    const double span = hi - lo;
    if (std::isfinite(span)) return (v - lo) / span;
    // Halves keep the span finite for ranges near the largest double.
    return (v * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5);
  }
};

std::string XmlEscape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// 1, 2 or 5 times a power of ten, the first at least `raw`.
double NiceStep(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

// Plain decimals as the step needs them ("200", "0.5", "1.0") for
// everyday magnitudes; otherwise the fewest significant digits that place
// `v` within a small part of `step`, so 1.0000001 next to 1.0000002 stays
// distinct.
std::string TickLabel(double v, double step) {
  if (std::fabs(v) < step * 1e-6) return "0";
  const int decimals =
      std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  if (decimals <= 6 && std::fabs(v) >= 1e-4 && std::fabs(v) < 1e6) {
    return absl::StrFormat("%.*f", decimals, v);
  }
  for (int digits = 1; digits < 17; ++digits) {
    const std::string s = absl::StrFormat("%.*g", digits, v);
    if (std::fabs(std::strtod(s.c_str(), nullptr) - v) <= step * 1e-3) return s;
  }
  return absl::StrFormat("%.17g", v);
}

// Ticks at the multiples of `step` inside the axis. The slack keeps an end
// that is itself a multiple (2.15 = 43 * 0.05, but 2.15 / 0.05 < 43).
void AddLinearTicks(double step, Axis* axis) {
  const double first = std::ceil(axis->lo / step - 1e-9);
  const double last = std::floor(axis->hi / step + 1e-9);
  for (int k = 0; k < kMaxTicks && first + k <= last; ++k) {
    const double v = (first + k) * step;
    const double fraction = axis->Fraction(v);
    if (std::isfinite(fraction)) {
      axis->ticks.push_back({fraction, TickLabel(v, step)});
    }
  }
}

// A range rounded out to about five nice steps; a constant series gets
// room around its value.
Axis LinearAxis(double lo, double hi) {
  if (!(lo < hi)) {
    const double pad = lo == 0 ? 1
                               : std::max(std::fabs(lo) * 0.1,
                                          std::numeric_limits<double>::min());
    lo = std::max(lo - pad, -kMaxDouble);
    hi = std::min(hi + pad, kMaxDouble);
  }
  const double span = hi - lo;
  const double step =
      NiceStep(std::isfinite(span) ? span / 5 : hi / 5 - lo / 5);
  Axis axis;
  axis.lo = lo;
  axis.hi = hi;
  if (!std::isnormal(step) || !std::isfinite(lo / step) ||
      !std::isfinite(hi / step)) {
    // Subnormal spans: no nice steps, just the two ends.
    axis.ticks = {{0, absl::StrFormat("%g", lo)},
                  {1, absl::StrFormat("%g", hi)}};
    return axis;
  }
  axis.lo = std::floor(lo / step) * step;
  axis.hi = std::ceil(hi / step) * step;
  if (!std::isfinite(axis.lo)) axis.lo = lo;
  if (!std::isfinite(axis.hi)) axis.hi = hi;
  AddLinearTicks(step, &axis);
  return axis;
}

std::string DecadeLabel(double exponent) {
  if (exponent >= -4 && exponent <= 5) {
    return absl::StrFormat("%g", std::pow(10.0, exponent));
  }
  return absl::StrFormat("1e%d", static_cast<int>(exponent));
}

// Whole decades around [lo, hi]. REQUIRES: 0 < lo <= hi.
Axis LogAxis(double lo, double hi) {
  Axis axis;
  axis.log = true;
  axis.lo = std::floor(std::log10(lo));
  axis.hi = std::ceil(std::log10(hi));
  if (axis.lo == axis.hi) axis.hi += 1;
  const double every = std::ceil((axis.hi - axis.lo) / 8);
  for (double e = axis.lo; e <= axis.hi; e += every) {
    axis.ticks.push_back({(e - axis.lo) / (axis.hi - axis.lo), DecadeLabel(e)});
  }
  return axis;
}

// The epochs exactly, with whole-number ticks.
Axis EpochAxis(double first, double last) {
  Axis axis;
  axis.lo = first;
  axis.hi = last;
  if (first == last) {
    axis.lo -= 0.5;
    axis.hi += 0.5;
  }
  AddLinearTicks(std::max(1.0, NiceStep((axis.hi - axis.lo) / 8)), &axis);
  return axis;
}

Axis ValueAxis(const std::vector<Series>& series, AxisScale scale) {
  double lo = kMaxDouble, hi = -kMaxDouble, positive_lo = kMaxDouble;
  bool any = false;
  for (const Series& s : series) {
    for (double v : s.values) {
      if (!std::isfinite(v)) continue;
      any = true;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      if (v > 0) positive_lo = std::min(positive_lo, v);
    }
  }
  if (!any) return LinearAxis(0, 1);
  const bool log = scale == AxisScale::kLog
                       ? hi > 0
                       : scale == AxisScale::kAuto && lo > 0 && hi / lo > 100;
  return log ? LogAxis(positive_lo, hi) : LinearAxis(lo, hi);
}

double PixelX(double fraction) {
  return kPlotLeft + fraction * (kPlotRight - kPlotLeft);
}

// Polylines through the runs of drawable points; a dot for a lone point.
void DrawSeries(const Series& series, const std::vector<double>& x_fractions,
                const Axis& y, double bottom, std::string* svg) {
  absl::StrAppendFormat(
      svg, "<g fill=\"none\" stroke=\"%s\" stroke-width=\"2\"", series.color);
  if (*series.dash != '\0') {
    absl::StrAppendFormat(svg, " stroke-dasharray=\"%s\"", series.dash);
  }
  *svg += ">\n";
  std::vector<std::pair<double, double>> run;
  auto flush = [&] {
    if (run.size() == 1) {
      absl::StrAppendFormat(svg,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
                            "fill=\"%s\" stroke=\"none\"/>\n",
                            run[0].first, run[0].second, series.color);
    } else if (run.size() > 1) {
      *svg += "<polyline points=\"";
      for (size_t i = 0; i < run.size(); ++i) {
        absl::StrAppendFormat(svg, "%s%.1f,%.1f", i == 0 ? "" : " ",
                              run[i].first, run[i].second);
      }
      *svg += "\"/>\n";
    }
    run.clear();
  };
  for (size_t i = 0; i < series.values.size(); ++i) {
    const double fy = y.Fraction(series.values[i]);
    if (std::isnan(fy)) {
      flush();
      continue;
    }
    run.push_back({PixelX(x_fractions[i]), bottom - fy * kPlotHeight});
  }
  flush();
  *svg += "</g>\n";
}

void DrawGridAndLabels(const Axis& x, const Axis& y, double top,
                       std::string* svg) {
  const double bottom = top + kPlotHeight;
  *svg += "<g stroke=\"#e0e0e0\" stroke-width=\"1\">\n";
  for (const Tick& t : y.ticks) {
    const double py = bottom - t.fraction * kPlotHeight;
    absl::StrAppendFormat(svg,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                          "y2=\"%.1f\"/>\n",
                          kPlotLeft, py, kPlotRight, py);
  }
  for (const Tick& t : x.ticks) {
    const double px = PixelX(t.fraction);
    absl::StrAppendFormat(svg,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                          "y2=\"%.1f\"/>\n",
                          px, top, px, bottom);
  }
  *svg += "</g>\n";
  absl::StrAppendFormat(svg,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n",
                        kPlotLeft, top, kPlotRight - kPlotLeft, kPlotHeight);
  *svg += "<g font-size=\"11\" fill=\"#333\" text-anchor=\"end\">\n";
  for (const Tick& t : y.ticks) {
    absl::StrAppendFormat(svg, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                          kPlotLeft - 6, bottom - t.fraction * kPlotHeight + 4,
                          XmlEscape(t.label));
  }
  *svg += "</g>\n<g font-size=\"11\" fill=\"#333\" text-anchor=\"middle\">\n";
  for (const Tick& t : x.ticks) {
    absl::StrAppendFormat(svg, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                          PixelX(t.fraction), bottom + 16, XmlEscape(t.label));
  }
  absl::StrAppendFormat(svg, "<text x=\"%.1f\" y=\"%.1f\">epoch</text>\n</g>\n",
                        (kPlotLeft + kPlotRight) / 2, bottom + 34);
}

void DrawLegend(const std::vector<Series>& series, double top,
                std::string* svg) {
  *svg += "<g class=\"legend\">\n";
  for (size_t i = 0; i < series.size(); ++i) {
    const double y = top + 12 + 18 * static_cast<double>(i);
    absl::StrAppendFormat(
        svg,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"%s\" stroke-width=\"2\"",
        kLegendX, y, kLegendX + 24, y, series[i].color);
    if (*series[i].dash != '\0') {
      absl::StrAppendFormat(svg, " stroke-dasharray=\"%s\"", series[i].dash);
    }
    absl::StrAppendFormat(svg, "/>\n<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                          kLegendX + 30, y + 4, XmlEscape(series[i].label));
  }
  *svg += "</g>\n";
}

void DrawPanel(absl::string_view name, const std::vector<Series>& series,
               const std::vector<double>& x_fractions, const Axis& x,
               AxisScale scale, double top, std::string* svg) {
  const Axis y = ValueAxis(series, scale);
  const double plot_top = top + kPlotTopOffset;
  absl::StrAppendFormat(svg,
                        "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">%s%s"
                        "</text>\n",
                        kPlotLeft, top + 14, XmlEscape(name),
                        y.log ? " (log scale)" : "");
  DrawGridAndLabels(x, y, plot_top, svg);
  for (const Series& s : series) {
    DrawSeries(s, x_fractions, y, plot_top + kPlotHeight, svg);
  }
  DrawLegend(series, plot_top, svg);
}

// Values of the splits that have any: train always, val and test when some
// record carries them. `get` returns a split's value, unset when absent.
template <typename Get>
std::vector<Series> SplitSeries(absl::Span<const EpochRecord> records,
                                absl::string_view name, Get get) {
  struct Split {
    const char* prefix;
    const char* color;
    const char* dash;
  };
  static constexpr Split kSplits[] = {{"train", "#1f77b4", ""},
                                      {"val", "#ff7f0e", "6 3"},
                                      {"test", "#2ca02c", "2 3"}};
  std::vector<Series> series;
  for (int split = 0; split < 3; ++split) {
    Series s{absl::StrCat(kSplits[split].prefix, " ", name),
             kSplits[split].color,
             kSplits[split].dash,
             {}};
    bool present = false;
    for (const EpochRecord& r : records) {
      const std::optional<double> v = get(r, split);
      present |= v.has_value();
      s.values.push_back(v.value_or(kNaN));
    }
    if (present) series.push_back(std::move(s));
  }
  return series;
}

std::optional<double> FindMetric(const std::vector<NamedMetric>& metrics,
                                 absl::string_view name) {
  for (const NamedMetric& m : metrics) {
    if (m.name == name) return m.value;
  }
  return std::nullopt;
}

}  // namespace

std::string RenderSvgPlot(absl::Span<const EpochRecord> records,
                          const PlotOptions& options) {
  std::vector<Series> loss =
      SplitSeries(records, "loss", [](const EpochRecord& r, int split) {
        return split == 0   ? std::optional<double>(r.loss)
               : split == 1 ? r.val_loss
                            : r.test_loss;
      });
  std::vector<Series> metric = SplitSeries(
      records, options.metric, [&](const EpochRecord& r, int split) {
        return FindMetric(split == 0   ? r.metrics
                          : split == 1 ? r.val_metrics
                                       : r.test_metrics,
                          options.metric);
      });
  const int panels = records.empty() ? 0 : metric.empty() ? 1 : 2;
  const double height = kTitleHeight + std::max(1, panels) * kPanelHeight;
  std::string svg = absl::StrFormat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
      "viewBox=\"0 0 %d %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"%d\" height=\"%.0f\" fill=\"white\"/>\n"
      "<text x=\"%d\" y=\"26\" text-anchor=\"middle\" font-size=\"16\" "
      "font-weight=\"bold\">%s</text>\n",
      kWidth, height, kWidth, height, kWidth, height, kWidth / 2,
      XmlEscape(options.title));
  if (records.empty()) {
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%.0f\" text-anchor=\"middle\">"
                          "no epochs to plot</text>\n",
                          kWidth / 2, kTitleHeight + kPanelHeight / 2);
  } else {
    const auto [first, last] =
        std::minmax_element(records.begin(), records.end(),
                            [](const EpochRecord& a, const EpochRecord& b) {
                              return a.epoch < b.epoch;
                            });
    const Axis x = EpochAxis(first->epoch, last->epoch);
    std::vector<double> x_fractions;
    for (const EpochRecord& r : records)
      x_fractions.push_back(x.Fraction(r.epoch));
    DrawPanel("loss", loss, x_fractions, x, options.loss_scale, kTitleHeight,
              &svg);
    if (panels == 2) {
      DrawPanel(options.metric, metric, x_fractions, x, AxisScale::kLinear,
                kTitleHeight + kPanelHeight, &svg);
    }
  }
  svg += "</svg>\n";
  return svg;
}

[[nodiscard]] absl::Status WriteSvgPlot(const std::string& path,
                                        absl::Span<const EpochRecord> records,
                                        const PlotOptions& options) {
  const std::string svg = RenderSvgPlot(records, options);
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("--plot: cannot open ", path));
  }
  const bool written =
      std::fwrite(svg.data(), 1, svg.size(), file) == svg.size();
  const int write_errno = errno;
  if (std::fclose(file) != 0 || !written) {
    return absl::ErrnoToStatus(written ? errno : write_errno,
                               absl::StrCat("--plot: cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace nabla
