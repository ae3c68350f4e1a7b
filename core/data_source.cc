#include "core/data_source.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace nabla {

std::string SampleOrigin::Describe(int64_t sample) const {
  // The last file that starts at or before `sample`.
  auto after = std::upper_bound(
      files.begin(), files.end(), sample,
      [](int64_t s, const File& file) { return s < file.first_sample; });
  if (sample < 0 || after == files.begin()) return "";
  const File& file = *(after - 1);
  if (lines.empty()) {
    return absl::StrCat(file.name, ", sample ", sample - file.first_sample,
                        " (from 0)");
  }
  if (sample >= static_cast<int64_t>(lines.size())) return "";
  return absl::StrCat(file.name, ":", lines[sample]);
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
