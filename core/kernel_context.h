// What shape functions, kernels and initializers see of a node.
//
// The planner builds one context per node and step kind when it plans a
// graph for an input shape, so running a kernel allocates nothing.
#ifndef NABLA_CORE_KERNEL_CONTEXT_H_
#define NABLA_CORE_KERNEL_CONTEXT_H_

#include <cstdint>
#include <random>
#include <vector>

#include "absl/types/span.h"
#include "core/attrs.h"
#include "core/tensor.h"

namespace nabla {

// Input dtypes and shapes (dimensions may be unknown, -1) in; output dtypes
// and shapes out. A shape function returns InvalidArgument, with the shapes
// in the message, when the inputs or attributes do not fit the op; the
// caller adds the node and op names.
class ShapeContext {
 public:
  ShapeContext(std::vector<DType> input_dtypes, std::vector<Shape> input_shapes,
               const ResolvedAttrs* attrs, int num_outputs)
      : input_dtypes_(std::move(input_dtypes)),
        input_shapes_(std::move(input_shapes)),
        attrs_(attrs),
        output_dtypes_(num_outputs, DType::kFloat32),
        output_shapes_(num_outputs) {}

  int num_inputs() const { return static_cast<int>(input_shapes_.size()); }
  DType input_dtype(int i) const { return input_dtypes_[i]; }
  const Shape& input_shape(int i) const { return input_shapes_[i]; }
  const ResolvedAttrs& attrs() const { return *attrs_; }

  void SetOutput(int i, DType dtype, Shape shape) {
    output_dtypes_[i] = dtype;
    output_shapes_[i] = std::move(shape);
  }
  const std::vector<DType>& output_dtypes() const { return output_dtypes_; }
  const std::vector<Shape>& output_shapes() const { return output_shapes_; }

  // The most memory the node's kernels take for intermediate values while
  // they run (ops/scratch.h), for these shapes: the planner counts it
  // against the memory limit with the plan's buffers. Only worth setting
  // when every input shape is known.
  void SetScratchBytes(size_t bytes) { scratch_bytes_ = bytes; }
  size_t scratch_bytes() const { return scratch_bytes_; }

 private:
  std::vector<DType> input_dtypes_;
  std::vector<Shape> input_shapes_;
  const ResolvedAttrs* attrs_;
  std::vector<DType> output_dtypes_;
  std::vector<Shape> output_shapes_;
  size_t scratch_bytes_ = 0;
};

// How a plan runs: for training (loss, gradients, update) or for
// inference (predict, evaluate, validation). The plan owns one and sets
// `step` before each training run.
struct RunState {
  bool training = false;
  // Training steps done before this one: 0 during the first.
  int64_t step = 0;
  // The index of the run's first sample in the step's whole batch: past 0
  // on a data-parallel rank, whose shard is a part of the batch.
  int64_t first_sample = 0;
};

// What kernels see of the run: ops that behave differently in training
// (Dropout, BatchNorm) read the mode, and ops that draw random numbers
// draw them from core/counter_random.h's CounterUniform keyed by
// StepKey(node_seed(), step()), so the draws depend on neither the thread
// count nor the other nodes, and a resumed run draws what the uninterrupted
// one would have. Outside a plan (op tests) the run is inference at step 0
// with seed 0, unless SetRun says otherwise.
class NodeRun {
 public:
  bool training() const { return run_->training; }
  int64_t step() const { return run_->step; }
  // RunState::first_sample: an op that draws per sample (Dropout) counts
  // its draws from here, so a data-parallel rank draws what one process
  // draws for the same samples of the batch.
  int64_t first_sample() const { return run_->first_sample; }
  // DeriveSeed of the session's seed and this node's name.
  uint64_t node_seed() const { return node_seed_; }
  // `run` must outlive the context.
  void SetRun(const RunState* run, uint64_t node_seed) {
    run_ = run;
    node_seed_ = node_seed;
  }

  // Memory for the kernel's intermediate values while it runs: the bytes
  // the shape function asked for (ShapeContext::SetScratchBytes), placed by
  // the planner in the plan's arena for this step alone and aligned to 64,
  // so a step allocates nothing however its kernels' tasks interleave.
  // Empty outside a plan (op tests): kernels then take their own
  // (ops/scratch.h's KernelScratch does either).
  absl::Span<char> scratch() const { return scratch_; }
  void SetScratch(absl::Span<char> scratch) { scratch_ = scratch; }

 private:
  static inline const RunState kInference{};
  const RunState* run_ = &kInference;
  uint64_t node_seed_ = 0;
  absl::Span<char> scratch_;
};

// A forward kernel reads its inputs and writes every element of its
// outputs, which the planner has sized as the shape function said.
class KernelContext : public NodeRun {
 public:
  KernelContext(const ResolvedAttrs* attrs, std::vector<const Tensor*> inputs,
                std::vector<Tensor*> outputs)
      : attrs_(attrs),
        inputs_(std::move(inputs)),
        outputs_(std::move(outputs)) {}

  const ResolvedAttrs& attrs() const { return *attrs_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return *inputs_[i]; }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  Tensor& output(int i) const { return *outputs_[i]; }
  // Input i for writing, when the op declares it a state input
  // (OpDef::StateInput); null otherwise. The same tensor as input(i).
  Tensor* state(int i) const {
    return i < static_cast<int>(states_.size()) ? states_[i] : nullptr;
  }
  // `states` is indexed like the inputs, null where an input is not state.
  void SetStates(std::vector<Tensor*> states) { states_ = std::move(states); }

 private:
  const ResolvedAttrs* attrs_;
  std::vector<const Tensor*> inputs_;
  std::vector<Tensor*> outputs_;
  std::vector<Tensor*> states_;
};

// A gradient kernel gets the forward inputs and outputs and dL/d(output),
// and writes dL/d(input i) into input_grad(i) for every i where it is not
// null (the planner passes null for inputs whose gradient nobody needs).
// Each gradient buffer has its input's shape and must be fully written:
// fan-out sums happen in the planner, not here.
class GradientContext : public NodeRun {
 public:
  GradientContext(const ResolvedAttrs* attrs, std::vector<const Tensor*> inputs,
                  std::vector<const Tensor*> outputs,
                  std::vector<const Tensor*> output_grads,
                  std::vector<Tensor*> input_grads)
      : attrs_(attrs),
        inputs_(std::move(inputs)),
        outputs_(std::move(outputs)),
        output_grads_(std::move(output_grads)),
        input_grads_(std::move(input_grads)) {}

  const ResolvedAttrs& attrs() const { return *attrs_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return *inputs_[i]; }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  const Tensor& output(int i) const { return *outputs_[i]; }
  const Tensor& output_grad(int i) const { return *output_grads_[i]; }
  // Null when the gradient of input i is not needed.
  Tensor* input_grad(int i) const { return input_grads_[i]; }

 private:
  const ResolvedAttrs* attrs_;
  std::vector<const Tensor*> inputs_;
  std::vector<const Tensor*> outputs_;
  std::vector<const Tensor*> output_grads_;
  std::vector<Tensor*> input_grads_;
};

// Gives a Variable its first value. `rng` is seeded from the session seed
// and the variable's name, so a variable's initial value does not change
// when other nodes are added to the graph.
class InitContext {
 public:
  InitContext(const ResolvedAttrs* attrs, Tensor* value, std::mt19937_64* rng)
      : attrs_(attrs), value_(value), rng_(rng) {}

  const ResolvedAttrs& attrs() const { return *attrs_; }
  Tensor& value() const { return *value_; }
  std::mt19937_64& rng() const { return *rng_; }

 private:
  const ResolvedAttrs* attrs_;
  Tensor* value_;
  std::mt19937_64* rng_;
};

}  // namespace nabla

#endif  // NABLA_CORE_KERNEL_CONTEXT_H_
