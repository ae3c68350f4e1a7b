#include "core/plan.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/bad_value.h"
#include "core/gradient_path.h"
#include "core/parallel.h"
#include "core/random.h"
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

// Below this many elements touched per phase, running steps as parallel
// tasks costs more than it saves (measured: a 2-3-1 network's step takes
// about 1 us in order and 3 us as tasks on two threads).
constexpr int64_t kParallelPhaseMinElements = 1 << 14;

void AddUnique(std::vector<int>& list, int value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

}  // namespace

void Plan::ArenaDeleter::operator()(void* p) const { std::free(p); }

absl::StatusOr<std::unique_ptr<Plan>> Plan::Build(
    const Graph& graph, std::vector<Tensor>& variables,
    const PlanRequest& request) {
  std::unique_ptr<Plan> plan(new Plan(graph));
  plan->reuse_buffers_ = request.reuse_buffers;
  plan->loss_ = request.loss;
  plan->seed_ = request.seed;
  plan->run_state_.training = request.loss >= 0;
  NABLA_RETURN_IF_ERROR(plan->InferShapes(request, variables));
  std::vector<bool> on_path;
  if (request.loss >= 0) {
    NABLA_ASSIGN_OR_RETURN(
        on_path, GradientPath(graph, request.loss, request.trainable));
  }
  PlanLayoutRequest layout_request;
  layout_request.shapes = &plan->shapes_;
  layout_request.on_path = request.loss >= 0 ? &on_path : nullptr;
  layout_request.loss = request.loss;
  layout_request.targets = &request.targets;
  layout_request.reuse_buffers = request.reuse_buffers;
  layout_request.scratch_bytes = &plan->scratch_bytes_;
  const PlanLayout layout = LayOutPlan(graph, layout_request);
  // The layout says what the arena will cost: refuse a plan too big for
  // the memory limit before allocating any of it.
  if (request.check_memory) {
    NABLA_RETURN_IF_ERROR(request.check_memory(layout.placement.arena_bytes));
  }
  NABLA_RETURN_IF_ERROR(plan->Allocate(layout, variables));
  plan->BuildPhases(layout);
  plan->FindGradientWriters(layout, request.trainable);
  const bool small =
      layout.unshared_bytes / sizeof(float) < kParallelPhaseMinElements;
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
  scratch_bytes_.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    const Node& node = graph_.node(i);
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
        absl::StatusOr<OutputTypes> outputs = InferOutputs(
            *node.op, node.attrs, std::move(dtypes), std::move(shapes));
        if (!outputs.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              graph_.Describe(i), ": ", outputs.status().message()));
        }
        shapes_[i] = std::move(outputs->shapes);
        scratch_bytes_[i] = outputs->scratch_bytes;
        break;
      }
    }
    for (const Shape& shape : shapes_[i]) {
      if (!shape.IsFullyDefined()) {
        return absl::InvalidArgumentError(
            absl::StrCat(graph_.Describe(i), ": output shape ",
                         shape.ToString(), " is still unknown after feeding"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Plan::Allocate(const PlanLayout& layout,
                            std::vector<Tensor>& variables) {
  arena_bytes_ = layout.placement.arena_bytes;
  unshared_bytes_ = layout.unshared_bytes;
  // Never empty, so that every view, even of no elements, has an aligned
  // address. Zeroed, so that a dL/d(output) nothing writes reads 0.
  const size_t bytes = std::max(arena_bytes_, kBufferAlignment);
  void* arena = std::aligned_alloc(kBufferAlignment, bytes);
  if (arena == nullptr) throw std::bad_alloc();
  arena_.reset(arena);
  std::memset(arena, 0, bytes);
  char* base = static_cast<char*>(arena);
  const int count = static_cast<int>(layout.tensors.size());
  tensors_.clear();
  tensors_.reserve(count);
  for (int t = 0; t < count; ++t) {
    const PlannedTensor& planned = layout.tensors[t];
    tensors_.push_back(
        Tensor::View(planned.dtype, planned.shape, base + layout.offset(t)));
  }
  const int n = graph_.num_nodes();
  auto bind = [&](const std::vector<int>& ids) {
    std::vector<Tensor*> bound;
    for (int id : ids) bound.push_back(id < 0 ? nullptr : &tensors_[id]);
    return bound;
  };
  values_.assign(n, {});
  kept_.assign(n, {});
  grads_.assign(n, {});
  edge_grads_.assign(n, {});
  for (int i = 0; i < n; ++i) {
    values_[i] = bind(layout.value_ids[i]);
    grads_[i] = bind(layout.grad_ids[i]);
    edge_grads_[i] = bind(layout.edge_ids[i]);
    for (size_t o = 0; o < values_[i].size(); ++o) {
      const int id = layout.value_ids[i][o];
      if (id < 0) values_[i][o] = &variables[i];
      kept_[i].push_back(!reuse_buffers_ || id < 0 ||
                         layout.tensors[id].read_after_run() ||
                         layout.tensors[id].fixed);
    }
  }
  for (const std::vector<int>& parts : layout.sum_parts) {
    std::vector<const Tensor*> bound;
    for (int id : parts) bound.push_back(&tensors_[id]);
    sum_parts_.push_back(std::move(bound));
  }
  for (int i = 0; i < n; ++i) {
    const Node& node = graph_.node(i);
    if (values_[i].empty() || node.op->role() != OpRole::kConstant) continue;
    absl::Status s = node.op->forward()(
        KernelContext(&node.attrs, {}, {values_[i].begin(), values_[i].end()}));
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(graph_.Describe(i), ": ", s.message()));
    }
  }
  if (loss_ >= 0) SetLossSeed(1);
  return absl::OkStatus();
}

void Plan::SetLossSeed(double value) {
  Tensor& seed = *grads_[loss_][0];
  DispatchFloat(seed.dtype(), [&](auto zero) {
    using T = decltype(zero);
    seed.data<T>()[0] = static_cast<T>(value);
  });
}

void Plan::FindGradientWriters(const PlanLayout& layout,
                               absl::Span<const int> trainable) {
  gradients_done_by_step_.assign(backward_steps_.size(), {});
  // (backward step that finishes it, or -1 before the run; node)
  std::vector<std::pair<int, int>> done;
  for (int v : trainable) {
    if (layout.grad_ids[v].empty() || layout.grad_ids[v][0] < 0) continue;
    const int writer = layout.tensors[layout.grad_ids[v][0]].writer;
    const int step = writer == kBeforeRun ? -1 : writer - layout.num_forward;
    if (step >= 0) {
      gradients_done_by_step_[step].push_back(v);
    } else {
      gradients_ready_at_start_.push_back(v);  // final from the start
    }
    done.emplace_back(step, v);
  }
  std::sort(done.begin(), done.end());
  gradient_order_.clear();
  for (const auto& [step, v] : done) gradient_order_.push_back(v);
}

absl::Span<char> Plan::ScratchOf(const PlanLayout& layout, int step) {
  const int id = layout.scratch_ids[step];
  if (id < 0) return {};
  return absl::Span<char>(reinterpret_cast<char*>(tensors_[id].data<double>()),
                          scratch_bytes_[layout.steps[step].node]);
}

void Plan::BuildPhases(const PlanLayout& layout) {
  const int n = graph_.num_nodes();
  forward_contexts_.resize(n);
  gradient_contexts_.resize(n);
  for (int step = 0; step < static_cast<int>(layout.steps.size()); ++step) {
    const PlanStep& s = layout.steps[step];
    const Node& node = graph_.node(s.node);
    const bool forward = layout.in_forward(step);
    // Data first: the writers of what the step reads, in its phase (the
    // earlier phase is done by then); then the earlier users of memory the
    // step writes over.
    std::vector<int> depends_on;
    for (int read : layout.reads[step]) {
      const int writer = layout.tensors[read].writer;
      if (writer != kBeforeRun && layout.in_forward(writer) == forward) {
        AddUnique(depends_on, writer);
      }
    }
    for (int earlier : layout.reuse_deps[step]) AddUnique(depends_on, earlier);
    if (!forward) {
      for (int& d : depends_on) d -= layout.num_forward;
    }
    std::sort(depends_on.begin(), depends_on.end());
    if (forward) {
      std::vector<const Tensor*> inputs;
      std::vector<Tensor*> states;
      for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
        const Endpoint& e = node.inputs[k];
        inputs.push_back(values_[e.node][e.output]);
        // The graph checked that state comes from a Variable: the
        // session's tensor, which outlives every plan.
        states.push_back(node.op->input(k).state ? values_[e.node][e.output]
                                                 : nullptr);
      }
      forward_contexts_[s.node] = std::make_unique<KernelContext>(
          &node.attrs, std::move(inputs),
          std::vector<Tensor*>(values_[s.node].begin(), values_[s.node].end()));
      forward_contexts_[s.node]->SetStates(std::move(states));
      forward_contexts_[s.node]->SetRun(&run_state_,
                                        DeriveSeed(seed_, node.name));
      forward_contexts_[s.node]->SetScratch(ScratchOf(layout, step));
      forward_phase_.AddStep(depends_on);
      forward_steps_.push_back(s);
      continue;
    }
    backward_phase_.AddStep(depends_on);
    backward_steps_.push_back(s);
    if (s.kind != PlanStepKind::kGradient) continue;
    std::vector<const Tensor*> inputs, outputs, output_grads;
    std::vector<Tensor*> input_grads;
    for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
      const Endpoint& e = node.inputs[k];
      inputs.push_back(values_[e.node][e.output]);
      Tensor* target = edge_grads_[s.node][k];
      if (target == nullptr && !grads_[e.node].empty() &&
          node.op->input(k).differentiable) {
        target = grads_[e.node][e.output];
      }
      input_grads.push_back(target);
    }
    for (size_t o = 0; o < values_[s.node].size(); ++o) {
      outputs.push_back(values_[s.node][o]);
      output_grads.push_back(grads_[s.node][o]);
    }
    gradient_contexts_[s.node] = std::make_unique<GradientContext>(
        &node.attrs, std::move(inputs), std::move(outputs),
        std::move(output_grads), std::move(input_grads));
    gradient_contexts_[s.node]->SetRun(&run_state_,
                                       DeriveSeed(seed_, node.name));
    gradient_contexts_[s.node]->SetScratch(ScratchOf(layout, step));
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

Tensor* Plan::feed_buffer(int node) {
  return values_[node].empty() ? nullptr : values_[node][0];
}

const Tensor* Plan::value(Endpoint e) const {
  if (e.node < 0 || e.node >= static_cast<int>(values_.size()) ||
      e.output < 0 || e.output >= static_cast<int>(values_[e.node].size()) ||
      !kept_[e.node][e.output]) {
    return nullptr;
  }
  return values_[e.node][e.output];
}

Tensor* Plan::variable_gradient(int node) {
  if (node < 0 || node >= static_cast<int>(grads_.size()) ||
      grads_[node].empty()) {
    return nullptr;
  }
  return grads_[node][0];
}

const Tensor* Plan::variable_gradient(int node) const {
  return const_cast<Plan*>(this)->variable_gradient(node);
}

// Every step that writes or reads the gradient does so through this one
// Tensor; a gradient nothing writes keeps its zeros. A gradient is read
// after the run, so no other tensor is ever placed in its buffer while it
// lives, and none is written over it: leaving the buffer empty is safe.
void Plan::MoveVariableGradient(int node, void* data) {
  Tensor* gradient = variable_gradient(node);
  if (gradient == nullptr) return;
  if (gradient_homes_.empty()) gradient_homes_.assign(grads_.size(), nullptr);
  void*& home = gradient_homes_[node];
  if (data == nullptr && home == nullptr) return;  // never moved
  if (home == nullptr) home = gradient->raw_data();
  void* target = data != nullptr ? data : home;
  if (target == gradient->raw_data()) return;
  std::memcpy(target, gradient->raw_data(), gradient->num_bytes());
  *gradient = Tensor::View(gradient->dtype(), gradient->shape(), target);
  if (data == nullptr) home = nullptr;
}

absl::Status Plan::RunStep(const PlanStep& step) {
  const OpDef& op = *graph_.node(step.node).op;
  absl::Status status;
  switch (step.kind) {
    case PlanStepKind::kForward:
      status = op.forward()(*forward_contexts_[step.node]);
      break;
    case PlanStepKind::kGradient:
      status = op.gradient()(*gradient_contexts_[step.node]);
      break;
    case PlanStepKind::kSum:
      return SumGradients(step.node, step.output, step.parts);
  }
  if (status.ok()) return status;
  // Kernels know their values, not their node: say which node failed.
  auto located = absl::Status(
      status.code(),
      absl::StrCat(
          graph_.Describe(step.node),
          step.kind == PlanStepKind::kForward ? " forward: " : " gradient: ",
          status.message()));
  AddBatchSample(step.node, status, located);
  return located;
}

void Plan::AddBatchSample(int node, const absl::Status& kernel_status,
                          absl::Status& located) const {
  const std::optional<InputElement> bad = FindInputElement(kernel_status);
  const std::vector<Endpoint>& inputs = graph_.node(node).inputs;
  if (!bad.has_value() || bad->input < 0 ||
      bad->input >= static_cast<int>(inputs.size())) {
    return;
  }
  const Endpoint from = inputs[bad->input];
  const Node& producer = graph_.node(from.node);
  const Tensor* fed =
      values_[from.node].empty() ? nullptr : values_[from.node][0];
  if (producer.op->role() != OpRole::kPlaceholder || fed == nullptr ||
      fed->shape().rank() < 1 || fed->shape().dim(0) <= 0) {
    return;
  }
  const int64_t per_sample = fed->num_elements() / fed->shape().dim(0);
  if (per_sample <= 0) return;
  SetBatchSample(located, {producer.name, bad->element / per_sample});
}

absl::Status Plan::SumGradients(int node, int output, int parts_index) {
  Tensor& total = *grads_[node][output];
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

absl::Status Plan::TimedStep(const PlanStep& step, StepTime& time) {
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

absl::Status Plan::RunBackward(Executor& executor, bool timed,
                               GradientListener* listener) {
  if (listener != nullptr) {
    for (int v : gradients_ready_at_start_) listener->GradientReady(v);
  }
  return executor.Run(backward_phase_, [&](int step) {
    absl::Status status =
        timed ? TimedStep(backward_steps_[step], backward_times_[step])
              : RunStep(backward_steps_[step]);
    if (listener != nullptr && status.ok()) {
      for (int v : gradients_done_by_step_[step]) listener->GradientReady(v);
    }
    return status;
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
    if (backward_steps_[s].kind == PlanStepKind::kSum) {
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
  auto bytes = [](const std::vector<Tensor*>& tensors) {
    size_t total = 0;
    for (const Tensor* t : tensors) total += t == nullptr ? 0 : t->num_bytes();
    return total;
  };
  for (int i = 0; i < n; ++i) {
    NodeMemory& node = memory.nodes[i];
    node.name = graph_.node(i).name;
    node.op = graph_.node(i).op->name();
    if (values_[i].empty()) continue;
    node.output_shapes = shapes_[i];
    if (graph_.node(i).op->role() != OpRole::kVariable) {
      node.value_bytes = bytes(values_[i]);
    }
    node.gradient_bytes = bytes(grads_[i]);
    node.scratch_bytes = scratch_bytes_[i];
  }
  // A consumer's part of a fanned-out gradient belongs to the value's
  // producer: its sum step reads them.
  for (int i = 0; i < n; ++i) {
    for (size_t k = 0; k < edge_grads_[i].size(); ++k) {
      if (edge_grads_[i][k] == nullptr) continue;
      const int producer = graph_.node(i).inputs[k].node;
      memory.nodes[producer].sum_bytes += edge_grads_[i][k]->num_bytes();
    }
  }
  for (const NodeMemory& node : memory.nodes) {
    memory.value_bytes += node.value_bytes;
    memory.gradient_bytes += node.gradient_bytes;
    memory.sum_bytes += node.sum_bytes;
    memory.scratch_bytes += node.scratch_bytes;
  }
  memory.arena_bytes = arena_bytes_;
  memory.unshared_arena_bytes = unshared_bytes_;
  return memory;
}

}  // namespace nabla
