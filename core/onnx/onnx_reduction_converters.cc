// ONNX reductions: ReduceSum and friends (axes as an attribute, or from
// opset 13 for ReduceSum an input known at import), ArgMax and ArgMin.
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/onnx/onnx_converters.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

struct Reduction {
  std::vector<int64_t> axes;  // empty: all
  bool keep_dims = true;
  bool identity = false;  // noop_with_empty_axes with no axes
};

[[nodiscard]] absl::StatusOr<Reduction> ReadReduction(OnnxNode& node,
                                                      int rank) {
  Reduction r;
  NABLA_ASSIGN_OR_RETURN(const int64_t keep, node.Int("keepdims", 1));
  r.keep_dims = keep != 0;
  NABLA_ASSIGN_OR_RETURN(const int64_t noop,
                         node.Int("noop_with_empty_axes", 0));
  std::vector<int64_t> axes;
  if (node.op_type() == "ReduceSum" && node.opset() >= 13) {
    if (node.HasInput(1)) {
      NABLA_ASSIGN_OR_RETURN(axes, ConstantInts(node, 1, "axes"));
    }
  } else {
    NABLA_ASSIGN_OR_RETURN(axes, node.Ints("axes"));
  }
  for (int64_t axis : axes) {
    NABLA_ASSIGN_OR_RETURN(const int64_t a,
                           NormalizeAxis(node, axis, rank, "axis"));
    r.axes.push_back(a);
  }
  r.identity = axes.empty() && noop != 0;
  return r;
}

NodeAttrs ReductionAttrs(const Reduction& r) {
  return {{"axes", MakeIntListAttr(r.axes)},
          {"keep_dims", MakeAttr(r.keep_dims)}};
}

// y = finish(reduce(prepare(x))): prepare and finish are nabla unary ops
// or empty (ReduceL2 = Sqrt(ReduceSum(Square(x)))).
[[nodiscard]] absl::Status Reduce(OnnxNode& node, const char* prepare,
                                  const char* reduce, const char* finish) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(const Reduction r,
                         ReadReduction(node, x.shape.rank()));
  if (r.identity) return node.EmitOutput(0, "Identity", {x});
  if (*prepare != '\0') {
    NABLA_ASSIGN_OR_RETURN(x, node.Emit(prepare, {x}));
  }
  if (*finish == '\0') {
    return node.EmitOutput(0, reduce, {x}, ReductionAttrs(r));
  }
  NABLA_ASSIGN_OR_RETURN(Operand reduced,
                         node.Emit(reduce, {x}, ReductionAttrs(r)));
  return node.EmitOutput(0, finish, {reduced});
}

// log(sum(exp(x))) = m + log(sum(exp(x - m))) with m the largest element,
// so that large inputs do not overflow.
[[nodiscard]] absl::Status ReduceLogSumExp(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Reduction r, ReadReduction(node, x.shape.rank()));
  if (r.identity) return node.EmitOutput(0, "Identity", {x});
  Reduction kept = r;
  kept.keep_dims = true;
  NABLA_ASSIGN_OR_RETURN(Operand m,
                         node.Emit("ReduceMax", {x}, ReductionAttrs(kept)));
  NABLA_ASSIGN_OR_RETURN(Operand shifted, node.Emit("Sub", {x, m}));
  NABLA_ASSIGN_OR_RETURN(Operand e, node.Emit("Exp", {shifted}));
  NABLA_ASSIGN_OR_RETURN(Operand sum,
                         node.Emit("ReduceSum", {e}, ReductionAttrs(r)));
  NABLA_ASSIGN_OR_RETURN(Operand log, node.Emit("Log", {sum}));
  NABLA_ASSIGN_OR_RETURN(Operand top,
                         node.Emit("ReduceMax", {x}, ReductionAttrs(r)));
  return node.EmitOutput(0, "Add", {top, log});
}

[[nodiscard]] absl::Status ArgExtremum(OnnxNode& node, const char* op) {
  NABLA_ASSIGN_OR_RETURN(const int64_t last, node.Int("select_last_index", 0));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(int64_t axis, node.Int("axis", 0));
  NABLA_ASSIGN_OR_RETURN(axis,
                         NormalizeAxis(node, axis, x.shape.rank(), "axis"));
  NABLA_ASSIGN_OR_RETURN(const int64_t keep, node.Int("keepdims", 1));
  const NodeAttrs attrs = {{"axis", MakeAttr(axis)},
                           {"keep_dims", MakeAttr(keep != 0)}};
  node.SetOutputType(0, onnx::TensorProto::INT64);
  if (last == 0) return node.EmitOutput(0, op, {x}, attrs);
  // The last extremum is the first of x reversed along axis: index
  // n - 1 - i.
  const int64_t n = x.shape.dim(axis);
  if (n < 0) return node.Unsupported("select_last_index along an unknown size");
  NABLA_ASSIGN_OR_RETURN(
      Operand reversed,
      node.Emit(
          "Slice", {x},
          {{"starts", MakeIntListAttr({-1})},
           {"ends", MakeIntListAttr({std::numeric_limits<int64_t>::min()})},
           {"axes", MakeIntListAttr({axis})},
           {"steps", MakeIntListAttr({-1})}}));
  NABLA_ASSIGN_OR_RETURN(Operand i, node.Emit(op, {reversed}, attrs));
  NABLA_ASSIGN_OR_RETURN(Operand top, node.Scalar(n - 1, i.dtype));
  return node.EmitOutput(0, "Sub", {top, i});
}

}  // namespace

void AddReductionConverters(OnnxConverterMap& m) {
  m["ReduceSum"] = [](OnnxNode& n) { return Reduce(n, "", "ReduceSum", ""); };
  m["ReduceMean"] = [](OnnxNode& n) { return Reduce(n, "", "ReduceMean", ""); };
  m["ReduceMax"] = [](OnnxNode& n) { return Reduce(n, "", "ReduceMax", ""); };
  m["ReduceMin"] = [](OnnxNode& n) { return Reduce(n, "", "ReduceMin", ""); };
  m["ReduceSumSquare"] = [](OnnxNode& n) {
    return Reduce(n, "Square", "ReduceSum", "");
  };
  m["ReduceL1"] = [](OnnxNode& n) { return Reduce(n, "Abs", "ReduceSum", ""); };
  m["ReduceL2"] = [](OnnxNode& n) {
    return Reduce(n, "Square", "ReduceSum", "Sqrt");
  };
  m["ReduceLogSum"] = [](OnnxNode& n) {
    return Reduce(n, "", "ReduceSum", "Log");
  };
  m["ReduceLogSumExp"] = ReduceLogSumExp;
  m["ArgMax"] = [](OnnxNode& n) { return ArgExtremum(n, "ArgMax"); };
  m["ArgMin"] = [](OnnxNode& n) { return ArgExtremum(n, "ArgMin"); };
}

}  // namespace nabla
