// Loading plugin libraries (see core/plugin_api.h) into the registries.
//
//   NABLA_RETURN_IF_ERROR(LoadPlugin("bazel-bin/plugins/examples/libprelu.so"));
//
// The process that loads plugins must export nabla's symbols to them:
// train_graph and the tests that load plugins are linked with -rdynamic.
#ifndef NABLA_CORE_PLUGIN_LOADER_H_
#define NABLA_CORE_PLUGIN_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace nabla {

// The plugin API version and ABI of this build of nabla, which a plugin's
// must equal.
int HostPluginApiVersion();
const char* HostPluginAbi();

// Opens the library at `path`, checks its handshake and registers what it
// declares, all or nothing. The library is a C++ plugin (an entry point
// nabla_plugin_entry, core/plugin_api.h) or a C-ABI plugin
// (nabla_c_plugin_entry, core/c_api/nabla_op_plugin.h). Each failure is an
// error that starts with "plugin <path>: " and says what went wrong: the
// file cannot be opened, it has neither entry point (or both), its API
// version or ABI differ from this nabla's (both are shown), a C plugin's
// version or struct sizes are too old, its registration failed, or a
// definition is refused (a taken name, an incomplete op). A library that
// fails is closed again; one that loads stays loaded for the life of the
// process. Loading the same file twice does nothing the second time.
[[nodiscard]] absl::Status LoadPlugin(const std::string& path);

// Paths of the plugins loaded so far, in order.
std::vector<std::string> LoadedPlugins();

}  // namespace nabla

#endif  // NABLA_CORE_PLUGIN_LOADER_H_
