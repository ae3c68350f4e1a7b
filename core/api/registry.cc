#include "nabla/registry.h"

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

void AddOps(OpCategory category, absl::string_view kind,
            std::vector<RegistryEntry>* out) {
  for (const auto& entry : OpRegistry::Global().Entries()) {
    const OpDef& op = *entry.def;
    if (op.category() != category) continue;
    std::vector<std::string> inputs;
    for (const InputDef& input : op.inputs()) {
      inputs.push_back(input.state ? absl::StrCat(input.name, " (state)")
                       : input.differentiable
                           ? input.name
                           : absl::StrCat(input.name, " (no gradient)"));
    }
    if (op.variadic()) inputs.back() += "...";
    std::string signature =
        absl::StrCat(op.name(), "(", absl::StrJoin(inputs, ", "), ") -> (",
                     absl::StrJoin(op.outputs(), ", "),
                     op.variadic_output() ? "..." : "", ")");
    if (!op.has_gradient() && op.role() == OpRole::kCompute) {
      absl::StrAppend(&signature, " no gradient");
    }
    out->push_back({std::string(kind), op.name(), std::move(signature),
                    DescribeAttrs(op.attrs()), entry.origin, op.doc()});
  }
}

void AddComposites(std::vector<RegistryEntry>* out) {
  for (const auto& entry : CompositeRegistry::Global().Entries()) {
    const CompositeDef& def = *entry.def;
    out->push_back(
        {"layer", def.name(),
         absl::StrCat(def.name(), "(", absl::StrJoin(def.inputs(), ", "),
                      ") -> (", absl::StrJoin(def.outputs(), ", "), ")"),
         DescribeAttrs(def.attrs()), entry.origin, def.doc()});
  }
}

template <typename Registry>
void AddFactories(const Registry& registry, absl::string_view kind,
                  std::vector<RegistryEntry>* out) {
  for (const auto& entry : registry.Entries()) {
    out->push_back({std::string(kind), entry.def->name(), "",
                    DescribeAttrs(entry.def->attrs()), entry.origin,
                    entry.def->doc()});
  }
}

// Headings of the listing, by kind, in ListRegistry()'s order.
struct Section {
  const char* kind;
  const char* title;
};
constexpr Section kSections[] = {
    {"op", "ops"},
    {"activation", "activations"},
    {"loss", "losses"},
    {"layer", "layers (composites, expanded into ops)"},
    {"optimizer", "optimizers"},
    {"schedule", "schedules"},
    {"data source", "data sources"},
};

}  // namespace

std::vector<RegistryEntry> ListRegistry() {
  std::vector<RegistryEntry> entries;
  AddOps(OpCategory::kOp, "op", &entries);
  AddOps(OpCategory::kActivation, "activation", &entries);
  AddOps(OpCategory::kLoss, "loss", &entries);
  AddComposites(&entries);
  AddFactories(OptimizerRegistry::Global(), "optimizer", &entries);
  AddFactories(ScheduleRegistry::Global(), "schedule", &entries);
  AddFactories(DataSourceRegistry::Global(), "data source", &entries);
  return entries;
}

std::string DescribeRegistry() {
  const std::vector<RegistryEntry> entries = ListRegistry();
  std::string out;
  for (const Section& section : kSections) {
    absl::StrAppend(&out, section.title, ":\n");
    bool any = false;
    for (const RegistryEntry& entry : entries) {
      if (entry.kind != section.kind) continue;
      any = true;
      const std::string& heading =
          entry.signature.empty() ? entry.name : entry.signature;
      absl::StrAppend(&out, "  ", heading, entry.settings.empty() ? "" : "  ",
                      entry.settings, "  [", entry.origin, "]\n");
      if (!entry.doc.empty()) absl::StrAppend(&out, "      ", entry.doc, "\n");
    }
    if (!any) absl::StrAppend(&out, "  (none)\n");
  }
  return out;
}

}  // namespace nabla
