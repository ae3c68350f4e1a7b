#include "core/plan.h"

#include <cassert>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/parallel.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// Every node the targets (and the loss) depend on.
std::vector<bool> NeededNodes(const Graph& graph, const PlanRequest& request) {
  std::vector<bool> needed(graph.num_nodes(), false);
  for (int t : request.targets) needed[t] = true;
  if (request.loss >= 0) needed[request.loss] = true;
  for (int i = graph.num_nodes() - 1; i >= 0; --i) {
    if (!needed[i]) continue;
    for (const Endpoint& e : graph.node(i).inputs) needed[e.node] = true;
  }
  return needed;
}

}  // namespace

// Below this many elements touched per phase, running steps as parallel
// tasks costs more than it saves (measured: a 2-3-1 network's step takes
// about 1 us in order and 3 us as tasks on two threads).
constexpr int64_t kParallelPhaseMinElements = 1 << 14;

absl::StatusOr<std::unique_ptr<Plan>> Plan::Build(
    const Graph& graph, std::vector<Tensor>& variables,
    const PlanRequest& request) {
  std::unique_ptr<Plan> plan(new Plan(graph));
  NABLA_RETURN_IF_ERROR(plan->InferShapes(request, variables));
  // The shapes say what every buffer will cost: refuse a plan too big for
  // the memory limit before allocating any of it.
  const size_t bytes = plan->PlannedBytes(request);
  if (request.check_memory) NABLA_RETURN_IF_ERROR(request.check_memory(bytes));
  NABLA_RETURN_IF_ERROR(plan->AllocateValues(variables));
  plan->PlanForward(request);
  if (request.loss >= 0) plan->PlanBackward(request);
  assert(plan->num_bytes() == bytes);
  const bool small = bytes / sizeof(float) < kParallelPhaseMinElements;
  plan->forward_phase_.set_sequential(small);
  plan->backward_phase_.set_sequential(small);
  plan->forward_times_.resize(plan->forward_steps_.size());
  plan->backward_times_.resize(plan->backward_steps_.size());
  return plan;
}

absl::Status Plan::InferShapes(const PlanRequest& request,
                               std::vector<Tensor>& variables) {
  const int n = graph_.num_nodes();
  const std::vector<bool> needed = NeededNodes(graph_, request);
  feed_shapes_ = request.feeds;
  shapes_.resize(n);
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    const Node& node = graph_.node(i);
    const int outputs = static_cast<int>(node.output_shapes.size());
    switch (node.op->role()) {
      case OpRole::kPlaceholder: {
        const Shape* fed = nullptr;
        for (const auto& [index, shape] : request.feeds) {
          if (index == i) fed = &shape;
        }
        if (fed == nullptr) {
          return absl::InvalidArgumentError(
              absl::StrCat(graph_.Describe(i), " is needed but was not fed"));
        }
        if (!node.output_shapes[0].IsCompatibleWith(*fed)) {
          return absl::InvalidArgumentError(absl::StrCat(
              graph_.Describe(i), " expects shape ",
              node.output_shapes[0].ToString(), ", fed ", fed->ToString()));
        }
        shapes_[i] = {*fed};
        break;
      }
      case OpRole::kVariable:
        shapes_[i] = {variables[i].shape()};
        break;
      case OpRole::kConstant:
      case OpRole::kCompute: {
        std::vector<DType> dtypes;
        std::vector<Shape> shapes;
        for (const Endpoint& e : node.inputs) {
          dtypes.push_back(graph_.node(e.node).output_dtypes[e.output]);
          shapes.push_back(shapes_[e.node][e.output]);
        }
        ShapeContext ctx(dtypes, shapes, &node.attrs, outputs);
        absl::Status s = node.op->shape_fn()(ctx);
        if (!s.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(graph_.Describe(i), ": ", s.message()));
        }
        for (const Shape& shape : ctx.output_shapes()) {
          NABLA_RETURN_IF_ERROR(CheckTensorSize(
              shape, absl::StrCat(graph_.Describe(i), ": output")));
        }
        shapes_[i] = ctx.output_shapes();
        break;
      }
    }
    for (int o = 0; o < outputs; ++o) {
      if (!shapes_[i][o].IsFullyDefined()) {
        return absl::InvalidArgumentError(absl::StrCat(
            graph_.Describe(i), ": output shape ", shapes_[i][o].ToString(),
            " is still unknown after feeding"));
      }
    }
  }
  return absl::OkStatus();
}

size_t Plan::PlannedBytes(const PlanRequest& request) const {
  auto bytes = [&](int node, int output) {
    return static_cast<size_t>(shapes_[node][output].num_elements()) *
           DTypeSize(graph_.node(node).output_dtypes[output]);
  };
  size_t total = 0;
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    const bool variable = graph_.node(i).op->role() == OpRole::kVariable;
    const bool on_path = request.loss >= 0 && request.on_gradient_path[i];
    for (int o = 0; o < static_cast<int>(shapes_[i].size()); ++o) {
      if (!variable) total += bytes(i, o);  // the value
      if (!on_path) continue;
      total += bytes(i, o);  // dL/d(output)
      // As PlanBackward: each consumer of a fanned-out value gets its own
      // gradient buffer.
      const size_t uses = GradientUses(request, i, o).size();
      if (uses >= 2) total += uses * bytes(i, o);
    }
  }
  return total;
}

absl::Status Plan::AllocateValues(std::vector<Tensor>& variables) {
  const int n = graph_.num_nodes();
  values_.resize(n);
  value_ptrs_.resize(n);
  for (int i = 0; i < n; ++i) {
    const Node& node = graph_.node(i);
    const int outputs = static_cast<int>(shapes_[i].size());
    values_[i].resize(outputs);
    value_ptrs_[i].resize(outputs);
    for (int o = 0; o < outputs; ++o) {
      if (node.op->role() == OpRole::kVariable) {
        value_ptrs_[i][o] = &variables[i];
      } else {
        values_[i][o] = Tensor(node.output_dtypes[o], shapes_[i][o]);
        value_ptrs_[i][o] = &values_[i][o];
      }
    }
    if (outputs > 0 && node.op->role() == OpRole::kConstant) {
      KernelContext ctx(&node.attrs, {}, {&values_[i][0]});
      absl::Status s = node.op->forward()(ctx);
      if (!s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(graph_.Describe(i), ": ", s.message()));
      }
    }
  }
  forward_contexts_.resize(n);
  gradient_contexts_.resize(n);
  return absl::OkStatus();
}

void Plan::PlanForward(const PlanRequest& request) {
  std::vector<int> step_of(graph_.num_nodes(), -1);
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    const Node& node = graph_.node(i);
    if (values_[i].empty() || node.op->role() != OpRole::kCompute) continue;
    std::vector<const Tensor*> inputs;
    std::vector<int> depends_on;
    for (const Endpoint& e : node.inputs) {
      inputs.push_back(value_ptrs_[e.node][e.output]);
      const int producer_step = step_of[e.node];
      if (producer_step >= 0 && std::find(depends_on.begin(), depends_on.end(),
                                          producer_step) == depends_on.end()) {
        depends_on.push_back(producer_step);
      }
    }
    std::vector<Tensor*> outputs(value_ptrs_[i].begin(), value_ptrs_[i].end());
    forward_contexts_[i] = std::make_unique<KernelContext>(
        &node.attrs, std::move(inputs), std::move(outputs));
    step_of[i] = forward_phase_.AddStep(depends_on);
    forward_steps_.push_back({StepKind::kForward, i, 0, -1});
  }
}

bool Plan::CarriesGradient(const PlanRequest& request, const Use& use) const {
  return request.on_gradient_path[use.node] &&
         graph_.node(use.node).op->inputs()[use.input].differentiable;
}

std::vector<Use> Plan::GradientUses(const PlanRequest& request, int node,
                                    int output) const {
  std::vector<Use> uses;
  for (const Use& u : graph_.node(node).uses[output]) {
    if (CarriesGradient(request, u)) uses.push_back(u);
  }
  return uses;
}

void Plan::PlanBackward(const PlanRequest& request) {
  const int n = graph_.num_nodes();
  const std::vector<bool>& on_path = request.on_gradient_path;

  grads_.resize(n);
  edge_grads_.resize(n);
  for (int i = 0; i < n; ++i) {
    if (!on_path[i]) continue;
    for (size_t o = 0; o < shapes_[i].size(); ++o) {
      grads_[i].emplace_back(graph_.node(i).output_dtypes[o], shapes_[i][o]);
    }
  }
  // dL/dL = 1.
  DispatchFloat(grads_[request.loss][0].dtype(), [&](auto zero) {
    using T = decltype(zero);
    grads_[request.loss][0].data<T>()[0] = T(1);
  });

  std::vector<int> gradient_step(n, -1);
  std::vector<std::vector<int>> sum_step(n);
  for (int i = n - 1; i >= 0; --i) {
    if (!on_path[i]) continue;
    const Node& node = graph_.node(i);
    // Gradients of this node's outputs are complete once their consumers'
    // gradient steps (and, for fan-out, the sum) have run.
    std::vector<int> ready_after;
    sum_step[i].assign(node.uses.size(), -1);
    for (int o = 0; o < static_cast<int>(node.uses.size()); ++o) {
      const std::vector<Use> uses = GradientUses(request, i, o);
      std::vector<int> consumers;
      for (const Use& u : uses) consumers.push_back(gradient_step[u.node]);
      if (uses.size() >= 2) {
        // Consumers come later in topological order, so their gradient
        // buffers exist already.
        std::vector<const Tensor*> parts;
        for (const Use& u : uses)
          parts.push_back(&edge_grads_[u.node][u.input]);
        sum_parts_.push_back(std::move(parts));
        sum_step[i][o] = backward_phase_.AddStep(consumers);
        backward_steps_.push_back(
            {StepKind::kSum, i, o, static_cast<int>(sum_parts_.size()) - 1});
        ready_after.push_back(sum_step[i][o]);
      } else if (uses.size() == 1) {
        ready_after.push_back(consumers[0]);
      }
    }
    if (node.op->role() != OpRole::kCompute) continue;

    std::vector<const Tensor*> inputs, outputs, output_grads;
    std::vector<Tensor*> input_grads;
    for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
      const Endpoint& e = node.inputs[k];
      inputs.push_back(value_ptrs_[e.node][e.output]);
      Tensor* target = nullptr;
      if (on_path[e.node] && CarriesGradient(request, {i, k})) {
        if (GradientUses(request, e.node, e.output).size() == 1) {
          target = &grads_[e.node][e.output];
        } else {
          if (edge_grads_[i].empty()) edge_grads_[i].resize(node.inputs.size());
          edge_grads_[i][k] =
              Tensor(graph_.node(e.node).output_dtypes[e.output],
                     shapes_[e.node][e.output]);
          target = &edge_grads_[i][k];
        }
      }
      input_grads.push_back(target);
    }
    for (size_t o = 0; o < node.uses.size(); ++o) {
      outputs.push_back(value_ptrs_[i][o]);
      output_grads.push_back(&grads_[i][o]);
    }
    gradient_contexts_[i] = std::make_unique<GradientContext>(
        &node.attrs, std::move(inputs), std::move(outputs),
        std::move(output_grads), std::move(input_grads));
    gradient_step[i] = backward_phase_.AddStep(ready_after);
    backward_steps_.push_back({StepKind::kGradient, i, 0, -1});
  }
}

bool Plan::Serves(absl::Span<const std::pair<int, const Tensor*>> feeds) const {
  if (feeds.size() != feed_shapes_.size()) return false;
  for (const auto& [node, tensor] : feeds) {
    bool found = false;
    for (const auto& [planned, shape] : feed_shapes_) {
      if (planned == node) found = shape == tensor->shape();
    }
    if (!found) return false;
  }
  return true;
}

absl::Status Plan::RunStep(const StepInfo& step) {
  const OpDef& op = *graph_.node(step.node).op;
  absl::Status status;
  switch (step.kind) {
    case StepKind::kForward:
      status = op.forward()(*forward_contexts_[step.node]);
      break;
    case StepKind::kGradient:
      status = op.gradient()(*gradient_contexts_[step.node]);
      break;
    case StepKind::kSum:
      return SumGradients(step.node, step.output, step.parts);
  }
  if (status.ok()) return status;
  // Kernels know their values, not their node: say which node failed.
  return absl::Status(
      status.code(),
      absl::StrCat(graph_.Describe(step.node),
                   step.kind == StepKind::kForward ? " forward: "
                                                   : " gradient: ",
                   status.message()));
}

absl::Status Plan::SumGradients(int node, int output, int parts_index) {
  Tensor& total = grads_[node][output];
  const std::vector<const Tensor*>& parts = sum_parts_[parts_index];
  const int num_parts = static_cast<int>(parts.size());
  DispatchFloat(total.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* out = total.data<T>();
    ParallelFor(total.num_elements(), GrainFor(num_parts),
                [&](int64_t begin, int64_t end) {
                  for (int64_t j = begin; j < end; ++j) {
                    T sum = parts[0]->data<T>()[j];
                    for (int p = 1; p < num_parts; ++p) {
                      sum += parts[p]->data<T>()[j];
                    }
                    out[j] = sum;
                  }
                });
  });
  return absl::OkStatus();
}

absl::Status Plan::TimedStep(const StepInfo& step, StepTime& time) {
  const int64_t start = ProfileNowNs();
  absl::Status status = RunStep(step);
  time.ns += ProfileNowNs() - start;
  ++time.count;
  return status;
}

// Timing is chosen once per phase, not per step: an untimed run pays one
// branch for it.
absl::Status Plan::RunForward(Executor& executor, bool timed) {
  if (timed) {
    return executor.Run(forward_phase_, [this](int step) {
      return TimedStep(forward_steps_[step], forward_times_[step]);
    });
  }
  return executor.Run(forward_phase_, [this](int step) {
    return RunStep(forward_steps_[step]);
  });
}

absl::Status Plan::RunBackward(Executor& executor, bool timed) {
  if (timed) {
    return executor.Run(backward_phase_, [this](int step) {
      return TimedStep(backward_steps_[step], backward_times_[step]);
    });
  }
  return executor.Run(backward_phase_, [this](int step) {
    return RunStep(backward_steps_[step]);
  });
}

void Plan::AddStepTimes(absl::Span<NodeProfile> nodes) const {
  for (size_t s = 0; s < forward_steps_.size(); ++s) {
    NodeProfile& node = nodes[forward_steps_[s].node];
    node.forward_ns += forward_times_[s].ns;
    node.calls += forward_times_[s].count;
  }
  for (size_t s = 0; s < backward_steps_.size(); ++s) {
    NodeProfile& node = nodes[backward_steps_[s].node];
    if (backward_steps_[s].kind == StepKind::kSum) {
      node.sum_ns += backward_times_[s].ns;
    } else {
      node.backward_ns += backward_times_[s].ns;
    }
  }
}

void Plan::ResetStepTimes() {
  for (auto* times : {&forward_times_, &backward_times_}) {
    for (StepTime& time : *times) time = StepTime();
  }
}

MemoryPlan Plan::Memory() const {
  const int n = graph_.num_nodes();
  MemoryPlan memory;
  memory.nodes.resize(n);
  auto bytes = [](const std::vector<Tensor>& tensors) {
    size_t total = 0;
    for (const Tensor& t : tensors) total += t.num_bytes();
    return total;
  };
  for (int i = 0; i < n; ++i) {
    NodeMemory& node = memory.nodes[i];
    node.name = graph_.node(i).name;
    node.op = graph_.node(i).op->name();
    if (!value_ptrs_[i].empty()) node.output_shapes = shapes_[i];
    node.value_bytes = bytes(values_[i]);
    if (i < static_cast<int>(grads_.size())) {
      node.gradient_bytes = bytes(grads_[i]);
    }
  }
  // A consumer's gradient buffer for a fanned-out value belongs to the
  // value's producer: its sum step reads them.
  for (size_t i = 0; i < edge_grads_.size(); ++i) {
    for (size_t k = 0; k < edge_grads_[i].size(); ++k) {
      const int producer = graph_.node(i).inputs[k].node;
      memory.nodes[producer].sum_bytes += edge_grads_[i][k].num_bytes();
    }
  }
  for (const NodeMemory& node : memory.nodes) {
    memory.value_bytes += node.value_bytes;
    memory.gradient_bytes += node.gradient_bytes;
    memory.sum_bytes += node.sum_bytes;
  }
  return memory;
}

size_t Plan::num_bytes() const {
  size_t total = 0;
  for (const auto* group : {&values_, &grads_, &edge_grads_}) {
    for (const auto& tensors : *group) {
      for (const Tensor& t : tensors) total += t.num_bytes();
    }
  }
  return total;
}

}  // namespace nabla
