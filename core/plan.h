// Plan: a graph made executable for one set of placeholder shapes.
//
// Building a plan infers concrete shapes, allocates every buffer the steps
// will touch (values, gradients, per-consumer gradient buffers where a value
// fans out), evaluates constants, and lays out the forward and backward
// phases. Running a plan allocates nothing.
#ifndef NABLA_CORE_PLAN_H_
#define NABLA_CORE_PLAN_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/executor.h"
#include "core/graph.h"
#include "core/kernel_context.h"
#include "core/profile.h"
#include "core/tensor.h"

namespace nabla {

// What a plan must compute.
struct PlanRequest {
  // Placeholders that will be fed, with the shapes they will be fed with.
  std::vector<std::pair<int, Shape>> feeds;
  // Nodes whose outputs are read after the forward phase.
  std::vector<int> targets;
  // For training: the scalar loss node, and per node whether it lies on a
  // differentiable path from a trainable Variable to the loss. -1 / empty
  // for a forward-only plan.
  int loss = -1;
  std::vector<bool> on_gradient_path;
  // Called with the bytes of the plan's buffers once the shapes are known,
  // before any buffer is allocated; an error stops the build (the memory
  // limit). Null: no check.
  std::function<absl::Status(size_t plan_bytes)> check_memory;
};

// A NaN or an infinity in one of a plan's buffers.
struct NonFinite {
  enum class Kind {
    kValue,           // output `index` of `node`
    kGradient,        // what node's gradient kernel wrote for input `index`
    kSummedGradient,  // dL/d(output `index`) of `node`, summed over uses
  };
  Kind kind = Kind::kValue;
  int node = -1;
  int index = 0;
  // The first such element, flat (row-major), of a tensor of `shape`.
  int64_t element = 0;
  Shape shape;
  double value = 0;
};

class Plan {
 public:
  // `variables` holds each Variable node's value by node index; the plan
  // binds to those tensors, which must outlive it and keep their shapes.
  // Errors: a fed shape that contradicts its placeholder, a shape that
  // stays unknown, a shape function refusing the concrete shapes, or
  // request.check_memory refusing the plan's bytes.
  static absl::StatusOr<std::unique_ptr<Plan>> Build(
      const Graph& graph, std::vector<Tensor>& variables,
      const PlanRequest& request);

  // True when this plan was built for feeds of exactly these shapes.
  bool Serves(absl::Span<const std::pair<int, const Tensor*>> feeds) const;

  // The buffer a placeholder's feed is copied into; null when the plan does
  // not need that placeholder.
  Tensor* feed_buffer(int node) {
    return values_[node].empty() ? nullptr : &values_[node][0];
  }
  const Tensor& value(Endpoint e) const { return *value_ptrs_[e.node][e.output]; }
  // The same, or null when this plan does not compute `e`.
  const Tensor* computed_value(Endpoint e) const {
    if (e.node < 0 || e.node >= static_cast<int>(value_ptrs_.size()) ||
        e.output < 0 ||
        e.output >= static_cast<int>(value_ptrs_[e.node].size())) {
      return nullptr;
    }
    return value_ptrs_[e.node][e.output];
  }
  // dL/d(output 0) of a Variable after RunBackward().
  const Tensor& variable_gradient(int node) const { return grads_[node][0]; }
  // The same, for clipping in place before the update.
  Tensor& mutable_variable_gradient(int node) { return grads_[node][0]; }

  // With `timed`, each step's time on the thread that runs it is added to
  // the plan's step times; otherwise the steps run exactly as untimed.
  absl::Status RunForward(Executor& executor, bool timed = false);
  absl::Status RunBackward(Executor& executor, bool timed = false);

  // The first NaN or infinity of the last run: in every value (fed,
  // variable, constant and computed) in graph order, which is the order of
  // the forward steps; then in what the backward steps wrote, in their
  // order. The same answer for any thread count. Allocates nothing.
  std::optional<NonFinite> FindNonFinite() const;

  // Adds the step times of the timed runs into `nodes` (indexed by node):
  // forward, gradient and sum kernels; each forward run counts as a call.
  // REQUIRES: nodes.size() == number of graph nodes.
  void AddStepTimes(absl::Span<NodeProfile> nodes) const;
  void ResetStepTimes();

  // Every node's buffers in this plan (names, ops, shapes, value, gradient
  // and sum bytes) and their totals. Variables and slots are the
  // session's: left at zero.
  MemoryPlan Memory() const;

  // Bytes held by the plan's own buffers (not variables).
  size_t num_bytes() const;

 private:
  enum class StepKind { kForward, kGradient, kSum };
  struct StepInfo {
    StepKind kind;
    int node;
    int output;  // kSum: which output's gradients are summed
    int parts;   // kSum: index into sum_parts_
  };

  Plan(const Graph& graph) : graph_(graph) {}
  // Every needed node's output shapes, without allocating buffers.
  absl::Status InferShapes(const PlanRequest& request,
                           std::vector<Tensor>& variables);
  // What num_bytes() will be once the buffers are allocated.
  size_t PlannedBytes(const PlanRequest& request) const;
  // The value buffers (variables are bound, not copied); evaluates the
  // constants.
  absl::Status AllocateValues(std::vector<Tensor>& variables);
  // Whether `use` carries gradient: both ends on the gradient path and the
  // input differentiable.
  bool CarriesGradient(const PlanRequest& request, const Use& use) const;
  // The uses of `output` of `node` that carry gradient.
  std::vector<Use> GradientUses(const PlanRequest& request, int node,
                                int output) const;
  void PlanForward(const PlanRequest& request);
  void PlanBackward(const PlanRequest& request);
  absl::Status RunStep(const StepInfo& step);
  absl::Status TimedStep(const StepInfo& step, StepTime& time);
  absl::Status SumGradients(int node, int output, int parts_index);

  const Graph& graph_;
  std::vector<std::pair<int, Shape>> feed_shapes_;
  std::vector<std::vector<Shape>> shapes_;
  std::vector<std::vector<Tensor>> values_;
  std::vector<std::vector<Tensor*>> value_ptrs_;
  // dL/d(output) per node and output, on the gradient path.
  std::vector<std::vector<Tensor>> grads_;
  // Per node and input: the buffer this consumer's gradient goes to when
  // the producer's value has several consumers; summed in use order.
  std::vector<std::vector<Tensor>> edge_grads_;
  // For each sum step, the per-consumer buffers it adds, in use order.
  std::vector<std::vector<const Tensor*>> sum_parts_;
  std::vector<std::unique_ptr<KernelContext>> forward_contexts_;
  std::vector<std::unique_ptr<GradientContext>> gradient_contexts_;
  std::vector<StepInfo> forward_steps_;
  std::vector<StepInfo> backward_steps_;
  // Per step of each phase, summed over timed runs; sized by Build() so
  // that timing allocates nothing.
  std::vector<StepTime> forward_times_;
  std::vector<StepTime> backward_times_;
  Phase forward_phase_;
  Phase backward_phase_;
};

}  // namespace nabla

#endif  // NABLA_CORE_PLAN_H_
