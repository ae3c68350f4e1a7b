// Composites: layers a model file writes as one node, which Graph::Build
// replaces with plain op nodes once the shapes of the layer's inputs are
// known. A composite is declared like an op:
//
//   NABLA_REGISTER_COMPOSITE("Dense")
//       .Input("x")
//       .Output("y")
//       .RequiredAttr("units", AttrType::kInt)
//       .Attr("activation", "")
//       .Expand(ExpandDense)
//       .Doc("...");
//
// Expand() receives the composite node (its name, its inputs as written,
// its resolved attributes) and the dtype and shape of each input, and
// returns the nodes that replace it. InvalidArgument refuses bad attributes
// or input shapes; Graph::Build reports the message at the composite's
// file:line. The returned nodes must:
//   - use registered ops, not composites;
//   - include exactly one node named like the composite node: it produces
//     the composite's outputs, so the rest of the graph keeps naming the
//     composite as its input. By convention the others are "<name>/<part>";
//     a name the graph already holds is an error;
//   - take as inputs each other's names or the composite's inputs as
//     written (ExpandContext::input()).
// Graph::Build checks these rules and validates the nodes like any other;
// their errors carry the composite's line and name it ("node 'h/matmul'
// (MatMul, from Dense 'h')").
#ifndef NABLA_CORE_COMPOSITE_H_
#define NABLA_CORE_COMPOSITE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/attr_declarer.h"
#include "core/attrs.h"
#include "core/plugin_build.h"
#include "core/registry.h"
#include "core/tensor.h"
#include "proto/graph.pb.h"

namespace nabla {

// What a composite's Expand() sees of the node being expanded.
class ExpandContext {
 public:
  // REQUIRES: `node` and `attrs` outlive the context; one dtype and shape
  // per input of `node`.
  ExpandContext(const NodeDef* node, const ResolvedAttrs* attrs,
                std::vector<DType> input_dtypes,
                std::vector<Shape> input_shapes);

  // The composite node's name: the name of the node producing its output,
  // and the prefix of the others.
  const std::string& name() const { return node_->name(); }
  int num_inputs() const { return static_cast<int>(input_shapes_.size()); }
  // Input `i` as the model file writes it ("x" or "x:1"): what an expanded
  // node puts in its own `input` to consume it.
  const std::string& input(int i) const { return node_->input(i); }
  DType input_dtype(int i) const { return input_dtypes_[i]; }
  const Shape& input_shape(int i) const { return input_shapes_[i]; }
  // Every declared attribute, defaults filled in.
  const ResolvedAttrs& attrs() const { return *attrs_; }
  // True when the model file sets attribute `name` itself rather than
  // leaving it to its default.
  bool HasAttr(absl::string_view name) const;

  // A node "<name()>/<part>" of `op`, taking `inputs`.
  NodeDef MakeNode(absl::string_view part, absl::string_view op,
                   std::vector<std::string> inputs) const;

 private:
  const NodeDef* node_;
  const ResolvedAttrs* attrs_;
  std::vector<DType> input_dtypes_;
  std::vector<Shape> input_shapes_;
};

using ExpandFn =
    std::function<absl::StatusOr<std::vector<NodeDef>>(const ExpandContext&)>;

class CompositeDef : public AttrDeclarer<CompositeDef> {
 public:
  explicit CompositeDef(std::string name) : name_(std::move(name)) {}

  CompositeDef& Input(std::string name);
  CompositeDef& Output(std::string name);
  CompositeDef& Expand(ExpandFn fn);
  CompositeDef& Doc(std::string text);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& inputs() const { return inputs_; }
  const std::vector<std::string>& outputs() const { return outputs_; }
  const ExpandFn& expand() const { return expand_; }
  const std::string& doc() const { return doc_; }

 private:
  std::string name_;
  std::vector<std::string> inputs_;
  std::vector<std::string> outputs_;
  ExpandFn expand_;
  std::string doc_;
};

// Composites by name. Thread-safe; definitions are never removed.
class CompositeRegistry {
 public:
  // The process-wide registry that built-in composites register into.
  static CompositeRegistry& Global();

  // OK when `def` is complete (an Expand function, an output, no attribute
  // declared twice) and its name is not a registered op's.
  [[nodiscard]] absl::Status Check(const CompositeDef& def) const;
  // Refuses a definition that fails Check() (InvalidArgument) or whose name
  // is taken (AlreadyExists). `origin` is "built in" or a plugin's path.
  [[nodiscard]] absl::Status Register(CompositeDef def,
                                      absl::string_view origin = kBuiltIn);

  // NotFound with the closest registered names when `name` is unknown.
  [[nodiscard]] absl::StatusOr<const CompositeDef*> Find(
      absl::string_view name) const {
    return defs_.Find(name);
  }
  std::vector<std::string> Names() const { return defs_.Names(); }
  bool Contains(absl::string_view name) const { return defs_.Contains(name); }
  std::string OriginOf(absl::string_view name) const {
    return defs_.OriginOf(name);
  }
  std::vector<Registry<CompositeDef>::Entry> Entries() const {
    return defs_.Entries();
  }

 private:
  Registry<CompositeDef> defs_{"composite"};
};

// Registers at static initialisation; a refused built-in declaration stops
// the process before main() (see CheckBuiltinRegistration).
class CompositeRegistrar {
 public:
  CompositeRegistrar(const CompositeDef& def);  // NOLINT: from the macro.
};

#define NABLA_REGISTER_COMPOSITE(name) \
  NABLA_REGISTER_COMPOSITE_IMPL_(__COUNTER__, name)
#define NABLA_REGISTER_COMPOSITE_IMPL_(counter, name) \
  NABLA_REGISTER_COMPOSITE_IMPL2_(counter, name)
#define NABLA_REGISTER_COMPOSITE_IMPL2_(counter, name)                   \
  [[maybe_unused]] static const NABLA_STATIC_REGISTRAR_(                 \
      ::nabla::CompositeRegistrar) nabla_composite_registrar_##counter = \
      ::nabla::CompositeDef(name)

}  // namespace nabla

#endif  // NABLA_CORE_COMPOSITE_H_
