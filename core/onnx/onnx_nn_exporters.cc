// Export of nabla's network ops: convolutions, pools, normalisation,
// matrix products and BiasAdd.
#include "absl/strings/str_cat.h"
#include "core/onnx/onnx_exporters.h"

namespace nabla {
namespace {

using onnx::AttributeProto;

// `strides`, the node's dilations and pads, or auto_pad for "same"
// (SAME_UPPER: the odd pixel at the end, as nabla) and "valid".
std::vector<AttributeProto> WindowAttrs(const ResolvedAttrs& attrs,
                                        absl::Span<const int64_t> strides,
                                        bool dilations) {
  std::vector<AttributeProto> out = {IntsAttr("strides", strides)};
  if (dilations) {
    out.push_back(IntsAttr("dilations", attrs.GetIntList("dilations")));
  }
  const std::string& padding = attrs.GetString("padding");
  if (padding == "same") {
    out.push_back(StringAttr("auto_pad", "SAME_UPPER"));
  } else if (padding == "valid") {
    out.push_back(StringAttr("auto_pad", "VALID"));
  } else {
    out.push_back(IntsAttr("pads", attrs.GetIntList("pads")));
  }
  return out;
}

[[nodiscard]] absl::Status Conv(OnnxExportNode& n, const char* op) {
  const Shape& w = n.InputShape(1);
  std::vector<AttributeProto> attrs =
      WindowAttrs(n.attrs(), n.attrs().GetIntList("strides"), true);
  attrs.push_back(IntsAttr("kernel_shape", {w.dim(2), w.dim(3)}));
  attrs.push_back(IntAttr("group", n.attrs().GetInt("group")));
  if (absl::string_view(op) == "ConvTranspose") {
    attrs.push_back(
        IntsAttr("output_padding", n.attrs().GetIntList("output_padding")));
  }
  n.Add(op, {n.Input(0), n.Input(1)}, std::move(attrs), n.Output());
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Pool(OnnxExportNode& n, const char* op) {
  const bool average = absl::string_view(op) == "AveragePool";
  const auto strides = n.attrs().GetIntList("strides");
  const auto kernel = n.attrs().GetIntList("kernel_shape");
  const auto dilations = n.attrs().GetIntList("dilations");
  const int64_t undilated[] = {1, 1};
  if (average && dilations != absl::MakeConstSpan(undilated)) {
    return n.Unsupported(
        "an average pool with dilations (ONNX's AveragePool has them from "
        "opset 19; nabla exports opset 17)");
  }
  // nabla's pools stride by the kernel when strides are left empty.
  std::vector<AttributeProto> attrs =
      WindowAttrs(n.attrs(), strides.empty() ? kernel : strides, !average);
  attrs.push_back(IntsAttr("kernel_shape", kernel));
  attrs.push_back(IntAttr("ceil_mode", n.attrs().GetBool("ceil_mode")));
  if (average) {
    attrs.push_back(
        IntAttr("count_include_pad", n.attrs().GetBool("count_include_pad")));
  }
  n.Add(op, {n.Input(0)}, std::move(attrs), n.Output());
  return absl::OkStatus();
}

// op(a) · op(b): a transpose of the last two dimensions where asked.
[[nodiscard]] absl::Status MatMul(OnnxExportNode& n) {
  std::string operands[2] = {n.Input(0), n.Input(1)};
  const char* flags[2] = {"transpose_a", "transpose_b"};
  for (int k = 0; k < 2; ++k) {
    if (!n.attrs().GetBool(flags[k])) continue;
    const int rank = n.InputShape(k).rank();
    std::vector<int64_t> perm;
    for (int d = 0; d < rank; ++d) perm.push_back(d);
    std::swap(perm[rank - 1], perm[rank - 2]);
    operands[k] = n.Add("Transpose", {operands[k]}, {IntsAttr("perm", perm)});
  }
  n.Add("MatMul", {operands[0], operands[1]}, {}, n.Output());
  return absl::OkStatus();
}

// value + bias along `axis`: bias [C] reshaped to [C, 1, ...] so that
// NumPy broadcasting puts it there.
[[nodiscard]] absl::Status BiasAdd(OnnxExportNode& n) {
  const int rank = n.InputShape(0).rank();
  int64_t axis = n.attrs().GetInt("axis");
  if (axis < 0) axis += rank;
  std::string bias = n.Input(1);
  if (axis != rank - 1) {
    std::vector<int64_t> dims(rank - axis, 1);
    dims[0] = -1;
    bias = n.Add("Reshape", {bias, n.Ints(dims)});
  }
  n.Add("Add", {n.Input(0), bias}, {}, n.Output());
  return absl::OkStatus();
}

}  // namespace

void AddNnExporters(OnnxExporterMap& m) {
  m["Conv2D"] = [](OnnxExportNode& n) { return Conv(n, "Conv"); };
  m["ConvTranspose2D"] = [](OnnxExportNode& n) {
    return Conv(n, "ConvTranspose");
  };
  m["MaxPool2D"] = [](OnnxExportNode& n) { return Pool(n, "MaxPool"); };
  m["AvgPool2D"] = [](OnnxExportNode& n) { return Pool(n, "AveragePool"); };
  m["GlobalAvgPool"] = [](OnnxExportNode& n) -> absl::Status {
    n.Add("GlobalAveragePool", {n.Input(0)}, {}, n.Output());
    return absl::OkStatus();
  };
  m["GlobalMaxPool"] = [](OnnxExportNode& n) -> absl::Status {
    n.Add("GlobalMaxPool", {n.Input(0)}, {}, n.Output());
    return absl::OkStatus();
  };
  // Inference mode: the running statistics.
  m["BatchNorm"] = [](OnnxExportNode& n) -> absl::Status {
    n.Add("BatchNormalization",
          {n.Input(0), n.Input(1), n.Input(2), n.Input(3), n.Input(4)},
          {FloatAttr("epsilon", n.attrs().GetFloat("epsilon")),
           FloatAttr("momentum", n.attrs().GetFloat("momentum"))},
          n.Output());
    return absl::OkStatus();
  };
  m["LayerNorm"] = [](OnnxExportNode& n) -> absl::Status {
    n.Add("LayerNormalization", {n.Input(0), n.Input(1), n.Input(2)},
          {IntAttr("axis", n.attrs().GetInt("axis")),
           FloatAttr("epsilon", n.attrs().GetFloat("epsilon"))},
          n.Output());
    return absl::OkStatus();
  };
  m["MatMul"] = MatMul;
  m["BiasAdd"] = BiasAdd;
}

}  // namespace nabla
