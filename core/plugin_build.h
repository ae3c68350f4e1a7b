// One source, two builds: the NABLA_REGISTER_* declarations of a source
// file (plugins/activations/sigmoid.cc, say) either register into nabla or
// make a plugin library.
//
// Compiled into nabla, each macro defines a static registrar that registers
// at static initialisation (core/op_registry.h and the other registries).
//
// Compiled with -DNABLA_PLUGIN_BUILD, each macro defines a PluginCollector
// instead, which keeps the declaration in a list of the library's own. The
// library also compiles in core/plugin_library.cc, the SDK source that
// defines its entry point: after the loader's handshake it hands the list
// to the loader, which registers it all or nothing (core/plugin_api.h).
// Nothing touches the registries while the library is being opened.
//
//   g++ -std=c++17 -O2 -fPIC -shared -DNABLA_PLUGIN_BUILD -I sdk/include
//       plugins/activations/sigmoid.cc sdk/src/core/plugin_library.cc
//       -o libsigmoid.so
#ifndef NABLA_CORE_PLUGIN_BUILD_H_
#define NABLA_CORE_PLUGIN_BUILD_H_

#ifdef NABLA_PLUGIN_BUILD

namespace nabla {

class OpDef;
class CompositeDef;
template <typename Product>
class FactoryDef;
class Optimizer;
class LearningRateSchedule;
class DataSource;

// Keeps a declaration for the library's entry point (core/plugin_library.cc
// defines the constructors). Hidden, so that every plugin library has its
// own list whatever else the process has loaded.
class __attribute__((visibility("hidden"))) PluginCollector {
 public:
  // NOLINTBEGIN(google-explicit-constructor): built from the macros' chains.
  PluginCollector(const OpDef& def);
  PluginCollector(const CompositeDef& def);
  PluginCollector(const FactoryDef<Optimizer>& def);
  PluginCollector(const FactoryDef<LearningRateSchedule>& def);
  PluginCollector(const FactoryDef<DataSource>& def);
  // NOLINTEND(google-explicit-constructor)
};

}  // namespace nabla

#define NABLA_STATIC_REGISTRAR_(registrar) ::nabla::PluginCollector
#else
#define NABLA_STATIC_REGISTRAR_(registrar) registrar
#endif

#endif  // NABLA_CORE_PLUGIN_BUILD_H_
