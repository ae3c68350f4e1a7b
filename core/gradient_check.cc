#include "core/gradient_check.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/attrs.h"
#include "core/op_registry.h"
#include "core/random.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// An op with its attributes resolved against its declaration.
struct PreparedOp {
  const OpDef* def = nullptr;
  ResolvedAttrs attrs;
  OpRun run;

  // A context of this op's attributes and run.
  template <typename Context, typename... Args>
  Context MakeContext(Args&&... args) const {
    Context context(&attrs, std::forward<Args>(args)...);
    context.SetRun(&run.state, run.node_seed);
    return context;
  }
};

[[nodiscard]] absl::StatusOr<PreparedOp> Prepare(absl::string_view op,
                                                 const AttrMap& attrs,
                                                 const OpRun& run = {}) {
  PreparedOp prepared;
  prepared.run = run;
  NABLA_ASSIGN_OR_RETURN(prepared.def, OpRegistry::Global().Find(op));
  google::protobuf::Map<std::string, AttrValue> given;
  for (const auto& [name, value] : attrs) given[name] = value;
  std::vector<std::string> errors;
  prepared.attrs = ResolveAttrs(prepared.def->attrs(), given, &errors);
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  }
  return prepared;
}

// The op's shape function as it is, without the size check graphs add
// (InferOutputs): op tests look at what the function itself says.
[[nodiscard]] absl::StatusOr<OutputTypes> InferOpOutputs(
    const PreparedOp& op, std::vector<DType> dtypes,
    std::vector<Shape> shapes) {
  if (!op.def->TakesInputs(static_cast<int>(shapes.size()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op '", op.def->name(), "' takes ", op.def->min_inputs(),
        op.def->variadic() ? " or more" : "", " inputs, got ", shapes.size()));
  }
  if (dtypes.empty()) dtypes.assign(shapes.size(), DType::kFloat64);
  NABLA_ASSIGN_OR_RETURN(const int outputs, op.def->NumOutputs(op.attrs));
  ShapeContext ctx(std::move(dtypes), std::move(shapes), &op.attrs, outputs);
  NABLA_RETURN_IF_ERROR(op.def->shape_fn()(ctx));
  return OutputTypes{ctx.output_dtypes(), ctx.output_shapes()};
}

// NaN in every element, so that an element a kernel forgets to write, or a
// value it reads but said it would not, shows up.
void FillNaN(Tensor& t) {
  DispatchFloat(t.dtype(), [&](auto zero) {
    using T = decltype(zero);
    std::fill(t.data<T>(), t.data<T>() + t.num_elements(),
              std::numeric_limits<T>::quiet_NaN());
  });
}

Tensor NaNLike(const Tensor& t) {
  Tensor poisoned(t.dtype(), t.shape());
  FillNaN(poisoned);
  return poisoned;
}

// The index of the first element whose bits differ, or -1.
int64_t FirstDifference(const Tensor& a, const Tensor& b) {
  const unsigned char* pa = static_cast<const unsigned char*>(a.raw_data());
  const unsigned char* pb = static_cast<const unsigned char*>(b.raw_data());
  const size_t size = DTypeSize(a.dtype());
  for (int64_t e = 0; e < a.num_elements(); ++e) {
    if (std::memcmp(pa + e * size, pb + e * size, size) != 0) return e;
  }
  return -1;
}

std::vector<const Tensor*> Pointers(const std::vector<Tensor>& tensors) {
  std::vector<const Tensor*> pointers;
  for (const Tensor& t : tensors) pointers.push_back(&t);
  return pointers;
}

bool HasStateInput(const OpDef& op) {
  for (const InputDef& input : op.inputs()) {
    if (input.state) return true;
  }
  return false;
}

// Runs the shape function and forward kernel into `outputs`. The kernel
// writes its state inputs (OpDef::StateInput) in `updated`, the caller's
// inputs, when given; otherwise in copies, so the inputs stay as they are.
[[nodiscard]] absl::Status Forward(const PreparedOp& op,
                                   const std::vector<Tensor>& inputs,
                                   std::vector<Tensor>* outputs,
                                   std::vector<Tensor>* updated = nullptr) {
  if (!op.def->forward()) {
    return absl::FailedPreconditionError(
        absl::StrCat("op '", op.def->name(), "' has no forward kernel"));
  }
  std::vector<DType> dtypes;
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) {
    dtypes.push_back(t.dtype());
    shapes.push_back(t.shape());
  }
  NABLA_ASSIGN_OR_RETURN(
      OutputTypes specs,
      InferOpOutputs(op, std::move(dtypes), std::move(shapes)));
  outputs->resize(specs.shapes.size());
  std::vector<Tensor*> out_pointers;
  for (size_t k = 0; k < specs.shapes.size(); ++k) {
    if (!specs.shapes[k].IsFullyDefined()) {
      return absl::InternalError(
          absl::StrCat("op '", op.def->name(), "' output ", k, " has shape ",
                       specs.shapes[k].ToString(), " for known inputs"));
    }
    (*outputs)[k].Reset(specs.dtypes[k], specs.shapes[k]);
    FillNaN((*outputs)[k]);
    out_pointers.push_back(&(*outputs)[k]);
  }
  std::vector<Tensor> copies;
  std::vector<Tensor>* holder = updated;
  if (holder == nullptr && HasStateInput(*op.def)) {
    copies = inputs;
    holder = &copies;
  }
  std::vector<Tensor*> states(inputs.size(), nullptr);
  for (size_t k = 0; holder != nullptr && k < inputs.size(); ++k) {
    if (op.def->input(k).state) states[k] = &(*holder)[k];
  }
  KernelContext context = op.MakeContext<KernelContext>(
      Pointers(holder != nullptr ? *holder : inputs), std::move(out_pointers));
  context.SetStates(std::move(states));
  return op.def->forward()(context);
}

// Runs the gradient kernel; input_grads[i] is filled with NaN first (so an
// element the kernel forgets shows up), or left empty when input i is not
// differentiable.
[[nodiscard]] absl::Status Backward(const PreparedOp& op,
                                    const std::vector<Tensor>& inputs,
                                    const std::vector<Tensor>& outputs,
                                    const std::vector<Tensor>& output_grads,
                                    std::vector<Tensor>* input_grads) {
  if (!op.def->has_gradient()) {
    return absl::FailedPreconditionError(
        absl::StrCat("op '", op.def->name(), "' has no gradient kernel"));
  }
  // resize, not assign: copying a default Tensor reads its null storage.
  input_grads->clear();
  input_grads->resize(inputs.size());
  std::vector<Tensor*> grad_pointers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!op.def->input(i).differentiable) {
      grad_pointers.push_back(nullptr);
      continue;
    }
    Tensor& g = (*input_grads)[i];
    g.Reset(inputs[i].dtype(), inputs[i].shape());
    FillNaN(g);
    grad_pointers.push_back(&g);
  }
  return op.def->gradient()(op.MakeContext<GradientContext>(
      Pointers(inputs), Pointers(outputs), Pointers(output_grads),
      std::move(grad_pointers)));
}

const char* ForwardValuesName(ForwardValues reads) {
  switch (reads) {
    case ForwardValues::kInputsAndOutputs:
      return "kInputsAndOutputs";
    case ForwardValues::kInputs:
      return "kInputs";
    case ForwardValues::kOutputs:
      return "kOutputs";
    case ForwardValues::kNone:
      return "kNone";
  }
  return "?";
}

// `got` must equal `want` bit for bit; otherwise an error naming the
// declaration that does not hold.
[[nodiscard]] absl::Status SameBits(const PreparedOp& op, const Tensor& want,
                                    const Tensor& got, absl::string_view what,
                                    absl::string_view declaration) {
  const int64_t e = FirstDifference(want, got);
  if (e < 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      "op '", op.def->name(), "' declares ", declaration, ", but ", what,
      " element ", e, " is ", got.ValueAt(e), " instead of ", want.ValueAt(e)));
}

// GradientReads(): the gradient kernel gives the same bits when the
// forward values it says it does not read are NaN.
[[nodiscard]] absl::Status CheckGradientReads(
    const PreparedOp& op, const std::vector<Tensor>& inputs,
    const std::vector<Tensor>& outputs, const std::vector<Tensor>& output_grads,
    const std::vector<Tensor>& analytic) {
  const ForwardValues reads = op.def->gradient_reads();
  if (reads == ForwardValues::kInputsAndOutputs) return absl::OkStatus();
  const bool keep_inputs = reads == ForwardValues::kInputs;
  const bool keep_outputs = reads == ForwardValues::kOutputs;
  std::vector<Tensor> in, out;
  for (const Tensor& t : inputs) in.push_back(keep_inputs ? t : NaNLike(t));
  for (const Tensor& t : outputs) out.push_back(keep_outputs ? t : NaNLike(t));
  std::vector<Tensor> got;
  NABLA_RETURN_IF_ERROR(Backward(op, in, out, output_grads, &got));
  const std::string declaration =
      absl::StrCat("GradientReads(", ForwardValuesName(reads), ")");
  for (size_t i = 0; i < analytic.size(); ++i) {
    if (!op.def->input(i).differentiable) continue;
    NABLA_RETURN_IF_ERROR(SameBits(
        op, analytic[i], got[i],
        absl::StrCat("with the values it does not read set to NaN, the "
                     "gradient of input ",
                     i),
        declaration));
  }
  return absl::OkStatus();
}

// InPlace(): the forward kernel gives the same bits when output 0 is
// written over (a copy of) input 0.
[[nodiscard]] absl::Status CheckInPlace(const PreparedOp& op,
                                        const std::vector<Tensor>& inputs,
                                        const std::vector<Tensor>& outputs) {
  if (!op.def->in_place() || inputs.empty() ||
      inputs[0].dtype() != outputs[0].dtype() ||
      inputs[0].num_elements() != outputs[0].num_elements()) {
    return absl::OkStatus();
  }
  // One buffer, seen as input 0 and as output 0 (their shapes may differ
  // by broadcasting's leading ones).
  Tensor shared = outputs[0];
  std::memcpy(shared.raw_data(), inputs[0].raw_data(), inputs[0].num_bytes());
  std::vector<Tensor> in;
  in.push_back(
      Tensor::View(inputs[0].dtype(), inputs[0].shape(), shared.raw_data()));
  for (size_t i = 1; i < inputs.size(); ++i) in.push_back(inputs[i]);
  std::vector<Tensor> others(outputs.size());
  std::vector<Tensor*> out = {&shared};
  for (size_t k = 1; k < outputs.size(); ++k) {
    others[k] = NaNLike(outputs[k]);
    out.push_back(&others[k]);
  }
  NABLA_RETURN_IF_ERROR(
      op.def->forward()(op.MakeContext<KernelContext>(Pointers(in), out)));
  return SameBits(op, outputs[0], shared,
                  "run with output 0 over input 0, output 0", "InPlace()");
}

// GradientInPlace(): the gradient kernel gives the same bits when
// dL/d(input 0) is written over (a copy of) dL/d(output 0).
[[nodiscard]] absl::Status CheckGradientInPlace(
    const PreparedOp& op, const std::vector<Tensor>& inputs,
    const std::vector<Tensor>& outputs, const std::vector<Tensor>& output_grads,
    const std::vector<Tensor>& analytic) {
  if (!op.def->gradient_in_place() || !op.def->input(0).differentiable ||
      output_grads[0].dtype() != inputs[0].dtype() ||
      output_grads[0].num_elements() != inputs[0].num_elements()) {
    return absl::OkStatus();
  }
  Tensor shared = analytic[0];
  std::memcpy(shared.raw_data(), output_grads[0].raw_data(),
              output_grads[0].num_bytes());
  std::vector<Tensor> grads_in;
  grads_in.push_back(Tensor::View(output_grads[0].dtype(),
                                  output_grads[0].shape(), shared.raw_data()));
  for (size_t k = 1; k < output_grads.size(); ++k) {
    grads_in.push_back(output_grads[k]);
  }
  std::vector<Tensor> others(inputs.size());
  std::vector<Tensor*> grads_out = {&shared};
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (!op.def->input(i).differentiable) {
      grads_out.push_back(nullptr);
      continue;
    }
    others[i] = NaNLike(inputs[i]);
    grads_out.push_back(&others[i]);
  }
  NABLA_RETURN_IF_ERROR(op.def->gradient()(op.MakeContext<GradientContext>(
      Pointers(inputs), Pointers(outputs), Pointers(grads_in),
      std::move(grads_out))));
  return SameBits(op, analytic[0], shared,
                  "run with dL/d(input 0) over dL/d(output 0), the gradient",
                  "GradientInPlace()");
}

// L = sum_k sum(output_k ⊙ W_k), summed in index order.
[[nodiscard]] absl::StatusOr<double> Loss(const PreparedOp& op,
                                          const std::vector<Tensor>& inputs,
                                          const std::vector<Tensor>& weights,
                                          std::vector<Tensor>* scratch) {
  NABLA_RETURN_IF_ERROR(Forward(op, inputs, scratch));
  double loss = 0;
  for (size_t k = 0; k < scratch->size(); ++k) {
    const Tensor& out = (*scratch)[k];
    for (int64_t e = 0; e < out.num_elements(); ++e) {
      loss += out.ValueAt(e) * weights[k].ValueAt(e);
    }
  }
  return loss;
}

void SetValue(Tensor* t, int64_t i, double v) { t->data<double>()[i] = v; }

}  // namespace

[[nodiscard]] absl::StatusOr<std::vector<Shape>> RunOpShape(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Shape>& shapes, std::vector<DType> dtypes) {
  NABLA_ASSIGN_OR_RETURN(const PreparedOp prepared, Prepare(op, attrs));
  NABLA_ASSIGN_OR_RETURN(OutputTypes specs,
                         InferOpOutputs(prepared, std::move(dtypes), shapes));
  return specs.shapes;
}

[[nodiscard]] absl::StatusOr<std::vector<Tensor>> RunOp(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Tensor>& inputs, const OpRun& run) {
  NABLA_ASSIGN_OR_RETURN(const PreparedOp prepared, Prepare(op, attrs, run));
  std::vector<Tensor> outputs;
  NABLA_RETURN_IF_ERROR(Forward(prepared, inputs, &outputs));
  return outputs;
}

[[nodiscard]] absl::StatusOr<std::vector<Tensor>> RunOpUpdatingState(
    absl::string_view op, const AttrMap& attrs, std::vector<Tensor>& inputs,
    const OpRun& run) {
  NABLA_ASSIGN_OR_RETURN(const PreparedOp prepared, Prepare(op, attrs, run));
  std::vector<Tensor> outputs;
  NABLA_RETURN_IF_ERROR(Forward(prepared, inputs, &outputs, &inputs));
  return outputs;
}

[[nodiscard]] absl::StatusOr<std::vector<Tensor>> RunOpGradient(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Tensor>& inputs, const std::vector<Tensor>& output_grads,
    const OpRun& run) {
  NABLA_ASSIGN_OR_RETURN(const PreparedOp prepared, Prepare(op, attrs, run));
  std::vector<Tensor> outputs;
  NABLA_RETURN_IF_ERROR(Forward(prepared, inputs, &outputs));
  std::vector<Tensor> input_grads;
  NABLA_RETURN_IF_ERROR(
      Backward(prepared, inputs, outputs, output_grads, &input_grads));
  return input_grads;
}

[[nodiscard]] absl::StatusOr<Tensor> RunInitializer(absl::string_view op,
                                                    const AttrMap& attrs,
                                                    uint64_t seed) {
  NABLA_ASSIGN_OR_RETURN(const PreparedOp prepared, Prepare(op, attrs));
  if (!prepared.def->initializer()) {
    return absl::FailedPreconditionError(
        absl::StrCat("op '", op, "' has no initializer"));
  }
  NABLA_ASSIGN_OR_RETURN(OutputTypes specs, InferOpOutputs(prepared, {}, {}));
  Tensor value(specs.dtypes[0], specs.shapes[0]);
  std::mt19937_64 rng(seed);
  NABLA_RETURN_IF_ERROR(
      prepared.def->initializer()(InitContext(&prepared.attrs, &value, &rng)));
  return value;
}

AttrValue ShapeAttr(const Shape& shape) {
  AttrValue value;
  ShapeProto* proto = value.mutable_shape();
  for (int64_t d : shape.dims()) proto->add_dim(d);
  return value;
}

Tensor RandomTensor(DType dtype, const Shape& shape, uint64_t seed, double lo,
                    double hi) {
  std::mt19937_64 rng(seed);
  std::vector<double> values(shape.num_elements());
  for (double& v : values) v = UniformDouble(rng, lo, hi);
  return Tensor::FromValues(dtype, shape, values);
}

[[nodiscard]] absl::StatusOr<std::vector<InputGradientError>> MeasureGradient(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Tensor>& inputs, const GradientCheckOptions& options) {
  NABLA_ASSIGN_OR_RETURN(const PreparedOp prepared,
                         Prepare(op, attrs, options.run));
  if (!prepared.def->has_gradient()) {
    return absl::InvalidArgumentError(
        absl::StrCat("op '", op, "' declares no gradient"));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != DType::kFloat64) {
      return absl::InvalidArgumentError(
          absl::StrCat("the gradient checker needs float64 inputs; input ", i,
                       " is ", DTypeName(inputs[i].dtype())));
    }
  }
  std::vector<Tensor> outputs;
  NABLA_RETURN_IF_ERROR(Forward(prepared, inputs, &outputs));
  std::vector<Tensor> weights;
  for (size_t k = 0; k < outputs.size(); ++k) {
    weights.push_back(
        RandomTensor(DType::kFloat64, outputs[k].shape(), options.seed + k));
  }
  std::vector<Tensor> analytic;
  NABLA_RETURN_IF_ERROR(
      Backward(prepared, inputs, outputs, weights, &analytic));
  // The planner trusts what an op declares about its kernels; a wrong
  // declaration would corrupt values silently, so it is checked here with
  // every gradient check.
  NABLA_RETURN_IF_ERROR(
      CheckGradientReads(prepared, inputs, outputs, weights, analytic));
  NABLA_RETURN_IF_ERROR(CheckInPlace(prepared, inputs, outputs));
  NABLA_RETURN_IF_ERROR(
      CheckGradientInPlace(prepared, inputs, outputs, weights, analytic));

  std::vector<Tensor> x = inputs;
  std::vector<Tensor> scratch;
  NABLA_ASSIGN_OR_RETURN(const double l0, Loss(prepared, x, weights, &scratch));
  const double h = options.h;
  std::vector<InputGradientError> report;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!prepared.def->input(i).differentiable) continue;
    InputGradientError error;
    error.input = static_cast<int>(i);
    error.name = prepared.def->input(i).name;
    error.elements = x[i].num_elements();
    const int64_t stride =
        options.max_elements > 0 && error.elements > options.max_elements
            ? (error.elements + options.max_elements - 1) / options.max_elements
            : 1;
    for (int64_t e = 0; e < error.elements; e += stride) {
      ++error.checked;
      const double original = x[i].ValueAt(e);
      SetValue(&x[i], e, original + h);
      NABLA_ASSIGN_OR_RETURN(const double lp,
                             Loss(prepared, x, weights, &scratch));
      SetValue(&x[i], e, original - h);
      NABLA_ASSIGN_OR_RETURN(const double lm,
                             Loss(prepared, x, weights, &scratch));
      SetValue(&x[i], e, original);
      const double forward_diff = (lp - l0) / h;
      const double backward_diff = (l0 - lm) / h;
      if (std::abs(forward_diff - backward_diff) >
          options.kink_threshold *
              (1 + std::max(std::abs(forward_diff), std::abs(backward_diff)))) {
        ++error.kinks;
        continue;
      }
      const double numeric = (lp - lm) / (2 * h);
      const double a = analytic[i].ValueAt(e);
      const double difference = std::abs(a - numeric);
      const double magnitude = std::max(std::abs(a), std::abs(numeric));
      // NaN must not hide behind max(): it is the worst error there is.
      if (!(difference <= error.max_abs_error))
        error.max_abs_error = difference;
      const double relative = magnitude > 0 ? difference / magnitude : 0.0;
      if (!(relative <= error.max_rel_error)) error.max_rel_error = relative;
      const double tolerance = options.atol + options.rtol * magnitude;
      if (!(difference <= tolerance) && error.first_failure.empty()) {
        error.first_failure = absl::StrCat(
            "op '", op, "': gradient of input ", i, " (", error.name,
            ", shape ", x[i].shape().ToString(), ") element ", e, ": analytic ",
            a, " vs numeric ", numeric, " (difference ", difference,
            " > tolerance ", tolerance, ")");
      }
    }
    if (2 * error.kinks > error.checked && error.first_failure.empty()) {
      error.first_failure = absl::StrCat(
          "op '", op, "': gradient of input ", i, " (", error.name,
          "): ", error.kinks, " of ", error.checked,
          " elements are at kinks (one-sided differences disagree); move "
          "the inputs away from them");
    }
    report.push_back(std::move(error));
  }
  return report;
}

[[nodiscard]] absl::Status CheckGradient(absl::string_view op,
                                         const AttrMap& attrs,
                                         const std::vector<Tensor>& inputs,
                                         const GradientCheckOptions& options) {
  NABLA_ASSIGN_OR_RETURN(std::vector<InputGradientError> report,
                         MeasureGradient(op, attrs, inputs, options));
  for (const InputGradientError& error : report) {
    if (!error.first_failure.empty()) {
      return absl::InternalError(error.first_failure);
    }
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::Status CheckFloat32MatchesFloat64(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Tensor>& inputs, double rtol) {
  std::vector<Tensor> in32;
  std::vector<Tensor> in64;
  for (const Tensor& t : inputs) {
    in32.push_back(
        Tensor::FromValues(DType::kFloat32, t.shape(), t.ToDoubles()));
    in64.push_back(Tensor::FromValues(DType::kFloat64, t.shape(),
                                      in32.back().ToDoubles()));
  }
  NABLA_ASSIGN_OR_RETURN(std::vector<Tensor> out32, RunOp(op, attrs, in32));
  NABLA_ASSIGN_OR_RETURN(std::vector<Tensor> out64, RunOp(op, attrs, in64));
  for (size_t k = 0; k < out32.size(); ++k) {
    if (out32[k].dtype() != DType::kFloat32 ||
        out64[k].dtype() != DType::kFloat64) {
      return absl::InternalError(
          absl::StrCat("op '", op, "' output ", k, " has dtype ",
                       DTypeName(out32[k].dtype()), " for float32 inputs and ",
                       DTypeName(out64[k].dtype()), " for float64 inputs"));
    }
    for (int64_t e = 0; e < out32[k].num_elements(); ++e) {
      const double f = out32[k].ValueAt(e);
      const double d = out64[k].ValueAt(e);
      if (!(std::abs(f - d) <= rtol * std::max(1.0, std::abs(d)))) {
        return absl::InternalError(absl::StrCat("op '", op, "' output ", k,
                                                " element ", e, ": float32 ", f,
                                                " vs float64 ", d));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace nabla
