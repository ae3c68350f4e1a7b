#include "tools/registry_listing.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/composite.h"
#include "core/data_source.h"
#include "core/op_registry.h"
#include "core/optimizer.h"
#include "core/schedule.h"

namespace nabla {
namespace {

// "alpha=0.01, axis=-1, step_size: int (required)".
std::string DescribeAttrs(const std::vector<AttrDef>& attrs) {
  std::vector<std::string> parts;
  for (const AttrDef& attr : attrs) {
    parts.push_back(attr.default_value.has_value()
                        ? absl::StrCat(attr.name, "=",
                                       AttrValueToString(*attr.default_value))
                        : absl::StrCat(attr.name, ": ", AttrTypeName(attr.type),
                                       " (required)"));
  }
  return absl::StrJoin(parts, ", ");
}

void AppendEntry(std::string* out, absl::string_view heading,
                 const std::vector<AttrDef>& attrs, absl::string_view origin,
                 absl::string_view doc) {
  const std::string settings = DescribeAttrs(attrs);
  absl::StrAppend(out, "  ", heading, settings.empty() ? "" : "  ", settings,
                  "  [", origin, "]\n");
  if (!doc.empty()) absl::StrAppend(out, "      ", doc, "\n");
}

void AppendOps(std::string* out, OpCategory category, absl::string_view title) {
  absl::StrAppend(out, title, ":\n");
  for (const auto& entry : OpRegistry::Global().Entries()) {
    const OpDef& op = *entry.def;
    if (op.category() != category) continue;
    std::vector<std::string> inputs;
    for (const InputDef& input : op.inputs()) {
      inputs.push_back(input.differentiable
                           ? input.name
                           : absl::StrCat(input.name, " (no gradient)"));
    }
    std::string heading =
        absl::StrCat(op.name(), "(", absl::StrJoin(inputs, ", "), ") -> (",
                     absl::StrJoin(op.outputs(), ", "), ")");
    if (!op.has_gradient() && op.role() == OpRole::kCompute) {
      absl::StrAppend(&heading, " no gradient");
    }
    AppendEntry(out, heading, op.attrs(), entry.origin, op.doc());
  }
}

void AppendComposites(std::string* out) {
  absl::StrAppend(out, "layers (composites, expanded into ops):\n");
  for (const auto& entry : CompositeRegistry::Global().Entries()) {
    const CompositeDef& def = *entry.def;
    AppendEntry(out,
                absl::StrCat(def.name(), "(", absl::StrJoin(def.inputs(), ", "),
                             ") -> (", absl::StrJoin(def.outputs(), ", "), ")"),
                def.attrs(), entry.origin, def.doc());
  }
}

template <typename Registry>
void AppendFactories(std::string* out, const Registry& registry,
                     absl::string_view title) {
  absl::StrAppend(out, title, ":\n");
  const auto entries = registry.Entries();
  if (entries.empty()) absl::StrAppend(out, "  (none)\n");
  for (const auto& entry : entries) {
    AppendEntry(out, entry.def->name(), entry.def->attrs(), entry.origin,
                entry.def->doc());
  }
}

}  // namespace

std::string ListRegistries() {
  std::string out;
  AppendOps(&out, OpCategory::kOp, "ops");
  AppendOps(&out, OpCategory::kActivation, "activations");
  AppendOps(&out, OpCategory::kLoss, "losses");
  AppendComposites(&out);
  AppendFactories(&out, OptimizerRegistry::Global(), "optimizers");
  AppendFactories(&out, ScheduleRegistry::Global(), "schedules");
  AppendFactories(&out, DataSourceRegistry::Global(), "data sources");
  return out;
}

}  // namespace nabla
