#include "core/data_source.h"

#include "absl/strings/str_cat.h"

namespace nabla {

std::string SampleOrigin::Describe(int64_t sample) const {
  if (file.empty() || sample < 0) return "";
  if (lines.empty()) return absl::StrCat(file, ", sample ", sample, " (from 0)");
  if (sample >= static_cast<int64_t>(lines.size())) return "";
  return absl::StrCat(file, ":", lines[sample]);
}

DataSourceRegistry& DataSourceRegistry::Global() {
  static DataSourceRegistry* registry = new DataSourceRegistry();
  return *registry;
}

DataSourceRegistrar::DataSourceRegistrar(const DataSourceDef& def) {
  if (!StaticRegistrationAllowed("data source", def.name())) return;
  CheckBuiltinRegistration(DataSourceRegistry::Global().Register(def));
}

}  // namespace nabla
