// Graph: a validated, shape-inferred, topologically ordered dataflow graph.
//
// Built once from a GraphDef; immutable afterwards, so any number of
// threads may read it.
#ifndef NABLA_CORE_GRAPH_H_
#define NABLA_CORE_GRAPH_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/attrs.h"
#include "core/model_parser.h"
#include "core/op_registry.h"
#include "core/tensor.h"
#include "proto/graph.pb.h"

namespace nabla {

// Output `output` of node `node` (indices into Graph::nodes()).
struct Endpoint {
  int node = -1;
  int output = 0;

  bool operator==(const Endpoint& other) const {
    return node == other.node && output == other.output;
  }
};

// A consumer of an endpoint: input `input` of node `node`.
struct Use {
  int node = -1;
  int input = 0;
};

struct Node {
  std::string name;
  const OpDef* op = nullptr;
  std::vector<Endpoint> inputs;
  ResolvedAttrs attrs;
  // Inferred per output; dimensions may be unknown (-1).
  std::vector<DType> output_dtypes;
  std::vector<Shape> output_shapes;
  // Consumers of each output, in node order then input order.
  std::vector<std::vector<Use>> uses;
  // For a node a composite expanded into: the composite node's name and op
  // as the model file writes them ("hidden", "Dense"). Empty otherwise.
  std::string expanded_from;
  std::string expanded_from_op;
};

namespace graph_internal {
class Builder;
}  // namespace graph_internal

class Graph {
 public:
  // Validates `def` against the op registry and infers shapes. Every
  // problem is reported in one InvalidArgument, one line each, naming the
  // file and line, node and op: unknown ops (with close names), duplicate or
  // empty names, wrong input counts, dangling inputs, bad output indices,
  // missing, unknown or ill-typed attributes, cycles, and shape or dtype
  // errors from the shape functions.
  //
  // A node whose op is a composite (core/composite.h) is expanded, when its
  // inputs' shapes are known, into the nodes it stands for; the one named
  // like it produces its output. Errors in the expansion carry the
  // composite's line: "m.pbtxt:12: node 'h/matmul' (MatMul, from Dense
  // 'h'): ...".
  [[nodiscard]] static absl::StatusOr<Graph> Build(const GraphDef& def,
                                                   const SourceInfo& source);

  // Nodes in topological order: every node after its inputs.
  const std::vector<Node>& nodes() const { return nodes_; }
  const Node& node(int index) const { return nodes_[index]; }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }

  // Index of the node named `name`, or NotFound with close names.
  [[nodiscard]] absl::StatusOr<int> FindNode(absl::string_view name) const;
  // Index in the GraphDef the node came from (for file:line).
  const SourceInfo& source() const { return source_; }
  // "model.pbtxt:12: node 'w1' (Variable)": a node for messages; for an
  // expanded node "... node 'h/weights' (Variable, from Dense 'h')".
  std::string Describe(int index) const;

 private:
  friend class graph_internal::Builder;

  std::vector<Node> nodes_;
  std::vector<int> def_index_;
  absl::flat_hash_map<std::string, int> index_by_name_;
  SourceInfo source_;
};

// Parses "node" or "node:k" (k a non-negative integer).
bool ParseInputName(absl::string_view input, std::string* node, int* output);

}  // namespace nabla

#endif  // NABLA_CORE_GRAPH_H_
