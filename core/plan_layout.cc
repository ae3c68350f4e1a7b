#include "core/plan_layout.h"

#include <algorithm>

namespace nabla {

bool PlannedTensor::read_after_run() const {
  return std::find(readers.begin(), readers.end(), kAfterRun) != readers.end();
}

int PlannedTensor::last_use() const {
  int last = writer;
  for (int r : readers) last = std::max(last, r);
  return last;
}

namespace {

bool ReadsInputs(ForwardValues reads) {
  return reads == ForwardValues::kInputsAndOutputs ||
         reads == ForwardValues::kInputs;
}

bool ReadsOutputs(ForwardValues reads) {
  return reads == ForwardValues::kInputsAndOutputs ||
         reads == ForwardValues::kOutputs;
}

// Builds a PlanLayout step by step; each method is one stage of
// LayOutPlan().
class LayoutBuilder {
 public:
  LayoutBuilder(const Graph& graph, const PlanLayoutRequest& request)
      : graph_(graph),
        shapes_(*request.shapes),
        on_path_(request.on_path != nullptr
                     ? *request.on_path
                     : std::vector<bool>(graph.num_nodes(), false)),
        request_(request) {}

  void DeclareTensors();
  void AddForwardSteps();
  void AddBackwardSteps();
  void MarkReadsAfterRun();
  void AddScratch();
  void WriteInPlace();
  void PlaceBuffers();
  void OrderSharedBuffers();

  PlanLayout Take() { return std::move(layout_); }

 private:
  int AddTensor(DType dtype, const Shape& shape, bool fixed = false) {
    layout_.tensors.push_back({dtype, shape, kBeforeRun, {}, fixed, -1});
    return static_cast<int>(layout_.tensors.size()) - 1;
  }
  int AddStep(PlanStep step) {
    layout_.steps.push_back(step);
    layout_.reads.emplace_back();
    layout_.writes.emplace_back();
    layout_.reuse_deps.emplace_back();
    layout_.scratch_ids.push_back(-1);
    return static_cast<int>(layout_.steps.size()) - 1;
  }
  void Read(int step, int tensor) {
    if (tensor < 0) return;  // a Variable: the session's, not planned
    layout_.tensors[tensor].readers.push_back(step);
    layout_.reads[step].push_back(tensor);
  }
  void Write(int step, int tensor) {
    layout_.tensors[tensor].writer = step;
    layout_.writes[step].push_back(tensor);
  }
  bool Needed(int node) const { return !shapes_[node].empty(); }
  // The uses of `output` of `node` that carry gradient: both ends on the
  // gradient path and the consumer's input differentiable.
  std::vector<Use> GradientUses(int node, int output) const;
  // The tensor a gradient step writes dL/d(input k) of `node` into.
  int GradientTarget(int node, int k) const;
  // Whether `step` may write `over` in place of `tensor`: `tensor` is
  // new, `over` dies at this step, and both are the same size.
  bool CanWriteOver(int step, int tensor, int over) const;
  void AddReuseDeps(int step, int tensor);

  const Graph& graph_;
  const std::vector<std::vector<Shape>>& shapes_;
  const std::vector<bool> on_path_;
  const PlanLayoutRequest& request_;
  PlanLayout layout_;
  std::vector<std::vector<int>> buffer_tensors_;
};

std::vector<Use> LayoutBuilder::GradientUses(int node, int output) const {
  std::vector<Use> uses;
  for (const Use& u : graph_.node(node).uses[output]) {
    if (on_path_[u.node] &&
        graph_.node(u.node).op->input(u.input).differentiable) {
      uses.push_back(u);
    }
  }
  return uses;
}

int LayoutBuilder::GradientTarget(int node, int k) const {
  const Endpoint& e = graph_.node(node).inputs[k];
  if (!on_path_[e.node] || !graph_.node(node).op->input(k).differentiable) {
    return -1;
  }
  const int part = layout_.edge_ids[node][k];
  return part >= 0 ? part : layout_.grad_ids[e.node][e.output];
}

// Values of every needed node but Variables, dL/d(output) of every node on
// the gradient path, and one part per consumer where a gradient fans out.
void LayoutBuilder::DeclareTensors() {
  const int n = graph_.num_nodes();
  layout_.value_ids.resize(n);
  layout_.grad_ids.resize(n);
  layout_.edge_ids.resize(n);
  for (int i = 0; i < n; ++i) {
    if (!Needed(i)) continue;
    const Node& node = graph_.node(i);
    const OpRole role = node.op->role();
    for (int o = 0; o < static_cast<int>(shapes_[i].size()); ++o) {
      const DType dtype = node.output_dtypes[o];
      layout_.value_ids[i].push_back(
          role == OpRole::kVariable
              ? -1
              : AddTensor(dtype, shapes_[i][o], role == OpRole::kConstant));
      layout_.grad_ids[i].push_back(
          on_path_[i] ? AddTensor(dtype, shapes_[i][o]) : -1);
    }
    layout_.edge_ids[i].assign(node.inputs.size(), -1);
  }
  for (int i = 0; i < n; ++i) {
    if (!on_path_[i]) continue;
    const Node& node = graph_.node(i);
    for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
      const Endpoint& e = node.inputs[k];
      if (!on_path_[e.node] || !node.op->input(k).differentiable) continue;
      if (GradientUses(e.node, e.output).size() < 2) continue;
      layout_.edge_ids[i][k] =
          AddTensor(graph_.node(e.node).output_dtypes[e.output],
                    shapes_[e.node][e.output]);
    }
  }
}

void LayoutBuilder::AddForwardSteps() {
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    const Node& node = graph_.node(i);
    if (!Needed(i) || node.op->role() != OpRole::kCompute) continue;
    const int step = AddStep({PlanStepKind::kForward, i, 0, -1});
    for (const Endpoint& e : node.inputs) {
      Read(step, layout_.value_ids[e.node][e.output]);
    }
    for (int id : layout_.value_ids[i]) Write(step, id);
  }
  layout_.num_forward = static_cast<int>(layout_.steps.size());
}

// From the loss back: a node's gradient kernel runs once every consumer's
// has, after the parts of its fanned-out outputs are summed (in use order,
// so the sum does not depend on scheduling).
void LayoutBuilder::AddBackwardSteps() {
  if (request_.loss < 0) return;
  for (int i = graph_.num_nodes() - 1; i >= 0; --i) {
    if (!on_path_[i]) continue;
    const Node& node = graph_.node(i);
    for (int o = 0; o < static_cast<int>(node.uses.size()); ++o) {
      const std::vector<Use> uses = GradientUses(i, o);
      if (uses.size() < 2) continue;
      std::vector<int> parts;
      for (const Use& u : uses)
        parts.push_back(layout_.edge_ids[u.node][u.input]);
      layout_.sum_parts.push_back(parts);
      const int step =
          AddStep({PlanStepKind::kSum, i, o,
                   static_cast<int>(layout_.sum_parts.size()) - 1});
      for (int part : parts) Read(step, part);
      Write(step, layout_.grad_ids[i][o]);
    }
    if (node.op->role() != OpRole::kCompute) continue;
    const int step = AddStep({PlanStepKind::kGradient, i, 0, -1});
    for (int id : layout_.grad_ids[i]) Read(step, id);
    const ForwardValues reads = node.op->gradient_reads();
    if (ReadsInputs(reads)) {
      for (const Endpoint& e : node.inputs) {
        Read(step, layout_.value_ids[e.node][e.output]);
      }
    }
    if (ReadsOutputs(reads)) {
      for (int id : layout_.value_ids[i]) Read(step, id);
    }
    for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
      const int target = GradientTarget(i, k);
      if (target >= 0) Write(step, target);
    }
  }
}

// After a run the caller reads the targets' outputs, the loss, and the
// gradients of the Variables (the optimizer's update). A dL/d(output) that
// no step writes is set when the plan is built: 1 for the loss, 0 for an
// output nothing downstream differentiates.
void LayoutBuilder::MarkReadsAfterRun() {
  std::vector<int> targets = *request_.targets;
  if (request_.loss >= 0) targets.push_back(request_.loss);
  for (int t : targets) {
    for (int id : layout_.value_ids[t]) {
      if (id >= 0) layout_.tensors[id].readers.push_back(kAfterRun);
    }
  }
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    if (!on_path_[i]) continue;
    const bool variable = graph_.node(i).op->role() == OpRole::kVariable;
    for (int id : layout_.grad_ids[i]) {
      PlannedTensor& grad = layout_.tensors[id];
      if (variable) grad.readers.push_back(kAfterRun);
      if (grad.writer == kBeforeRun) grad.fixed = true;
    }
  }
}

// A tensor for the scratch memory of each kernel step that takes some,
// written by that step and read by none, so it lives for that step alone
// and shares the arena with everything else. Float64 elements: the bytes
// rounded up to 8.
void LayoutBuilder::AddScratch() {
  if (request_.scratch_bytes == nullptr) return;
  for (int step = 0; step < static_cast<int>(layout_.steps.size()); ++step) {
    const PlanStep& s = layout_.steps[step];
    const size_t bytes = (*request_.scratch_bytes)[s.node];
    if (s.kind == PlanStepKind::kSum || bytes == 0) continue;
    const int id = AddTensor(DType::kFloat64,
                             Shape({static_cast<int64_t>((bytes + 7) / 8)}));
    Write(step, id);
    layout_.scratch_ids[step] = id;
  }
}

bool LayoutBuilder::CanWriteOver(int step, int tensor, int over) const {
  if (tensor < 0 || over < 0) return false;
  const PlannedTensor& t = layout_.tensors[tensor];
  const PlannedTensor& o = layout_.tensors[over];
  const std::vector<int>& reads = layout_.reads[step];
  return !t.fixed && !o.fixed && t.dtype == o.dtype && t.bytes() == o.bytes() &&
         o.last_use() == step &&
         std::count(reads.begin(), reads.end(), over) == 1;
}

// Output 0 over input 0 for ops whose forward kernel allows it, and
// dL/d(input 0) over dL/d(output 0) for ops whose gradient kernel does,
// when the overwritten tensor dies at that step.
void LayoutBuilder::WriteInPlace() {
  for (int step = 0; step < static_cast<int>(layout_.steps.size()); ++step) {
    const PlanStep& s = layout_.steps[step];
    const Node& node = graph_.node(s.node);
    int tensor = -1, over = -1;
    if (s.kind == PlanStepKind::kForward && node.op->in_place()) {
      const Endpoint& in = node.inputs[0];
      tensor = layout_.value_ids[s.node][0];
      over = layout_.value_ids[in.node][in.output];
    } else if (s.kind == PlanStepKind::kGradient &&
               node.op->gradient_in_place()) {
      tensor = GradientTarget(s.node, 0);
      over = layout_.grad_ids[s.node][0];
    }
    if (CanWriteOver(step, tensor, over)) {
      layout_.tensors[tensor].written_over = over;
    }
  }
}

// One buffer per tensor, or per chain of tensors written in place; alive
// from the chain's first write to its last use.
void LayoutBuilder::PlaceBuffers() {
  const int count = static_cast<int>(layout_.tensors.size());
  layout_.buffer_of.assign(count, -1);
  for (int t = 0; t < count; ++t) {
    int root = t;
    while (layout_.tensors[root].written_over >= 0) {
      root = layout_.tensors[root].written_over;
    }
    if (layout_.buffer_of[root] < 0) {
      layout_.buffer_of[root] = static_cast<int>(layout_.buffers.size());
      layout_.buffers.push_back(
          {layout_.tensors[root].bytes(), kAfterRun, kBeforeRun});
      buffer_tensors_.emplace_back();
    }
    const int buffer = layout_.buffer_of[root];
    layout_.buffer_of[t] = buffer;
    buffer_tensors_[buffer].push_back(t);
    const PlannedTensor& tensor = layout_.tensors[t];
    BufferLifetime& life = layout_.buffers[buffer];
    life.first = std::min(life.first, tensor.writer);
    life.last = std::max(life.last, tensor.last_use());
  }
  for (size_t b = 0; b < layout_.buffers.size(); ++b) {
    bool fixed = !request_.reuse_buffers;
    for (int t : buffer_tensors_[b]) fixed = fixed || layout_.tensors[t].fixed;
    if (fixed)
      layout_.buffers[b] = {layout_.buffers[b].bytes, kBeforeRun, kAfterRun};
  }
  layout_.placement = LayOutBuffers(layout_.buffers, request_.reuse_buffers);
  std::vector<BufferLifetime> each_alone;
  for (const PlannedTensor& tensor : layout_.tensors) {
    each_alone.push_back({tensor.bytes(), kBeforeRun, kAfterRun});
  }
  layout_.unshared_bytes = LayOutBuffers(each_alone, false).arena_bytes;
}

// `step` writes memory that the steps touching `tensor` used before: it
// waits for those of its phase (the earlier phase is done by then).
void LayoutBuilder::AddReuseDeps(int step, int tensor) {
  const PlannedTensor& t = layout_.tensors[tensor];
  std::vector<int>& deps = layout_.reuse_deps[step];
  auto wait_for = [&](int other) {
    if (other == step || other == kBeforeRun || other == kAfterRun) return;
    if (layout_.in_forward(other) != layout_.in_forward(step)) return;
    deps.push_back(other);
  };
  wait_for(t.writer);
  for (int reader : t.readers) wait_for(reader);
}

// Steps run in parallel wherever their data allows; memory reuse adds
// orderings the data does not imply. A step that writes over its input
// waits for every other reader of it, and the first step of a buffer
// placed where others lived before waits for every step that used them.
void LayoutBuilder::OrderSharedBuffers() {
  for (int t = 0; t < static_cast<int>(layout_.tensors.size()); ++t) {
    const int over = layout_.tensors[t].written_over;
    if (over >= 0) AddReuseDeps(layout_.tensors[t].writer, over);
  }
  const int count = static_cast<int>(layout_.buffers.size());
  for (int y = 0; y < count; ++y) {
    const BufferLifetime& later = layout_.buffers[y];
    if (later.bytes == 0 || later.first == kBeforeRun) continue;
    const size_t begin = layout_.placement.offsets[y];
    for (int x = 0; x < count; ++x) {
      const BufferLifetime& earlier = layout_.buffers[x];
      if (earlier.bytes == 0 || earlier.last >= later.first) continue;
      const size_t other = layout_.placement.offsets[x];
      if (other >= begin + later.bytes || begin >= other + earlier.bytes) {
        continue;
      }
      for (int t : buffer_tensors_[x]) AddReuseDeps(later.first, t);
    }
  }
  for (std::vector<int>& deps : layout_.reuse_deps) {
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  }
}

}  // namespace

PlanLayout LayOutPlan(const Graph& graph, const PlanLayoutRequest& request) {
  LayoutBuilder builder(graph, request);
  builder.DeclareTensors();
  builder.AddForwardSteps();
  builder.AddBackwardSteps();
  builder.MarkReadsAfterRun();
  builder.AddScratch();
  if (request.reuse_buffers) builder.WriteInPlace();
  builder.PlaceBuffers();
  if (request.reuse_buffers) builder.OrderSharedBuffers();
  return builder.Take();
}

}  // namespace nabla
