// ONNX's network layers: Conv, ConvTranspose, the pools (2-D, and 1-D as
// 2-D of height 1), BatchNormalization, LayerNormalization,
// InstanceNormalization, Gemm, MatMul and Flatten.
#include "absl/strings/str_cat.h"
#include "core/onnx/onnx_converters.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// Window settings in nabla's 2-D terms.
struct Window {
  std::vector<int64_t> kernel, strides, dilations;
  std::vector<int64_t> pads = {0, 0, 0, 0};  // top, left, bottom, right
  std::string padding = "explicit";
};

// ONNX lists per spatial axis; a 1-D list becomes the 2-D one of height 1
// with `fill` for the height.
std::vector<int64_t> To2D(std::vector<int64_t> values, int spatial,
                          int64_t fill) {
  if (spatial == 1 && values.size() == 1) values.insert(values.begin(), fill);
  return values;
}

[[nodiscard]] absl::StatusOr<std::vector<int64_t>> SpatialInts(
    const OnnxNode& node, absl::string_view name, int spatial, int64_t fill) {
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> values, node.Ints(name));
  if (values.empty()) return std::vector<int64_t>(2, fill);
  if (static_cast<int>(values.size()) != spatial) {
    return node.Invalid(absl::StrCat("attribute '", name, "' has ",
                                     values.size(), " values for ", spatial,
                                     " spatial dimensions"));
  }
  return To2D(std::move(values), spatial, fill);
}

// Window sizes beyond this are refused before any arithmetic on them.
constexpr int64_t kMaxWindowAttr = int64_t{1} << 20;

// kernel, strides and dilations in [1, kMaxWindowAttr], pads in
// [0, kMaxWindowAttr]: what ONNX allows, bounded so that the extent and
// output arithmetic cannot overflow.
[[nodiscard]] absl::Status CheckWindow(const OnnxNode& node, const Window& w) {
  const std::pair<const char*, const std::vector<int64_t>*> lists[] = {
      {"kernel_shape", &w.kernel},
      {"strides", &w.strides},
      {"dilations", &w.dilations},
      {"pads", &w.pads}};
  for (const auto& [name, values] : lists) {
    const int64_t least = values == &w.pads ? 0 : 1;
    for (int64_t v : *values) {
      if (v < least || v > kMaxWindowAttr) {
        return node.Invalid(absl::StrCat("attribute '", name, "' holds ", v,
                                         "; it must be from ", least, " to ",
                                         kMaxWindowAttr));
      }
    }
  }
  return absl::OkStatus();
}

// Reads kernel_shape (or `kernel` from the weights), strides, dilations,
// pads and auto_pad. `in` holds the 2-D input's height and width, for
// SAME_LOWER (nabla's "same" puts the odd pixel at the end, as SAME_UPPER).
[[nodiscard]] absl::StatusOr<Window> ReadWindow(const OnnxNode& node,
                                                int spatial,
                                                std::vector<int64_t> kernel,
                                                const int64_t in[2],
                                                bool transposed) {
  Window w;
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> given, node.Ints("kernel_shape"));
  if (!given.empty()) {
    if (static_cast<int>(given.size()) != spatial) {
      return node.Invalid(absl::StrCat("kernel_shape has ", given.size(),
                                       " values for ", spatial,
                                       " spatial dimensions"));
    }
    given = To2D(std::move(given), spatial, 1);
    if (!kernel.empty() && given != kernel) {
      return node.Invalid("kernel_shape does not match the weights' shape");
    }
    kernel = given;
  }
  if (kernel.empty())
    return node.Invalid("attribute 'kernel_shape' is missing");
  w.kernel = kernel;
  NABLA_ASSIGN_OR_RETURN(w.strides, SpatialInts(node, "strides", spatial, 1));
  NABLA_ASSIGN_OR_RETURN(w.dilations,
                         SpatialInts(node, "dilations", spatial, 1));
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> pads, node.Ints("pads"));
  if (!pads.empty()) {
    if (static_cast<int>(pads.size()) != 2 * spatial) {
      return node.Invalid(absl::StrCat("attribute 'pads' has ", pads.size(),
                                       " values for ", spatial,
                                       " spatial dimensions"));
    }
    w.pads = spatial == 1 ? std::vector<int64_t>{0, pads[0], 0, pads[1]} : pads;
  }
  NABLA_RETURN_IF_ERROR(CheckWindow(node, w));
  NABLA_ASSIGN_OR_RETURN(const std::string auto_pad,
                         node.String("auto_pad", "NOTSET"));
  if (auto_pad == "NOTSET") return w;
  if (auto_pad == "VALID") {
    w.padding = "valid";
    return w;
  }
  if (transposed || (auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")) {
    return node.Unsupported(absl::StrCat("auto_pad = ", auto_pad));
  }
  if (auto_pad == "SAME_UPPER") {
    w.padding = "same";
    return w;
  }
  for (int a = 0; a < 2; ++a) {
    if (in[a] < 0) {
      return node.Unsupported("SAME_LOWER padding of an unknown size");
    }
    const int64_t out = (in[a] + w.strides[a] - 1) / w.strides[a];
    const int64_t extent = w.dilations[a] * (w.kernel[a] - 1) + 1;
    const int64_t total =
        std::max<int64_t>(0, (out - 1) * w.strides[a] + extent - in[a]);
    w.pads[a] = total - total / 2;  // the odd pixel at the start
    w.pads[a + 2] = total / 2;
  }
  return w;
}

NodeAttrs WindowAttrs(const Window& w) {
  return {{"strides", MakeIntListAttr(w.strides)},
          {"dilations", MakeIntListAttr(w.dilations)},
          {"pads", MakeIntListAttr(w.pads)},
          {"padding", MakeAttr(w.padding)}};
}

// A 1-D input [N, C, L] as [N, C, 1, L]; 2-D inputs unchanged. Other
// ranks: Unimplemented.
[[nodiscard]] absl::StatusOr<Operand> As2D(OnnxNode& node, const Operand& x,
                                           int* spatial) {
  if (x.shape.rank() < 3) {
    return node.Invalid(absl::StrCat("the input has shape ", x.shape.ToString(),
                                     "; it must be [N, C, spatial...]"));
  }
  *spatial = x.shape.rank() - 2;
  if (*spatial == 2) return x;
  if (*spatial == 1 && x.shape.dim(0) < 0 && x.shape.dim(2) < 0) {
    return node.Unsupported(
        "a 1-D input whose batch and length are both "
        "unknown when the model is loaded");
  }
  if (*spatial != 1) {
    return node.Unsupported(
        absl::StrCat("a ", *spatial, "-D input (shape ", x.shape.ToString(),
                     "): nabla's convolutions and pools are 1-D and 2-D"));
  }
  return ReshapeTo(node, x,
                   {x.shape.dim(0), x.shape.dim(1), 1, x.shape.dim(2)});
}

// The output of a 2-D op for a 1-D input: [N, C, 1, L] back to [N, C, L].
[[nodiscard]] absl::Status EmitFrom2D(OnnxNode& node, const Operand& y,
                                      int spatial) {
  if (spatial == 2) return node.EmitOutput(0, "Identity", {y});
  NABLA_ASSIGN_OR_RETURN(
      Operand back,
      ReshapeTo(node, y, {y.shape.dim(0), y.shape.dim(1), y.shape.dim(3)}));
  return node.EmitOutput(0, "Identity", {back});
}

[[nodiscard]] absl::Status ConvLike(OnnxNode& node, bool transposed) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand w, node.Input(1));
  int spatial = 0;
  NABLA_ASSIGN_OR_RETURN(x, As2D(node, x, &spatial));
  if (w.shape.rank() != spatial + 2) {
    return node.Invalid(absl::StrCat("weights of shape ", w.shape.ToString(),
                                     " for a ", spatial, "-D convolution"));
  }
  if (spatial == 1) {
    NABLA_ASSIGN_OR_RETURN(
        w, ReshapeTo(node, w,
                     {w.shape.dim(0), w.shape.dim(1), 1, w.shape.dim(2)}));
  }
  const int64_t in[2] = {x.shape.dim(2), x.shape.dim(3)};
  NABLA_ASSIGN_OR_RETURN(
      const Window window,
      ReadWindow(node, spatial, {w.shape.dim(2), w.shape.dim(3)}, in,
                 transposed));
  NABLA_ASSIGN_OR_RETURN(const int64_t group, node.Int("group", 1));
  NodeAttrs attrs = WindowAttrs(window);
  attrs.push_back({"group", MakeAttr(group)});
  if (transposed) {
    if (node.HasAttr("output_shape")) {
      return node.Unsupported(
          "attribute 'output_shape' is not supported "
          "(give pads and output_padding)");
    }
    NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> extra,
                           SpatialInts(node, "output_padding", spatial, 0));
    attrs.push_back({"output_padding", MakeIntListAttr(extra)});
  }
  NABLA_ASSIGN_OR_RETURN(
      Operand y,
      node.Emit(transposed ? "ConvTranspose2D" : "Conv2D", {x, w}, attrs));
  if (node.HasInput(2)) {
    NABLA_ASSIGN_OR_RETURN(Operand b, node.Input(2));
    NABLA_ASSIGN_OR_RETURN(
        y, node.Emit("BiasAdd", {y, b}, {{"axis", MakeAttr(int64_t{1})}}));
  }
  return EmitFrom2D(node, y, spatial);
}

[[nodiscard]] absl::Status Pool(OnnxNode& node, const char* op) {
  if (node.HasOutput(1)) {
    return node.Unsupported("the Indices output is not supported");
  }
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  int spatial = 0;
  NABLA_ASSIGN_OR_RETURN(x, As2D(node, x, &spatial));
  const int64_t in[2] = {x.shape.dim(2), x.shape.dim(3)};
  NABLA_ASSIGN_OR_RETURN(const Window window,
                         ReadWindow(node, spatial, {}, in, false));
  NodeAttrs attrs = WindowAttrs(window);
  attrs.push_back({"kernel_shape", MakeIntListAttr(window.kernel)});
  NABLA_ASSIGN_OR_RETURN(const int64_t ceil_mode, node.Int("ceil_mode", 0));
  attrs.push_back({"ceil_mode", MakeAttr(ceil_mode != 0)});
  if (absl::string_view(op) == "AvgPool2D") {
    NABLA_ASSIGN_OR_RETURN(const int64_t include,
                           node.Int("count_include_pad", 0));
    attrs.push_back({"count_include_pad", MakeAttr(include != 0)});
  }
  NABLA_ASSIGN_OR_RETURN(Operand y, node.Emit(op, {x}, attrs));
  return EmitFrom2D(node, y, spatial);
}

// GlobalAveragePool / GlobalMaxPool: nabla's op for [N, C, H, W], a
// reduction over the spatial axes (kept) for other ranks.
[[nodiscard]] absl::Status GlobalPool(OnnxNode& node, const char* op,
                                      const char* reduce) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  if (x.shape.rank() < 3) {
    return node.Invalid(absl::StrCat("the input has shape ", x.shape.ToString(),
                                     "; it must be [N, C, spatial...]"));
  }
  if (x.shape.rank() == 4) return node.EmitOutput(0, op, {x});
  std::vector<int64_t> axes;
  for (int a = 2; a < x.shape.rank(); ++a) axes.push_back(a);
  return node.EmitOutput(
      0, reduce, {x},
      {{"axes", MakeIntListAttr(axes)}, {"keep_dims", MakeAttr(true)}});
}

// Output 0 = (x - mean) / sqrt(var + epsilon) * scale + bias, with x
// [N, C, ...]; mean and var either per channel [C] or already shaped to
// broadcast; scale and bias [C].
[[nodiscard]] absl::Status EmitNormalized(OnnxNode& node, const Operand& x,
                                          Operand mean, Operand var,
                                          float epsilon, Operand scale,
                                          Operand bias) {
  const int rank = x.shape.rank();
  if (rank < 2) return node.Invalid("the input needs a channel dimension");
  // [C] against [N, C, ...]: as [C, 1, ...].
  auto per_channel = [&](const Operand& v) -> absl::StatusOr<Operand> {
    if (v.shape.rank() != 1) return v;
    std::vector<int64_t> dims(rank - 1, 1);
    dims[0] = v.shape.dim(0);
    return ReshapeTo(node, v, dims);
  };
  NABLA_ASSIGN_OR_RETURN(mean, per_channel(mean));
  NABLA_ASSIGN_OR_RETURN(var, per_channel(var));
  NABLA_ASSIGN_OR_RETURN(scale, per_channel(scale));
  NABLA_ASSIGN_OR_RETURN(bias, per_channel(bias));
  NABLA_ASSIGN_OR_RETURN(Operand centred, node.Emit("Sub", {x, mean}));
  NABLA_ASSIGN_OR_RETURN(Operand eps, node.Scalar(epsilon, x.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand shifted, node.Emit("Add", {var, eps}));
  NABLA_ASSIGN_OR_RETURN(Operand deviation, node.Emit("Sqrt", {shifted}));
  NABLA_ASSIGN_OR_RETURN(Operand normal,
                         node.Emit("Div", {centred, deviation}));
  NABLA_ASSIGN_OR_RETURN(Operand scaled, node.Emit("Mul", {normal, scale}));
  return node.EmitOutput(0, "Add", {scaled, bias});
}

// The mean and the (biased) variance of x over its dimensions from
// `first` on, kept as dimensions of size 1.
struct Moments {
  Operand mean, var;
};

[[nodiscard]] absl::StatusOr<Moments> EmitMoments(OnnxNode& node,
                                                  const Operand& x,
                                                  int64_t first) {
  std::vector<int64_t> axes;
  for (int64_t a = first; a < x.shape.rank(); ++a) axes.push_back(a);
  const NodeAttrs reduce = {{"axes", MakeIntListAttr(axes)},
                            {"keep_dims", MakeAttr(true)}};
  Moments m;
  NABLA_ASSIGN_OR_RETURN(m.mean, node.Emit("ReduceMean", {x}, reduce));
  NABLA_ASSIGN_OR_RETURN(Operand centred, node.Emit("Sub", {x, m.mean}));
  NABLA_ASSIGN_OR_RETURN(Operand squares, node.Emit("Square", {centred}));
  NABLA_ASSIGN_OR_RETURN(m.var, node.Emit("ReduceMean", {squares}, reduce));
  return m;
}

[[nodiscard]] absl::Status BatchNormalization(OnnxNode& node) {
  for (int k = 1; k < 5; ++k) {
    if (node.HasOutput(k)) {
      return node.Unsupported(
          "the training outputs (running mean and variance) are not "
          "supported");
    }
  }
  NABLA_ASSIGN_OR_RETURN(const int64_t training, node.Int("training_mode", 0));
  if (training != 0) {
    return node.Unsupported("training_mode = 1 is not supported");
  }
  NABLA_ASSIGN_OR_RETURN(const int64_t spatial, node.Int("spatial", 1));
  if (spatial != 1) return node.Unsupported("spatial = 0 is not supported");
  NABLA_ASSIGN_OR_RETURN(const float epsilon, node.Float("epsilon", 1e-5f));
  NABLA_ASSIGN_OR_RETURN(const float momentum, node.Float("momentum", 0.9f));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand scale, node.Input(1));
  NABLA_ASSIGN_OR_RETURN(Operand bias, node.Input(2));
  if (!node.IsInitializer(3) || !node.IsInitializer(4)) {
    // Statistics computed or fed: not state to train, so the inference
    // formula itself.
    NABLA_ASSIGN_OR_RETURN(Operand mean, node.Input(3));
    NABLA_ASSIGN_OR_RETURN(Operand var, node.Input(4));
    return EmitNormalized(node, x, mean, var, epsilon, scale, bias);
  }
  NABLA_ASSIGN_OR_RETURN(Operand mean, node.StateInput(3));
  NABLA_ASSIGN_OR_RETURN(Operand var, node.StateInput(4));
  return node.EmitOutput(0, "BatchNorm", {x, scale, bias, mean, var},
                         {{"epsilon", MakeAttr(double{epsilon})},
                          {"momentum", MakeAttr(double{momentum})}});
}

[[nodiscard]] absl::Status LayerNormalization(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(const int64_t axis, node.Int("axis", -1));
  NABLA_ASSIGN_OR_RETURN(const float epsilon, node.Float("epsilon", 1e-5f));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand scale, node.Input(1));
  Operand bias;
  if (node.HasInput(2)) {
    NABLA_ASSIGN_OR_RETURN(bias, node.Input(2));
  } else {
    if (!scale.shape.IsFullyDefined() ||
        scale.shape.num_elements() > kMaxLiteralElements) {
      return node.Unsupported(
          "no bias with a scale of unknown or very large shape");
    }
    const std::vector<double> zeros(scale.shape.num_elements());
    NABLA_ASSIGN_OR_RETURN(
        bias, node.Literal(DimsOf(scale.shape), zeros, scale.dtype));
  }
  NABLA_RETURN_IF_ERROR(node.EmitOutput(
      0, "LayerNorm", {x, scale, bias},
      {{"axis", MakeAttr(axis)}, {"epsilon", MakeAttr(double{epsilon})}}));
  if (!node.HasOutput(1) && !node.HasOutput(2)) return absl::OkStatus();
  // Mean and InvStdDev: the statistics over the normalised axes, kept.
  NABLA_ASSIGN_OR_RETURN(const int64_t first,
                         NormalizeAxis(node, axis, x.shape.rank(), "axis"));
  NABLA_ASSIGN_OR_RETURN(const Moments m, EmitMoments(node, x, first));
  const Operand& mean = m.mean;
  NABLA_ASSIGN_OR_RETURN(Operand eps, node.Scalar(epsilon, x.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand shifted, node.Emit("Add", {m.var, eps}));
  NABLA_ASSIGN_OR_RETURN(Operand deviation, node.Emit("Sqrt", {shifted}));
  NABLA_ASSIGN_OR_RETURN(Operand one, node.Scalar(1, x.dtype));
  NABLA_RETURN_IF_ERROR(node.EmitOutput(1, "Identity", {mean}));
  return node.EmitOutput(2, "Div", {one, deviation});
}

// InstanceNormalization: each sample's channel normalised over its spatial
// axes, y = (x - mean) / sqrt(var + epsilon) * scale[c] + bias[c].
[[nodiscard]] absl::Status InstanceNormalization(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(const float epsilon, node.Float("epsilon", 1e-5f));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand scale, node.Input(1));
  NABLA_ASSIGN_OR_RETURN(Operand bias, node.Input(2));
  if (x.shape.rank() < 3) {
    return node.Invalid("the input needs spatial dimensions");
  }
  NABLA_ASSIGN_OR_RETURN(const Moments m, EmitMoments(node, x, 2));
  return EmitNormalized(node, x, m.mean, m.var, epsilon, scale, bias);
}

// Gemm: y = alpha op(A) op(B) + beta C.
[[nodiscard]] absl::Status Gemm(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(const float alpha, node.Float("alpha", 1.0f));
  NABLA_ASSIGN_OR_RETURN(const float beta, node.Float("beta", 1.0f));
  NABLA_ASSIGN_OR_RETURN(const int64_t trans_a, node.Int("transA", 0));
  NABLA_ASSIGN_OR_RETURN(const int64_t trans_b, node.Int("transB", 0));
  NABLA_ASSIGN_OR_RETURN(Operand a, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand b, node.Input(1));
  NABLA_ASSIGN_OR_RETURN(Operand y,
                         node.Emit("MatMul", {a, b},
                                   {{"transpose_a", MakeAttr(trans_a != 0)},
                                    {"transpose_b", MakeAttr(trans_b != 0)}}));
  if (alpha != 1.0f) {
    NABLA_ASSIGN_OR_RETURN(Operand scale, node.Scalar(alpha, y.dtype));
    NABLA_ASSIGN_OR_RETURN(y, node.Emit("Mul", {y, scale}));
  }
  if (node.HasInput(2) && beta != 0.0f) {
    NABLA_ASSIGN_OR_RETURN(Operand c, node.Input(2));
    if (beta != 1.0f) {
      NABLA_ASSIGN_OR_RETURN(Operand scale, node.Scalar(beta, c.dtype));
      NABLA_ASSIGN_OR_RETURN(c, node.Emit("Mul", {c, scale}));
    }
    return node.EmitOutput(0, "Add", {y, c});
  }
  return node.EmitOutput(0, "Identity", {y});
}

// MatMul with NumPy's rules for 1-D operands: a vector a is [1, K] and
// loses that dimension in the result; a vector b is [K, 1], likewise.
[[nodiscard]] absl::Status MatMul(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand a, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand b, node.Input(1));
  const bool vector_a = a.shape.rank() == 1;
  const bool vector_b = b.shape.rank() == 1;
  if (!vector_a && !vector_b) return node.EmitOutput(0, "MatMul", {a, b});
  if (vector_a) {
    NABLA_ASSIGN_OR_RETURN(a, ReshapeTo(node, a, {1, a.shape.dim(0)}));
  }
  if (vector_b) {
    NABLA_ASSIGN_OR_RETURN(b, ReshapeTo(node, b, {b.shape.dim(0), 1}));
  }
  NABLA_ASSIGN_OR_RETURN(Operand y, node.Emit("MatMul", {a, b}));
  std::vector<int64_t> dims = DimsOf(y.shape);
  if (vector_b) dims.erase(dims.end() - 1);
  if (vector_a) dims.erase(dims.end() - 1 - (vector_b ? 0 : 1));
  NABLA_ASSIGN_OR_RETURN(y, ReshapeTo(node, y, dims));
  return node.EmitOutput(0, "Identity", {y});
}

[[nodiscard]] absl::Status Flatten(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(int64_t axis, node.Int("axis", 1));
  const int rank = x.shape.rank();
  if (axis < -rank || axis > rank) {
    return node.Invalid(
        absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  if (axis < 0) axis += rank;
  return node.EmitOutput(0, "Flatten", {x}, {{"axis", MakeAttr(axis)}});
}

}  // namespace

void AddNnConverters(OnnxConverterMap& m) {
  m["Conv"] = [](OnnxNode& n) { return ConvLike(n, false); };
  m["ConvTranspose"] = [](OnnxNode& n) { return ConvLike(n, true); };
  m["MaxPool"] = [](OnnxNode& n) { return Pool(n, "MaxPool2D"); };
  m["AveragePool"] = [](OnnxNode& n) { return Pool(n, "AvgPool2D"); };
  m["GlobalAveragePool"] = [](OnnxNode& n) {
    return GlobalPool(n, "GlobalAvgPool", "ReduceMean");
  };
  m["GlobalMaxPool"] = [](OnnxNode& n) {
    return GlobalPool(n, "GlobalMaxPool", "ReduceMax");
  };
  m["BatchNormalization"] = BatchNormalization;
  m["LayerNormalization"] = LayerNormalization;
  m["InstanceNormalization"] = InstanceNormalization;
  m["Gemm"] = Gemm;
  m["MatMul"] = MatMul;
  m["Flatten"] = Flatten;
}

}  // namespace nabla
