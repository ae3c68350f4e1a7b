// The ONNX op types nabla imports, each with the converter that writes the
// nabla nodes computing it. One file per family:
//   onnx_elementwise_converters.cc  activations, arithmetic, comparisons
//   onnx_reduction_converters.cc    ReduceSum ... ArgMax
//   onnx_nn_converters.cc           Conv, pools, normalisations, Gemm
//   onnx_shape_converters.cc        Reshape, Slice, Concat, Constant, ...
#ifndef NABLA_CORE_ONNX_ONNX_CONVERTERS_H_
#define NABLA_CORE_ONNX_ONNX_CONVERTERS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/onnx/onnx_node.h"

namespace nabla {

// Writes the nabla nodes for `node` and binds its outputs. InvalidArgument
// for a node that breaks ONNX's rules, Unimplemented for what nabla lacks
// (an attribute value, an input that is not known at import), both naming
// the node.
using OnnxConverter = absl::Status (*)(OnnxNode& node);
using OnnxConverterMap = std::map<std::string, OnnxConverter, std::less<>>;

void AddElementwiseConverters(OnnxConverterMap& map);
void AddReductionConverters(OnnxConverterMap& map);
void AddNnConverters(OnnxConverterMap& map);
void AddShapeConverters(OnnxConverterMap& map);

// The converter for an op type of the default domain; nullptr when nabla
// does not import it.
OnnxConverter FindOnnxConverter(absl::string_view op_type);
// Every op type FindOnnxConverter() knows, sorted.
std::vector<std::string> SupportedOnnxOps();

// Constants a converter makes (ConstantOfShape's, Expand's zeros, a
// Dropout mask, a zero bias) hold at most this many elements: 128 MiB of
// doubles in the graph.
inline constexpr int64_t kMaxLiteralElements = int64_t{1} << 24;

// Helpers shared by the converter files.
// An axis of a rank-`rank` tensor in [-rank, rank), made non-negative;
// InvalidArgument naming `what` otherwise.
[[nodiscard]] absl::StatusOr<int64_t> NormalizeAxis(const OnnxNode& node,
                                                    int64_t axis, int rank,
                                                    absl::string_view what);
// The ints of a constant input (shapes, axes, pads, ...).
[[nodiscard]] absl::StatusOr<std::vector<int64_t>> ConstantInts(
    OnnxNode& node, int k, absl::string_view what);
// `v` as an int64 when it is a finite whole-number-valued double in
// int64's range (after truncation); false otherwise (NaN, infinity, out of
// range), so that no cast is undefined.
bool ToInt64(double v, int64_t* out);
// The product of `dims`, each >= 0; InvalidArgument naming `what` for a
// negative dimension or a product past 2^62.
[[nodiscard]] absl::StatusOr<int64_t> CheckedElements(
    const OnnxNode& node, absl::Span<const int64_t> dims,
    absl::string_view what);
// A Reshape of `x` to `dims` (at most one -1).
[[nodiscard]] absl::StatusOr<Operand> ReshapeTo(OnnxNode& node,
                                                const Operand& x,
                                                std::vector<int64_t> dims);

}  // namespace nabla

#endif  // NABLA_CORE_ONNX_ONNX_CONVERTERS_H_
