// The entry point of a plugin library built from sources that declare with
// NABLA_REGISTER_* (core/plugin_build.h). Part of the plugin SDK: compile it
// into the library once, with -DNABLA_PLUGIN_BUILD like the library's own
// sources.
#include <vector>

#include "core/plugin_api.h"

#ifndef NABLA_PLUGIN_BUILD
#error \
    "core/plugin_library.cc belongs in a plugin library built with -DNABLA_PLUGIN_BUILD"
#endif

namespace nabla {
namespace {

// What the library's NABLA_REGISTER_* declared, in the order its static
// initialisers ran.
PluginRegistrar& Collected() {
  static PluginRegistrar collected;
  return collected;
}

template <typename Def>
void AddAll(const std::vector<Def>& defs, void (PluginRegistrar::*add)(Def),
            PluginRegistrar& registrar) {
  for (const Def& def : defs) (registrar.*add)(def);
}

}  // namespace

PluginCollector::PluginCollector(const OpDef& def) { Collected().AddOp(def); }
PluginCollector::PluginCollector(const CompositeDef& def) {
  Collected().AddComposite(def);
}
PluginCollector::PluginCollector(const OptimizerDef& def) {
  Collected().AddOptimizer(def);
}
PluginCollector::PluginCollector(const ScheduleDef& def) {
  Collected().AddSchedule(def);
}
PluginCollector::PluginCollector(const DataSourceDef& def) {
  Collected().AddDataSource(def);
}

}  // namespace nabla

// Copies, not moves: after a refused load the loader may open the library
// again without its static initialisers running again (dlclose need not
// unload it), and it must find the same declarations.
NABLA_PLUGIN(registrar) {
  nabla::PluginRegistrar& collected = nabla::Collected();
  nabla::AddAll(collected.ops(), &nabla::PluginRegistrar::AddOp, registrar);
  nabla::AddAll(collected.composites(), &nabla::PluginRegistrar::AddComposite,
                registrar);
  nabla::AddAll(collected.optimizers(), &nabla::PluginRegistrar::AddOptimizer,
                registrar);
  nabla::AddAll(collected.schedules(), &nabla::PluginRegistrar::AddSchedule,
                registrar);
  nabla::AddAll(collected.data_sources(),
                &nabla::PluginRegistrar::AddDataSource, registrar);
}
