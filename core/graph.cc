#include "core/graph.h"

#include <queue>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace nabla {

bool ParseInputName(absl::string_view input, std::string* node, int* output) {
  const size_t colon = input.rfind(':');
  if (colon == absl::string_view::npos) {
    *node = std::string(input);
    *output = 0;
    return !input.empty();
  }
  *node = std::string(input.substr(0, colon));
  return !node->empty() && absl::SimpleAtoi(input.substr(colon + 1), output) &&
         *output >= 0;
}

namespace {

// Accumulates the errors of one Build() call, each prefixed with where.
class ErrorList {
 public:
  explicit ErrorList(const SourceInfo& source) : source_(source) {}

  void Add(int def_index, absl::string_view node, absl::string_view op,
           absl::string_view message) {
    errors_.push_back(absl::StrCat(source_.NodePrefix(def_index), "node '",
                                   node, "' (", op, "): ", message));
  }
  bool empty() const { return errors_.empty(); }
  absl::Status ToStatus() const {
    return absl::InvalidArgumentError(absl::StrCat(
        errors_.size() == 1 ? "1 error"
                            : absl::StrCat(errors_.size(), " errors"),
        " in the graph:\n", absl::StrJoin(errors_, "\n")));
  }

 private:
  const SourceInfo& source_;
  std::vector<std::string> errors_;
};

struct PendingNode {
  const NodeDef* def = nullptr;
  const OpDef* op = nullptr;
  ResolvedAttrs attrs;
  std::vector<Endpoint> inputs;  // indices into the GraphDef
  bool valid = true;             // false: do not infer shapes from it
};

// Kahn's algorithm, taking ready nodes in file order so the order is stable.
// Returns the order; nodes left out are on or behind a cycle.
std::vector<int> TopologicalOrder(const std::vector<PendingNode>& nodes) {
  const int n = static_cast<int>(nodes.size());
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (int i = 0; i < n; ++i) {
    for (const Endpoint& in : nodes[i].inputs) {
      if (in.node < 0) continue;
      ++pending[i];
      consumers[in.node].push_back(i);
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    const int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int c : consumers[i]) {
      if (--pending[c] == 0) ready.push(c);
    }
  }
  return order;
}

}  // namespace

absl::StatusOr<Graph> Graph::Build(const GraphDef& def,
                                   const SourceInfo& source) {
  ErrorList errors(source);
  const int n = def.node_size();
  std::vector<PendingNode> pending(n);
  absl::flat_hash_map<std::string, int> by_name;

  // Names and ops first: inputs refer to names.
  for (int i = 0; i < n; ++i) {
    const NodeDef& nd = def.node(i);
    PendingNode& p = pending[i];
    p.def = &nd;
    if (nd.name().empty()) {
      errors.Add(i, "", nd.op(), "node has no name");
      p.valid = false;
    } else if (!by_name.emplace(nd.name(), i).second) {
      errors.Add(
          i, nd.name(), nd.op(),
          absl::StrCat(
              "duplicate node name; first defined at ",
              absl::StripSuffix(source.NodePrefix(by_name[nd.name()]), ": ")));
      p.valid = false;
    }
    auto op = OpRegistry::Global().Find(nd.op());
    if (!op.ok()) {
      errors.Add(i, nd.name(), nd.op(), op.status().message());
      p.valid = false;
      continue;
    }
    p.op = *op;
    std::vector<std::string> attr_errors;
    p.attrs = ResolveAttrs(p.op->attrs(), nd.attr(), &attr_errors);
    for (const std::string& e : attr_errors)
      errors.Add(i, nd.name(), nd.op(), e);
    if (!attr_errors.empty()) p.valid = false;
  }

  // Inputs and arity.
  for (int i = 0; i < n; ++i) {
    PendingNode& p = pending[i];
    const NodeDef& nd = *p.def;
    if (p.op != nullptr &&
        nd.input_size() != static_cast<int>(p.op->inputs().size())) {
      std::vector<std::string> names;
      for (const InputDef& in : p.op->inputs()) names.push_back(in.name);
      errors.Add(
          i, nd.name(), nd.op(),
          absl::StrCat("takes ", names.size(), " input",
                       names.size() == 1 ? "" : "s", " (",
                       absl::StrJoin(names, ", "), "), got ", nd.input_size()));
      p.valid = false;
    }
    for (const std::string& input : nd.input()) {
      std::string producer;
      int output = 0;
      Endpoint endpoint;
      if (!ParseInputName(input, &producer, &output)) {
        errors.Add(
            i, nd.name(), nd.op(),
            absl::StrCat("input '", input, "' is not \"node\" or \"node:k\""));
        p.valid = false;
      } else if (auto it = by_name.find(producer); it == by_name.end()) {
        std::vector<std::string> names;
        for (const auto& [name, index] : by_name) names.push_back(name);
        std::sort(names.begin(), names.end());
        std::vector<std::string> close = ClosestNames(producer, names);
        errors.Add(
            i, nd.name(), nd.op(),
            absl::StrCat("input '", input, "' names no node",
                         close.empty()
                             ? ""
                             : absl::StrCat("; did you mean ",
                                            absl::StrJoin(close, ", "), "?")));
        p.valid = false;
      } else {
        endpoint = {it->second, output};
        const OpDef* producer_op = pending[it->second].op;
        if (producer_op != nullptr &&
            output >= static_cast<int>(producer_op->outputs().size())) {
          errors.Add(
              i, nd.name(), nd.op(),
              absl::StrCat("input '", input, "': node '", producer, "' (",
                           producer_op->name(), ") has ",
                           producer_op->outputs().size(), " output",
                           producer_op->outputs().size() == 1 ? "" : "s"));
          p.valid = false;
          endpoint = {};
        }
      }
      p.inputs.push_back(endpoint);
    }
  }

  // Cycles.
  std::vector<int> order = TopologicalOrder(pending);
  if (static_cast<int>(order.size()) < n) {
    std::vector<bool> placed(n, false);
    for (int i : order) placed[i] = true;
    for (int i = 0; i < n; ++i) {
      if (placed[i]) continue;
      bool self_loop = false;
      for (const Endpoint& e : pending[i].inputs) self_loop |= e.node == i;
      errors.Add(i, pending[i].def->name(), pending[i].def->op(),
                 self_loop ? "is its own input (a cycle)"
                           : "is on a cycle or fed by one");
    }
  }

  // Shape inference in topological order; a node whose inputs failed is
  // skipped so one mistake is reported once.
  Graph graph;
  graph.source_ = source;
  std::vector<int> position(n, -1);
  for (int def_index : order) {
    PendingNode& p = pending[def_index];
    bool inputs_ok = p.valid;
    for (const Endpoint& e : p.inputs) {
      inputs_ok = inputs_ok && e.node >= 0 && position[e.node] >= 0;
    }
    if (!inputs_ok) continue;
    Node node;
    node.name = p.def->name();
    node.op = p.op;
    node.attrs = std::move(p.attrs);
    std::vector<DType> dtypes;
    std::vector<Shape> shapes;
    for (const Endpoint& e : p.inputs) {
      const Node& producer = graph.nodes_[position[e.node]];
      node.inputs.push_back({position[e.node], e.output});
      dtypes.push_back(producer.output_dtypes[e.output]);
      shapes.push_back(producer.output_shapes[e.output]);
    }
    std::vector<std::string> described_inputs;
    for (size_t k = 0; k < shapes.size(); ++k) {
      described_inputs.push_back(absl::StrCat(p.op->inputs()[k].name, " ",
                                              DTypeName(dtypes[k]),
                                              shapes[k].ToString()));
    }
    ShapeContext ctx(dtypes, shapes, &node.attrs,
                     static_cast<int>(p.op->outputs().size()));
    absl::Status shaped = p.op->shape_fn()(ctx);
    if (!shaped.ok()) {
      errors.Add(
          def_index, node.name, p.op->name(),
          described_inputs.empty()
              ? std::string(shaped.message())
              : absl::StrCat(shaped.message(), " (inputs: ",
                             absl::StrJoin(described_inputs, ", "), ")"));
      continue;
    }
    node.output_dtypes = ctx.output_dtypes();
    node.output_shapes = ctx.output_shapes();
    node.uses.resize(node.output_shapes.size());
    position[def_index] = graph.num_nodes();
    graph.def_index_.push_back(def_index);
    graph.index_by_name_[node.name] = graph.num_nodes();
    graph.nodes_.push_back(std::move(node));
  }
  if (!errors.empty()) return errors.ToStatus();

  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.nodes_[i];
    for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
      const Endpoint& e = node.inputs[k];
      graph.nodes_[e.node].uses[e.output].push_back({i, k});
    }
  }
  return graph;
}

absl::StatusOr<int> Graph::FindNode(absl::string_view name) const {
  auto it = index_by_name_.find(name);
  if (it != index_by_name_.end()) return it->second;
  std::vector<std::string> names;
  for (const Node& node : nodes_) names.push_back(node.name);
  std::sort(names.begin(), names.end());
  return absl::NotFoundError(
      absl::StrCat("no node named '", name, "'", SuggestionText(name, names)));
}

std::string Graph::Describe(int index) const {
  return absl::StrCat(source_.NodePrefix(def_index_[index]), "node '",
                      nodes_[index].name, "' (", nodes_[index].op->name(), ")");
}

}  // namespace nabla
