#include "core/data_source.h"

namespace nabla {

DataSourceRegistry& DataSourceRegistry::Global() {
  static DataSourceRegistry* registry = new DataSourceRegistry();
  return *registry;
}

DataSourceRegistrar::DataSourceRegistrar(const DataSourceDef& def) {
  if (!StaticRegistrationAllowed("data source", def.name())) return;
  CheckBuiltinRegistration(DataSourceRegistry::Global().Register(def));
}

}  // namespace nabla
