// The layout of `train_graph --time`'s report, on hand-made profiles (real
// times vary from run to run).
#include "core/run/time_report.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "core/profile.h"
#include "gtest/gtest.h"

namespace nabla {
namespace {

NodeProfile Node(const char* name, const char* op, int64_t forward,
                 int64_t backward, int64_t sum, int64_t update) {
  NodeProfile node;
  node.name = name;
  node.op = op;
  node.forward_ns = forward;
  node.backward_ns = backward;
  node.sum_ns = sum;
  node.update_ns = update;
  node.calls = forward + update > 0 ? 10 : 0;
  return node;
}

// Ten steps: per step, y takes 0.6 ms (a quarter of it summing fan-out),
// w's update 0.2 ms, loss 0.2 ms; x did nothing.
Profile TenSteps() {
  Profile profile;
  profile.nodes = {
      Node("x", "Placeholder", 0, 0, 0, 0),
      Node("w", "Variable", 0, 0, 0, 2'000'000),
      Node("y", "MatMul", 2'000'000, 3'000'000, 1'000'000, 0),
      Node("loss", "MeanSquaredError", 1'000'000, 1'000'000, 0, 0)};
  profile.steps = 10;
  profile.forward_wall_ns = 4'000'000;
  profile.backward_wall_ns = 5'000'000;
  profile.update_wall_ns = 2'500'000;
  profile.threads = 2;
  return profile;
}

MemoryPlan SmallMemory() {
  MemoryPlan memory;
  memory.nodes.resize(4);
  const char* names[] = {"x", "w", "y", "loss"};
  const char* ops[] = {"Placeholder", "Variable", "MatMul", "MeanSquaredError"};
  for (int i = 0; i < 4; ++i) {
    memory.nodes[i].name = names[i];
    memory.nodes[i].op = ops[i];
  }
  memory.nodes[0].output_shapes = {Shape{4, 3}};
  memory.nodes[0].value_bytes = 48;
  memory.nodes[1].output_shapes = {Shape{3, 2}};
  memory.nodes[1].gradient_bytes = 24;
  memory.nodes[1].variable_bytes = 24;
  memory.nodes[2].output_shapes = {Shape{4, 2}};
  memory.nodes[2].value_bytes = 32;
  memory.nodes[2].gradient_bytes = 32;
  memory.nodes[2].sum_bytes = 64;
  memory.nodes[2].scratch_bytes = 128;
  // loss is left out of the plan: no shapes.
  memory.value_bytes = 80;
  memory.gradient_bytes = 56;
  memory.sum_bytes = 64;
  memory.scratch_bytes = 128;
  memory.variable_bytes = 24;
  // x (64 B aligned), y and its gradient, w's gradient and the parts as
  // laid out without sharing; with sharing, 128 B less.
  memory.unshared_arena_bytes = 320;
  memory.arena_bytes = 192;
  return memory;
}

// The report's line that starts with `prefix`, or "".
std::string LineStarting(const std::string& report, absl::string_view prefix) {
  for (absl::string_view line : absl::StrSplit(report, '\n')) {
    if (absl::StartsWith(line, prefix)) return std::string(line);
  }
  return "";
}

std::vector<std::string> Fields(const std::string& line) {
  return absl::StrSplit(line, ' ', absl::SkipEmpty());
}

TEST(TimeReportTest, HeadersAndEveryNode) {
  const std::string report = FormatTimeReport(TenSteps(), SmallMemory());
  for (const char* header :
       {"node", "op", "forward ms/step", "backward ms/step", "update ms/step",
        "total ms/step", "share", "phase", "wall ms/step", "output shape",
        "value", "gradient", "sum buffers", "scratch", "variable", "slots",
        "peak", "10 steps on 2 threads", "share memory"}) {
    EXPECT_TRUE(absl::StrContains(report, header)) << header << "\n" << report;
  }
  for (const char* node : {"x ", "w ", "y ", "loss "}) {
    int rows = 0;
    for (absl::string_view line : absl::StrSplit(report, '\n')) {
      if (absl::StartsWith(line, node)) ++rows;
    }
    EXPECT_EQ(rows, 2) << "a time row and a memory row for " << node << "\n"
                       << report;
  }
}

TEST(TimeReportTest, NodesSortedByTotalTimeWithShares) {
  const std::string report = FormatTimeReport(TenSteps(), SmallMemory());
  const size_t y = report.find("\ny "), w = report.find("\nw "),
               loss = report.find("\nloss "), x = report.find("\nx ");
  EXPECT_LT(y, w);
  EXPECT_LT(w, loss);  // a tie: graph order
  EXPECT_LT(loss, x);
  EXPECT_EQ(Fields(LineStarting(report, "y ")),
            (std::vector<std::string>{"y", "MatMul", "0.200000", "0.400000",
                                      "-", "0.600000", "60.0%"}));
  EXPECT_EQ(Fields(LineStarting(report, "w ")),
            (std::vector<std::string>{"w", "Variable", "-", "-", "0.200000",
                                      "0.200000", "20.0%"}));
  EXPECT_EQ(
      Fields(LineStarting(report, "x ")),
      (std::vector<std::string>{"x", "Placeholder", "-", "-", "-", "-", "-"}));
}

TEST(TimeReportTest, PhaseWallTimesAndSums) {
  const std::string report = FormatTimeReport(TenSteps(), SmallMemory());
  EXPECT_EQ(Fields(LineStarting(report, "forward ")),
            (std::vector<std::string>{"forward", "0.400000", "0.300000"}));
  EXPECT_EQ(Fields(LineStarting(report, "backward ")),
            (std::vector<std::string>{"backward", "0.500000", "0.500000"}));
  EXPECT_EQ(Fields(LineStarting(report, "update ")),
            (std::vector<std::string>{"update", "0.250000", "0.200000"}));
  EXPECT_EQ(Fields(LineStarting(report, "step ")),
            (std::vector<std::string>{"step", "1.150000", "1.000000"}));
}

TEST(TimeReportTest, MemoryRowsAndTotals) {
  const std::string report = FormatTimeReport(TenSteps(), SmallMemory());
  // The memory rows are the second rows of each node.
  const std::string memory = report.substr(report.find("output shape"));
  EXPECT_EQ(
      Fields(LineStarting(memory, "y ")),
      (std::vector<std::string>{"y", "MatMul", "[4,", "2]", "32", "B", "32",
                                "B", "64", "B", "128", "B", "-", "-"}));
  EXPECT_EQ(Fields(LineStarting(memory, "loss ")),
            (std::vector<std::string>{"loss", "MeanSquaredError", "-", "-", "-",
                                      "-", "-", "-", "-"}));
  EXPECT_TRUE(absl::StrContains(
      report,
      "plan buffers    192 B with reuse, 320 B without (values 80 B, "
      "gradients 56 B, sum buffers 64 B, kernels' scratch 128 B per pass)"))
      << report;
  EXPECT_TRUE(absl::StrContains(
      report, "session         24 B (variables 24 B, optimizer slots 0 B)"));
  EXPECT_TRUE(absl::StrContains(report, "peak            216 B (216 bytes)"));
}

TEST(TimeReportTest, WithoutStepsOnlyMemory) {
  Profile profile = TenSteps();
  profile.steps = 0;
  const std::string report = FormatTimeReport(profile, SmallMemory());
  EXPECT_TRUE(absl::StrContains(report, "no profiled training steps"));
  EXPECT_FALSE(absl::StrContains(report, "ms/step"));
  EXPECT_TRUE(absl::StrContains(report, "peak"));
}

}  // namespace
}  // namespace nabla
