// OneHot: each index as a row of `depth` values, 1 at the index and 0
// elsewhere.
//
//   indices: any shape, integers in [0, depth) stored as numbers.
//   depth: the number of classes (>= 1).  y: indices' shape + [depth], of
//   indices' dtype.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/index_values.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

[[nodiscard]] absl::Status OneHotShape(ShapeContext& ctx) {
  const Shape& indices = ctx.input_shape(0);
  const int64_t depth = ctx.attrs().GetInt("depth");
  if (depth < 1 || depth > (int64_t{1} << 31)) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'depth' must be from 1 to 2^31, got ", depth));
  }
  std::vector<int64_t> dims(indices.dims().begin(), indices.dims().end());
  dims.push_back(depth);
  Shape y(dims);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(y, "y"));
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(y));
  return absl::OkStatus();
}

[[nodiscard]] absl::Status OneHotForward(const KernelContext& ctx) {
  const Tensor& indices = ctx.input(0);
  const int64_t depth = ctx.attrs().GetInt("depth");
  absl::Status status;
  DispatchFloat(indices.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = indices.data<T>();
    T* out = ctx.output(0).data<T>();
    std::fill(out, out + ctx.output(0).num_elements(), T(0));
    for (int64_t i = 0; i < indices.num_elements() && status.ok(); ++i) {
      int64_t index = 0;
      status = ReadIndex(0, in, i, depth, /*negative_from_end=*/false, &index);
      if (status.ok()) out[i * depth + index] = T(1);
    }
  });
  return status;
}

NABLA_REGISTER_OP("OneHot")
    .Input("indices")
    .Output("y")
    .RequiredAttr("depth", AttrType::kInt)
    .ShapeFn(OneHotShape)
    .Forward(OneHotForward)
    .NoGradient()
    .Doc(
        "Each index in [0, depth) as a row of depth values: 1 at the index, "
        "0 elsewhere.");

}  // namespace
}  // namespace nabla
