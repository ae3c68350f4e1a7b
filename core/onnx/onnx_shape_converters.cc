// ONNX ops that move elements or make constants: Reshape, Flatten's
// relatives (Squeeze, Unsqueeze), Transpose, Concat, Slice, Gather, Pad,
// Split, Expand, Tile, and Constant, Shape, Size, ConstantOfShape, Cast.
// Shapes, axes and pads must be known when the model is loaded; what an
// exporter computes from constants (a Shape of a known shape, a Concat of
// constants) is folded here.
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/onnx/onnx_converters.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

using onnx::TensorProto;

// Tile joins copies, one input of a Concat each.
constexpr int64_t kMaxTileRepeats = 1024;

// Input 0's dims: of its constant value, or of its tensor.
[[nodiscard]] absl::StatusOr<std::vector<int64_t>> InputDims(OnnxNode& node) {
  if (node.IsConstant(0)) {
    NABLA_ASSIGN_OR_RETURN(const OnnxValues* c,
                           node.ConstantInput(0, "data", true));
    return c->dims;
  }
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  return DimsOf(x.shape);
}

// Input 0's batch tag; "" for a constant.
[[nodiscard]] absl::StatusOr<std::string> InputBatchTag(OnnxNode& node) {
  if (node.IsConstant(0)) return std::string();
  NABLA_ASSIGN_OR_RETURN(const Operand x, node.Input(0));
  return x.batch_tag;
}

// Output 0 is input 0 under `dims`: folded when input 0 is a constant the
// import may compute on, else a Reshape (at most one dimension unknown)
// that keeps input 0's batch tag where `keeps_batch` (dimension 0 copied).
[[nodiscard]] absl::Status EmitReshaped(OnnxNode& node,
                                        std::vector<int64_t> dims,
                                        bool keeps_batch = false) {
  if (node.IsFoldable(0)) {
    NABLA_ASSIGN_OR_RETURN(const OnnxValues* c,
                           node.ConstantInput(0, "data", true));
    OnnxValues folded = *c;
    std::vector<int64_t> known_dims;
    for (int64_t d : dims) {
      if (d >= 0) known_dims.push_back(d);
    }
    NABLA_ASSIGN_OR_RETURN(const int64_t known,
                           CheckedElements(node, known_dims, "the shape"));
    for (int64_t& d : dims) {
      if (d < 0 && known > 0) d = c->num_elements() / known;
    }
    NABLA_ASSIGN_OR_RETURN(const int64_t count,
                           CheckedElements(node, dims, "the shape"));
    if (count != c->num_elements()) {
      return node.Invalid("the new shape does not hold the input's elements");
    }
    folded.dims = std::move(dims);
    node.SetConstantOutput(0, std::move(folded));
    return absl::OkStatus();
  }
  int unknown = 0;
  for (int64_t d : dims) unknown += d < 0;
  if (unknown > 1) {
    return node.Unsupported(absl::StrCat(
        "the output shape [", absl::StrJoin(dims, ", "),
        "] has more than one dimension unknown when the model is loaded"));
  }
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(
      Operand y,
      node.Emit("Reshape", {x},
                {{"shape", MakeAttr(Shape(absl::MakeConstSpan(dims)))}}));
  if (keeps_batch) y.batch_tag = x.batch_tag;
  return node.EmitOutput(0, "Identity", {y});
}

// Reshape's target shape with what ONNX leaves to the input resolved:
// 0 copies the input's dimension (unless allowzero), a size read with
// Shape from this tensor's batch dimension copies it too (PyTorch's
// x.view(x.size(0), -1)), and a -1 is computed where the input's other
// dimensions are known. `copied[i]` says which dimensions are the input's.
struct ReshapeTarget {
  std::vector<int64_t> dims;
  std::vector<bool> copied;
};

[[nodiscard]] absl::StatusOr<ReshapeTarget> ResolveTarget(
    OnnxNode& node, std::vector<int64_t> target,
    const std::vector<std::string>& symbols, const std::vector<int64_t>& in,
    const std::string& batch_tag, bool allow_zero) {
  ReshapeTarget r{std::move(target), {}};
  r.copied.assign(r.dims.size(), false);
  for (size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i].empty()) continue;
    if (i != 0 || batch_tag.empty() || symbols[i] != batch_tag) {
      return node.Unsupported(absl::StrCat(
          "shape[", i,
          "] is a size known only when data is fed that is "
          "not this tensor's own batch size (nabla copies only that one)"));
    }
    r.copied[i] = true;
  }
  int minus_ones = 0;
  for (size_t i = 0; i < r.dims.size(); ++i) {
    if (r.dims[i] == 0 && !allow_zero) r.copied[i] = true;
    if (r.copied[i]) {
      if (i >= in.size()) {
        return node.Invalid(absl::StrCat(
            "shape[", i, "] copies a dimension the input does not have"));
      }
      r.dims[i] = in[i];
    } else if (r.dims[i] < -1) {
      return node.Invalid(absl::StrCat("shape[", i, "] = ", r.dims[i]));
    } else {
      minus_ones += r.dims[i] == -1;
    }
  }
  // The -1 is known when the input's dimensions that are not copied are:
  // their product over the target's other dimensions that are not copied.
  std::vector<int64_t> in_rest, target_rest;
  for (size_t i = 0; i < in.size(); ++i) {
    if (i >= r.copied.size() || !r.copied[i]) in_rest.push_back(in[i]);
  }
  for (size_t i = 0; i < r.dims.size(); ++i) {
    if (!r.copied[i] && r.dims[i] >= 0) target_rest.push_back(r.dims[i]);
  }
  const bool in_known =
      std::find_if(in_rest.begin(), in_rest.end(),
                   [](int64_t d) { return d < 0; }) == in_rest.end();
  if (minus_ones == 1 && in_known) {
    NABLA_ASSIGN_OR_RETURN(const int64_t known,
                           CheckedElements(node, in_rest, "the input"));
    NABLA_ASSIGN_OR_RETURN(const int64_t rest,
                           CheckedElements(node, target_rest, "the shape"));
    if (rest > 0 && known % rest != 0) {
      return node.Invalid(absl::StrCat("the input's ", known,
                                       " elements do not fill the shape [",
                                       absl::StrJoin(r.dims, ", "), "]"));
    }
    for (size_t i = 0; i < r.dims.size(); ++i) {
      if (r.dims[i] == -1 && !r.copied[i] && rest > 0) {
        r.dims[i] = known / rest;
      }
    }
  }
  return r;
}

[[nodiscard]] absl::Status Reshape(OnnxNode& node) {
  std::vector<int64_t> target;
  std::vector<std::string> symbols;
  if (node.opset() < 5) {
    NABLA_ASSIGN_OR_RETURN(target, node.Ints("shape"));
  } else {
    NABLA_ASSIGN_OR_RETURN(const OnnxValues* shape,
                           node.ConstantInput(1, "shape", true));
    if (!shape->is_integer()) return node.Invalid("the shape is not integers");
    target = shape->ints;
    symbols = shape->symbols;
  }
  NABLA_ASSIGN_OR_RETURN(const int64_t allow_zero, node.Int("allowzero", 0));
  NABLA_ASSIGN_OR_RETURN(const std::vector<int64_t> in, InputDims(node));
  NABLA_ASSIGN_OR_RETURN(const std::string batch_tag, InputBatchTag(node));
  NABLA_ASSIGN_OR_RETURN(ReshapeTarget r,
                         ResolveTarget(node, std::move(target), symbols, in,
                                       batch_tag, allow_zero != 0));
  const bool keeps_batch = !r.copied.empty() && r.copied[0];
  return EmitReshaped(node, std::move(r.dims), keeps_batch);
}

// Squeeze's and Unsqueeze's axes: an attribute before opset 13, an input
// known at import from 13.
[[nodiscard]] absl::StatusOr<std::vector<int64_t>> AxesOf(OnnxNode& node) {
  if (node.opset() < 13) return node.Ints("axes");
  if (!node.HasInput(1)) return std::vector<int64_t>();
  return ConstantInts(node, 1, "axes");
}

[[nodiscard]] absl::Status Squeeze(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesOf(node));
  NABLA_ASSIGN_OR_RETURN(const std::vector<int64_t> in, InputDims(node));
  const int rank = static_cast<int>(in.size());
  std::vector<bool> drop(rank, false);
  for (int64_t axis : axes) {
    NABLA_ASSIGN_OR_RETURN(axis, NormalizeAxis(node, axis, rank, "axis"));
    if (in[axis] > 1) {
      return node.Invalid(
          absl::StrCat("axis ", axis, " has size ", in[axis], ", not 1"));
    }
    drop[axis] = true;
  }
  for (int a = 0; a < rank && axes.empty(); ++a) {
    if (in[a] < 0) {
      return node.Unsupported("Squeeze without axes of an unknown dimension");
    }
    drop[a] = in[a] == 1;
  }
  std::vector<int64_t> out;
  for (int a = 0; a < rank; ++a) {
    if (!drop[a]) out.push_back(in[a]);
  }
  return EmitReshaped(node, std::move(out), rank > 0 && !drop[0]);
}

[[nodiscard]] absl::Status Unsqueeze(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesOf(node));
  NABLA_ASSIGN_OR_RETURN(const std::vector<int64_t> in, InputDims(node));
  const int rank = static_cast<int>(in.size() + axes.size());
  std::vector<bool> inserted(rank, false);
  for (int64_t axis : axes) {
    NABLA_ASSIGN_OR_RETURN(axis, NormalizeAxis(node, axis, rank, "axis"));
    if (inserted[axis]) return node.Invalid("axes repeat");
    inserted[axis] = true;
  }
  std::vector<int64_t> out;
  for (int a = 0, next = 0; a < rank; ++a) {
    out.push_back(inserted[a] ? 1 : in[next++]);
  }
  return EmitReshaped(node, std::move(out), rank > 0 && !inserted[0]);
}

// The elements of constants joined along `axis` (exporters build shapes
// so). REQUIRES: the parts have one element type, and the same dims but
// along `axis` (CheckConcatParts).
OnnxValues ConcatValues(const std::vector<const OnnxValues*>& parts, int axis) {
  OnnxValues out = *parts[0];
  out.values.clear();
  out.ints.clear();
  out.symbols.clear();
  bool symbolic = false;
  for (const OnnxValues* p : parts) symbolic |= p->symbolic();
  out.dims[axis] = 0;
  int64_t outer = 1;
  for (int a = 0; a < axis; ++a) outer *= out.dims[a];
  for (const OnnxValues* p : parts) out.dims[axis] += p->dims[axis];
  for (int64_t o = 0; o < outer; ++o) {
    for (const OnnxValues* p : parts) {
      const int64_t block = outer == 0 ? 0 : p->num_elements() / outer;
      for (int64_t i = o * block; i < (o + 1) * block; ++i) {
        out.values.push_back(p->values[i]);
        if (out.is_integer()) out.ints.push_back(p->ints[i]);
        if (symbolic) {
          out.symbols.push_back(p->symbolic() ? p->symbols[i] : "");
        }
      }
    }
  }
  out.TrimSymbols();
  return out;
}

[[nodiscard]] absl::Status CheckConcatParts(
    const OnnxNode& node, const std::vector<const OnnxValues*>& parts,
    int64_t axis) {
  for (const OnnxValues* p : parts) {
    bool fits = p->elem_type == parts[0]->elem_type &&
                p->dims.size() == parts[0]->dims.size();
    for (size_t a = 0; fits && a < p->dims.size(); ++a) {
      fits = static_cast<int64_t>(a) == axis || p->dims[a] == parts[0]->dims[a];
    }
    if (!fits) {
      return node.Invalid(absl::StrCat(
          "the inputs differ in element type or in a dimension other than "
          "axis ",
          axis, ": [", absl::StrJoin(parts[0]->dims, ", "), "] ",
          OnnxTypeName(parts[0]->elem_type), " and [",
          absl::StrJoin(p->dims, ", "), "] ", OnnxTypeName(p->elem_type)));
    }
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Concat(OnnxNode& node) {
  // Before opset 4 axis may be left out and defaults to 1.
  if (!node.HasAttr("axis") && node.opset() >= 4) {
    return node.Invalid("attribute 'axis' is missing");
  }
  NABLA_ASSIGN_OR_RETURN(int64_t axis, node.Int("axis", 1));
  bool constant = node.num_inputs() > 0;
  for (int k = 0; k < node.num_inputs(); ++k) constant &= node.IsFoldable(k);
  if (constant) {
    std::vector<const OnnxValues*> parts;
    for (int k = 0; k < node.num_inputs(); ++k) {
      NABLA_ASSIGN_OR_RETURN(const OnnxValues* p,
                             node.ConstantInput(k, "input", true));
      parts.push_back(p);
    }
    NABLA_ASSIGN_OR_RETURN(
        axis, NormalizeAxis(node, axis, parts[0]->dims.size(), "axis"));
    NABLA_RETURN_IF_ERROR(CheckConcatParts(node, parts, axis));
    node.SetConstantOutput(0, ConcatValues(parts, axis));
    return absl::OkStatus();
  }
  std::vector<Operand> inputs;
  for (int k = 0; k < node.num_inputs(); ++k) {
    NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(k));
    inputs.push_back(x);
  }
  if (inputs.empty()) return node.Invalid("it has no inputs");
  NABLA_ASSIGN_OR_RETURN(
      axis, NormalizeAxis(node, axis, inputs[0].shape.rank(), "axis"));
  return node.EmitOutput(0, "Concat", inputs, {{"axis", MakeAttr(axis)}});
}

[[nodiscard]] absl::Status Transpose(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> perm, node.Ints("perm"));
  return node.EmitOutput(0, "Transpose", {x},
                         {{"perm", MakeIntListAttr(perm)}});
}

// Slice: starts, ends, axes and steps are attributes before opset 10,
// inputs known at import from 10; nabla's Slice has ONNX's semantics.
[[nodiscard]] absl::Status Slice(OnnxNode& node) {
  std::vector<int64_t> lists[4];
  const char* names[4] = {"starts", "ends", "axes", "steps"};
  for (int i = 0; i < 4; ++i) {
    if (node.opset() < 10) {
      if (i < 3) {
        NABLA_ASSIGN_OR_RETURN(lists[i], node.Ints(names[i]));
      }
    } else if (node.HasInput(i + 1)) {
      NABLA_ASSIGN_OR_RETURN(lists[i], ConstantInts(node, i + 1, names[i]));
    }
  }
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  return node.EmitOutput(0, "Slice", {x},
                         {{"starts", MakeIntListAttr(lists[0])},
                          {"ends", MakeIntListAttr(lists[1])},
                          {"axes", MakeIntListAttr(lists[2])},
                          {"steps", MakeIntListAttr(lists[3])}});
}

[[nodiscard]] absl::Status Gather(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(int64_t axis, node.Int("axis", 0));
  if (node.IsFoldable(0) && node.IsFoldable(1)) {
    NABLA_ASSIGN_OR_RETURN(const OnnxValues* data,
                           node.ConstantInput(0, "data", true));
    NABLA_ASSIGN_OR_RETURN(const std::vector<int64_t> indices,
                           ConstantInts(node, 1, "indices"));
    if (data->dims.size() == 1) {  // a shape's elements
      NABLA_ASSIGN_OR_RETURN(const OnnxValues* index_values,
                             node.ConstantInput(1, "indices"));
      OnnxValues out = *data;
      out.dims = index_values->dims;
      out.values.clear();
      out.ints.clear();
      out.symbols.clear();
      const int64_t n = data->dims[0];
      for (int64_t i : indices) {
        if (i < -n || i >= n)
          return node.Invalid(absl::StrCat("index ", i, " is out of range"));
        const int64_t at = i < 0 ? i + n : i;
        out.values.push_back(data->values[at]);
        if (out.is_integer()) out.ints.push_back(data->ints[at]);
        if (data->symbolic()) out.symbols.push_back(data->symbols[at]);
      }
      out.TrimSymbols();
      node.SetConstantOutput(0, std::move(out));
      return absl::OkStatus();
    }
  }
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(Operand indices, node.Input(1));
  return node.EmitOutput(0, "Gather", {x, indices}, {{"axis", MakeAttr(axis)}});
}

// OneHot(indices, depth, [off, on]) along the last axis: off + (on - off)
// * nabla's OneHot, negative indices counted from the end as in ONNX
// (nabla's OneHot refuses an index out of [-depth, depth) where ONNX gives
// a row of off values).
[[nodiscard]] absl::Status OneHot(OnnxNode& node) {
  // depth may be of any numeric type, cast to int64.
  NABLA_ASSIGN_OR_RETURN(const OnnxValues* depth_value,
                         node.ConstantInput(1, "depth"));
  NABLA_ASSIGN_OR_RETURN(const OnnxValues* values,
                         node.ConstantInput(2, "values"));
  NABLA_ASSIGN_OR_RETURN(Operand indices, node.Input(0));
  const int rank = indices.shape.rank();
  NABLA_ASSIGN_OR_RETURN(int64_t axis, node.Int("axis", -1));
  NABLA_ASSIGN_OR_RETURN(axis, NormalizeAxis(node, axis, rank + 1, "axis"));
  if (depth_value->num_elements() != 1 || values->num_elements() != 2) {
    return node.Invalid("depth must be one value and values two");
  }
  int64_t depth = 0;
  if (!ToInt64(depth_value->values[0], &depth)) {
    return node.Invalid(absl::StrCat("depth ", depth_value->values[0],
                                     " is not a number of classes"));
  }
  NABLA_ASSIGN_OR_RETURN(Operand d, node.Scalar(depth, indices.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand zero, node.Scalar(0, indices.dtype));
  NABLA_ASSIGN_OR_RETURN(Operand negative, node.Emit("Less", {indices, zero}));
  NABLA_ASSIGN_OR_RETURN(Operand wrapped, node.Emit("Add", {indices, d}));
  NABLA_ASSIGN_OR_RETURN(indices,
                         node.Emit("Where", {negative, wrapped, indices}));
  const DType dtype = node.builder().DTypeFor(values->elem_type);
  const double off = values->values[0], on = values->values[1];
  NABLA_ASSIGN_OR_RETURN(
      Operand y, node.Emit("OneHot", {indices}, {{"depth", MakeAttr(depth)}}));
  if (off != 0 || on != 1) {
    NABLA_ASSIGN_OR_RETURN(Operand scale, node.Scalar(on - off, dtype));
    NABLA_ASSIGN_OR_RETURN(Operand base, node.Scalar(off, dtype));
    NABLA_ASSIGN_OR_RETURN(Operand scaled, node.Emit("Mul", {y, scale}));
    NABLA_ASSIGN_OR_RETURN(y, node.Emit("Add", {scaled, base}));
  }
  if (axis != rank) {
    // nabla's classes come last: move them to `axis`.
    std::vector<int64_t> perm;
    for (int64_t a = 0; a < rank; ++a) {
      if (a == axis) perm.push_back(rank);
      perm.push_back(a);
    }
    NABLA_ASSIGN_OR_RETURN(
        y, node.Emit("Transpose", {y}, {{"perm", MakeIntListAttr(perm)}}));
  }
  NABLA_RETURN_IF_ERROR(node.EmitOutput(0, "Identity", {y}));
  node.SetOutputType(0, values->elem_type);
  return absl::OkStatus();
}

// Pad: pads and value are attributes before opset 11, inputs from 11.
[[nodiscard]] absl::Status Pad(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(const std::string mode,
                         node.String("mode", "constant"));
  std::vector<int64_t> pads;
  double value = 0;
  if (node.opset() < 11) {
    NABLA_ASSIGN_OR_RETURN(pads,
                           node.Ints(node.opset() < 2 ? "paddings" : "pads"));
    NABLA_ASSIGN_OR_RETURN(const float v, node.Float("value", 0.0f));
    value = v;
  } else {
    NABLA_ASSIGN_OR_RETURN(pads, ConstantInts(node, 1, "pads"));
    if (node.HasInput(2)) {
      NABLA_ASSIGN_OR_RETURN(const OnnxValues* v,
                             node.ConstantInput(2, "constant_value"));
      if (v->num_elements() != 1)
        return node.Invalid("constant_value must be a scalar");
      value = v->values[0];
    }
    if (node.HasInput(3))
      return node.Unsupported("input 3 (axes) is not supported");
  }
  for (int64_t pad : pads) {
    if (pad < 0) {
      return node.Unsupported("negative pads (cropping) are not supported");
    }
  }
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  return node.EmitOutput(0, "Pad", {x},
                         {{"pads", MakeIntListAttr(pads)},
                          {"mode", MakeAttr(mode)},
                          {"value", MakeAttr(value)}});
}

[[nodiscard]] absl::Status Split(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(int64_t axis, node.Int("axis", 0));
  std::vector<int64_t> split;
  if (node.opset() < 13) {
    NABLA_ASSIGN_OR_RETURN(split, node.Ints("split"));
  }
  // Opset 1 takes the sizes as an attribute or an input; 13 as an input.
  if ((node.opset() < 2 || node.opset() >= 13) && node.HasInput(1)) {
    NABLA_ASSIGN_OR_RETURN(split, ConstantInts(node, 1, "split"));
  }
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  NABLA_ASSIGN_OR_RETURN(axis,
                         NormalizeAxis(node, axis, x.shape.rank(), "axis"));
  NodeAttrs attrs = {{"axis", MakeAttr(axis)}};
  if (split.empty()) {
    const int64_t parts = node.proto().output_size();
    if (parts == 0) return node.Invalid("it has no outputs");
    const int64_t size = x.shape.dim(axis);
    if (size >= 0 && size % parts != 0) {
      return node.Invalid(absl::StrCat("dimension ", axis, " (", size,
                                       ") does not split into ", parts,
                                       " equal parts"));
    }
    attrs.push_back({"num_outputs", MakeAttr(parts)});
  } else {
    attrs.push_back({"split", MakeIntListAttr(split)});
  }
  return node.EmitOutputs("Split", {x}, std::move(attrs));
}

// Expand: x broadcast with a shape: x + zeros(shape).
[[nodiscard]] absl::Status Expand(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                         ConstantInts(node, 1, "shape"));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) return node.Invalid("the shape has a negative dimension");
    if (d > 0 && count > kMaxLiteralElements / d) {
      return node.Unsupported(absl::StrCat("an Expand to more than ",
                                           kMaxLiteralElements, " elements"));
    }
    count *= d;
  }
  const std::vector<double> zeros(count, 0.0);
  NABLA_ASSIGN_OR_RETURN(Operand z, node.Literal(shape, zeros, x.dtype));
  return node.EmitOutput(0, "Add", {x, z});
}

// Tile: r copies joined along each axis with repeat r.
[[nodiscard]] absl::Status Tile(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> repeats,
                         ConstantInts(node, 1, "repeats"));
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  if (static_cast<int>(repeats.size()) != x.shape.rank()) {
    return node.Invalid("repeats must have one value per dimension");
  }
  for (int64_t axis = 0; axis < x.shape.rank(); ++axis) {
    if (repeats[axis] < 0) {
      return node.Invalid(absl::StrCat("a repeat of ", repeats[axis]));
    }
    if (repeats[axis] < 1 || repeats[axis] > kMaxTileRepeats) {
      return node.Unsupported(absl::StrCat("a repeat of ", repeats[axis],
                                           " (nabla tiles 1 to ",
                                           kMaxTileRepeats, " times)"));
    }
    if (repeats[axis] == 1) continue;
    std::vector<Operand> copies(repeats[axis], x);
    NABLA_ASSIGN_OR_RETURN(
        x, node.Emit("Concat", copies, {{"axis", MakeAttr(axis)}}));
  }
  return node.EmitOutput(0, "Identity", {x});
}

OnnxValues IntVector(std::vector<int64_t> ints) {
  OnnxValues v;
  v.elem_type = TensorProto::INT64;
  v.dims = {static_cast<int64_t>(ints.size())};
  v.values.assign(ints.begin(), ints.end());
  v.ints = std::move(ints);
  return v;
}

// Shape: the dims as int64; an unknown dimension becomes a size known only
// when data is fed (a symbol): dimension 0 with the tensor's batch tag, so
// that a Reshape of a tensor of that batch can copy it.
[[nodiscard]] absl::Status ShapeOf(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> dims, InputDims(node));
  NABLA_ASSIGN_OR_RETURN(const std::string batch_tag, InputBatchTag(node));
  const int64_t rank = dims.size();
  NABLA_ASSIGN_OR_RETURN(int64_t start, node.Int("start", 0));
  NABLA_ASSIGN_OR_RETURN(int64_t end, node.Int("end", rank));
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  OnnxValues shape = IntVector(std::vector<int64_t>(
      dims.begin() + start, dims.begin() + std::max(start, end)));
  for (size_t i = 0; i < shape.ints.size(); ++i) {
    if (shape.ints[i] >= 0) continue;
    shape.symbols.resize(shape.ints.size());
    const bool batch = start + i == 0 && !batch_tag.empty();
    shape.symbols[i] = batch ? batch_tag
                             : absl::StrCat("dimension ", start + i, " of ",
                                            node.proto().input(0));
  }
  node.SetConstantOutput(0, std::move(shape));
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Size(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> dims, InputDims(node));
  const int64_t count = Shape(absl::MakeConstSpan(dims)).num_elements();
  if (count < 0) {
    return node.Unsupported("the size of a tensor known only when data is fed");
  }
  OnnxValues size = IntVector({count});
  size.dims.clear();
  node.SetConstantOutput(0, std::move(size));
  return absl::OkStatus();
}

[[nodiscard]] absl::Status Constant(OnnxNode& node) {
  if (const TensorProto* t = node.TensorAttr("value")) {
    NABLA_ASSIGN_OR_RETURN(
        OnnxValues v,
        ReadOnnxTensor(*t, node.Describe(), node.builder().model_dir()));
    node.SetConstantOutput(0, std::move(v));
    return absl::OkStatus();
  }
  OnnxValues v;
  if (node.HasAttr("value_float") || node.HasAttr("value_floats")) {
    NABLA_ASSIGN_OR_RETURN(const float f, node.Float("value_float", 0.0f));
    NABLA_ASSIGN_OR_RETURN(const std::vector<float> fs,
                           node.Floats("value_floats"));
    v.elem_type = TensorProto::FLOAT;
    if (node.HasAttr("value_float")) {
      v.values = {f};
    } else {
      v.values.assign(fs.begin(), fs.end());
      v.dims = {static_cast<int64_t>(fs.size())};
    }
  } else if (node.HasAttr("value_int") || node.HasAttr("value_ints")) {
    NABLA_ASSIGN_OR_RETURN(const int64_t i, node.Int("value_int", 0));
    NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> is, node.Ints("value_ints"));
    v = IntVector(node.HasAttr("value_int") ? std::vector<int64_t>{i} : is);
    if (node.HasAttr("value_int")) v.dims.clear();
  } else {
    return node.Unsupported(
        "only value, value_float(s) and value_int(s) are supported");
  }
  node.SetConstantOutput(0, std::move(v));
  return absl::OkStatus();
}

[[nodiscard]] absl::Status ConstantOfShape(OnnxNode& node) {
  NABLA_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                         ConstantInts(node, 0, "shape"));
  OnnxValues fill;
  fill.values = {0.0};
  if (const TensorProto* t = node.TensorAttr("value")) {
    NABLA_ASSIGN_OR_RETURN(
        fill, ReadOnnxTensor(*t, node.Describe(), node.builder().model_dir()));
    if (fill.num_elements() != 1)
      return node.Invalid("value must hold one element");
  }
  OnnxValues out;
  out.elem_type = fill.elem_type;
  out.dims = dims;
  NABLA_ASSIGN_OR_RETURN(const int64_t count,
                         CheckedElements(node, dims, "the shape"));
  if (count > kMaxLiteralElements) {
    return node.Unsupported(absl::StrCat("a constant of ", count,
                                         " elements (nabla folds at most ",
                                         kMaxLiteralElements, ")"));
  }
  out.values.assign(count, fill.values[0]);
  if (out.is_integer()) out.ints.assign(count, fill.ints[0]);
  node.SetConstantOutput(0, std::move(out));
  return absl::OkStatus();
}

// `v` in the integer type `to`, wrapping as C's conversions do (int64 300
// as int8 is 44).
int64_t WrapInteger(int64_t v, int32_t to) {
  switch (to) {
    case TensorProto::INT8:
      return static_cast<int8_t>(v);
    case TensorProto::UINT8:
      return static_cast<uint8_t>(v);
    case TensorProto::INT16:
      return static_cast<int16_t>(v);
    case TensorProto::UINT16:
      return static_cast<uint16_t>(v);
    case TensorProto::INT32:
      return static_cast<int32_t>(v);
    case TensorProto::UINT32:
      return static_cast<uint32_t>(v);
    default:
      return v;
  }
}

// A constant's elements as `to`: bools 0 or 1, integers truncated (NaN,
// infinities and values beyond int64 refused), floats rounded to float.
[[nodiscard]] absl::StatusOr<OnnxValues> CastValues(const OnnxNode& node,
                                                    const OnnxValues& c,
                                                    int32_t to) {
  OnnxValues out;
  out.elem_type = to;
  out.dims = c.dims;
  if (out.is_integer()) out.symbols = c.symbols;
  for (size_t i = 0; i < c.values.size(); ++i) {
    double v = c.values[i];
    int64_t integer = 0;
    if (to == TensorProto::BOOL) {
      integer = v != 0;
    } else if (c.is_integer() && out.is_integer()) {
      integer = c.ints[i];  // exact, even beyond 2^53
    } else if (out.is_integer() && !ToInt64(std::trunc(v), &integer)) {
      return node.Invalid(absl::StrCat("the constant holds ", v,
                                       ", which is no ", OnnxTypeName(to)));
    }
    if (out.is_integer()) {
      integer = WrapInteger(integer, to);
      out.ints.push_back(integer);
      v = static_cast<double>(integer);
    } else if (to == TensorProto::FLOAT) {
      v = static_cast<float>(v);
    }
    out.values.push_back(v);
  }
  return out;
}

// Cast: folded for constants; at run time only where the numbers do not
// change (integers to floats or other integers, a float to its own type).
[[nodiscard]] absl::Status Cast(OnnxNode& node) {
  if (node.opset() < 6) {
    return node.Unsupported("Cast before opset 6 (its 'to' is a string)");
  }
  NABLA_ASSIGN_OR_RETURN(const int64_t to, node.Int("to", 0));
  if (!IsSupportedOnnxType(static_cast<int32_t>(to))) {
    return node.Unsupported(absl::StrCat("a cast to ", OnnxTypeName(to)));
  }
  const int32_t from = node.InputType(0);
  if (node.IsFoldable(0)) {
    // Sizes known only when data is fed stay symbols as integers.
    const bool integer = IsOnnxIntegerType(static_cast<int32_t>(to));
    NABLA_ASSIGN_OR_RETURN(const OnnxValues* c,
                           node.ConstantInput(0, "input", integer));
    NABLA_ASSIGN_OR_RETURN(OnnxValues out,
                           CastValues(node, *c, static_cast<int32_t>(to)));
    node.SetConstantOutput(0, std::move(out));
    return absl::OkStatus();
  }
  NABLA_ASSIGN_OR_RETURN(Operand x, node.Input(0));
  if (to == TensorProto::BOOL && x.dtype == node.builder().float_dtype()) {
    // x != 0 as 1 - (x == 0): NaN is true, as in ONNX.
    NABLA_ASSIGN_OR_RETURN(Operand zero, node.Scalar(0, x.dtype));
    NABLA_ASSIGN_OR_RETURN(Operand one, node.Scalar(1, x.dtype));
    NABLA_ASSIGN_OR_RETURN(Operand is_zero, node.Emit("Equal", {x, zero}));
    NABLA_RETURN_IF_ERROR(node.EmitOutput(0, "Sub", {one, is_zero}));
    node.SetOutputType(0, TensorProto::BOOL);
    return absl::OkStatus();
  }
  if (IsOnnxIntegerType(to) && to != TensorProto::BOOL &&
      !IsOnnxIntegerType(from) &&
      x.dtype == node.builder().DTypeFor(static_cast<int32_t>(to))) {
    // A float to an integer: towards zero. (ONNX leaves values outside the
    // integer type's range undefined; nabla keeps them.)
    NABLA_RETURN_IF_ERROR(node.EmitOutput(0, "Trunc", {x}));
    node.SetOutputType(0, static_cast<int32_t>(to));
    return absl::OkStatus();
  }
  const bool same_numbers =
      IsOnnxIntegerType(from)
          ? (to != TensorProto::BOOL || from == TensorProto::BOOL)
          : to == from;
  if (!same_numbers ||
      node.builder().DTypeFor(static_cast<int32_t>(to)) != x.dtype) {
    return node.Unsupported(absl::StrCat("a cast from ", OnnxTypeName(from),
                                         " to ", OnnxTypeName(to),
                                         " at run time"));
  }
  NABLA_RETURN_IF_ERROR(node.EmitOutput(0, "Identity", {x}));
  node.SetOutputType(0, static_cast<int32_t>(to));
  return absl::OkStatus();
}

}  // namespace

void AddShapeConverters(OnnxConverterMap& m) {
  m["Reshape"] = Reshape;
  m["Squeeze"] = Squeeze;
  m["Unsqueeze"] = Unsqueeze;
  m["Concat"] = Concat;
  m["Transpose"] = Transpose;
  m["Slice"] = Slice;
  m["Gather"] = Gather;
  m["OneHot"] = OneHot;
  m["Pad"] = Pad;
  m["Split"] = Split;
  m["Expand"] = Expand;
  m["Tile"] = Tile;
  m["Shape"] = ShapeOf;
  m["Size"] = Size;
  m["Constant"] = Constant;
  m["ConstantOfShape"] = ConstantOfShape;
  m["Cast"] = Cast;
}

}  // namespace nabla
