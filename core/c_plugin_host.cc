#include "core/c_plugin_host.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "core/attrs.h"
#include "core/c_host_api.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// The sizes of the structs in C API version 1: the least a plugin may give.
constexpr uint32_t kInfoV1Size =
    offsetof(NablaCPluginInfo, register_ops) + sizeof(void*);
constexpr uint32_t kOpDescV1Size =
    offsetof(NablaOpDesc, user_data) + sizeof(void*);

// A copy of the plugin's struct as this build knows it: its first `size`
// bytes, and zeros for fields an older plugin lacks.
template <typename Struct>
Struct ReadPrefix(const Struct* from) {
  Struct to{};
  std::memcpy(&to, from, std::min<size_t>(from->size, sizeof(Struct)));
  return to;
}

// Calls one of the plugin's callbacks. It reports errors by returning
// them; an exception that escapes anyway (it may not) is caught, if it can
// be, rather than unwinding through nabla.
template <typename Call>
[[nodiscard]] absl::Status CallPlugin(absl::string_view what,
                                      const Call& call) {
  try {
    return c_host::TakeStatus(call());
  } catch (...) {
    return absl::InternalError(
        absl::StrCat("the plugin's ", what, " let an exception escape"));
  }
}

// The OpDef's shape function and kernels: the C callbacks, called with
// handles to call structs on this stack.
void SetCallbacks(const NablaOpDesc& desc, OpDef& def) {
  const int num_outputs = desc.num_outputs;
  void* const user = desc.user_data;
  if (desc.shape != nullptr) {
    def.ShapeFn([fn = desc.shape, user](ShapeContext& ctx) {
      c_host::ShapeCall call{&ctx, absl::OkStatus()};
      absl::Status status = CallPlugin("shape function", [&] {
        return fn(reinterpret_cast<NablaShapeContext*>(&call), user);
      });
      return call.refused.ok() ? status : call.refused;
    });
  }
  if (desc.forward != nullptr) {
    def.Forward(
        [fn = desc.forward, user, num_outputs](const KernelContext& ctx) {
          const c_host::KernelCall call{&ctx, num_outputs};
          return CallPlugin("forward kernel", [&] {
            return fn(reinterpret_cast<const NablaKernelContext*>(&call), user);
          });
        });
  }
  if (desc.gradient == nullptr) {
    def.NoGradient();
    return;
  }
  def.Gradient(
      [fn = desc.gradient, user, num_outputs](const GradientContext& ctx) {
        const c_host::GradientCall call{&ctx, num_outputs};
        return CallPlugin("gradient kernel", [&] {
          return fn(reinterpret_cast<const NablaGradientContext*>(&call), user);
        });
      });
}

void SetFlags(uint32_t flags, OpDef& def) {
  if (flags & NABLA_OP_IN_PLACE) def.InPlace();
  if (flags & NABLA_OP_GRADIENT_IN_PLACE) def.GradientInPlace();
  const bool skips_inputs = flags & NABLA_OP_GRADIENT_SKIPS_INPUTS;
  const bool skips_outputs = flags & NABLA_OP_GRADIENT_SKIPS_OUTPUTS;
  def.GradientReads(skips_inputs && skips_outputs ? ForwardValues::kNone
                    : skips_inputs                ? ForwardValues::kOutputs
                    : skips_outputs               ? ForwardValues::kInputs
                                    : ForwardValues::kInputsAndOutputs);
}

[[nodiscard]] absl::StatusOr<OpCategory> CategoryOf(int32_t category) {
  switch (category) {
    case NABLA_OP_CATEGORY_OP:
      return OpCategory::kOp;
    case NABLA_OP_CATEGORY_ACTIVATION:
      return OpCategory::kActivation;
    case NABLA_OP_CATEGORY_LOSS:
      return OpCategory::kLoss;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("its category ", category, " is not a NABLA_OP_CATEGORY_*"));
}

[[nodiscard]] absl::Status DeclareAttr(const NablaAttrDesc& attr, OpDef& def) {
  if (attr.name == nullptr) {
    return absl::InvalidArgumentError("an attribute has no name");
  }
  auto refuse = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", attr.name, "' ", why));
  };
  AttrType type;
  AttrValue value;
  switch (attr.type) {
    case NABLA_ATTR_INT:
      type = AttrType::kInt;
      value = MakeAttr(attr.int_value);
      break;
    case NABLA_ATTR_FLOAT:
      type = AttrType::kFloat;
      value = MakeAttr(attr.float_value);
      break;
    case NABLA_ATTR_BOOL:
      type = AttrType::kBool;
      value = MakeAttr(attr.int_value != 0);
      break;
    case NABLA_ATTR_STRING:
      if (attr.string_value == nullptr && !attr.required) {
        return refuse("has a NULL default");
      }
      type = AttrType::kString;
      value = MakeAttr(attr.string_value == nullptr ? "" : attr.string_value);
      break;
    case NABLA_ATTR_INT_LIST:
      if (attr.int_list == nullptr && attr.int_list_size > 0) {
        return refuse("has a NULL default of several values");
      }
      type = AttrType::kIntList;
      value = MakeIntListAttr(
          absl::MakeConstSpan(attr.int_list, attr.int_list_size));
      break;
    default:
      return refuse(absl::StrCat("has type ", attr.type,
                                 ", which is not a NABLA_ATTR_*"));
  }
  if (attr.required) {
    def.RequiredAttr(attr.name, type);
  } else {
    def.Attr(attr.name, std::move(value), type);
  }
  return absl::OkStatus();
}

// The inputs, outputs and attributes of `desc`, checked for NULLs.
[[nodiscard]] absl::Status DeclareSignature(const NablaOpDesc& desc,
                                            OpDef& def) {
  if (desc.num_inputs < 0 || desc.num_outputs < 0 || desc.num_attrs < 0) {
    return absl::InvalidArgumentError("it has a negative count");
  }
  if ((desc.num_inputs > 0 && desc.inputs == nullptr) ||
      (desc.num_outputs > 0 && desc.outputs == nullptr) ||
      (desc.num_attrs > 0 && desc.attrs == nullptr)) {
    return absl::InvalidArgumentError(
        "it declares inputs, outputs or attributes in a NULL array");
  }
  for (int i = 0; i < desc.num_inputs; ++i) {
    const NablaInputDesc& input = desc.inputs[i];
    if (input.name == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("input ", i, " has no name"));
    }
    if (input.flags & NABLA_INPUT_NO_GRADIENT) {
      def.NonDifferentiableInput(input.name);
    } else {
      def.Input(input.name);
    }
  }
  for (int i = 0; i < desc.num_outputs; ++i) {
    if (desc.outputs[i] == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("output ", i, " has no name"));
    }
    def.Output(desc.outputs[i]);
  }
  for (int i = 0; i < desc.num_attrs; ++i) {
    NABLA_RETURN_IF_ERROR(DeclareAttr(desc.attrs[i], def));
  }
  return absl::OkStatus();
}

// The OpDef of the plugin's op number `index` (counting from 0). What
// OpDef::Validate() checks (no output, no shape function, no forward
// kernel) is left to the loader, which validates every definition.
[[nodiscard]] absl::StatusOr<OpDef> OpDefFromC(const NablaOpDesc* plugin_desc,
                                               int index) {
  if (plugin_desc == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("its op #", index, " is a NULL NablaOpDesc"));
  }
  if (plugin_desc->size < kOpDescV1Size) {
    return absl::InvalidArgumentError(
        absl::StrCat("its op #", index, " has a NablaOpDesc of ",
                     plugin_desc->size, " bytes, smaller than the ",
                     kOpDescV1Size, " bytes of C API version 1"));
  }
  const NablaOpDesc desc = ReadPrefix(plugin_desc);
  if (desc.name == nullptr || desc.name[0] == '\0') {
    return absl::InvalidArgumentError(
        absl::StrCat("it declares an op without a name (op #", index, ")"));
  }
  OpDef def(desc.name);
  absl::Status declared = DeclareSignature(desc, def);
  absl::StatusOr<OpCategory> category = CategoryOf(desc.category);
  if (declared.ok()) declared = category.status();
  if (!declared.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op '", desc.name, "' cannot be registered: ", declared.message()));
  }
  def.Category(*category);
  if (desc.doc != nullptr) def.Doc(desc.doc);
  SetFlags(desc.flags, def);
  SetCallbacks(desc, def);
  return def;
}

}  // namespace

namespace c_host {

[[nodiscard]] absl::Status AddOp(Registration& registration,
                                 const NablaOpDesc* desc) {
  NABLA_ASSIGN_OR_RETURN(OpDef def, OpDefFromC(desc, registration.ops_seen++));
  registration.registrar->AddOp(std::move(def));
  return absl::OkStatus();
}

}  // namespace c_host

const NablaHostApi& CPluginHostApi() { return c_host::HostApi(); }

[[nodiscard]] absl::Status RegisterCPlugin(const NablaCPluginInfo* plugin_info,
                                           PluginRegistrar& registrar) {
  if (plugin_info->size < kInfoV1Size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "its NablaCPluginInfo is ", plugin_info->size,
        " bytes, smaller than the ", kInfoV1Size, " bytes of C API version 1"));
  }
  const NablaCPluginInfo info = ReadPrefix(plugin_info);
  if (info.api_version < kMinCApiVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "it was built for C API version ", info.api_version,
        ", older than the oldest this nabla loads (", kMinCApiVersion,
        "); rebuild it against core/c_api/nabla_op_plugin.h"));
  }
  if (info.register_ops == nullptr) {
    return absl::InvalidArgumentError("its plugin info has no register_ops");
  }
  c_host::Registration registration{&registrar, 0, absl::OkStatus()};
  const absl::Status returned = CallPlugin("register_ops", [&] {
    return info.register_ops(
        &c_host::HostApi(), reinterpret_cast<NablaOpRegistrar*>(&registration));
  });
  NABLA_RETURN_IF_ERROR(registration.refused);
  if (!returned.ok()) {
    return absl::Status(
        returned.code(),
        absl::StrCat("its registration failed: ", returned.message()));
  }
  return absl::OkStatus();
}

}  // namespace nabla
