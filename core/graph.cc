#include "core/graph.h"

#include <deque>
#include <queue>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/composite.h"

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

// "MatMul", or "MatMul, from Dense 'h'" for a node Dense 'h' expanded into.
std::string OpLabel(absl::string_view op, absl::string_view expanded_from,
                    absl::string_view expanded_from_op) {
  if (expanded_from.empty()) return std::string(op);
  return absl::StrCat(op, ", from ", expanded_from_op, " '", expanded_from,
                      "'");
}

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
  [[nodiscard]] absl::Status ToStatus() const {
    return absl::InvalidArgumentError(absl::StrCat(
        errors_.size() == 1 ? "1 error"
                            : absl::StrCat(errors_.size(), " errors"),
        " in the graph:\n", absl::StrJoin(errors_, "\n")));
  }

 private:
  const SourceInfo& source_;
  std::vector<std::string> errors_;
};

// Where a node came from: the GraphDef node written in the model file (for
// file:line) and, for a node a composite made, that composite node.
struct Origin {
  int def_index = -1;
  std::string expanded_from;
  std::string expanded_from_op;
};

struct PendingNode {
  const NodeDef* def = nullptr;
  Origin origin;
  // Exactly one of op and composite is set once the op name is resolved.
  const OpDef* op = nullptr;
  const CompositeDef* composite = nullptr;
  ResolvedAttrs attrs;
  std::vector<Endpoint> inputs;  // indices into the pending nodes
  int num_outputs = -1;          // of an op, once its attributes resolve
  bool valid = true;             // false: do not infer shapes from it
};

// The declared input names of `p`'s op or composite.
std::vector<std::string> InputNames(const PendingNode& p) {
  if (p.composite != nullptr) return p.composite->inputs();
  std::vector<std::string> names;
  if (p.op != nullptr) {
    for (const InputDef& in : p.op->inputs()) names.push_back(in.name);
  }
  return names;
}

// Outputs of `p`'s op or composite; -1 when the op is unknown.
int NumOutputs(const PendingNode& p) {
  if (p.composite != nullptr) {
    return static_cast<int>(p.composite->outputs().size());
  }
  return p.num_outputs;
}

}  // namespace

namespace graph_internal {

// One Build() call: validates the model's nodes in phases (names and ops,
// inputs, cycles), then infers shapes in topological order, expanding each
// composite when its inputs are shaped and running the same phases on the
// nodes it makes.
class Builder {
 public:
  explicit Builder(const SourceInfo& source)
      : source_(source), errors_(source) {
    graph_.source_ = source;
  }

  [[nodiscard]] absl::StatusOr<Graph> Build(const GraphDef& def);

 private:
  // Appends a pending node; returns its index.
  int Add(const NodeDef* def, Origin origin);
  // Reports `message` for pending node `i`, at its file:line.
  void Error(int i, absl::string_view message);
  // "g.pbtxt:5", or "g.pbtxt:5 (from Dense 'h')": where node `i` is.
  std::string Where(int i) const;
  // Phase 1: the name is set and unique; the op (or composite) is known and
  // the attributes fit it.
  void DeclareName(int i);
  void ResolveOp(int i, bool allow_composite);
  // Phase 2: each input names a node (looked up in `local` first, when
  // given) and one of its outputs.
  void ResolveInputs(int i, const absl::flat_hash_map<std::string, int>* local);
  Endpoint ResolveInput(int i, const std::string& input,
                        const absl::flat_hash_map<std::string, int>* local);
  std::string ExpandedNameHint(const std::string& producer) const;
  // Phase 3: Kahn's algorithm over `members`, taking ready nodes in their
  // order so the result is stable; members on or behind a cycle are
  // reported and left out.
  std::vector<int> Order(const std::vector<int>& members);
  // Phase 4: shapes, in `order`. A node whose inputs failed is skipped, so
  // one mistake is reported once.
  void Infer(const std::vector<int>& order);
  void AddNode(int i, std::vector<Endpoint> inputs, std::vector<DType> dtypes,
               std::vector<Shape> shapes, const std::string& inputs_text);
  // Replaces composite `c` by its expansion and runs phases 2-4 on it.
  void Expand(int c, std::vector<DType> dtypes, std::vector<Shape> shapes,
              const std::string& inputs_text);
  // Adds the expansion's nodes (phase 1); returns the one named like `c`,
  // or -1 when there is none.
  int AddExpansion(int c, std::vector<NodeDef> defs,
                   absl::flat_hash_map<std::string, int>* local,
                   std::vector<int>* members);
  // Expanded nodes take inputs from each other or from `c`'s inputs only:
  // anything else might not be shaped yet.
  void CheckExpansionInputs(int c, const std::vector<int>& members);
  // State inputs (InputDef::state) come from a non-trainable Variable that
  // feeds nothing else.
  void CheckStateInputs();

  const SourceInfo& source_;
  ErrorList errors_;
  // A deque: expanding composites appends while references are held.
  std::deque<PendingNode> pending_;
  std::deque<NodeDef> expanded_defs_;
  absl::flat_hash_map<std::string, int> by_name_;
  // Missing inputs reported so far with a "did you mean" search.
  int suggested_inputs_ = 0;
  // Graph node of each pending node, -1 until its shapes are inferred. A
  // composite maps to the node producing its output.
  std::vector<int> position_;
  Graph graph_;
};

int Builder::Add(const NodeDef* def, Origin origin) {
  PendingNode p;
  p.def = def;
  p.origin = std::move(origin);
  pending_.push_back(std::move(p));
  position_.push_back(-1);
  return static_cast<int>(pending_.size()) - 1;
}

void Builder::Error(int i, absl::string_view message) {
  const PendingNode& p = pending_[i];
  errors_.Add(
      p.origin.def_index, p.def->name(),
      OpLabel(p.def->op(), p.origin.expanded_from, p.origin.expanded_from_op),
      message);
}

std::string Builder::Where(int i) const {
  const Origin& origin = pending_[i].origin;
  std::string where(
      absl::StripSuffix(source_.NodePrefix(origin.def_index), ": "));
  if (origin.expanded_from.empty()) return where;
  return absl::StrCat(where, " (from ", origin.expanded_from_op, " '",
                      origin.expanded_from, "')");
}

void Builder::DeclareName(int i) {
  PendingNode& p = pending_[i];
  const std::string& name = p.def->name();
  if (name.empty()) {
    Error(i, "node has no name");
    p.valid = false;
  } else if (name.find(':') != std::string::npos) {
    // An input "out:0" would bind to node "out", output 0.
    Error(i, absl::StrCat("node name '", name,
                          "' holds ':', which inputs use to pick an output "
                          "('node:1'): rename it"));
    p.valid = false;
  } else if (auto [it, added] = by_name_.emplace(name, i); !added) {
    Error(i, absl::StrCat("duplicate node name; first defined at ",
                          Where(it->second)));
    p.valid = false;
  }
}

void Builder::ResolveOp(int i, bool allow_composite) {
  PendingNode& p = pending_[i];
  const NodeDef& nd = *p.def;
  const std::vector<AttrDef>* declared = nullptr;
  if (auto op = OpRegistry::Global().Find(nd.op()); op.ok()) {
    p.op = *op;
    declared = &p.op->attrs();
  } else if (auto composite = CompositeRegistry::Global().Find(nd.op());
             composite.ok()) {
    if (!allow_composite) {
      Error(i, "a composite cannot expand into another composite");
      p.valid = false;
      return;
    }
    p.composite = *composite;
    declared = &p.composite->attrs();
  } else {
    std::vector<std::string> names = OpRegistry::Global().Names();
    for (std::string& name : CompositeRegistry::Global().Names()) {
      names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    Error(i, absl::StrCat("unknown op '", nd.op(), "'",
                          SuggestionText(nd.op(), names)));
    p.valid = false;
    return;
  }
  std::vector<std::string> attr_errors;
  p.attrs = ResolveAttrs(*declared, nd.attr(), &attr_errors);
  for (const std::string& e : attr_errors) Error(i, e);
  if (!attr_errors.empty()) p.valid = false;
  if (p.op == nullptr || !p.valid) return;
  absl::StatusOr<int> outputs = p.op->NumOutputs(p.attrs);
  if (outputs.ok()) {
    p.num_outputs = *outputs;
  } else {
    Error(i, outputs.status().message());
    p.valid = false;
  }
}

// "; the nodes that Dense 'h' expands into cannot be named as inputs" when
// `producer` looks like one of them ("h/weights"), else "".
std::string Builder::ExpandedNameHint(const std::string& producer) const {
  for (size_t slash = producer.find('/'); slash != std::string::npos;
       slash = producer.find('/', slash + 1)) {
    auto it = by_name_.find(producer.substr(0, slash));
    if (it == by_name_.end()) continue;
    const PendingNode& p = pending_[it->second];
    if (p.composite == nullptr) continue;
    return absl::StrCat("; the nodes that ", p.def->op(), " '", p.def->name(),
                        "' expands into cannot be named as inputs");
  }
  return "";
}

void Builder::ResolveInputs(
    int i, const absl::flat_hash_map<std::string, int>* local) {
  PendingNode& p = pending_[i];
  const NodeDef& nd = *p.def;
  const std::vector<std::string> input_names = InputNames(p);
  if (p.op != nullptr && p.op->variadic()) {
    if (!p.op->TakesInputs(nd.input_size())) {
      Error(i, absl::StrCat("takes ", p.op->min_inputs(), " or more inputs (",
                            absl::StrJoin(input_names, ", "), "...), got ",
                            nd.input_size()));
      p.valid = false;
    }
  } else if ((p.op != nullptr || p.composite != nullptr) &&
             nd.input_size() != static_cast<int>(input_names.size())) {
    Error(i, absl::StrCat("takes ", input_names.size(), " input",
                          input_names.size() == 1 ? "" : "s", " (",
                          absl::StrJoin(input_names, ", "), "), got ",
                          nd.input_size()));
    p.valid = false;
  }
  for (const std::string& input : nd.input()) {
    p.inputs.push_back(ResolveInput(i, input, local));
    if (p.inputs.back().node < 0) p.valid = false;
  }
}

Endpoint Builder::ResolveInput(
    int i, const std::string& input,
    const absl::flat_hash_map<std::string, int>* local) {
  std::string producer;
  int output = 0;
  if (!ParseInputName(input, &producer, &output)) {
    Error(i, absl::StrCat("input '", input, "' is not \"node\" or \"node:k\""));
    return {};
  }
  int from = -1;
  if (local != nullptr && local->contains(producer)) {
    from = local->at(producer);
  } else if (auto it = by_name_.find(producer); it != by_name_.end()) {
    from = it->second;
  }
  if (from < 0) {
    // Suggestions compare against every name: for the first few missing
    // inputs only, so a model of many bad inputs is reported in linear time.
    constexpr int kInputsWithSuggestions = 20;
    std::vector<std::string> close;
    if (suggested_inputs_++ < kInputsWithSuggestions) {
      std::vector<std::string> names;
      for (const auto& [name, index] : by_name_) names.push_back(name);
      std::sort(names.begin(), names.end());
      close = ClosestNames(producer, names);
    }
    Error(i, absl::StrCat("input '", input, "' names no node",
                          close.empty()
                              ? ExpandedNameHint(producer)
                              : absl::StrCat("; did you mean ",
                                             absl::StrJoin(close, ", "), "?")));
    return {};
  }
  const int outputs = NumOutputs(pending_[from]);
  if (outputs >= 0 && output >= outputs) {
    Error(i, absl::StrCat("input '", input, "': node '", producer, "' (",
                          pending_[from].def->op(), ") has ", outputs,
                          " output", outputs == 1 ? "" : "s"));
    return {};
  }
  return {from, output};
}

std::vector<int> Builder::Order(const std::vector<int>& members) {
  const int n = static_cast<int>(members.size());
  absl::flat_hash_map<int, int> rank;  // pending index -> place in members
  for (int k = 0; k < n; ++k) rank[members[k]] = k;
  std::vector<int> waiting(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (int k = 0; k < n; ++k) {
    for (const Endpoint& in : pending_[members[k]].inputs) {
      auto it = rank.find(in.node);
      if (it == rank.end()) continue;  // dangling, or shaped before
      ++waiting[k];
      consumers[it->second].push_back(k);
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int k = 0; k < n; ++k) {
    if (waiting[k] == 0) ready.push(k);
  }
  std::vector<int> order;
  std::vector<bool> placed(n, false);
  while (!ready.empty()) {
    const int k = ready.top();
    ready.pop();
    order.push_back(members[k]);
    placed[k] = true;
    for (int c : consumers[k]) {
      if (--waiting[c] == 0) ready.push(c);
    }
  }
  for (int k = 0; k < n; ++k) {
    if (placed[k]) continue;
    bool self_loop = false;
    for (const Endpoint& e : pending_[members[k]].inputs) {
      self_loop |= e.node == members[k];
    }
    Error(members[k], self_loop ? "is its own input (a cycle)"
                                : "is on a cycle or fed by one");
  }
  return order;
}

void Builder::Infer(const std::vector<int>& order) {
  for (int i : order) {
    const PendingNode& p = pending_[i];
    bool inputs_ok = p.valid;
    for (const Endpoint& e : p.inputs) {
      inputs_ok = inputs_ok && e.node >= 0 && position_[e.node] >= 0;
    }
    if (!inputs_ok) continue;  // its producer's error is reported already
    std::vector<Endpoint> inputs;
    std::vector<DType> dtypes;
    std::vector<Shape> shapes;
    std::vector<std::string> described;
    const std::vector<std::string> input_names = InputNames(p);
    for (size_t k = 0; k < p.inputs.size(); ++k) {
      const Endpoint e{position_[p.inputs[k].node], p.inputs[k].output};
      const Node& producer = graph_.nodes_[e.node];
      inputs.push_back(e);
      dtypes.push_back(producer.output_dtypes[e.output]);
      shapes.push_back(producer.output_shapes[e.output]);
      const std::string& name =
          input_names[std::min(k, input_names.size() - 1)];
      described.push_back(absl::StrCat(name, " ", DTypeName(dtypes.back()),
                                       shapes.back().ToString()));
    }
    const std::string inputs_text =
        described.empty()
            ? ""
            : absl::StrCat(" (inputs: ", absl::StrJoin(described, ", "), ")");
    if (p.composite != nullptr) {
      Expand(i, std::move(dtypes), std::move(shapes), inputs_text);
    } else {
      AddNode(i, std::move(inputs), std::move(dtypes), std::move(shapes),
              inputs_text);
    }
  }
}

void Builder::AddNode(int i, std::vector<Endpoint> inputs,
                      std::vector<DType> dtypes, std::vector<Shape> shapes,
                      const std::string& inputs_text) {
  PendingNode& p = pending_[i];
  Node node;
  node.name = p.def->name();
  node.op = p.op;
  node.attrs = std::move(p.attrs);
  node.inputs = std::move(inputs);
  node.expanded_from = p.origin.expanded_from;
  node.expanded_from_op = p.origin.expanded_from_op;
  absl::StatusOr<OutputTypes> outputs =
      InferOutputs(*p.op, node.attrs, std::move(dtypes), std::move(shapes));
  if (!outputs.ok()) {
    Error(i, absl::StrCat(outputs.status().message(), inputs_text));
    return;
  }
  node.output_dtypes = std::move(outputs->dtypes);
  node.output_shapes = std::move(outputs->shapes);
  node.uses.resize(node.output_shapes.size());
  position_[i] = graph_.num_nodes();
  graph_.def_index_.push_back(p.origin.def_index);
  graph_.index_by_name_[node.name] = graph_.num_nodes();
  graph_.nodes_.push_back(std::move(node));
}

void Builder::Expand(int c, std::vector<DType> dtypes,
                     std::vector<Shape> shapes,
                     const std::string& inputs_text) {
  const PendingNode& p = pending_[c];
  ExpandContext ctx(p.def, &p.attrs, std::move(dtypes), std::move(shapes));
  auto defs = p.composite->expand()(ctx);
  if (!defs.ok()) {
    Error(c, absl::StrCat(defs.status().message(), inputs_text));
    return;
  }
  absl::flat_hash_map<std::string, int> local;
  std::vector<int> members;
  const int output = AddExpansion(c, *std::move(defs), &local, &members);
  if (output < 0) return;
  for (int i : members) ResolveInputs(i, &local);
  CheckExpansionInputs(c, members);
  Infer(Order(members));
  position_[c] = position_[output];
}

int Builder::AddExpansion(int c, std::vector<NodeDef> defs,
                          absl::flat_hash_map<std::string, int>* local,
                          std::vector<int>* members) {
  const std::string& name = pending_[c].def->name();
  const Origin origin{pending_[c].origin.def_index, name,
                      pending_[c].def->op()};
  int output = -1;
  for (NodeDef& def : defs) {
    expanded_defs_.push_back(std::move(def));
    const std::string& made = expanded_defs_.back().name();
    const int i = Add(&expanded_defs_.back(), origin);
    members->push_back(i);
    if (made.empty()) {
      Error(i, "node has no name");
      pending_[i].valid = false;
    } else if (auto [it, added] = local->emplace(made, i); !added) {
      Error(i, absl::StrCat("duplicate node name; first defined at ",
                            Where(it->second)));
      pending_[i].valid = false;
    } else if (made == name) {
      output = i;
    } else if (auto taken = by_name_.find(made); taken != by_name_.end()) {
      Error(c, absl::StrCat("cannot expand into node '", made,
                            "': that name is already defined at ",
                            Where(taken->second)));
      pending_[i].valid = false;
    } else {
      by_name_.emplace(made, i);
    }
    ResolveOp(i, /*allow_composite=*/false);
  }
  const PendingNode& p = pending_[c];
  if (output < 0) {
    Error(c, absl::StrCat("its expansion has no node named '", name,
                          "' to produce its output"));
    return -1;
  }
  const int outputs = NumOutputs(pending_[output]);
  if (outputs >= 0 &&
      outputs != static_cast<int>(p.composite->outputs().size())) {
    Error(output,
          absl::StrCat("produces the output of ", p.def->op(), " '", name,
                       "', which has ", p.composite->outputs().size(),
                       " outputs, but it has ", outputs));
    return -1;
  }
  return output;
}

void Builder::CheckExpansionInputs(int c, const std::vector<int>& members) {
  const PendingNode& composite = pending_[c];
  const absl::flat_hash_set<int> inside(members.begin(), members.end());
  for (int i : members) {
    PendingNode& p = pending_[i];
    for (int k = 0; k < static_cast<int>(p.inputs.size()); ++k) {
      const Endpoint& e = p.inputs[k];
      if (e.node < 0 || inside.contains(e.node)) continue;
      bool outer = false;
      for (const Endpoint& in : composite.inputs) outer |= in == e;
      if (outer) continue;
      Error(i, absl::StrCat("input '", p.def->input(k), "' is neither a node ",
                            "of the expansion nor an input of ",
                            composite.def->op(), " '", composite.def->name(),
                            "'"));
      p.valid = false;
    }
  }
}

absl::StatusOr<Graph> Builder::Build(const GraphDef& def) {
  std::vector<int> members;
  for (int k = 0; k < def.node_size(); ++k) {
    const int i = Add(&def.node(k), Origin{k, "", ""});
    members.push_back(i);
    DeclareName(i);
    ResolveOp(i, /*allow_composite=*/true);
  }
  for (int i : members) ResolveInputs(i, nullptr);
  Infer(Order(members));
  if (!errors_.empty()) return errors_.ToStatus();

  for (int i = 0; i < graph_.num_nodes(); ++i) {
    const Node& node = graph_.nodes_[i];
    for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
      const Endpoint& e = node.inputs[k];
      graph_.nodes_[e.node].uses[e.output].push_back({i, k});
    }
  }
  CheckStateInputs();
  if (!errors_.empty()) return errors_.ToStatus();
  return std::move(graph_);
}

void Builder::CheckStateInputs() {
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    const Node& node = graph_.nodes_[i];
    for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
      const InputDef& input = node.op->input(k);
      if (!input.state) continue;
      const Node& producer = graph_.nodes_[node.inputs[k].node];
      std::string problem;
      if (producer.op->role() != OpRole::kVariable) {
        problem = absl::StrCat("comes from '", producer.name, "' (",
                               producer.op->name(), "), not a Variable");
      } else if (producer.attrs.GetBool("trainable")) {
        problem = absl::StrCat("comes from Variable '", producer.name,
                               "', which is trainable: give it trainable: "
                               "false, so the optimizer leaves it alone");
      } else if (producer.uses[0].size() > 1) {
        std::vector<std::string> others;
        for (const Use& use : producer.uses[0]) {
          if (use.node == i && use.input == k) continue;
          others.push_back(
              absl::StrCat("'", graph_.nodes_[use.node].name, "'"));
        }
        problem = absl::StrCat(
            "comes from Variable '", producer.name, "', which also feeds ",
            absl::StrJoin(others, ", "), ": state must feed this input only");
      }
      if (problem.empty()) continue;
      errors_.Add(
          graph_.def_index_[i], node.name,
          OpLabel(node.op->name(), node.expanded_from, node.expanded_from_op),
          absl::StrCat("input '", input.name,
                       "' is state this op updates in training; it ", problem));
    }
  }
}

}  // namespace graph_internal

absl::StatusOr<Graph> Graph::Build(const GraphDef& def,
                                   const SourceInfo& source) {
  return graph_internal::Builder(source).Build(def);
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
  const Node& node = nodes_[index];
  return absl::StrCat(
      source_.NodePrefix(def_index_[index]), "node '", node.name, "' (",
      OpLabel(node.op->name(), node.expanded_from, node.expanded_from_op), ")");
}

}  // namespace nabla
