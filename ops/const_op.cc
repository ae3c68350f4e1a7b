// Const: a tensor literal written in the model.
//
//   output: the tensor of attribute `value` (its dtype and shape).
#include <algorithm>

#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status ConstShape(ShapeContext& ctx) {
  NABLA_ASSIGN_OR_RETURN(
      const Tensor value,
      TensorFromProto(ctx.attrs().GetTensor("value"), "attribute 'value'"));
  NABLA_RETURN_IF_ERROR(CheckMaxRank(value.shape(), "value"));
  ctx.SetOutput(0, value.dtype(), value.shape());
  return absl::OkStatus();
}

// Writes the literal straight from the proto (one value fills the whole
// tensor, as TensorProto allows), converting to the output's dtype.
[[nodiscard]] absl::Status ConstForward(const KernelContext& ctx) {
  const TensorProto& proto = ctx.attrs().GetTensor("value");
  Tensor& out = ctx.output(0);
  DispatchFloat(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = out.data<T>();
    const int64_t n = out.num_elements();
    if (proto.value_size() == 1) {
      std::fill(p, p + n, static_cast<T>(proto.value(0)));
      return;
    }
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(proto.value(i));
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Const")
    .Role(OpRole::kConstant)
    .Output("output")
    .RequiredAttr("value", AttrType::kTensor)
    .ShapeFn(ConstShape)
    .Forward(ConstForward)
    .NoGradient()
    .Doc("A tensor literal.");

}  // namespace
}  // namespace nabla
