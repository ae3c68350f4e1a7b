// Session: a graph's variables, an executor and the plans that run them.
//
//   auto graph = std::make_shared<const Graph>(...);
//   NABLA_ASSIGN_OR_RETURN(auto session,
//                          Session::Create(graph, {.threads = 2}));
//   NABLA_RETURN_IF_ERROR(session->SetTraining("loss", std::move(rule)));
//   Feed feeds[] = {{"x", &x}, {"y", &y}};
//   NABLA_ASSIGN_OR_RETURN(double loss, session->TrainStep(feeds));
//
// Variables are initialised at Create() from the seed. A plan is built the
// first time a feed shape is seen and reused afterwards: in steady state a
// step allocates nothing. A Session is not thread-safe: one call at a time.
#ifndef NABLA_CORE_SESSION_H_
#define NABLA_CORE_SESSION_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/concurrency_tuner.h"
#include "core/executor.h"
#include "core/gradient_exchange.h"
#include "core/graph.h"
#include "core/optimizer.h"
#include "core/plan.h"
#include "core/profile.h"
#include "core/tensor.h"
#include "core/update_rule.h"

namespace nabla {

struct SessionOptions {
  // Size of the TBB arena that runs everything; >= 1.
  int threads = 1;
  // Seeds every variable initializer.
  uint64_t seed = 0;
  // The most bytes of tensors the session may hold at once: variables,
  // optimizer slots and the buffers of every plan it keeps. Whatever would
  // exceed it is refused with ResourceExhausted before it is allocated
  // (core/memory_limit.h has the message). 0: no limit.
  size_t memory_limit_bytes = 0;
  // Scan every training step for NaN and infinities (see TrainStep()).
  // Off, a step pays one check of its loss.
  bool check_numerics = false;
  // With threads > 1, time each kind of step (each plan) on all threads and
  // on the calling thread alone, and run it the faster way
  // (core/concurrency_tuner.h). The results are the same bits either way.
  // Off, every step uses all threads.
  bool adapt_threads = true;
  ConcurrencyTunerOptions thread_tuning;
  // Let a plan's buffers share memory where their lifetimes do not overlap,
  // and run ops in place (core/plan.h). The results are the same bits
  // either way. With check_numerics, training plans keep every buffer.
  bool reuse_buffers = true;
  // Read and write denormal floats as zero on every thread of a step
  // (core/denormals.h): a network whose numbers have become tiny then runs
  // as fast as any other. Off, they keep IEEE semantics. Either way the
  // results are the same bits for any thread count.
  bool flush_denormals = true;
};

// The first NaN or infinity of a training step, in the order of
// Plan::FindNonFinite: the step's values in forward order, then its
// gradients in backward order.
struct NumericalFault {
  // The step, counted as step() counts them (the first step is 1).
  int64_t step = 0;
  // The step's loss, which may itself be NaN or infinite.
  double loss = 0;
  // The node, and whether its output value or a gradient holds it.
  int node = -1;
  bool gradient = false;
  // "m.pbtxt:7: node 'lg' (Log): its output value holds -inf at [2, 0]".
  std::string where;
};

// A data-parallel rank's part of a training step's batch.
struct BatchShard {
  // Its share of the batch's samples (n_r / B).
  double share = 1;
  // The index of its first sample in the batch.
  int64_t first_sample = 0;
};

// A tensor fed to a placeholder by name.
struct Feed {
  absl::string_view placeholder;
  const Tensor* tensor;
};

class Session {
 public:
  // InvalidArgument for a bad thread count or a variable initializer that
  // fails; ResourceExhausted, before any is allocated, when the variables
  // exceed options.memory_limit_bytes.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Session>> Create(
      std::shared_ptr<const Graph> graph, const SessionOptions& options);

  // Chooses the loss and the update rule (optimizer, schedule, clipping)
  // for TrainStep(), and the outputs besides the loss that last_value()
  // reads after a step (`keep`: what metrics measure). Checked before any
  // kernel runs: the loss node exists and is a scalar, it depends on a
  // trainable Variable, and every node between a trainable Variable and the
  // loss has a gradient kernel (all offenders are listed;
  // core/gradient_path.h). Slots the new optimizer names like the old one
  // keep their values; new ones start at zero. ResourceExhausted, before
  // the slots are allocated, when variables and slots exceed the memory
  // limit.
  [[nodiscard]] absl::Status SetTraining(absl::string_view loss,
                                         UpdateRule rule,
                                         absl::Span<const Endpoint> keep = {});

  // Forward, backward and an update of every trainable variable. Returns the
  // loss before the update.
  // When the loss is NaN or infinite, or with options.check_numerics at
  // every step, the step's values and gradients are scanned before the
  // update and numerical_fault() says where the first NaN or infinity is.
  // With check_numerics, a step that has one fails with InvalidArgument
  // ("the first NaN or infinity at step S: <where>") and updates nothing:
  // step() stays where it was. Without it, the step goes on as usual.
  // Data-parallel (SetDataParallel()), `feeds` are this rank's `shard` of
  // the batch: the gradients, state changes and loss are exchanged before
  // the update (see core/gradient_exchange.h) and the loss returned is the
  // batch's. A step that fails on any rank fails on all, and updates
  // nothing on any (the others say which rank).
  [[nodiscard]] absl::StatusOr<double> TrainStep(absl::Span<const Feed> feeds,
                                                 const BatchShard& shard = {});

  // Trains data-parallel with the ranks of `communicator` (not owned; it
  // must outlive the session, whose variables may live in its memory);
  // null trains alone. After sharded steps it first gathers the slots, and
  // gives each rank its own variables, with the old ranks (collective); an
  // error is theirs. Every rank's
  // session must hold the same variables and make the same calls. With
  // `overlap`, the gradients are summed on a thread of their own during
  // the backward pass (core/gradient_exchange.h); the same bits either way.
  [[nodiscard]] absl::Status SetDataParallel(Communicator* communicator,
                                             bool overlap);
  // Whether data-parallel steps update only this rank's part of each
  // variable and gather the others' or, sharing the variables, read them
  // (core/gradient_exchange.h, variables_shared()): with more
  // than one rank, an elementwise optimizer and no gradient clipping (the
  // norm needs every sum).
  bool shards_update() const;
  // Completes the slots after sharded steps: every rank's part of them to
  // every rank. Collective, like a step: every rank calls it alike (before
  // a checkpoint is captured). Nothing to do, and no call to the others,
  // when no step was sharded since the last.
  [[nodiscard]] absl::Status GatherShardedSlots();
  // Whether a sharded step left the slots right only in this rank's part.
  bool slots_sharded() const { return slots_sharded_; }
  // Whether the ranks hold one copy of the trainable variables in memory
  // they share (Communicator::AllocateShared): from the first sharded step
  // on ranks that can share memory, until a step is not sharded. Each rank
  // updates its part in place, and none gathers the others'. SetVariable()
  // is then collective: rank 0's value is every rank's.
  bool variables_shared() const { return shared_.in_use; }
  // Gives each rank its own copy of the variables again, as after a run
  // of steps (ModelRun::Train); the next sharded step shares them again.
  // Collective, like a step; nothing to do when they are not shared.
  [[nodiscard]] absl::Status UnshareVariables();
  // The communicator of SetDataParallel(), or null.
  Communicator* communicator() const {
    return exchange_ ? &exchange_->communicator() : nullptr;
  }
  // Data-parallel: the steps since SetDataParallel() and the wall time
  // they waited for the exchange after their backward pass (the sums not
  // hidden behind it, waiting for the slowest rank, and the states and
  // loss): what the exchange costs on top of a rank's own step.
  struct ExchangeTime {
    int64_t steps = 0;
    int64_t ns = 0;
  };
  ExchangeTime exchange_time() const { return exchange_time_; }
  // Data-parallel: asked at the end of every training step's exchange for
  // this rank's vote to stop; stop_voted() then says whether any rank's
  // vote was yes. The ranks agree on a stop without a sum of its own.
  // Null: no vote.
  void SetStopVote(std::function<bool()> vote) { stop_vote_ = std::move(vote); }
  bool stop_voted() const { return stop_voted_; }

  // Forward only: output of each fetch ("node" or "node:k"). Feeds only the
  // placeholders the fetches need.
  // Both calls build a plan for feeds of a new shape: ResourceExhausted,
  // before its buffers are allocated, when it and what the session holds
  // already exceed the memory limit.
  [[nodiscard]] absl::StatusOr<std::vector<Tensor>> Run(
      absl::Span<const Feed> feeds, absl::Span<const std::string> fetches);

  const Graph& graph() const { return *graph_; }
  // Variable nodes, in graph order.
  const std::vector<int>& variable_nodes() const { return variable_nodes_; }
  const Tensor& variable(int node) const { return variables_[node]; }
  // Replaces a variable's value. InvalidArgument when dtype or shape differ.
  // Collective while the variables are shared (variables_shared()).
  [[nodiscard]] absl::Status SetVariable(int node, const Tensor& value);
  // The optimizer's slots of `node`, in the optimizer's SlotNames() order;
  // only trainable variables have them. After a data-parallel step that
  // sharded the update (shards_update()), each rank's slots are right only
  // in its part until GatherShardedSlots().
  std::vector<Tensor>& slots(int node) { return slots_[node]; }
  const std::vector<Tensor>& slots(int node) const { return slots_[node]; }
  // The update rule from SetTraining(); null before it.
  const UpdateRule* update_rule() const { return update_rule_.get(); }
  // dL/d(variable) from the last TrainStep(), after clipping and before the
  // update; null before the first step or for a variable the loss does not
  // depend on. A sharded data-parallel step sums it over the ranks only in
  // this rank's part (core/gradient_exchange.h); elsewhere it is whatever
  // the communicator left there.
  const Tensor* last_gradient(int node) const;
  // Output `output` of `node` as the last TrainStep() computed it, for the
  // loss, the Variables and what SetTraining() was asked to keep (and any
  // value when the session does not reuse buffers); null otherwise.
  const Tensor* last_value(int node, int output = 0) const;
  // The first NaN or infinity of the last TrainStep(), when it looked for
  // one (see TrainStep()) and found it; null otherwise.
  const NumericalFault* numerical_fault() const {
    return fault_.has_value() ? &*fault_ : nullptr;
  }
  int64_t step() const { return step_; }
  void set_step(int64_t step) { step_ = step; }
  int threads() const { return executor_.threads(); }

  // Profiling, as `caffe time` (core/profile.h). While on, TrainStep()
  // times every step of its plan (forward kernels, gradient kernels,
  // fan-out sums), each variable's update and the wall time of each phase,
  // into totals sized in advance: a step still allocates nothing. Off by
  // default; off, a step pays one branch per phase and per update. Run()
  // is not profiled.
  void set_profiling(bool on) { profiling_ = on; }
  // Data buffers the run holds besides the session's own (the windows of
  // streamed data): counted against the memory limit with its plans.
  // ResourceExhausted when they alone, with the variables and slots, pass
  // it.
  [[nodiscard]] absl::Status SetDataBytes(size_t bytes);
  bool profiling() const { return profiling_; }
  // Totals since creation, the last ResetProfile() or SetTraining() (which
  // drops the plans and their times).
  Profile profile() const;
  void ResetProfile();
  // The buffers of the training plan for feeds of these shapes (built now,
  // without running, if no step has used them yet), with the variables and
  // optimizer slots. FailedPrecondition before SetTraining(); feed errors
  // as TrainStep().
  [[nodiscard]] absl::StatusOr<MemoryPlan> TrainingMemory(
      absl::Span<const Feed> feeds);

 private:
  Session(std::shared_ptr<const Graph> graph, const SessionOptions& options);
  // Refuses variables that exceed the memory limit, before allocating any.
  [[nodiscard]] absl::Status CheckVariableMemory() const;
  [[nodiscard]] absl::Status InitializeVariables(uint64_t seed);
  // The memory check of a new plan of `plan_bytes` for these feeds.
  [[nodiscard]] absl::Status CheckPlanMemory(
      size_t plan_bytes, bool training,
      absl::Span<const std::pair<int, const Tensor*>> feeds) const;
  // What the session holds: its variables, slots and every cached plan's
  // arena. Every memory check counts from it.
  struct HeldBytes {
    size_t variables = 0;
    size_t slots = 0;
    size_t plans = 0;
    size_t data = 0;
    size_t total() const { return variables + slots + plans + data; }
  };
  HeldBytes Held() const;
  void KeepSlots(const std::vector<std::string>& slot_names);
  // Scans `plan` after its backward run into fault_; with check_numerics,
  // a fault is an error.
  [[nodiscard]] absl::Status ScanForNonFinite(const Plan& plan, double loss);
  std::optional<NonFinite> RerunKeepingBuffers();
  std::string DescribeNonFinite(const NonFinite& found) const;
  // Resolves feeds to placeholder nodes and checks their dtypes.
  [[nodiscard]] absl::Status ResolveFeeds(
      absl::Span<const Feed> feeds,
      std::vector<std::pair<int, const Tensor*>>* out);
  [[nodiscard]] absl::StatusOr<std::unique_ptr<Plan>> BuildPlan(
      absl::Span<const std::pair<int, const Tensor*>> feeds,
      const std::vector<int>& targets, bool training, bool reuse_buffers);
  struct CachedPlan;
  [[nodiscard]] absl::StatusOr<CachedPlan*> FindOrBuildPlan(
      absl::Span<const std::pair<int, const Tensor*>> feeds,
      const std::vector<int>& targets, bool training);
  void CopyFeeds(Plan& plan,
                 absl::Span<const std::pair<int, const Tensor*>> feeds);
  // The optimizer's step; data-parallel and sharded, on this rank's parts,
  // then the variables gathered (or, shared, a barrier).
  [[nodiscard]] absl::Status ApplyUpdates(Plan& plan);
  void ApplyShardedUpdates(const Plan& plan, const UpdateContext& update);
  // The optimizer's Apply() on variable `v` (or a part of it), timed when
  // profiling.
  void ApplyOptimizer(const UpdateContext& update, int v, Tensor& value,
                      const Tensor& gradient, absl::Span<Tensor* const> slots);
  // The data-parallel exchange of a step of `plan`: begun before its
  // backward pass, finished after it with `status`, this rank's outcome so
  // far, which becomes an error on every rank if it is one on any.
  void BeginExchange(Plan& plan, double share);
  [[nodiscard]] absl::Status FinishExchange(absl::Status status, double* loss);

  struct CachedPlan {
    bool training;
    std::vector<int> targets;
    std::unique_ptr<Plan> plan;
    ConcurrencyTuner tuner;
  };
  // The tuner for entering the executor with `cached`'s plan, or null.
  ConcurrencyTuner* TunerFor(CachedPlan& cached) {
    return adapt_threads_ ? &cached.tuner : nullptr;
  }

  std::shared_ptr<const Graph> graph_;
  Executor executor_;
  const size_t memory_limit_bytes_;
  size_t data_bytes_ = 0;
  const bool check_numerics_;
  const bool adapt_threads_;
  const bool reuse_buffers_;
  // Each plan derives its nodes' seeds from it (core/kernel_context.h).
  const uint64_t seed_;
  const ConcurrencyTunerOptions thread_tuning_;
  std::optional<NumericalFault> fault_;
  // By node index; only Variable nodes have values and slots.
  std::vector<Tensor> variables_;
  std::vector<std::vector<Tensor>> slots_;
  // The optimizer's SlotNames(), in slots_ order.
  std::vector<std::string> slot_names_;
  // slots_ as the pointers Optimizer::Apply takes.
  std::vector<std::vector<Tensor*>> slot_pointers_;
  std::vector<int> variable_nodes_;
  std::vector<int> trainable_nodes_;
  // Grain of the optimizer's update over variables; set by SetTraining().
  int64_t variables_per_update_task_ = 1;
  int loss_ = -1;
  // What training plans keep after a step: the loss and SetTraining's keep.
  std::vector<int> training_targets_;
  std::unique_ptr<UpdateRule> update_rule_;
  // Gradients of the trainable variables in the last plan, for clipping.
  std::vector<Tensor*> clip_gradients_;
  int64_t step_ = 0;
  std::vector<CachedPlan> plans_;
  const Plan* last_training_plan_ = nullptr;
  // Reused by TrainStep so that resolving feeds does not allocate.
  std::vector<std::pair<int, const Tensor*>> resolved_feeds_;
  // Data-parallel training; null alone. With it, the trainable variables'
  // gradients and the state variables (those feeding an op's state input)
  // are what each step exchanges.
  std::unique_ptr<GradientExchange> exchange_;
  std::vector<Tensor*> exchanged_gradients_;
  // The variables of exchanged_gradients_, in their order.
  std::vector<Tensor*> exchanged_values_;
  std::vector<Tensor*> exchanged_states_;
  // This step's update is sharded; and some step's since the slots were
  // last gathered.
  bool sharded_step_ = false;
  bool slots_sharded_ = false;
  // What the ranks share (core/session_shared_variables.cc), in memory the
  // exchange's communicator holds (AllocateShared); reset with the
  // communicator.
  struct SharedVariables {
    // The trainable variables are views of `values` now.
    bool in_use = false;
    // The communicator has no memory to share: they stay the session's.
    bool refused = false;
    // One copy of every trainable variable, each at its offset (by node)
    // in `bytes`; and each rank's gradients laid out alike, `bytes` apart
    // (null: the exchange's collectives sum them).
    void* values = nullptr;
    void* gradients = nullptr;
    size_t bytes = 0;
    std::vector<size_t> offsets;
  };
  SharedVariables shared_;
  // Shares the variables when the step is sharded, else makes them the
  // session's own again. Collective, before a step's forward pass.
  [[nodiscard]] absl::Status PlaceVariables();
  [[nodiscard]] absl::Status ShareVariables();
  // With the variables shared: moves `plan`'s gradients of them into this
  // rank's region of the shared gradients (before its backward pass), and
  // returns the exchange's gradient stride; 0 when they are not shared.
  ptrdiff_t ShareGradients(Plan& plan);
  // Whether `node`'s value is in the shared memory.
  bool IsShared(int node) const;
  ExchangeTime exchange_time_;
  std::function<bool()> stop_vote_;
  bool stop_voted_ = false;

  // Profiling state; the step times of plan steps live in the plans.
  // Defined in core/session_profile.cc, apart from the phase laps in
  // TrainStep() and the update timing in ApplyUpdates().
  struct PhaseTimes {
    int64_t steps = 0;
    int64_t forward_ns = 0;
    int64_t backward_ns = 0;
    int64_t update_ns = 0;
  };
  bool profiling_ = false;
  PhaseTimes phase_times_;
  // Each trainable variable's update time, by node; sized by SetTraining().
  std::vector<StepTime> update_times_;
};

}  // namespace nabla

#endif  // NABLA_CORE_SESSION_H_
