// ONNX tensors as numbers: initializers, Constant nodes' values and the
// conformance cases' input_k.pb / output_k.pb files.
#ifndef NABLA_CORE_ONNX_ONNX_TENSOR_H_
#define NABLA_CORE_ONNX_ONNX_TENSOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "onnx/onnx_pb.h"

namespace nabla {

// A tensor's elements as doubles, row-major. Integers beyond 2^53 lose
// bits as doubles, so integer tensors keep them in `ints` too (the
// importer reads shapes and indices from there: Slice's ends are often
// INT64_MAX).
struct OnnxValues {
  int32_t elem_type = onnx::TensorProto::FLOAT;
  std::vector<int64_t> dims;
  std::vector<double> values;
  std::vector<int64_t> ints;  // integer and bool types only
  // Sizes folded from a Shape of a tensor whose dimensions are partly
  // unknown until data is fed: per element "" (known) or the dimension it
  // stands for, "value#k" (its int is -1). Empty when all are known.
  std::vector<std::string> symbols;

  int64_t num_elements() const;
  bool is_integer() const;
  bool symbolic() const { return !symbols.empty(); }
  // Drops `symbols` when every element is known.
  void TrimSymbols();
};

// A nabla shape's dimensions, as OnnxValues::dims holds them.
std::vector<int64_t> DimsOf(const Shape& shape);

// "float", "int64", ...: ONNX's element type names, for messages.
std::string OnnxTypeName(int32_t elem_type);
// Whether nabla carries the element type: float and double, the integer
// types and bool (as numbers of the model's float type).
bool IsSupportedOnnxType(int32_t elem_type);
bool IsOnnxIntegerType(int32_t elem_type);  // includes bool

// Reads `tensor`'s elements from whichever field holds them (typed fields,
// raw_data, or external data in a file next to the model: `model_dir`).
// InvalidArgument naming `what` for an unsupported type, an element count
// that does not match the dims, a missing or short external file.
[[nodiscard]] absl::StatusOr<OnnxValues> ReadOnnxTensor(
    const onnx::TensorProto& tensor, absl::string_view what,
    const std::string& model_dir);

// The inverse for export and tests: float and double tensors as raw_data,
// integer ones as int64/int32 data.
void WriteOnnxTensor(const OnnxValues& values, onnx::TensorProto* tensor);

}  // namespace nabla

#endif  // NABLA_CORE_ONNX_ONNX_TENSOR_H_
