// The function table that C-ABI plugins call (NablaHostApi) and what the
// opaque handles of core/c_api/nabla_op_plugin.h are on nabla's side.
// Private to //core:c_plugin_host.
//
// A NablaTensor is a nabla::Tensor and a NablaAttrs a ResolvedAttrs. The
// contexts are small structs on the stack of the adapter that calls the
// plugin: they carry what the C calls need besides nabla's context (the
// number of outputs, a refusal to report), and cost no allocation.
#ifndef NABLA_CORE_C_HOST_API_H_
#define NABLA_CORE_C_HOST_API_H_

#include "absl/status/status.h"
#include "core/c_api/nabla_op_plugin.h"
#include "core/kernel_context.h"
#include "core/plugin_api.h"

namespace nabla {
namespace c_host {

// Behind a NablaShapeContext. `refused` holds the first output that
// shape_set_output refused; the shape function then fails with it.
struct ShapeCall {
  ShapeContext* ctx;
  absl::Status refused;
};

// Behind a NablaKernelContext.
struct KernelCall {
  const KernelContext* ctx;
  int num_outputs;
};

// Behind a NablaGradientContext.
struct GradientCall {
  const GradientContext* ctx;
  int num_outputs;
};

// Behind a NablaOpRegistrar, during register_ops. `refused` holds the
// first op description add_op refused; the plugin then fails with it.
struct Registration {
  PluginRegistrar* registrar;
  int ops_seen = 0;
  absl::Status refused;
};

// The error a plugin's callback returned (made by make_error), as
// InvalidArgument with its message; frees it. OK for null.
[[nodiscard]] absl::Status TakeStatus(NablaStatus* status);

// Adds the op `desc` declares to `registration`'s registrar, or says why
// not (defined in c_plugin_host.cc).
[[nodiscard]] absl::Status AddOp(Registration& registration,
                                 const NablaOpDesc* desc);

const NablaHostApi& HostApi();

}  // namespace c_host
}  // namespace nabla

#endif  // NABLA_CORE_C_HOST_API_H_
