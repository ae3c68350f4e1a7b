#include "ops/shape_util.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nabla {

absl::Status CheckMaxRank(const Shape& shape, absl::string_view what) {
  if (shape.rank() <= kMaxRank) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " is ", shape.ToString(), " of rank ", shape.rank(),
                   "; ops support rank <= ", kMaxRank));
}

absl::Status CheckSameDType(const ShapeContext& ctx,
                            std::initializer_list<absl::string_view> names,
                            int first) {
  bool same = true;
  for (int i = 1; i < static_cast<int>(names.size()); ++i) {
    same = same && ctx.input_dtype(first + i) == ctx.input_dtype(first);
  }
  if (same) return absl::OkStatus();
  std::vector<std::string> parts;
  int i = first;
  for (absl::string_view name : names) {
    parts.push_back(
        absl::StrCat(name, " is ", DTypeName(ctx.input_dtype(i++))));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "inputs must have the same dtype: ", absl::StrJoin(parts, ", ")));
}

void RowMajorStrides(const Shape& shape, DimArray* strides) {
  int64_t stride = 1;
  for (int i = shape.rank() - 1; i >= 0; --i) {
    (*strides)[i] = stride;
    stride *= shape.dim(i);
  }
}

}  // namespace nabla
