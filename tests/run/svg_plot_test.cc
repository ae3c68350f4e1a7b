#include "core/run/svg_plot.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A minimal XML well-formedness check: one root element, balanced tags,
// quoted attributes, and '<' or '&' in text only as markup or an entity.
// Returns "" when well formed, else what is wrong.
std::string XmlProblem(const std::string& xml) {
  std::vector<std::string> open;
  int roots = 0;
  size_t i = 0;
  auto name_char = [](char c) {
    return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == ':';
  };
  while (i < xml.size()) {
    if (xml[i] == '&') {
      const size_t end = xml.find(';', i);
      if (end == std::string::npos) return "& without ;";
      const std::string entity = xml.substr(i, end - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" &&
          entity != "&quot;" && entity != "&apos;") {
        return "bad entity " + entity;
      }
      i = end + 1;
      continue;
    }
    if (xml[i] != '<') {
      if (open.empty() && !absl::ascii_isspace(xml[i]))
        return "text outside root";
      ++i;
      continue;
    }
    if (xml.compare(i, 2, "<?") == 0) {
      const size_t end = xml.find("?>", i);
      if (end == std::string::npos || !open.empty() || roots > 0) {
        return "bad processing instruction";
      }
      i = end + 2;
      continue;
    }
    const bool closing = xml.compare(i, 2, "</") == 0;
    size_t j = i + (closing ? 2 : 1);
    const size_t name_start = j;
    while (j < xml.size() && name_char(xml[j])) ++j;
    const std::string name = xml.substr(name_start, j - name_start);
    if (name.empty()) return "tag without a name at " + std::to_string(i);
    // Attributes: name="value", values without '<'.
    while (j < xml.size() && xml[j] != '>' && xml[j] != '/') {
      if (absl::ascii_isspace(xml[j])) {
        ++j;
        continue;
      }
      if (closing) return "attribute in a closing tag";
      const size_t attr_start = j;
      while (j < xml.size() && name_char(xml[j])) ++j;
      if (j == attr_start || xml.compare(j, 2, "=\"") != 0) {
        return "bad attribute in <" + name + ">";
      }
      const size_t value_end = xml.find('"', j + 2);
      if (value_end == std::string::npos ||
          xml.substr(j + 2, value_end - j - 2).find('<') != std::string::npos) {
        return "bad attribute value in <" + name + ">";
      }
      j = value_end + 1;
    }
    const bool self_closing = xml.compare(j, 2, "/>") == 0;
    if (!self_closing && (j >= xml.size() || xml[j] != '>')) {
      return "unterminated <" + name + ">";
    }
    i = j + (self_closing ? 2 : 1);
    if (closing) {
      if (open.empty() || open.back() != name)
        return "unbalanced </" + name + ">";
      open.pop_back();
    } else {
      if (open.empty() && ++roots > 1) return "second root <" + name + ">";
      if (!self_closing) open.push_back(name);
    }
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (roots != 1) return "no root element";
  return "";
}

int Count(const std::string& text, const std::string& part) {
  int n = 0;
  for (size_t i = text.find(part); i != std::string::npos;
       i = text.find(part, i + 1)) {
    ++n;
  }
  return n;
}

EpochRecord Record(int64_t epoch, double loss) {
  EpochRecord r;
  r.epoch = epoch;
  r.loss = loss;
  return r;
}

TEST(XmlProblemTest, CatchesBrokenDocuments) {
  EXPECT_EQ(XmlProblem("<svg><g></g></svg>"), "");
  EXPECT_NE(XmlProblem("<svg><g></svg>"), "");
  EXPECT_NE(XmlProblem("<svg><g x=1/></svg>"), "");
  EXPECT_NE(XmlProblem("<svg>a < b</svg>"), "");
  EXPECT_NE(XmlProblem("<svg>a & b</svg>"), "");
  EXPECT_NE(XmlProblem("<svg/><svg/>"), "");
}

TEST(SvgPlotTest, LossOnlyKnownPoints) {
  const std::vector<EpochRecord> records = {Record(1, 4), Record(2, 2),
                                            Record(3, 1)};
  const std::string svg = RenderSvgPlot(records, PlotOptions());
  EXPECT_EQ(XmlProblem(svg), "") << svg;
  EXPECT_TRUE(absl::StrContains(svg, "height=\"320\""));
  // x: epochs 1..3 over 70..630; y: 1..4 over 270..60.
  EXPECT_TRUE(absl::StrContains(
      svg, "<polyline points=\"70.0,60.0 350.0,200.0 630.0,270.0\"/>"))
      << svg;
  EXPECT_EQ(Count(svg, "<polyline"), 1);
  EXPECT_TRUE(absl::StrContains(svg, ">train loss</text>"));
  EXPECT_FALSE(absl::StrContains(svg, "val loss"));
  EXPECT_FALSE(absl::StrContains(svg, "accuracy"));
  // Tick labels 1..4 on y and 1..3 on x.
  EXPECT_TRUE(absl::StrContains(svg, "<text x=\"64.0\" y=\"134.0\">3</text>"));
  EXPECT_TRUE(absl::StrContains(svg, "<text x=\"350.0\" y=\"286.0\">2</text>"));
}

TEST(SvgPlotTest, ValidationGapsAndAccuracyPanel) {
  std::vector<EpochRecord> records = {Record(1, 4), Record(2, 2), Record(3, 1)};
  const double val_loss[] = {5, 3, kNaN};
  const double accuracy[] = {0.2, 0.6, 1.0};
  const double val_accuracy[] = {kNaN, 0.4, kNaN};
  for (int i = 0; i < 3; ++i) {
    records[i].val_loss = val_loss[i];
    records[i].metrics = {{"accuracy", accuracy[i]}};
    records[i].val_metrics = {{"accuracy", val_accuracy[i]}};
  }
  const std::string svg = RenderSvgPlot(records, PlotOptions());
  EXPECT_EQ(XmlProblem(svg), "") << svg;
  EXPECT_TRUE(absl::StrContains(svg, "height=\"600\""));
  // Loss axis 1..5.
  EXPECT_TRUE(
      absl::StrContains(svg, "points=\"70.0,112.5 350.0,217.5 630.0,270.0\""))
      << svg;
  EXPECT_TRUE(absl::StrContains(svg, "points=\"70.0,60.0 350.0,165.0\""));
  // Accuracy axis 0.2..1 over 550..340; the lone val point is a dot.
  EXPECT_TRUE(
      absl::StrContains(svg, "points=\"70.0,550.0 350.0,445.0 630.0,340.0\""));
  EXPECT_TRUE(absl::StrContains(svg, "<circle cx=\"350.0\" cy=\"497.5\""));
  EXPECT_EQ(Count(svg, "<polyline"), 3);
  for (const char* label :
       {">train loss<", ">val loss<", ">train accuracy<", ">val accuracy<"}) {
    EXPECT_EQ(Count(svg, label), 1) << label;
  }
  EXPECT_FALSE(absl::StrContains(svg, "test"));
}

TEST(SvgPlotTest, OneEpochIsADot) {
  const std::vector<EpochRecord> records = {Record(1, 0.7)};
  const std::string svg = RenderSvgPlot(records, PlotOptions());
  EXPECT_EQ(XmlProblem(svg), "") << svg;
  EXPECT_EQ(Count(svg, "<polyline"), 0);
  // Constant 0.7 gets an axis 0.6..0.8, so it sits mid-height.
  EXPECT_TRUE(absl::StrContains(svg, "<circle cx=\"350.0\" cy=\"165.0\""))
      << svg;
}

TEST(SvgPlotTest, WideLossRangeGoesLogScale) {
  const std::vector<EpochRecord> records = {Record(1, 1000), Record(2, 10),
                                            Record(3, 1)};
  const std::string svg = RenderSvgPlot(records, PlotOptions());
  EXPECT_EQ(XmlProblem(svg), "") << svg;
  EXPECT_TRUE(absl::StrContains(svg, "loss (log scale)"));
  EXPECT_TRUE(
      absl::StrContains(svg, "points=\"70.0,60.0 350.0,200.0 630.0,270.0\""))
      << svg;
  EXPECT_TRUE(absl::StrContains(svg, ">1000</text>"));

  PlotOptions linear;
  linear.loss_scale = AxisScale::kLinear;
  EXPECT_FALSE(absl::StrContains(RenderSvgPlot(records, linear), "log scale"));
}

TEST(SvgPlotTest, ExtremeValuesStayFinite) {
  const double max = std::numeric_limits<double>::max();
  const std::vector<std::vector<double>> cases = {
      {max, -max},  {1e-300, 1e300}, {max, max},       {0, 0},
      {kNaN, kNaN}, {1, 1 + 1e-15},  {-5e-324, 5e-324}};
  for (const std::vector<double>& losses : cases) {
    std::vector<EpochRecord> records;
    for (size_t i = 0; i < losses.size(); ++i) {
      records.push_back(Record(static_cast<int64_t>(i + 1), losses[i]));
    }
    const std::string svg =
        absl::AsciiStrToLower(RenderSvgPlot(records, PlotOptions()));
    EXPECT_EQ(XmlProblem(svg), "") << losses[0];
    EXPECT_FALSE(absl::StrContains(svg, "nan")) << losses[0] << "\n" << svg;
    EXPECT_FALSE(absl::StrContains(svg, "inf")) << losses[0] << "\n" << svg;
  }
}

TEST(SvgPlotTest, ManyEpochsKeepFewTicks) {
  std::vector<EpochRecord> records;
  for (int e = 1; e <= 1000; ++e) records.push_back(Record(e, 1.0 / e));
  const std::string svg = RenderSvgPlot(records, PlotOptions());
  EXPECT_EQ(XmlProblem(svg), "");
  // x ticks every 200 epochs: 200..1000.
  EXPECT_TRUE(absl::StrContains(svg, ">200</text>"));
  EXPECT_FALSE(absl::StrContains(svg, ">100</text>"));
}

TEST(SvgPlotTest, TickLabelsFollowTheStep) {
  std::vector<EpochRecord> records = {Record(1, 1.2), Record(2, 2.1)};
  std::string svg = RenderSvgPlot(records, PlotOptions());
  // Step 0.2 over 1.2..2.2.
  for (const char* label :
       {">1.2<", ">1.4<", ">1.6<", ">1.8<", ">2.0<", ">2.2<"}) {
    EXPECT_TRUE(absl::StrContains(svg, label)) << label;
  }
  // Step 0.05 over 1.95..2.15; 2.15 / 0.05 rounds below 43.
  records = {Record(1, 1.997), Record(2, 2.114)};
  svg = RenderSvgPlot(records, PlotOptions());
  EXPECT_TRUE(absl::StrContains(svg, ">1.95<"));
  EXPECT_TRUE(absl::StrContains(svg, ">2.15<")) << svg;
  records = {Record(1, 1), Record(2, 1 + 1e-12)};
  svg = RenderSvgPlot(records, PlotOptions());
  EXPECT_TRUE(absl::StrContains(svg, ">1.0000000000005<")) << svg;
}

TEST(SvgPlotTest, EscapesTheTitleAndHandlesNoRecords) {
  PlotOptions options;
  options.title = "a<b & \"c\"";
  const std::string svg = RenderSvgPlot({}, options);
  EXPECT_EQ(XmlProblem(svg), "") << svg;
  EXPECT_TRUE(absl::StrContains(svg, ">a&lt;b &amp; &quot;c&quot;</text>"));
  EXPECT_TRUE(absl::StrContains(svg, "no epochs to plot"));
}

TEST(SvgPlotTest, WritesTheFile) {
  const std::vector<EpochRecord> records = {Record(1, 2), Record(2, 1)};
  const std::string path = ::testing::TempDir() + "/plot.svg";
  ASSERT_OK(WriteSvgPlot(path, records, PlotOptions()));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), RenderSvgPlot(records, PlotOptions()));
  const std::string bad = ::testing::TempDir() + "/missing/plot.svg";
  EXPECT_STATUS(WriteSvgPlot(bad, records, PlotOptions()),
                absl::StatusCode::kNotFound, "--plot: cannot open " + bad);
}

}  // namespace
}  // namespace nabla
