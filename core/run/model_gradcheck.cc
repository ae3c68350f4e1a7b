#include "core/run/model_gradcheck.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

Tensor ToFloat64(const Tensor& tensor) {
  if (tensor.dtype() == DType::kFloat64) return tensor;
  return Tensor::FromValues(DType::kFloat64, tensor.shape(),
                            tensor.ToDoubles());
}

AttrMap AttrsOf(const Node& node) {
  AttrMap attrs;
  for (const auto& [name, value] : node.attrs.values()) attrs[name] = value;
  return attrs;
}

}  // namespace

[[nodiscard]] absl::StatusOr<std::vector<NodeGradientReport>> GradcheckModel(
    Session& session, absl::Span<const Feed> feeds,
    const GradientCheckOptions& options) {
  const Graph& graph = session.graph();
  std::vector<NodeGradientReport> reports;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    if (node.op->role() != OpRole::kCompute) continue;
    NodeGradientReport report;
    report.node = node.name;
    report.op = node.op->name();
    report.origin = OpRegistry::Global().OriginOf(node.op->name());
    if (!node.op->has_gradient()) {
      report.skipped = "the op has no gradient";
      reports.push_back(std::move(report));
      continue;
    }
    std::vector<std::string> fetches;
    for (const Endpoint& input : node.inputs) {
      fetches.push_back(
          absl::StrCat(graph.node(input.node).name, ":", input.output));
    }
    auto values = session.Run(feeds, fetches);
    if (!values.ok()) {
      return absl::Status(
          values.status().code(),
          absl::StrCat("computing the inputs of ", graph.Describe(i), ": ",
                       values.status().message()));
    }
    std::vector<Tensor> inputs;
    for (const Tensor& value : *values) inputs.push_back(ToFloat64(value));
    auto measured =
        MeasureGradient(node.op->name(), AttrsOf(node), inputs, options);
    if (!measured.ok()) {
      return absl::Status(
          measured.status().code(),
          absl::StrCat(graph.Describe(i), ": ", measured.status().message()));
    }
    report.inputs = *std::move(measured);
    reports.push_back(std::move(report));
  }
  return reports;
}

std::string FormatGradcheck(const std::vector<NodeGradientReport>& reports) {
  std::string out = absl::StrFormat("%-16s %-24s %-12s %8s %12s %12s  %s\n",
                                    "node", "op", "input", "checked",
                                    "max abs err", "max rel err", "result");
  std::string failures;
  for (const NodeGradientReport& report : reports) {
    const std::string op = report.origin == kBuiltIn
                               ? report.op
                               : absl::StrCat(report.op, " (plugin)");
    if (!report.skipped.empty()) {
      absl::StrAppendFormat(&out, "%-16s %-24s %-12s %8s %12s %12s  %s\n",
                            report.node, op, "-", "-", "-", "-",
                            report.skipped);
      continue;
    }
    for (const InputGradientError& input : report.inputs) {
      const bool ok = input.first_failure.empty();
      std::string result = ok ? "ok" : "FAIL";
      if (input.kinks > 0) {
        absl::StrAppend(&result, " (", input.kinks, " at kinks, skipped)");
      }
      absl::StrAppendFormat(&out, "%-16s %-24s %-12s %8d %12.3g %12.3g  %s\n",
                            report.node, op, input.name, input.checked,
                            input.max_abs_error, input.max_rel_error, result);
      if (!ok) absl::StrAppend(&failures, "  ", input.first_failure, "\n");
    }
  }
  if (!failures.empty()) absl::StrAppend(&out, "failures:\n", failures);
  return out;
}

bool GradcheckPassed(const std::vector<NodeGradientReport>& reports) {
  for (const NodeGradientReport& report : reports) {
    for (const InputGradientError& input : report.inputs) {
      if (!input.first_failure.empty()) return false;
    }
  }
  return true;
}

}  // namespace nabla
