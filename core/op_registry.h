// Ops: what an op declares, and the registry that holds every op.
//
// An op is declared next to its kernels:
//
//   NABLA_REGISTER_OP("MatMul")
//       .Input("a")
//       .Input("b")
//       .Output("product")
//       .Attr("transpose_a", false)
//       .Attr("transpose_b", false)
//       .ShapeFn(MatMulShape)
//       .Forward(MatMulForward)
//       .Gradient(MatMulGradient);
//
// Every op must say how it differentiates: a Gradient() kernel, or
// NoGradient() for an op that cannot be trained through. A declaration
// that is incomplete, or whose name is taken, is refused by Register().
#ifndef NABLA_CORE_OP_REGISTRY_H_
#define NABLA_CORE_OP_REGISTRY_H_

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/attr_declarer.h"
#include "core/attrs.h"
#include "core/kernel_context.h"
#include "core/plugin_build.h"
#include "core/registry.h"

namespace nabla {

using ShapeFn = std::function<absl::Status(ShapeContext&)>;
using ForwardFn = std::function<absl::Status(const KernelContext&)>;
using GradientFn = std::function<absl::Status(const GradientContext&)>;
using InitFn = std::function<absl::Status(const InitContext&)>;
// How many outputs a node has, from its attributes (Split's parts); an
// error names the attribute that is wrong.
using OutputCountFn = std::function<absl::StatusOr<int>(const ResolvedAttrs&)>;

// How the planner treats a node of the op.
enum class OpRole {
  kCompute,      // runs its forward kernel every step
  kPlaceholder,  // its output is fed from data
  kConstant,     // runs its forward kernel once, when a plan is built
  kVariable,     // its output is trained state, set by its initializer
};

// What an op is for; `train_graph --list` groups ops by it.
enum class OpCategory {
  kOp,          // an operation: MatMul, Add, Reshape, ...
  kActivation,  // an elementwise or per-row nonlinearity: Sigmoid, Softmax
  kLoss,        // compares predictions with labels: MeanSquaredError
};

// "op", "activation", "loss".
const char* OpCategoryName(OpCategory category);

// Which forward values an op's gradient kernel reads, besides dL/d(output).
// The planner keeps those alive until the gradient has run and may reuse
// the memory of the others as soon as the forward pass is done with them.
// Shapes and dtypes stay readable either way. The gradient checker
// (core/gradient_check.h) poisons what an op says it does not read.
enum class ForwardValues {
  kInputsAndOutputs,  // the default: everything
  kInputs,
  kOutputs,
  kNone,  // only dL/d(output) and shapes: Add, BiasAdd, reductions
};

struct InputDef {
  std::string name;
  // False for inputs such as integer labels: no gradient flows there.
  bool differentiable = true;
  // State the forward kernel updates in training (BatchNorm's running
  // statistics): it must come from a Variable with `trainable: false` that
  // feeds this input only, so no other node sees it change mid-step. Never
  // differentiable.
  bool state = false;
};

class OpDef : public AttrDeclarer<OpDef> {
 public:
  explicit OpDef(std::string name) : name_(std::move(name)) {}

  OpDef& Input(std::string name);
  OpDef& NonDifferentiableInput(std::string name);
  // An input the forward kernel may update (InputDef::state), through
  // KernelContext::state().
  OpDef& StateInput(std::string name);
  // The last input, given one or more times (Concat's values): a node
  // lists it `min_count` times or more, and input(k) for every k past the
  // others is this declaration.
  OpDef& VariadicInput(std::string name, int min_count = 1);
  OpDef& Output(std::string name);
  // The only output, given as many times as `count` says for a node's
  // attributes: output k of the node is the k-th (Split's parts).
  OpDef& VariadicOutput(std::string name, OutputCountFn count);
  OpDef& Role(OpRole role);
  OpDef& Category(OpCategory category);
  OpDef& ShapeFn(nabla::ShapeFn fn);
  OpDef& Forward(ForwardFn fn);
  OpDef& Gradient(GradientFn fn);
  OpDef& NoGradient();
  // What the gradient kernel reads of the forward pass (see ForwardValues).
  OpDef& GradientReads(ForwardValues reads);
  // The forward kernel stays correct when output 0 is written over input 0
  // (same dtype and shape, the same memory): the planner may run it in
  // place when nothing reads input 0 afterwards. Elementwise kernels that
  // read element i before writing element i qualify.
  OpDef& InPlace();
  // The same for the gradient kernel: dL/d(input 0) may be written over
  // dL/d(output 0).
  OpDef& GradientInPlace();
  OpDef& Initializer(InitFn fn);
  OpDef& Doc(std::string text);

  const std::string& name() const { return name_; }
  const std::vector<InputDef>& inputs() const { return inputs_; }
  // The declaration of a node's input k: inputs()[k], or the variadic
  // input for every k from its position on.
  const InputDef& input(int k) const {
    return inputs_[std::min<size_t>(k, inputs_.size() - 1)];
  }
  bool variadic() const { return variadic_min_ > 0; }
  // The fewest inputs a node of this op takes; with variadic(), any more.
  int min_inputs() const {
    return static_cast<int>(inputs_.size()) - 1 + variadic_min_ +
           (variadic() ? 0 : 1);
  }
  // Whether a node may give the op `count` inputs.
  bool TakesInputs(int count) const {
    return variadic() ? count >= min_inputs()
                      : count == static_cast<int>(inputs_.size());
  }
  const std::vector<std::string>& outputs() const { return outputs_; }
  bool variadic_output() const { return static_cast<bool>(output_count_); }
  // The name of a node's output k: outputs()[k], or the variadic output's.
  const std::string& output_name(int k) const {
    return outputs_[std::min<size_t>(k, outputs_.size() - 1)];
  }
  // How many outputs a node with these attributes has (at least 1).
  [[nodiscard]] absl::StatusOr<int> NumOutputs(
      const ResolvedAttrs& attrs) const;
  OpRole role() const { return role_; }
  OpCategory category() const { return category_; }
  const nabla::ShapeFn& shape_fn() const { return shape_fn_; }
  const ForwardFn& forward() const { return forward_; }
  const GradientFn& gradient() const { return gradient_; }
  bool has_gradient() const { return static_cast<bool>(gradient_); }
  ForwardValues gradient_reads() const { return gradient_reads_; }
  bool in_place() const { return in_place_; }
  bool gradient_in_place() const { return gradient_in_place_; }
  const InitFn& initializer() const { return initializer_; }
  const std::string& doc() const { return doc_; }

  // OK when the declaration is complete and consistent.
  [[nodiscard]] absl::Status Validate() const;

 private:
  std::string name_;
  std::vector<InputDef> inputs_;
  // With a variadic last input, the fewest times a node gives it; else 0.
  int variadic_min_ = 0;
  std::vector<std::string> outputs_;
  OutputCountFn output_count_;  // set by VariadicOutput
  OpRole role_ = OpRole::kCompute;
  OpCategory category_ = OpCategory::kOp;
  nabla::ShapeFn shape_fn_;
  ForwardFn forward_;
  GradientFn gradient_;
  bool no_gradient_ = false;
  ForwardValues gradient_reads_ = ForwardValues::kInputsAndOutputs;
  bool in_place_ = false;
  bool gradient_in_place_ = false;
  InitFn initializer_;
  std::string doc_;
};

// What a shape function says of a node's outputs.
struct OutputTypes {
  std::vector<DType> dtypes;
  std::vector<Shape> shapes;
  size_t scratch_bytes = 0;  // ShapeContext::SetScratchBytes
};

// Runs `op`'s shape function for inputs of these dtypes and shapes (shapes
// may hold unknown dimensions) and checks that each output fits in a
// tensor (CheckTensorSize). Graph building, planning and the gradient
// checker all infer shapes through it. An error is the shape function's
// message, or "output shape ...", for the caller to prefix with the node.
[[nodiscard]] absl::StatusOr<OutputTypes> InferOutputs(
    const OpDef& op, const ResolvedAttrs& attrs, std::vector<DType> dtypes,
    std::vector<Shape> shapes);

class OpRegistry {
 public:
  // The process-wide registry that built-in ops and plugins register into.
  static OpRegistry& Global();

  // Refuses an incomplete declaration (InvalidArgument) or a taken name
  // (AlreadyExists). `origin` is "built in" or the plugin's path.
  [[nodiscard]] absl::Status Register(OpDef def,
                                      absl::string_view origin = kBuiltIn);
  // NotFound with the closest registered names when `name` is unknown.
  [[nodiscard]] absl::StatusOr<const OpDef*> Find(
      absl::string_view name) const {
    return ops_.Find(name);
  }
  std::vector<std::string> Names() const { return ops_.Names(); }
  bool Contains(absl::string_view name) const { return ops_.Contains(name); }
  std::string OriginOf(absl::string_view name) const {
    return ops_.OriginOf(name);
  }
  std::vector<Registry<OpDef>::Entry> Entries() const { return ops_.Entries(); }

 private:
  Registry<OpDef> ops_{"op"};
};

// Registers at static initialisation. A refused built-in declaration is a
// bug in nabla: it is printed and the process stops before main().
class OpRegistrar {
 public:
  OpRegistrar(const OpDef& def);  // NOLINT: built from the macro's chain.
};

#define NABLA_REGISTER_OP(name) NABLA_REGISTER_OP_IMPL_(__COUNTER__, name)
#define NABLA_REGISTER_OP_IMPL_(counter, name) \
  NABLA_REGISTER_OP_IMPL2_(counter, name)
#define NABLA_REGISTER_OP_IMPL2_(counter, name)                               \
  [[maybe_unused]] static const NABLA_STATIC_REGISTRAR_(::nabla::OpRegistrar) \
      nabla_op_registrar_##counter = ::nabla::OpDef(name)

}  // namespace nabla

#endif  // NABLA_CORE_OP_REGISTRY_H_
