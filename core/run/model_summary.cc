#include "core/run/model_summary.h"

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/memory_limit.h"
#include "core/op_registry.h"
#include "core/run/text_table.h"

namespace nabla {
namespace {

struct SummaryRow {
  std::string name;
  std::string op;
  std::string shapes;  // of the node named like the row
  int64_t params = 0;
};

// A Variable is trainable unless its op has a `trainable` attribute that
// says otherwise.
bool Trainable(const Node& node) {
  for (const auto& [name, value] : node.attrs.values()) {
    if (name == "trainable") return node.attrs.GetBool("trainable");
  }
  return true;
}

std::string ShapesOf(const Node& node) {
  std::vector<std::string> shapes;
  for (const Shape& shape : node.output_shapes) {
    shapes.push_back(shape.ToString());
  }
  return absl::StrJoin(shapes, ", ");
}

}  // namespace

std::string FormatModelSummary(const Graph& graph, const MemoryPlan* memory) {
  std::vector<SummaryRow> rows;
  int64_t trainable = 0, state = 0;
  size_t trainable_bytes = 0, state_bytes = 0;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    const bool in_layer = !node.expanded_from.empty();
    const std::string row_name = in_layer ? node.expanded_from : node.name;
    SummaryRow* row = nullptr;
    for (SummaryRow& existing : rows) {
      if (existing.name == row_name) row = &existing;
    }
    if (row == nullptr) {
      rows.push_back(
          {row_name, in_layer ? node.expanded_from_op : node.op->name()});
      row = &rows.back();
    }
    if (node.name == row_name) row->shapes = ShapesOf(node);
    if (node.op->role() != OpRole::kVariable) continue;
    const int64_t elements = node.output_shapes[0].num_elements();
    const size_t bytes = elements * DTypeSize(node.output_dtypes[0]);
    row->params += elements;
    if (Trainable(node)) {
      trainable += elements;
      trainable_bytes += bytes;
    } else {
      state += elements;
      state_bytes += bytes;
    }
  }
  std::vector<TextRow> table = {{"layer (op)", "output shape", "params"}};
  for (const SummaryRow& row : rows) {
    table.push_back({absl::StrCat(row.name, " (", row.op, ")"), row.shapes,
                     absl::StrCat(row.params)});
  }
  std::string out =
      absl::StrCat(FormatTable(table, 2), "parameters: ", trainable,
                   " trainable (", HumanBytes(trainable_bytes), "), ", state,
                   " state (", HumanBytes(state_bytes), ")\n");
  if (memory != nullptr) {
    absl::StrAppend(
        &out, "memory of a training step: ", HumanBytes(memory->peak_bytes()),
        " peak (plan buffers ", HumanBytes(memory->plan_bytes()),
        ", variables ", HumanBytes(memory->variable_bytes),
        ", optimizer slots ", HumanBytes(memory->slot_bytes), ")\n");
  }
  return out;
}

}  // namespace nabla
