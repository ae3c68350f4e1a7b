// The entry point of a plugin library and what a plugin registers through.
// A plugin is a shared library that adds ops (activations and losses are
// ops), layers (composites), optimizers, learning-rate schedules and data
// sources:
//
//   #include "core/plugin_api.h"
//
//   NABLA_PLUGIN(registrar) {
//     registrar.AddOp(nabla::OpDef("PReLU")
//                         .Input("x")
//                         .Input("alpha")
//                         .Output("y")
//                         .Category(nabla::OpCategory::kActivation)
//                         .ShapeFn(PReluShape)
//                         .Forward(PReluForward)
//                         .Gradient(PReluGradient));
//   }
//
// NABLA_PLUGIN defines the library's one extern "C" entry point,
// nabla_plugin_entry(). It returns a NablaPluginInfo: plain C, so that the
// loader can read it whatever compiler built the plugin. The loader compares
// the plugin's API version and ABI with its own, and only when both match
// does it call the registration function. What that function adds is
// registered only if all of it can be (no name is taken); otherwise nothing
// from the library is.
//
// A plugin library does not use the NABLA_REGISTER_* macros, which register
// when the library is opened, before the handshake; unless all of it is
// compiled with -DNABLA_PLUGIN_BUILD and without NABLA_PLUGIN, together with
// core/plugin_library.cc, which defines the entry point: then the macros
// declare through it (core/plugin_build.h). That is how the built-in
// activations and losses also build as plugins.
//
// This API exchanges C++ objects, so a plugin must be built with the same
// compiler, standard library, protobuf and Abseil as nabla (the ABI string
// says which). Ops that must load into any nabla use the C ABI instead:
// core/c_api/nabla_op_plugin.h.
#ifndef NABLA_CORE_PLUGIN_API_H_
#define NABLA_CORE_PLUGIN_API_H_

#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/config.h"
#include "core/composite.h"
#include "core/data_source.h"
#include "core/op_registry.h"
#include "core/optimizer.h"
#include "core/parallel.h"
#include "core/schedule.h"
#include "core/setting_checks.h"
#include "google/protobuf/stubs/common.h"

// Raised whenever a header a plugin includes changes in a way that breaks
// plugins built against the old one. 2: OpDef, InputDef and the kernel
// contexts grew (state and variadic inputs, the run a kernel sees). 3:
// variadic outputs in OpDef, the planned scratch in the kernel contexts,
// ResolvedAttrs knows which attributes a model file set. 4: DataColumn
// carries where its samples were read (SampleOrigin).
#define NABLA_PLUGIN_API_VERSION 4

#define NABLA_PLUGIN_STRINGIFY_(x) #x
#define NABLA_PLUGIN_STRINGIFY(x) NABLA_PLUGIN_STRINGIFY_(x)

#if defined(__clang__)
#define NABLA_PLUGIN_COMPILER_ "clang " NABLA_PLUGIN_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define NABLA_PLUGIN_COMPILER_ "gcc " NABLA_PLUGIN_STRINGIFY(__GNUC__)
#else
#define NABLA_PLUGIN_COMPILER_ "unknown compiler"
#endif

#if defined(_GLIBCXX_RELEASE)
#define NABLA_PLUGIN_STDLIB_           \
  "libstdc++ " NABLA_PLUGIN_STRINGIFY( \
      _GLIBCXX_RELEASE) ", _GLIBCXX_USE_CXX11_ABI=" NABLA_PLUGIN_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#elif defined(_LIBCPP_VERSION)
#define NABLA_PLUGIN_STDLIB_ "libc++ " NABLA_PLUGIN_STRINGIFY(_LIBCPP_VERSION)
#else
#define NABLA_PLUGIN_STDLIB_ "unknown standard library"
#endif

// What a plugin must share with nabla to exchange C++ objects with it: the
// C++ ABI, the standard library and its string ABI, and the versions of
// protobuf and Abseil whose types cross the boundary.
#define NABLA_PLUGIN_ABI \
  NABLA_PLUGIN_COMPILER_ " (C++ ABI " NABLA_PLUGIN_STRINGIFY(            \
      __GXX_ABI_VERSION) "), " NABLA_PLUGIN_STDLIB_                      \
      ", protobuf " NABLA_PLUGIN_STRINGIFY(GOOGLE_PROTOBUF_VERSION)      \
      ", abseil " NABLA_PLUGIN_STRINGIFY(ABSL_LTS_RELEASE_VERSION)

extern "C" {

// Returned by a plugin's entry point. The first two fields keep their place
// in every API version, so any nabla can tell what a plugin was built for.
struct NablaPluginInfo {
  uint32_t api_version;  // NABLA_PLUGIN_API_VERSION of the plugin's build
  const char* abi;       // NABLA_PLUGIN_ABI of the plugin's build
  // Adds the plugin's definitions to the nabla::PluginRegistrar passed as
  // `registrar`. Returns null, or the message of what it threw.
  const char* (*register_plugin)(void* registrar);
};

// The name of the entry point the loader looks up.
#define NABLA_PLUGIN_ENTRY_POINT "nabla_plugin_entry"
typedef const struct NablaPluginInfo* (*NablaPluginEntryFn)(void);

}  // extern "C"

namespace nabla {

// Collects what a plugin declares. The loader registers it afterwards, all
// or nothing.
class PluginRegistrar {
 public:
  void AddOp(OpDef def) { ops_.push_back(std::move(def)); }
  void AddComposite(CompositeDef def) { composites_.push_back(std::move(def)); }
  void AddOptimizer(OptimizerDef def) { optimizers_.push_back(std::move(def)); }
  void AddSchedule(ScheduleDef def) { schedules_.push_back(std::move(def)); }
  void AddDataSource(DataSourceDef def) {
    data_sources_.push_back(std::move(def));
  }

  std::vector<OpDef>& ops() { return ops_; }
  std::vector<CompositeDef>& composites() { return composites_; }
  std::vector<OptimizerDef>& optimizers() { return optimizers_; }
  std::vector<ScheduleDef>& schedules() { return schedules_; }
  std::vector<DataSourceDef>& data_sources() { return data_sources_; }

 private:
  std::vector<OpDef> ops_;
  std::vector<CompositeDef> composites_;
  std::vector<OptimizerDef> optimizers_;
  std::vector<ScheduleDef> schedules_;
  std::vector<DataSourceDef> data_sources_;
};

}  // namespace nabla

// Defines the plugin's entry point and opens its registration function:
//
//   NABLA_PLUGIN(registrar) { registrar.AddOp(...); }
//
// Exceptions thrown by the body are caught inside the plugin and reported
// by the loader as a failed registration.
#define NABLA_PLUGIN(registrar)                                             \
  static void NablaPluginRegister(::nabla::PluginRegistrar& registrar);     \
  static const char* NablaPluginRegisterCaught(void* opaque) {              \
    static std::string error;                                               \
    try {                                                                   \
      NablaPluginRegister(*static_cast<::nabla::PluginRegistrar*>(opaque)); \
      return nullptr;                                                       \
    } catch (const std::exception& e) {                                     \
      error = e.what();                                                     \
    } catch (...) {                                                         \
      error = "an exception that is not a std::exception";                  \
    }                                                                       \
    return error.c_str();                                                   \
  }                                                                         \
  extern "C" __attribute__((visibility("default"))) const NablaPluginInfo*  \
  nabla_plugin_entry(void) {                                                \
    static const NablaPluginInfo info = {NABLA_PLUGIN_API_VERSION,          \
                                         NABLA_PLUGIN_ABI,                  \
                                         &NablaPluginRegisterCaught};       \
    return &info;                                                           \
  }                                                                         \
  static void NablaPluginRegister(::nabla::PluginRegistrar& registrar)

#endif  // NABLA_CORE_PLUGIN_API_H_
