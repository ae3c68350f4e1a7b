// Elementwise ONNX ops: activations, arithmetic with broadcasting,
// comparisons and logic (bool as 0 and 1).
#include "absl/strings/str_cat.h"
#include "core/onnx/onnx_converters.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

using onnx::TensorProto;

// y = op(x) with nabla's op of that name and `attrs`.
[[nodiscard]] absl::Status Unary(OnnxNode& node, const char* op,
                                 NodeAttrs attrs = {}) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  return node.EmitOutput(0, op, {x}, std::move(attrs));
}

// ONNX divides integers with truncation and wraps them on overflow; nabla
// holds them as floating-point numbers, so it imports only what is exact.
[[nodiscard]] absl::Status RefuseIntegerDivision(OnnxNode& node) {
  if (IsOnnxIntegerType(node.InputType(0))) {
    return node.Unsupported(
        absl::StrCat("division of ", OnnxTypeName(node.InputType(0)),
                     " (truncating integer division) is not supported"));
  }
  return absl::OkStatus();
}

// Before opset 7, b broadcasts only with broadcast = 1, and `axis` says
// where b's dimensions line up with a's: b gets trailing 1s so that
// NumPy's rule (align at the end) gives the same.
[[nodiscard]] absl::StatusOr<Operand> LegacyBroadcast(OnnxNode& node,
                                                      const Operand& a,
                                                      Operand b) {
  if (node.opset() >= 7 || !node.HasAttr("axis")) return b;
  NABLA_ASSIGN_OR_RETURN(const int64_t broadcast, node.Int("broadcast", 0));
  NABLA_ASSIGN_OR_RETURN(int64_t axis, node.Int("axis", 0));
  if (broadcast == 0) return b;
  NABLA_ASSIGN_OR_RETURN(axis,
                         NormalizeAxis(node, axis, a.shape.rank(), "axis"));
  const int trailing = a.shape.rank() - static_cast<int>(axis) - b.shape.rank();
  if (trailing < 0) return node.Invalid("b does not fit in a from axis");
  std::vector<int64_t> dims = DimsOf(b.shape);
  dims.insert(dims.end(), trailing, 1);
  return ReshapeTo(node, b, dims);
}

[[nodiscard]] absl::Status Binary(OnnxNode& node, const char* op) {
  if (absl::string_view(op) == "Div") {
    NABLA_RETURN_IF_ERROR(RefuseIntegerDivision(node));
  }
  NABLA_ASSIGN_OR_RETURN(Operand a, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand b, node.Input(1));
  NABLA_ASSIGN_OR_RETURN(b, LegacyBroadcast(node, a, b));
  return node.EmitOutput(0, op, {a, b});
}

[[nodiscard]] absl::Status Comparison(OnnxNode& node, const char* op) {
  NABLA_RETURN_IF_ERROR(Binary(node, op));
  node.SetOutputType(0, TensorProto::BOOL);
  return absl::OkStatus();
}

// Max, Min, Sum and Mean of one or more inputs, folded left to right.
[[nodiscard]] absl::StatusOr<Operand> FoldInputs(OnnxNode& node,
                                                 const char* op) {
  if (node.num_inputs() == 0) return node.Invalid("it has no inputs");
  NABLA_ASSIGN_OR_RETURN(Operand result, node.Input(0));
  for (int k = 1; k < node.num_inputs(); ++k) {
    NABLA_ASSIGN_OR_RETURN(Operand next, node.Input(k));
    NABLA_ASSIGN_OR_RETURN(result, node.Emit(op, {result, next}));
  }
  return result;
}

[[nodiscard]] absl::Status Variadic(OnnxNode& node, const char* op) {
  NABLA_ASSIGN_OR_RETURN(Operand result, FoldInputs(node, op));
  return node.EmitOutput(0, "Identity", {result});
}

[[nodiscard]] absl::Status Mean(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand sum, FoldInputs(node, "Add"));
  NABLA_ASSIGN_OR_RETURN(Operand count,
                         node.Scalar(node.num_inputs(), sum.dtype));
  return node.EmitOutput(0, "Div", {sum, count});
}

// Selu = gamma * Elu_alpha(x); Celu = alpha * Elu_1(x / alpha).
[[nodiscard]] absl::Status Selu(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(const float alpha,
                         node.Float("alpha", 1.67326319217681884765625f));
  NABLA_ASSIGN_OR_RETURN(const float gamma,
                         node.Float("gamma", 1.05070102214813232421875f));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(
      Operand elu, node.Emit("ELU", {x}, {{"alpha", MakeAttr(double{alpha})}}));
  NABLA_ASSIGN_OR_RETURN(Operand g, node.Scalar(gamma, x.dtype));
  return node.EmitOutput(0, "Mul", {elu, g});
}

[[nodiscard]] absl::Status Celu(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(const float alpha, node.Float("alpha", 1.0f));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand a, node.Scalar(alpha, x.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand scaled, node.Emit("Div", {x, a}));
  NABLA_ASSIGN_OR_RETURN(Operand elu, node.Emit("ELU", {scaled}));
  return node.EmitOutput(0, "Mul", {elu, a});
}

// HardSigmoid = clip(alpha x + beta, 0, 1) (ONNX's alpha and beta; nabla's
// HardSigmoid is PyTorch's alpha = 1/6, beta = 1/2).
[[nodiscard]] absl::Status HardSigmoid(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(const float alpha, node.Float("alpha", 0.2f));
  NABLA_ASSIGN_OR_RETURN(const float beta, node.Float("beta", 0.5f));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand a, node.Scalar(alpha, x.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand b, node.Scalar(beta, x.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand ax, node.Emit("Mul", {x, a}));
  NABLA_ASSIGN_OR_RETURN(Operand axb, node.Emit("Add", {ax, b}));
  return node.EmitOutput(0, "Clip", {axb},
                         {{"min", MakeAttr(0.0)}, {"max", MakeAttr(1.0)}});
}

// HardSwish = x * HardSigmoid_{1/6, 1/2}(x), nabla's HardSigmoid.
[[nodiscard]] absl::Status HardSwish(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand gate, node.Emit("HardSigmoid", {x}));
  return node.EmitOutput(0, "Mul", {x, gate});
}

// ThresholdedRelu = x where x > alpha, else 0.
[[nodiscard]] absl::Status ThresholdedRelu(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(const float alpha, node.Float("alpha", 1.0f));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand a, node.Scalar(alpha, x.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand zero, node.Scalar(0, x.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand above, node.Emit("Greater", {x, a}));
  return node.EmitOutput(0, "Where", {above, x, zero});
}

// PRelu = slope * x where x < 0, else x (slope broadcast to x; before
// opset 7 a slope [C] is per channel, dimension 1).
[[nodiscard]] absl::Status PRelu(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand slope, node.Input(1));
  if (node.opset() < 7 && slope.shape.rank() == 1 && x.shape.rank() > 2 &&
      slope.shape.dim(0) == x.shape.dim(1) && slope.shape.dim(0) != 1) {
    std::vector<int64_t> dims(x.shape.rank() - 1, 1);
    dims[0] = slope.shape.dim(0);
    NABLA_ASSIGN_OR_RETURN(slope, ReshapeTo(node, slope, dims));
  }
  NABLA_ASSIGN_OR_RETURN(Operand zero, node.Scalar(0, x.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand negative, node.Emit("Less", {x, zero}));
  NABLA_ASSIGN_OR_RETURN(Operand scaled, node.Emit("Mul", {x, slope}));
  return node.EmitOutput(0, "Where", {negative, scaled, x});
}

[[nodiscard]] absl::Status Reciprocal(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand one, node.Scalar(1, x.dtype));
  return node.EmitOutput(0, "Div", {one, x});
}

// Sign = (x > 0) - (x < 0).
[[nodiscard]] absl::Status Sign(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand zero, node.Scalar(0, x.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand positive, node.Emit("Greater", {x, zero}));
  NABLA_ASSIGN_OR_RETURN(Operand negative, node.Emit("Less", {x, zero}));
  return node.EmitOutput(0, "Sub", {positive, negative});
}

// Bools are 0 and 1: Not = 1 - x, And = a * b, Or = max(a, b),
// Xor = |a - b|.
[[nodiscard]] absl::Status Not(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand one, node.Scalar(1, x.dtype));
  NABLA_RETURN_IF_ERROR(node.EmitOutput(0, "Sub", {one, x}));
  node.SetOutputType(0, TensorProto::BOOL);
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Xor(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand a, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand b, node.Input(1));
  NABLA_ASSIGN_OR_RETURN(b, LegacyBroadcast(node, a, b));
  NABLA_ASSIGN_OR_RETURN(Operand difference, node.Emit("Sub", {a, b}));
  NABLA_RETURN_IF_ERROR(node.EmitOutput(0, "Abs", {difference}));
  node.SetOutputType(0, TensorProto::BOOL);
  return absl::OkStatus();
}

// Softmax and LogSoftmax. From opset 13 along `axis` (default -1); before,
// over the input seen as a matrix [d0...d(axis-1), d(axis)...] (axis
// default 1), which is along all the dimensions from axis on.
[[nodiscard]] absl::Status SoftmaxLike(OnnxNode& node, const char* op) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  const int rank = x.shape.rank();
  NABLA_ASSIGN_OR_RETURN(int64_t axis,
                         node.Int("axis", node.opset() >= 13 ? -1 : 1));
  NABLA_ASSIGN_OR_RETURN(axis, NormalizeAxis(node, axis, rank, "axis"));
  if (node.opset() >= 13 || axis == rank - 1) {
    return node.EmitOutput(0, op, {x}, {{"axis", MakeAttr(axis)}});
  }
  std::vector<int64_t> dims = DimsOf(x.shape);
  NABLA_ASSIGN_OR_RETURN(Operand matrix,
                         node.Emit("Flatten", {x}, {{"axis", MakeAttr(axis)}}));
  NABLA_ASSIGN_OR_RETURN(Operand y, node.Emit(op, {matrix}));
  int unknown = 0;
  for (int64_t d : dims) unknown += d < 0;
  if (unknown > 1) {
    return node.Unsupported(
        "a coerced 2-D softmax of an input with more than one unknown "
        "dimension");
  }
  NABLA_ASSIGN_OR_RETURN(Operand back, ReshapeTo(node, y, dims));
  return node.EmitOutput(0, "Identity", {back});
}

// Clip: min and max are attributes before opset 11, optional inputs (known
// at import) from 11.
[[nodiscard]] absl::Status Clip(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  double bounds[2] = {-INFINITY, INFINITY};
  if (node.opset() < 11) {
    NABLA_ASSIGN_OR_RETURN(const float min, node.Float("min", -INFINITY));
    NABLA_ASSIGN_OR_RETURN(const float max, node.Float("max", INFINITY));
    bounds[0] = min;
    bounds[1] = max;
  }
  for (int k = 1; k <= 2 && node.opset() >= 11; ++k) {
    if (!node.HasInput(k)) continue;
    NABLA_ASSIGN_OR_RETURN(const OnnxValues* bound,
                           node.ConstantInput(k, k == 1 ? "min" : "max"));
    if (bound->num_elements() != 1) {
      return node.Invalid(absl::StrCat("input ", k, " must be a scalar"));
    }
    bounds[k - 1] = bound->values[0];
  }
  return node.EmitOutput(
      0, "Clip", {x},
      {{"min", MakeAttr(bounds[0])}, {"max", MakeAttr(bounds[1])}});
}

// Dropout: nabla's Dropout (identity in inference, dropping in training
// when the model is fine-tuned). The mask output is not computed.
[[nodiscard]] absl::Status Dropout(OnnxNode& node) {
  double rate = 0.5;
  if (node.opset() < 12) {
    NABLA_ASSIGN_OR_RETURN(const float ratio, node.Float("ratio", 0.5f));
    rate = ratio;
  } else if (node.HasInput(1)) {
    NABLA_ASSIGN_OR_RETURN(const OnnxValues* ratio,
                           node.ConstantInput(1, "ratio"));
    if (ratio->num_elements() != 1) {
      return node.Invalid("input 1 (ratio) must be a scalar");
    }
    rate = ratio->values[0];
  }
  if (node.HasInput(2)) {
    NABLA_ASSIGN_OR_RETURN(const OnnxValues* training,
                           node.ConstantInput(2, "training_mode"));
    if (training->num_elements() == 1 && training->values[0] != 0) {
      return node.Unsupported(
          "training_mode = true (random masks at inference) is not "
          "supported");
    }
  }
  NABLA_RETURN_IF_ERROR(Unary(node, "Dropout", {{"rate", MakeAttr(rate)}}));
  if (!node.HasOutput(1)) return absl::OkStatus();
  // The mask of an inference pass keeps everything.
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  if (!x.shape.IsFullyDefined() ||
      x.shape.num_elements() > kMaxLiteralElements) {
    return node.Unsupported(
        "the mask output of an input of unknown or very large shape");
  }
  const std::vector<double> ones(x.shape.num_elements(), 1.0);
  NABLA_ASSIGN_OR_RETURN(Operand mask,
                         node.Literal(DimsOf(x.shape), ones, x.dtype));
  NABLA_RETURN_IF_ERROR(node.EmitOutput(1, "Identity", {mask}));
  node.SetOutputType(1, TensorProto::BOOL);
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Identity(OnnxNode& node) {
  if (node.IsFoldable(0)) {
    NABLA_ASSIGN_OR_RETURN(const OnnxValues* value,
                           node.ConstantInput(0, "input", true));
    node.SetConstantOutput(0, *value);
    return absl::OkStatus();
  }
  return Unary(node, "Identity");
}

}  // namespace

void AddElementwiseConverters(OnnxConverterMap& m) {
  m["Abs"] = [](OnnxNode& n) { return Unary(n, "Abs"); };
  m["Neg"] = [](OnnxNode& n) { return Unary(n, "Neg"); };
  m["Exp"] = [](OnnxNode& n) { return Unary(n, "Exp"); };
  m["Erf"] = [](OnnxNode& n) { return Unary(n, "Erf"); };
  m["Floor"] = [](OnnxNode& n) { return Unary(n, "Floor"); };
  m["Ceil"] = [](OnnxNode& n) { return Unary(n, "Ceil"); };
  m["Round"] = [](OnnxNode& n) { return Unary(n, "Round"); };
  m["Log"] = [](OnnxNode& n) { return Unary(n, "Log"); };
  m["Sqrt"] = [](OnnxNode& n) { return Unary(n, "Sqrt"); };
  m["Relu"] = [](OnnxNode& n) { return Unary(n, "ReLU"); };
  m["Sigmoid"] = [](OnnxNode& n) { return Unary(n, "Sigmoid"); };
  m["Tanh"] = [](OnnxNode& n) { return Unary(n, "Tanh"); };
  m["Softplus"] = [](OnnxNode& n) { return Unary(n, "Softplus"); };
  m["Softsign"] = [](OnnxNode& n) { return Unary(n, "Softsign"); };
  m["Elu"] = [](OnnxNode& n) -> absl::Status {
    NABLA_ASSIGN_OR_RETURN(const float alpha, n.Float("alpha", 1.0f));
    return Unary(n, "ELU", {{"alpha", MakeAttr(double{alpha})}});
  };
  m["LeakyRelu"] = [](OnnxNode& n) -> absl::Status {
    NABLA_ASSIGN_OR_RETURN(const float alpha, n.Float("alpha", 0.01f));
    return Unary(n, "LeakyReLU", {{"alpha", MakeAttr(double{alpha})}});
  };
  m["Selu"] = Selu;
  m["Celu"] = Celu;
  m["HardSigmoid"] = HardSigmoid;
  m["HardSwish"] = HardSwish;
  m["ThresholdedRelu"] = ThresholdedRelu;
  m["PRelu"] = PRelu;
  m["Reciprocal"] = Reciprocal;
  m["Sign"] = Sign;
  m["Softmax"] = [](OnnxNode& n) { return SoftmaxLike(n, "Softmax"); };
  m["LogSoftmax"] = [](OnnxNode& n) { return SoftmaxLike(n, "LogSoftmax"); };
  m["Clip"] = Clip;
  m["Dropout"] = Dropout;
  m["Identity"] = Identity;
  m["Add"] = [](OnnxNode& n) { return Binary(n, "Add"); };
  m["Sub"] = [](OnnxNode& n) { return Binary(n, "Sub"); };
  m["Mul"] = [](OnnxNode& n) { return Binary(n, "Mul"); };
  m["Div"] = [](OnnxNode& n) { return Binary(n, "Div"); };
  m["Pow"] = [](OnnxNode& n) { return Binary(n, "Pow"); };
  m["Max"] = [](OnnxNode& n) { return Variadic(n, "Max"); };
  m["Min"] = [](OnnxNode& n) { return Variadic(n, "Min"); };
  m["Sum"] = [](OnnxNode& n) { return Variadic(n, "Add"); };
  m["Mean"] = Mean;
  m["Equal"] = [](OnnxNode& n) { return Comparison(n, "Equal"); };
  m["Greater"] = [](OnnxNode& n) { return Comparison(n, "Greater"); };
  m["GreaterOrEqual"] = [](OnnxNode& n) {
    return Comparison(n, "GreaterOrEqual");
  };
  m["Less"] = [](OnnxNode& n) { return Comparison(n, "Less"); };
  m["LessOrEqual"] = [](OnnxNode& n) { return Comparison(n, "LessOrEqual"); };
  m["And"] = [](OnnxNode& n) { return Comparison(n, "Mul"); };
  m["Or"] = [](OnnxNode& n) { return Comparison(n, "Max"); };
  m["Not"] = Not;
  m["Xor"] = Xor;
  m["Where"] = [](OnnxNode& n) -> absl::Status {
    NABLA_ASSIGN_OR_RETURN(Operand condition, n.Input(0));
    NABLA_ASSIGN_OR_RETURN(Operand a, n.Input(1));
    NABLA_ASSIGN_OR_RETURN(Operand b, n.Input(2));
    return n.EmitOutput(0, "Where", {condition, a, b});
  };
}

}  // namespace nabla
