// The host side of the C ABI for op plugins (core/c_api/nabla_op_plugin.h):
// checks a C plugin's info, gives it nabla's function table, and turns each
// NablaOpDesc it declares into an OpDef whose kernels call its function
// pointers. The plugin loader (core/plugin_loader.h) calls it for libraries
// that define nabla_c_plugin_entry().
#ifndef NABLA_CORE_C_PLUGIN_HOST_H_
#define NABLA_CORE_C_PLUGIN_HOST_H_

#include <cstdint>

#include "absl/status/status.h"
#include "core/c_api/nabla_op_plugin.h"
#include "core/plugin_api.h"

namespace nabla {

// The oldest C API version whose plugins this nabla loads.
inline constexpr uint32_t kMinCApiVersion = 1;

// The function table C plugins call. Lives as long as the process.
const NablaHostApi& CPluginHostApi();

// Checks `info` and runs its register_ops, adding an OpDef to `registrar`
// for each op the plugin declares. Refuses (with a message that does not
// name the library; the loader adds it) an info smaller than in C API
// version 1, an api_version older than kMinCApiVersion, a null
// register_ops, an op description the host refuses, and an error returned
// by register_ops. What `registrar` holds afterwards calls the plugin's
// code: the library must stay loaded while it lives.
[[nodiscard]] absl::Status RegisterCPlugin(const NablaCPluginInfo* info,
                                           PluginRegistrar& registrar);

}  // namespace nabla

#endif  // NABLA_CORE_C_PLUGIN_HOST_H_
