#include "core/onnx/onnx_converters.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

const OnnxConverterMap& Converters() {
  static const OnnxConverterMap* map = [] {
    auto* m = new OnnxConverterMap();
    AddElementwiseConverters(*m);
    AddReductionConverters(*m);
    AddNnConverters(*m);
    AddShapeConverters(*m);
    return m;
  }();
  return *map;
}

}  // namespace

OnnxConverter FindOnnxConverter(absl::string_view op_type) {
  auto it = Converters().find(op_type);
  return it == Converters().end() ? nullptr : it->second;
}

std::vector<std::string> SupportedOnnxOps() {
  std::vector<std::string> names;
  for (const auto& [name, convert] : Converters()) names.push_back(name);
  return names;
}

[[nodiscard]] absl::StatusOr<int64_t> NormalizeAxis(const OnnxNode& node,
                                                    int64_t axis, int rank,
                                                    absl::string_view what) {
  if (axis < -rank || axis >= rank) {
    return node.Invalid(
        absl::StrCat(what, " ", axis, " is out of range for rank ", rank));
  }
  return axis < 0 ? axis + rank : axis;
}

[[nodiscard]] absl::StatusOr<std::vector<int64_t>> ConstantInts(
    OnnxNode& node, int k, absl::string_view what) {
  NABLA_ASSIGN_OR_RETURN(const OnnxValues* values, node.ConstantInput(k, what));
  if (!values->is_integer()) {
    return node.Invalid(absl::StrCat("input ", k, " (", what, ") is ",
                                     OnnxTypeName(values->elem_type),
                                     ", expected integers"));
  }
  if (values->symbolic()) {
    return node.Unsupported(
        absl::StrCat("input ", k, " (", what,
                     ") depends on a size known only when data "
                     "is fed"));
  }
  return values->ints;
}

[[nodiscard]] bool ToInt64(double v, int64_t* out) {
  // 2^63 is exactly representable; every double below it converts.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(v) || v >= kLimit || v < -kLimit) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

[[nodiscard]] absl::StatusOr<int64_t> CheckedElements(
    const OnnxNode& node, absl::Span<const int64_t> dims,
    absl::string_view what) {
  constexpr int64_t kLimit = int64_t{1} << 62;
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && n > kLimit / d)) {
      return node.Invalid(absl::StrCat(what, " [", absl::StrJoin(dims, ", "),
                                       "] has a negative dimension or too "
                                       "many elements"));
    }
    n *= d;
  }
  return n;
}

[[nodiscard]] absl::StatusOr<Operand> ReshapeTo(OnnxNode& node,
                                                const Operand& x,
                                                std::vector<int64_t> dims) {
  const Shape shape(absl::MakeConstSpan(dims));
  if (shape == x.shape) return x;
  NABLA_ASSIGN_OR_RETURN(
      Operand y, node.Emit("Reshape", {x}, {{"shape", MakeAttr(shape)}}));
  // An unknown dimension 0 over the same known rest is the same batch.
  const auto rest = [](const Shape& s) {
    return Shape(s.dims().subspan(1)).num_elements();
  };
  if (shape.rank() > 0 && x.shape.rank() > 0 && shape.dim(0) < 0 &&
      x.shape.dim(0) < 0 && rest(shape) >= 0 && rest(shape) == rest(x.shape)) {
    y.batch_tag = x.batch_tag;
  }
  return y;
}

}  // namespace nabla
