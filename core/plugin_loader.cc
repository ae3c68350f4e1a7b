#include "core/plugin_loader.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/c_api/nabla_op_plugin.h"
#include "core/c_plugin_host.h"
#include "core/composite.h"
#include "core/file_read.h"
#include "core/plugin_api.h"
#include "core/registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

struct LoadedPluginList {
  std::mutex mu;  // pthread-based: ThreadSanitizer sees it
  // Real paths, to recognise a library loaded under another name.
  absl::flat_hash_set<std::string> real_paths;  // guarded by mu
  std::vector<std::string> paths;               // guarded by mu
};

LoadedPluginList& Loaded() {
  static LoadedPluginList* loaded = new LoadedPluginList();
  return *loaded;
}

// Closes a library that failed to load, unless it is released.
struct LibraryCloser {
  void operator()(void* handle) const { dlclose(handle); }
};
using LibraryHandle = std::unique_ptr<void, LibraryCloser>;

// Refuses a definition whose name is taken, by the registry or by an
// earlier definition of the same plugin.
template <typename Def, typename Registry>
[[nodiscard]] absl::Status CheckNames(const std::vector<Def>& defs,
                                      const Registry& registry,
                                      absl::string_view kind) {
  absl::flat_hash_set<std::string> seen;
  for (const Def& def : defs) {
    if (def.name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("it declares an ", kind, " without a name"));
    }
    if (registry.Contains(def.name())) {
      return absl::AlreadyExistsError(
          absl::StrCat(kind, " '", def.name(), "' is already registered (",
                       registry.OriginOf(def.name()), ")"));
    }
    if (!seen.insert(def.name()).second) {
      return absl::AlreadyExistsError(absl::StrCat(
          kind, " '", def.name(), "' is declared twice by this plugin"));
    }
  }
  return absl::OkStatus();
}

// Everything the plugin declares must be complete and under a free name
// before anything is registered.
[[nodiscard]] absl::Status CheckDeclarations(PluginRegistrar& registrar) {
  for (const OpDef& op : registrar.ops()) NABLA_RETURN_IF_ERROR(op.Validate());
  // Check() also refuses a layer named like a registered op.
  for (const CompositeDef& def : registrar.composites()) {
    NABLA_RETURN_IF_ERROR(CompositeRegistry::Global().Check(def));
  }
  for (const OptimizerDef& def : registrar.optimizers()) {
    NABLA_RETURN_IF_ERROR(OptimizerRegistry::Global().Check(def));
  }
  for (const ScheduleDef& def : registrar.schedules()) {
    NABLA_RETURN_IF_ERROR(ScheduleRegistry::Global().Check(def));
  }
  for (const DataSourceDef& def : registrar.data_sources()) {
    NABLA_RETURN_IF_ERROR(DataSourceRegistry::Global().Check(def));
  }
  NABLA_RETURN_IF_ERROR(
      CheckNames(registrar.ops(), OpRegistry::Global(), "op"));
  // Graphs resolve an op name before a layer name: an op may not hide one.
  NABLA_RETURN_IF_ERROR(
      CheckNames(registrar.ops(), CompositeRegistry::Global(), "layer"));
  NABLA_RETURN_IF_ERROR(
      CheckNames(registrar.composites(), CompositeRegistry::Global(), "layer"));
  for (const CompositeDef& layer : registrar.composites()) {
    for (const OpDef& op : registrar.ops()) {
      if (op.name() == layer.name()) {
        return absl::AlreadyExistsError(absl::StrCat(
            "it declares '", op.name(), "' as both an op and a layer"));
      }
    }
  }
  NABLA_RETURN_IF_ERROR(CheckNames(registrar.optimizers(),
                                   OptimizerRegistry::Global(), "optimizer"));
  NABLA_RETURN_IF_ERROR(CheckNames(registrar.schedules(),
                                   ScheduleRegistry::Global(), "schedule"));
  NABLA_RETURN_IF_ERROR(CheckNames(
      registrar.data_sources(), DataSourceRegistry::Global(), "data source"));
  return absl::OkStatus();
}

[[nodiscard]] absl::Status RegisterDeclarations(PluginRegistrar& registrar,
                                                absl::string_view origin) {
  for (OpDef& def : registrar.ops()) {
    NABLA_RETURN_IF_ERROR(
        OpRegistry::Global().Register(std::move(def), origin));
  }
  for (CompositeDef& def : registrar.composites()) {
    NABLA_RETURN_IF_ERROR(
        CompositeRegistry::Global().Register(std::move(def), origin));
  }
  for (OptimizerDef& def : registrar.optimizers()) {
    NABLA_RETURN_IF_ERROR(
        OptimizerRegistry::Global().Register(std::move(def), origin));
  }
  for (ScheduleDef& def : registrar.schedules()) {
    NABLA_RETURN_IF_ERROR(
        ScheduleRegistry::Global().Register(std::move(def), origin));
  }
  for (DataSourceDef& def : registrar.data_sources()) {
    NABLA_RETURN_IF_ERROR(
        DataSourceRegistry::Global().Register(std::move(def), origin));
  }
  return absl::OkStatus();
}

// Runs the plugin's registration into `registrar`; the plugin catches what
// its own code throws, and this catches what escapes anyway.
[[nodiscard]] absl::Status RunRegistration(const NablaPluginInfo& info,
                                           PluginRegistrar& registrar) {
  if (info.register_plugin == nullptr) {
    return absl::InvalidArgumentError("its plugin info has no registration");
  }
  const char* error = nullptr;
  try {
    error = info.register_plugin(&registrar);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("its registration threw: ", e.what()));
  } catch (...) {
    return absl::InvalidArgumentError("its registration threw");
  }
  if (error != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("its registration threw: ", error));
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::Status CheckHandshake(const NablaPluginInfo& info) {
  if (static_cast<int>(info.api_version) != HostPluginApiVersion()) {
    return absl::FailedPreconditionError(
        absl::StrCat("it was built for plugin API version ", info.api_version,
                     ", this nabla expects version ", HostPluginApiVersion(),
                     "; rebuild the plugin against this nabla's headers"));
  }
  const char* abi = info.abi == nullptr ? "(none)" : info.abi;
  if (std::strcmp(abi, HostPluginAbi()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "it was built with ABI \"", abi, "\", this nabla expects \"",
        HostPluginAbi(),
        "\"; rebuild the plugin with the same compiler and libraries"));
  }
  return absl::OkStatus();
}

// The C++ API's handshake and registration (core/plugin_api.h).
[[nodiscard]] absl::Status RegisterCppPlugin(void* entry,
                                             PluginRegistrar& registrar) {
  const NablaPluginInfo* info = reinterpret_cast<NablaPluginEntryFn>(entry)();
  if (info == nullptr) {
    return absl::InvalidArgumentError(
        "its entry point " NABLA_PLUGIN_ENTRY_POINT "() returned null");
  }
  NABLA_RETURN_IF_ERROR(CheckHandshake(*info));
  return RunRegistration(*info, registrar);
}

// The C ABI's (core/c_api/nabla_op_plugin.h).
[[nodiscard]] absl::Status RegisterCAbiPlugin(void* entry,
                                              PluginRegistrar& registrar) {
  const NablaCPluginInfo* info = reinterpret_cast<NablaCPluginEntryFn>(entry)();
  if (info == nullptr) {
    return absl::InvalidArgumentError(
        "its entry point " NABLA_C_PLUGIN_ENTRY_POINT "() returned null");
  }
  return RegisterCPlugin(info, registrar);
}

// A plugin that needs a nabla C++ symbol this nabla does not have was
// built against other headers or another C++ library ABI: the handshake,
// which would say so, never runs, so say it here.
std::string MissingNablaSymbolHint(const char* error) {
  if (error == nullptr) return "";
  const absl::string_view text(error);
  const size_t at = text.find("undefined symbol: ");
  if (at == absl::string_view::npos) return "";
  const absl::string_view symbol = text.substr(at + 18);
  if (!absl::StartsWith(symbol, "_ZN5nabla") &&
      !absl::StartsWith(symbol, "_ZNK5nabla")) {
    return "";
  }
  return absl::StrCat(
      " (a nabla symbol: the plugin was built with another C++ ABI than this "
      "nabla's \"",
      HostPluginAbi(),
      "\", e.g. -D_GLIBCXX_USE_CXX11_ABI=0 or libc++, or against other "
      "nabla headers; rebuild it with the same compiler and libraries, or "
      "write it against the C ABI, core/c_api/nabla_op_plugin.h, which any "
      "compiler can build)");
}

// The caller holds Loaded().mu.
[[nodiscard]] absl::Status LoadLibrary(const std::string& path,
                                       const std::string& real_path) {
  dlerror();  // clear any earlier error
  BeginOpeningPlugin();
  LibraryHandle library(dlopen(real_path.c_str(), RTLD_NOW | RTLD_LOCAL));
  const std::vector<std::string> static_registrations = EndOpeningPlugin();
  if (library == nullptr) {
    const char* error = dlerror();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot be loaded: ", error == nullptr ? "" : error,
                     MissingNablaSymbolHint(error)));
  }
  if (!static_registrations.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "it registers ", absl::StrJoin(static_registrations, ", "),
        " with NABLA_REGISTER_* when it is opened, before its handshake; a "
        "plugin registers through NABLA_PLUGIN (see docs/plugins.md)"));
  }
  void* cpp_entry = dlsym(library.get(), NABLA_PLUGIN_ENTRY_POINT);
  void* c_entry = dlsym(library.get(), NABLA_C_PLUGIN_ENTRY_POINT);
  if (cpp_entry == nullptr && c_entry == nullptr) {
    return absl::InvalidArgumentError(
        "it has no entry point " NABLA_PLUGIN_ENTRY_POINT
        "() or " NABLA_C_PLUGIN_ENTRY_POINT
        "(): it is not a nabla plugin (declare one with NABLA_PLUGIN or "
        "NABLA_C_PLUGIN, see docs/plugins.md)");
  }
  if (cpp_entry != nullptr && c_entry != nullptr) {
    return absl::InvalidArgumentError(
        "it has both entry points, " NABLA_PLUGIN_ENTRY_POINT
        "() and " NABLA_C_PLUGIN_ENTRY_POINT
        "(): a plugin uses the C++ API or the C ABI, not both");
  }
  {
    // The declarations hold the plugin's code: they must be gone before the
    // library is closed on failure.
    PluginRegistrar registrar;
    NABLA_RETURN_IF_ERROR(cpp_entry != nullptr
                              ? RegisterCppPlugin(cpp_entry, registrar)
                              : RegisterCAbiPlugin(c_entry, registrar));
    NABLA_RETURN_IF_ERROR(CheckDeclarations(registrar));
    absl::Status registered = RegisterDeclarations(registrar, path);
    if (!registered.ok()) {
      // Checked above, so only a race with another registration gets here;
      // what did register runs the library's code, so it stays open.
      library.release();
      return registered;
    }
  }
  library.release();  // registered kernels run the library's code
  LoadedPluginList& loaded = Loaded();
  loaded.real_paths.insert(real_path);
  loaded.paths.push_back(path);
  return absl::OkStatus();
}

}  // namespace

int HostPluginApiVersion() { return NABLA_PLUGIN_API_VERSION; }

const char* HostPluginAbi() { return NABLA_PLUGIN_ABI; }

[[nodiscard]] absl::Status LoadPlugin(const std::string& path) {
  char* resolved = realpath(path.c_str(), nullptr);
  if (resolved == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "plugin ", path, ": cannot be opened: ", std::strerror(errno)));
  }
  const std::string real_path = resolved;
  free(resolved);
  // dlopen of a FIFO would block; of a device or directory, fail obscurely.
  if (absl::Status regular = CheckRegularFile(real_path); !regular.ok()) {
    return absl::Status(regular.code(),
                        absl::StrCat("plugin ", path, ": ", regular.message()));
  }
  LoadedPluginList& loaded = Loaded();
  std::lock_guard<std::mutex> lock(loaded.mu);
  if (loaded.real_paths.contains(real_path)) return absl::OkStatus();
  absl::Status status = LoadLibrary(path, real_path);
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat("plugin ", path, ": ", status.message()));
}

std::vector<std::string> LoadedPlugins() {
  LoadedPluginList& loaded = Loaded();
  std::lock_guard<std::mutex> lock(loaded.mu);
  return loaded.paths;
}

}  // namespace nabla
