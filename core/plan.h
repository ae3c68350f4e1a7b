// Plan: a graph made executable for one set of placeholder shapes.
//
// Building a plan is the one place that decides everything a run needs:
// the concrete shapes, which nodes lie on the gradient path
// (core/gradient_path.h), the forward and backward steps (gradient kernels
// in reverse order, and where a value feeds several consumers, one buffer
// per consumer summed in a fixed order), the buffer layout and so the byte
// count. Values whose lifetimes do not overlap share memory, and ops that
// allow it (OpDef::InPlace, GradientInPlace) write over their input when
// nothing reads it later; the steps that share a buffer are ordered so
// that parallel runs stay correct. Running a plan allocates nothing, and
// its results do not depend on the layout: they are bit-identical with and
// without reuse, for any thread count.
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
#include "core/plan_layout.h"
#include "core/profile.h"
#include "core/tensor.h"

namespace nabla {

// What a plan must compute.
struct PlanRequest {
  // Placeholders that will be fed, with the shapes they will be fed with.
  std::vector<std::pair<int, Shape>> feeds;
  // Nodes whose outputs are read after a run (fetches; for training the
  // loss and what metrics read).
  std::vector<int> targets;
  // For training: the scalar loss node and the trainable Variables, which
  // get gradients. -1 / empty for a forward-only plan.
  int loss = -1;
  std::vector<int> trainable;
  // The session's seed, from which each node's seed derives (NodeRun).
  // A plan with a loss runs in training mode, one without in inference.
  uint64_t seed = 0;
  // Let buffers whose lifetimes do not overlap share memory, and run ops in
  // place. Off, every value and gradient keeps its own memory until the
  // next run, for FindNonFinite().
  bool reuse_buffers = true;
  // Called with the bytes of the plan's arena (which holds the kernels'
  // scratch memory too), once the layout is known, before anything is
  // allocated; an error stops the build (the memory limit). Null: no check.
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

// Told, during RunBackward(), as soon as a trainable Variable's gradient
// is final (from whichever thread ran its last step): data-parallel
// training sends it to the other ranks while the backward pass goes on.
class GradientListener {
 public:
  virtual ~GradientListener() = default;
  virtual void GradientReady(int variable) = 0;
};

class Plan {
 public:
  // `variables` holds each Variable node's value by node index; the plan
  // binds to those tensors, which must outlive it and keep their shapes.
  // Errors: a fed shape that contradicts its placeholder, a shape that
  // stays unknown, a shape function refusing the concrete shapes, a loss
  // that cannot be trained (GradientPath), or request.check_memory refusing
  // the plan's bytes.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Plan>> Build(
      const Graph& graph, std::vector<Tensor>& variables,
      const PlanRequest& request);

  // True when this plan was built for feeds of exactly these shapes.
  bool Serves(absl::Span<const std::pair<int, const Tensor*>> feeds) const;

  // The buffer a placeholder's feed is copied into before a run; null when
  // the plan does not need that placeholder.
  Tensor* feed_buffer(int node);
  // Output `e` after a run: a target's output, a Variable, or (without
  // buffer reuse) any value the plan computes. Null otherwise.
  const Tensor* value(Endpoint e) const;
  // dL/d(output 0) of a trainable Variable after RunBackward(), which the
  // caller may clip in place before the update; null for a Variable the
  // loss does not depend on.
  Tensor* variable_gradient(int node);
  const Tensor* variable_gradient(int node) const;
  // Keeps that gradient at `data` (its size, 64-byte aligned) instead of
  // in the plan's buffers from now on, with what it holds; null puts it
  // back. Data-parallel ranks that share memory sum each other's gradients
  // where the backward passes wrote them (core/session_shared_variables.cc).
  void MoveVariableGradient(int node, void* data);

  // With `timed`, each step's time on the thread that runs it is added to
  // the plan's step times; otherwise the steps run exactly as untimed.
  [[nodiscard]] absl::Status RunForward(Executor& executor, bool timed = false);
  [[nodiscard]] absl::Status RunBackward(Executor& executor, bool timed = false,
                                         GradientListener* listener = nullptr);
  // The trainable Variables with a gradient, in the order a sequential
  // backward run finishes their gradients (the order of their last
  // writers; ties by node index). The same for every batch size.
  const std::vector<int>& gradient_order() const { return gradient_order_; }

  // The first NaN or infinity of the last run: in every value (fed,
  // variable, constant and computed) in graph order, which is the order of
  // the forward steps; then in what the backward steps wrote, in their
  // order. The same answer for any thread count. Allocates nothing.
  // REQUIRES: built with reuse_buffers off (with reuse, later steps
  // overwrite what earlier ones wrote).
  std::optional<NonFinite> FindNonFinite() const;
  bool reuses_buffers() const { return reuse_buffers_; }

  // Adds the step times of the timed runs into `nodes` (indexed by node):
  // forward, gradient and sum kernels; each forward run counts as a call.
  // REQUIRES: nodes.size() == number of graph nodes.
  void AddStepTimes(absl::Span<NodeProfile> nodes) const;
  void ResetStepTimes();

  // Every node's buffers in this plan (names, ops, shapes, value, gradient
  // and sum bytes), their totals, and the arena with and without sharing.
  // Variables and slots are the session's: left at zero.
  MemoryPlan Memory() const;

  // Bytes of the plan's arena: all its buffers, as laid out.
  size_t num_bytes() const { return arena_bytes_; }

  // The training steps done before the next run, which kernels that draw
  // random numbers key their draws with. (A plan with a loss runs in
  // training mode, one without in inference: kernels see which.)
  void SetStep(int64_t step) { run_state_.step = step; }
  // RunState::first_sample of the next runs.
  void SetFirstSample(int64_t first) { run_state_.first_sample = first; }
  // dL/dL, the seed of the backward pass: 1 unless the gradients are to
  // come out scaled (a data-parallel rank's share of the batch, which
  // saves scaling them after). REQUIRES: a training plan.
  void SetLossSeed(double seed);

 private:
  explicit Plan(const Graph& graph) : graph_(graph) {}
  // Every needed node's output shapes, without allocating buffers.
  [[nodiscard]] absl::Status InferShapes(const PlanRequest& request,
                                         std::vector<Tensor>& variables);
  // Allocates the arena, binds every tensor to its place, evaluates the
  // constants and seeds the gradients.
  [[nodiscard]] absl::Status Allocate(const PlanLayout& layout,
                                      std::vector<Tensor>& variables);
  // Kernel contexts, and the phases' steps with their dependencies: on the
  // data, and on the earlier users of memory a step reuses.
  void BuildPhases(const PlanLayout& layout);
  // The scratch memory of `step` in the arena; empty when it takes none.
  absl::Span<char> ScratchOf(const PlanLayout& layout, int step);
  [[nodiscard]] absl::Status RunStep(const PlanStep& step);
  // gradients_done_by_step_ and gradient_order_ for `trainable`.
  void FindGradientWriters(const PlanLayout& layout,
                           absl::Span<const int> trainable);
  // When `kernel_status` names a bad element of an input that a Placeholder
  // feeds, adds to `located` which sample of the batch it is (bad_value.h).
  void AddBatchSample(int node, const absl::Status& kernel_status,
                      absl::Status& located) const;
  [[nodiscard]] absl::Status TimedStep(const PlanStep& step, StepTime& time);
  [[nodiscard]] absl::Status SumGradients(int node, int output,
                                          int parts_index);

  const Graph& graph_;
  std::vector<std::pair<int, Shape>> feed_shapes_;
  std::vector<std::vector<Shape>> shapes_;
  // What the nodes' kernels may take besides the arena, all at once.
  // Per node: its kernels' scratch bytes (ShapeContext::SetScratchBytes).
  std::vector<size_t> scratch_bytes_;
  bool reuse_buffers_ = true;
  int loss_ = -1;
  uint64_t seed_ = 0;
  RunState run_state_;
  // One allocation holds every tensor the plan owns.
  struct ArenaDeleter {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, ArenaDeleter> arena_;
  size_t arena_bytes_ = 0;
  size_t unshared_bytes_ = 0;
  // Views into the arena, by tensor id (PlanLayout::tensors).
  std::vector<Tensor> tensors_;
  // Per node and output: the value (a view, or the session's variable),
  // and whether it is readable after a run; dL/d(output) on the gradient
  // path (null elsewhere).
  std::vector<std::vector<Tensor*>> values_;
  std::vector<std::vector<bool>> kept_;
  std::vector<std::vector<Tensor*>> grads_;
  // Per node and input: this consumer's share of a fanned-out gradient.
  std::vector<std::vector<Tensor*>> edge_grads_;
  // For each sum step, the per-consumer buffers it adds, in use order.
  std::vector<std::vector<const Tensor*>> sum_parts_;
  std::vector<std::unique_ptr<KernelContext>> forward_contexts_;
  std::vector<std::unique_ptr<GradientContext>> gradient_contexts_;
  std::vector<PlanStep> forward_steps_;
  std::vector<PlanStep> backward_steps_;
  // Per step of each phase, summed over timed runs; sized by Build() so
  // that timing allocates nothing.
  std::vector<StepTime> forward_times_;
  std::vector<StepTime> backward_times_;
  Phase forward_phase_;
  Phase backward_phase_;
  // Per backward step: the trainable Variables whose gradient it finishes.
  std::vector<std::vector<int>> gradients_done_by_step_;
  std::vector<int> gradients_ready_at_start_;
  std::vector<int> gradient_order_;
  // By node: where MoveVariableGradient() found the gradient in the
  // plan's buffers; null while it is there.
  std::vector<void*> gradient_homes_;
};

}  // namespace nabla

#endif  // NABLA_CORE_PLAN_H_
