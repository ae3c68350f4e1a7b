#include "core/attrs.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nabla {

const char* AttrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kInt:
      return "int";
    case AttrType::kFloat:
      return "float";
    case AttrType::kString:
      return "string";
    case AttrType::kBool:
      return "bool";
    case AttrType::kShape:
      return "shape";
    case AttrType::kTensor:
      return "tensor";
    case AttrType::kIntList:
      return "list(int)";
    case AttrType::kFloatList:
      return "list(float)";
    case AttrType::kStringList:
      return "list(string)";
  }
  return "?";
}

AttrValue MakeAttr(int64_t value) {
  AttrValue v;
  v.set_i(value);
  return v;
}
AttrValue MakeAttr(int value) { return MakeAttr(static_cast<int64_t>(value)); }
AttrValue MakeAttr(double value) {
  AttrValue v;
  v.set_f(value);
  return v;
}
AttrValue MakeAttr(bool value) {
  AttrValue v;
  v.set_b(value);
  return v;
}
AttrValue MakeAttr(const char* value) { return MakeAttr(std::string(value)); }
AttrValue MakeAttr(const std::string& value) {
  AttrValue v;
  v.set_s(value);
  return v;
}
AttrValue MakeAttr(const Shape& value) {
  AttrValue v;
  v.mutable_shape();  // a scalar shape has no dims but is still a shape
  for (int64_t d : value.dims()) v.mutable_shape()->add_dim(d);
  return v;
}
AttrValue MakeIntListAttr(absl::Span<const int64_t> values) {
  AttrValue v;
  auto* list = v.mutable_list();
  for (int64_t x : values) list->add_i(x);
  return v;
}

namespace {

// Whether `value` can serve as an attribute of `type`. An integer is a
// valid float, and an empty list is a valid list of any type. A list holds
// one type of element (graph.proto): one that mixes two has lost their
// relative order, so it is no list of either.
bool Matches(const AttrValue& value, AttrType type) {
  const auto& list = value.list();
  const int kinds = (list.i_size() > 0) + (list.f_size() > 0) +
                    (list.s_size() > 0) + (list.b_size() > 0);
  const bool empty_list = value.has_list() && kinds == 0;
  switch (type) {
    case AttrType::kInt:
      return value.value_case() == AttrValue::kI;
    case AttrType::kFloat:
      return value.value_case() == AttrValue::kF ||
             value.value_case() == AttrValue::kI;
    case AttrType::kString:
      return value.value_case() == AttrValue::kS;
    case AttrType::kBool:
      return value.value_case() == AttrValue::kB;
    case AttrType::kShape:
      return value.value_case() == AttrValue::kShape;
    case AttrType::kTensor:
      return value.value_case() == AttrValue::kTensor;
    case AttrType::kIntList:
      return empty_list ||
             (value.has_list() && kinds == 1 && list.i_size() > 0);
    case AttrType::kFloatList:
      return empty_list || (value.has_list() && kinds == 1 &&
                            (list.f_size() > 0 || list.i_size() > 0));
    case AttrType::kStringList:
      return empty_list ||
             (value.has_list() && kinds == 1 && list.s_size() > 0);
  }
  return false;
}

const char* GivenTypeName(const AttrValue& value) {
  switch (value.value_case()) {
    case AttrValue::kI:
      return "int";
    case AttrValue::kF:
      return "float";
    case AttrValue::kS:
      return "string";
    case AttrValue::kB:
      return "bool";
    case AttrValue::kShape:
      return "shape";
    case AttrValue::kTensor:
      return "tensor";
    case AttrValue::kList:
      return "list";
    case AttrValue::VALUE_NOT_SET:
      return "nothing";
  }
  return "?";
}

// Integers given for float attributes are stored as floats, so getters
// need not care how the user wrote them.
AttrValue Normalize(const AttrValue& value, AttrType type) {
  if (type == AttrType::kFloat && value.value_case() == AttrValue::kI) {
    return MakeAttr(static_cast<double>(value.i()));
  }
  if (type == AttrType::kFloatList && value.list().i_size() > 0) {
    AttrValue v;
    for (int64_t x : value.list().i()) {
      v.mutable_list()->add_f(static_cast<double>(x));
    }
    return v;
  }
  return value;
}

}  // namespace

void ResolvedAttrs::Set(std::string name, AttrValue value) {
  for (auto& [existing, v] : values_) {
    if (existing == name) {
      v = std::move(value);
      return;
    }
  }
  values_.emplace_back(std::move(name), std::move(value));
}

bool ResolvedAttrs::Given(absl::string_view name) const {
  return std::find(given_.begin(), given_.end(), name) != given_.end();
}

const AttrValue& ResolvedAttrs::Get(absl::string_view name) const {
  for (const auto& [existing, v] : values_) {
    if (existing == name) return v;
  }
  assert(false && "attribute not declared");
  return AttrValue::default_instance();
}

int64_t ResolvedAttrs::GetInt(absl::string_view name) const {
  return Get(name).i();
}
double ResolvedAttrs::GetFloat(absl::string_view name) const {
  return Get(name).f();
}
const std::string& ResolvedAttrs::GetString(absl::string_view name) const {
  return Get(name).s();
}
bool ResolvedAttrs::GetBool(absl::string_view name) const {
  return Get(name).b();
}
Shape ResolvedAttrs::GetShape(absl::string_view name) const {
  const auto& dims = Get(name).shape().dim();
  return Shape(absl::MakeConstSpan(dims.data(), dims.size()));
}
const TensorProto& ResolvedAttrs::GetTensor(absl::string_view name) const {
  return Get(name).tensor();
}
absl::Span<const int64_t> ResolvedAttrs::GetIntList(
    absl::string_view name) const {
  const auto& list = Get(name).list().i();
  return absl::MakeConstSpan(list.data(), list.size());
}

absl::Span<const double> ResolvedAttrs::GetFloatList(
    absl::string_view name) const {
  const auto& list = Get(name).list().f();
  return absl::MakeConstSpan(list.data(), list.size());
}

std::vector<std::string> ResolvedAttrs::GetStringList(
    absl::string_view name) const {
  const auto& list = Get(name).list().s();
  return {list.begin(), list.end()};
}

ResolvedAttrs ResolveAttrs(
    absl::Span<const AttrDef> declared,
    const google::protobuf::Map<std::string, AttrValue>& given,
    std::vector<std::string>* errors) {
  ResolvedAttrs resolved;
  for (const AttrDef& def : declared) {
    auto it = given.find(def.name);
    if (it == given.end()) {
      if (def.default_value.has_value()) {
        resolved.Set(def.name, *def.default_value);
      } else {
        errors->push_back(absl::StrCat("missing required attribute '", def.name,
                                       "' (", AttrTypeName(def.type), ")"));
      }
      continue;
    }
    if (!Matches(it->second, def.type)) {
      errors->push_back(absl::StrCat("attribute '", def.name, "' must be ",
                                     AttrTypeName(def.type), ", got ",
                                     GivenTypeName(it->second), " ",
                                     AttrValueToString(it->second)));
      continue;
    }
    resolved.Set(def.name, Normalize(it->second, def.type));
    resolved.MarkGiven(def.name);
  }
  // Report unknown names in a fixed order: the proto map's is unspecified.
  std::vector<std::string> unknown;
  for (const auto& [name, value] : given) {
    bool known = false;
    for (const AttrDef& def : declared) known = known || def.name == name;
    if (!known) unknown.push_back(name);
  }
  std::sort(unknown.begin(), unknown.end());
  for (const std::string& name : unknown) {
    std::vector<std::string> names;
    for (const AttrDef& def : declared) names.push_back(def.name);
    errors->push_back(
        absl::StrCat("unknown attribute '", name, "' (declared: ",
                     names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
  }
  return resolved;
}

std::string AttrValueToString(const AttrValue& value) {
  switch (value.value_case()) {
    case AttrValue::kI:
      return absl::StrCat(value.i());
    case AttrValue::kF:
      return absl::StrCat(value.f());
    case AttrValue::kS:
      return absl::StrCat("\"", value.s(), "\"");
    case AttrValue::kB:
      return value.b() ? "true" : "false";
    case AttrValue::kShape:
      return Shape(absl::MakeConstSpan(value.shape().dim().data(),
                                       value.shape().dim_size()))
          .ToString();
    case AttrValue::kTensor:
      return absl::StrCat("tensor of ", value.tensor().value_size(), " values");
    case AttrValue::kList: {
      const auto& l = value.list();
      if (l.s_size() > 0) {
        return absl::StrCat("[\"", absl::StrJoin(l.s(), "\", \""), "\"]");
      }
      if (l.f_size() > 0)
        return absl::StrCat("[", absl::StrJoin(l.f(), ", "), "]");
      if (l.b_size() > 0)
        return absl::StrCat("[", absl::StrJoin(l.b(), ", "), "]");
      return absl::StrCat("[", absl::StrJoin(l.i(), ", "), "]");
    }
    case AttrValue::VALUE_NOT_SET:
      return "(unset)";
  }
  return "?";
}

[[nodiscard]] absl::StatusOr<DType> DTypeFromProto(DataType dtype,
                                                   absl::string_view what) {
  switch (dtype) {
    case DT_INVALID:
    case DT_FLOAT32:
      return DType::kFloat32;
    case DT_FLOAT64:
      return DType::kFloat64;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": unknown dtype ", static_cast<int>(dtype)));
  }
}

[[nodiscard]] absl::StatusOr<DType> DTypeFromName(absl::string_view name) {
  if (name == "float32") return DType::kFloat32;
  if (name == "float64") return DType::kFloat64;
  return absl::InvalidArgumentError(absl::StrCat(
      "dtype must be \"float32\" or \"float64\", got \"", name, "\""));
}

[[nodiscard]] absl::StatusOr<Tensor> TensorFromProto(const TensorProto& proto,
                                                     absl::string_view what,
                                                     DType unset_dtype) {
  auto dtype = proto.dtype() == DT_INVALID
                   ? absl::StatusOr<DType>(unset_dtype)
                   : DTypeFromProto(proto.dtype(), what);
  if (!dtype.ok()) return dtype.status();
  Shape shape;
  for (int64_t d : proto.shape().dim()) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": tensor shape ",
                       Shape(absl::MakeConstSpan(proto.shape().dim().data(),
                                                 proto.shape().dim_size()))
                           .ToString(),
                       " has a negative dimension"));
    }
    shape.AddDim(d);
    // Checked dimension by dimension, so the product never overflows.
    absl::Status size = CheckTensorSize(shape, absl::StrCat(what, ": tensor"));
    if (!size.ok()) return size;
  }
  const int64_t n = shape.num_elements();
  const int64_t given = proto.value_size();
  if (given != n && given != 1) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": tensor of shape ",
                                                   shape.ToString(), " needs ",
                                                   n, " values, got ", given));
  }
  for (double v : proto.value()) {
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": tensor holds a non-finite value ", v));
    }
    if (*dtype == DType::kFloat32 &&
        std::abs(v) > std::numeric_limits<float>::max()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": value ", v, " does not fit in float32"));
    }
  }
  if (given == n) {
    return Tensor::FromValues(*dtype, shape,
                              absl::MakeConstSpan(proto.value().data(), n));
  }
  std::vector<double> filled(n, proto.value(0));
  return Tensor::FromValues(*dtype, shape, filled);
}

void TensorToProto(const Tensor& tensor, TensorProto* proto) {
  proto->Clear();
  proto->set_dtype(tensor.dtype() == DType::kFloat64 ? DT_FLOAT64 : DT_FLOAT32);
  for (int64_t d : tensor.shape().dims()) proto->mutable_shape()->add_dim(d);
  for (int64_t i = 0; i < tensor.num_elements(); ++i) {
    proto->add_value(tensor.ValueAt(i));
  }
}

}  // namespace nabla
