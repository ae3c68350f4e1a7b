#include "core/run/time_report.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "core/memory_limit.h"
#include "core/run/text_table.h"

namespace nabla {
namespace {

using Row = TextRow;

// Nanoseconds summed over `steps` as milliseconds per step; "-" for none.
std::string MsPerStep(int64_t ns, int64_t steps) {
  if (ns == 0 || steps == 0) return "-";
  return absl::StrFormat("%.6f", static_cast<double>(ns) / steps / 1e6);
}

std::string BytesOrDash(size_t bytes) {
  return bytes == 0 ? "-" : HumanBytes(bytes);
}

std::string ShapesOf(const NodeMemory& node) {
  if (node.output_shapes.empty()) return "-";
  std::vector<std::string> shapes;
  for (const Shape& shape : node.output_shapes) {
    shapes.push_back(shape.ToString());
  }
  return absl::StrJoin(shapes, " ");
}

std::string NodeTimes(const Profile& profile) {
  std::vector<int> order(profile.nodes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return profile.nodes[a].total_ns() > profile.nodes[b].total_ns();
  });
  int64_t all_ns = 0;
  for (const NodeProfile& node : profile.nodes) all_ns += node.total_ns();
  const int64_t steps = profile.steps;
  std::vector<Row> rows = {{"node", "op", "forward ms/step", "backward ms/step",
                            "update ms/step", "total ms/step", "share"}};
  for (int i : order) {
    const NodeProfile& node = profile.nodes[i];
    const std::string share =
        node.total_ns() == 0
            ? "-"
            : absl::StrFormat("%.1f%%", 100.0 * node.total_ns() / all_ns);
    rows.push_back({node.name, node.op, MsPerStep(node.forward_ns, steps),
                    MsPerStep(node.backward_ns + node.sum_ns, steps),
                    MsPerStep(node.update_ns, steps),
                    MsPerStep(node.total_ns(), steps), share});
  }
  return FormatTable(rows, 2);
}

std::string PhaseTimes(const Profile& profile) {
  int64_t forward = 0, backward = 0, update = 0;
  for (const NodeProfile& node : profile.nodes) {
    forward += node.forward_ns;
    backward += node.backward_ns + node.sum_ns;
    update += node.update_ns;
  }
  const int64_t steps = profile.steps;
  const int64_t wall = profile.forward_wall_ns + profile.backward_wall_ns +
                       profile.update_wall_ns;
  std::vector<Row> rows = {
      {"phase", "wall ms/step", "sum of node times ms/step"},
      {"forward", MsPerStep(profile.forward_wall_ns, steps),
       MsPerStep(forward, steps)},
      {"backward", MsPerStep(profile.backward_wall_ns, steps),
       MsPerStep(backward, steps)},
      {"update", MsPerStep(profile.update_wall_ns, steps),
       MsPerStep(update, steps)},
      {"step", MsPerStep(wall, steps),
       MsPerStep(forward + backward + update, steps)}};
  return FormatTable(rows, 1);
}

std::string MemoryTable(const MemoryPlan& memory) {
  std::vector<Row> rows = {{"node", "op", "output shape", "value", "gradient",
                            "sum buffers", "scratch", "variable", "slots"}};
  for (const NodeMemory& node : memory.nodes) {
    rows.push_back(
        {node.name, node.op, ShapesOf(node), BytesOrDash(node.value_bytes),
         BytesOrDash(node.gradient_bytes), BytesOrDash(node.sum_bytes),
         BytesOrDash(node.scratch_bytes), BytesOrDash(node.variable_bytes),
         BytesOrDash(node.slot_bytes)});
  }
  rows.push_back(
      {"total", "", "", HumanBytes(memory.value_bytes),
       HumanBytes(memory.gradient_bytes), HumanBytes(memory.sum_bytes),
       HumanBytes(memory.scratch_bytes), HumanBytes(memory.variable_bytes),
       HumanBytes(memory.slot_bytes)});
  return FormatTable(rows, 3);
}

}  // namespace

std::string FormatTimeReport(const Profile& profile, const MemoryPlan& memory) {
  std::string out;
  if (profile.steps == 0) {
    absl::StrAppend(&out, "no profiled training steps: no times\n");
  } else {
    absl::StrAppend(
        &out,
        absl::StrFormat(
            "time per training step, mean of %d steps on %d thread%s; each "
            "node's time is measured on the thread that ran it\n",
            profile.steps, profile.threads, profile.threads == 1 ? "" : "s"),
        "per node, backward = its gradient kernel + summing the gradients "
        "of an output used more than once\n\n",
        NodeTimes(profile), "\n", PhaseTimes(profile));
  }
  absl::StrAppend(
      &out,
      "\nmemory of the training plan (buffers whose lifetimes do not overlap "
      "share memory; some ops run in place)\n\n",
      MemoryTable(memory), "\n",
      absl::StrFormat(
          "plan buffers    %s with reuse, %s without (values %s, gradients "
          "%s, sum buffers %s, kernels' scratch %s per pass)\n",
          HumanBytes(memory.plan_bytes()),
          HumanBytes(memory.unshared_arena_bytes),
          HumanBytes(memory.value_bytes), HumanBytes(memory.gradient_bytes),
          HumanBytes(memory.sum_bytes), HumanBytes(memory.scratch_bytes)),
      absl::StrFormat("session         %s (variables %s, optimizer slots %s)\n",
                      HumanBytes(memory.variable_bytes + memory.slot_bytes),
                      HumanBytes(memory.variable_bytes),
                      HumanBytes(memory.slot_bytes)),
      absl::StrFormat("peak            %s (%d bytes)\n",
                      HumanBytes(memory.peak_bytes()), memory.peak_bytes()));
  return out;
}

}  // namespace nabla
