// Typed attributes: what an op or optimizer declares, and the resolved
// values a node carries after validation.
#ifndef NABLA_CORE_ATTRS_H_
#define NABLA_CORE_ATTRS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/tensor.h"
#include "google/protobuf/map.h"
#include "proto/graph.pb.h"

namespace nabla {

enum class AttrType {
  kInt,
  kFloat,
  kString,
  kBool,
  kShape,
  kTensor,
  kIntList,
  kFloatList,
  kStringList,
};

// "int", "float", "list(int)", ...
const char* AttrTypeName(AttrType type);

// One declared attribute. Without a default it is required.
struct AttrDef {
  std::string name;
  AttrType type;
  std::optional<AttrValue> default_value;
};

AttrValue MakeAttr(int64_t value);
AttrValue MakeAttr(int value);
AttrValue MakeAttr(double value);
AttrValue MakeAttr(bool value);
AttrValue MakeAttr(const char* value);
AttrValue MakeAttr(const std::string& value);
AttrValue MakeAttr(const Shape& value);
AttrValue MakeIntListAttr(absl::Span<const int64_t> values);

// Attribute values after validation: every declared attribute is present
// with the declared type. Getters on a name that was not declared, or with
// the wrong type, are internal errors (they assert).
class ResolvedAttrs {
 public:
  ResolvedAttrs() = default;

  int64_t GetInt(absl::string_view name) const;
  double GetFloat(absl::string_view name) const;
  const std::string& GetString(absl::string_view name) const;
  bool GetBool(absl::string_view name) const;
  Shape GetShape(absl::string_view name) const;
  const TensorProto& GetTensor(absl::string_view name) const;
  absl::Span<const int64_t> GetIntList(absl::string_view name) const;
  absl::Span<const double> GetFloatList(absl::string_view name) const;
  std::vector<std::string> GetStringList(absl::string_view name) const;

  const std::vector<std::pair<std::string, AttrValue>>& values() const {
    return values_;
  }
  void Set(std::string name, AttrValue value);

  // Whether the model file set `name` (rather than its default), so a
  // shape function can refuse a setting that would be ignored.
  bool Given(absl::string_view name) const;
  void MarkGiven(std::string name) { given_.push_back(std::move(name)); }

 private:
  const AttrValue& Get(absl::string_view name) const;

  // Few entries, in declaration order: a linear scan beats hashing.
  std::vector<std::pair<std::string, AttrValue>> values_;
  std::vector<std::string> given_;
};

// Checks `given` against `declared`: unknown names, wrong types, missing
// required attributes. Returns one message per problem in `errors` (each
// naming the attribute) and the resolved values with defaults filled in.
ResolvedAttrs ResolveAttrs(
    absl::Span<const AttrDef> declared,
    const google::protobuf::Map<std::string, AttrValue>& given,
    std::vector<std::string>* errors);

// "1.5", "[2, 3]", "\"glorot_uniform\"": an attribute value for messages.
std::string AttrValueToString(const AttrValue& value);

// Converts a TensorProto (from a model file or checkpoint) to a Tensor,
// checking the element count. `what` names it in messages. A proto without
// a dtype gets `unset_dtype`, read straight from the file's doubles.
[[nodiscard]] absl::StatusOr<Tensor> TensorFromProto(
    const TensorProto& proto, absl::string_view what,
    DType unset_dtype = DType::kFloat32);
void TensorToProto(const Tensor& tensor, TensorProto* proto);
[[nodiscard]] absl::StatusOr<DType> DTypeFromProto(DataType dtype,
                                                   absl::string_view what);
// "float32" / "float64" (the dtype attribute of Placeholder, Variable, ...).
[[nodiscard]] absl::StatusOr<DType> DTypeFromName(absl::string_view name);

}  // namespace nabla

#endif  // NABLA_CORE_ATTRS_H_
