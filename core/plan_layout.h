// The layout of a plan before anything is allocated (private to the
// planner, core/plan.cc): every tensor the plan holds, the steps in run
// order, who writes and reads each tensor, which tensors are written in
// place over another, where each buffer lives in the arena, and the extra
// ordering that sharing memory needs when steps run in parallel.
//
// Steps are named by their position in run order: the forward steps in
// graph order, then the backward steps (sums and gradient kernels) from
// the loss back.
#ifndef NABLA_CORE_PLAN_LAYOUT_H_
#define NABLA_CORE_PLAN_LAYOUT_H_

#include <cstddef>
#include <vector>

#include "core/buffer_layout.h"
#include "core/graph.h"
#include "core/tensor.h"

namespace nabla {

enum class PlanStepKind { kForward, kGradient, kSum };

struct PlanStep {
  PlanStepKind kind;
  int node;
  int output;  // kSum: the output whose gradient parts are summed
  int parts;   // kSum: index into PlanLayout::sum_parts
};

struct PlannedTensor {
  DType dtype = DType::kFloat32;
  Shape shape;
  // The step that writes it; kBeforeRun for feeds, constants and gradient
  // seeds.
  int writer = kBeforeRun;
  // The steps that read it; kAfterRun when it is read after the run.
  std::vector<int> readers;
  // Set once when the plan is built (a constant, the loss's dL/dL = 1,
  // dL/d(output) of an output nothing differentiates): memory of its own.
  bool fixed = false;
  // The tensor whose memory this one is written over (in place), or -1.
  int written_over = -1;

  size_t bytes() const {
    return static_cast<size_t>(shape.num_elements()) * DTypeSize(dtype);
  }
  bool read_after_run() const;
  // The last step that touches it.
  int last_use() const;
};

struct PlanLayout {
  std::vector<PlannedTensor> tensors;
  // Tensor ids per node and output: its value (-1 for a Variable, which
  // the session holds) and dL/d(output) (-1 off the gradient path); per
  // node and input, the consumer's part of a fanned-out gradient (-1 when
  // the gradient goes straight to the producer's dL/d(output)). Empty for
  // nodes the plan does not need.
  std::vector<std::vector<int>> value_ids, grad_ids, edge_ids;
  std::vector<PlanStep> steps;
  int num_forward = 0;
  // Per step: the tensors it reads and writes.
  std::vector<std::vector<int>> reads, writes;
  // Per step: its kernel's scratch memory, a tensor alive for that step
  // alone, or -1.
  std::vector<int> scratch_ids;
  // Per sum step: the tensors it adds, in use order.
  std::vector<std::vector<int>> sum_parts;
  // Per tensor: its buffer (tensors written in place share one).
  std::vector<int> buffer_of;
  std::vector<BufferLifetime> buffers;
  BufferLayout placement;
  // The arena if nothing shared memory.
  size_t unshared_bytes = 0;
  // Per step: earlier steps of its phase that it must wait for because it
  // writes memory they use.
  std::vector<std::vector<int>> reuse_deps;

  size_t offset(int tensor) const {
    return placement.offsets[buffer_of[tensor]];
  }
  bool in_forward(int step) const { return step < num_forward; }
};

struct PlanLayoutRequest {
  // Output shapes per node; empty for nodes the plan does not need.
  const std::vector<std::vector<Shape>>* shapes = nullptr;
  // Per node, for training; empty for a forward-only plan.
  const std::vector<bool>* on_path = nullptr;
  int loss = -1;
  // Nodes whose outputs are read after the run.
  const std::vector<int>* targets = nullptr;
  // Per node: the bytes of scratch its kernels take
  // (ShapeContext::SetScratchBytes); null for none.
  const std::vector<size_t>* scratch_bytes = nullptr;
  bool reuse_buffers = true;
};

PlanLayout LayOutPlan(const Graph& graph, const PlanLayoutRequest& request);

}  // namespace nabla

#endif  // NABLA_CORE_PLAN_LAYOUT_H_
