#include "core/session.h"

#include <cmath>
#include <cstring>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/gradient_path.h"
#include "core/memory_limit.h"
#include "core/parallel.h"
#include "core/random.h"
#include "core/status_macros.h"

namespace nabla {

Session::Session(std::shared_ptr<const Graph> graph,
                 const SessionOptions& options)
    : graph_(std::move(graph)),
      executor_(options.threads, options.flush_denormals),
      memory_limit_bytes_(options.memory_limit_bytes),
      check_numerics_(options.check_numerics),
      adapt_threads_(options.adapt_threads && options.threads > 1),
      reuse_buffers_(options.reuse_buffers),
      seed_(options.seed),
      thread_tuning_(options.thread_tuning) {}

absl::StatusOr<std::unique_ptr<Session>> Session::Create(
    std::shared_ptr<const Graph> graph, const SessionOptions& options) {
  if (options.threads < 1 || options.threads > 1024) {
    return absl::InvalidArgumentError(absl::StrCat(
        "threads must be between 1 and 1024, got ", options.threads));
  }
  std::unique_ptr<Session> session(new Session(std::move(graph), options));
  NABLA_RETURN_IF_ERROR(session->CheckVariableMemory());
  NABLA_RETURN_IF_ERROR(session->InitializeVariables(options.seed));
  return session;
}

absl::Status Session::CheckVariableMemory() const {
  size_t total = 0, largest_bytes = 0;
  int largest = -1;
  for (int i = 0; i < graph_->num_nodes(); ++i) {
    const Node& node = graph_->node(i);
    if (node.op->role() != OpRole::kVariable) continue;
    const Shape& shape = node.output_shapes[0];
    if (!shape.IsFullyDefined()) {
      return absl::InvalidArgumentError(
          absl::StrCat(graph_->Describe(i), ": variable shape ",
                       shape.ToString(), " must be fully defined"));
    }
    const size_t bytes = static_cast<size_t>(shape.num_elements()) *
                         DTypeSize(node.output_dtypes[0]);
    total += bytes;
    if (largest < 0 || bytes > largest_bytes) {
      largest = i;
      largest_bytes = bytes;
    }
  }
  if (largest < 0) return absl::OkStatus();
  const Node& node = graph_->node(largest);
  return CheckMemoryLimit(
      total, memory_limit_bytes_, "the variables need",
      absl::StrCat("; the largest is ", graph_->Describe(largest), ", ",
                   DTypeName(node.output_dtypes[0]),
                   node.output_shapes[0].ToString(), ", ", largest_bytes,
                   " bytes"));
}

absl::Status Session::InitializeVariables(uint64_t seed) {
  const int n = graph_->num_nodes();
  variables_.resize(n);
  slots_.resize(n);
  for (int i = 0; i < n; ++i) {
    const Node& node = graph_->node(i);
    if (node.op->role() != OpRole::kVariable) continue;
    variable_nodes_.push_back(i);
    variables_[i] = Tensor(node.output_dtypes[0], node.output_shapes[0]);
    std::mt19937_64 rng(DeriveSeed(seed, node.name));
    InitContext ctx(&node.attrs, &variables_[i], &rng);
    absl::Status s = node.op->initializer()(ctx);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(graph_->Describe(i), ": ", s.message()));
    }
    if (node.attrs.GetBool("trainable")) trainable_nodes_.push_back(i);
  }
  return absl::OkStatus();
}

absl::Status Session::SetVariable(int node, const Tensor& value) {
  Tensor& target = variables_[node];
  if (value.dtype() != target.dtype() || value.shape() != target.shape()) {
    return absl::InvalidArgumentError(
        absl::StrCat(graph_->Describe(node), " is ", DTypeName(target.dtype()),
                     target.shape().ToString(), ", got ",
                     DTypeName(value.dtype()), value.shape().ToString()));
  }
  if (!IsShared(node)) {
    target = value;
    return absl::OkStatus();
  }
  // One copy for every rank: written once, while no rank reads it.
  Communicator& ranks = exchange_->communicator();
  NABLA_RETURN_IF_ERROR(ranks.Barrier());
  if (ranks.rank() == 0) target = value;
  return ranks.Barrier();
}

absl::Status Session::SetTraining(absl::string_view loss, UpdateRule rule,
                                  absl::Span<const Endpoint> keep) {
  // The slots the new optimizer keeps must be whole on every rank; first,
  // so that an error changes nothing.
  NABLA_RETURN_IF_ERROR(GatherShardedSlots());
  NABLA_ASSIGN_OR_RETURN(const int loss_node, graph_->FindNode(loss));
  // The planner lays out the backward pass over the same path; asking now
  // refuses a loss that cannot be trained before any plan is built.
  NABLA_RETURN_IF_ERROR(
      GradientPath(*graph_, loss_node, trainable_nodes_).status());
  for (const Endpoint& e : keep) {
    if (e.node < 0 || e.node >= graph_->num_nodes() || e.output < 0 ||
        e.output >=
            static_cast<int>(graph_->node(e.node).output_shapes.size())) {
      return absl::InvalidArgumentError(absl::StrCat("SetTraining: no output ",
                                                     e.output, " of node ",
                                                     e.node, " to keep"));
    }
  }
  const std::vector<std::string> slot_names = rule.optimizer().SlotNames();
  size_t trainable_bytes = 0;
  for (int v : trainable_nodes_) trainable_bytes += variables_[v].num_bytes();
  const size_t slot_bytes = slot_names.size() * trainable_bytes;
  // The plans are dropped below, so the variables and the new slots are
  // all the session will hold.
  NABLA_RETURN_IF_ERROR(CheckMemoryLimit(
      Held().variables + slot_bytes, memory_limit_bytes_,
      "the variables and the optimizer's slots need",
      absl::StrCat(": variables ", Held().variables, " bytes, ",
                   slot_names.size(), " slot(s) per trainable variable (",
                   absl::StrJoin(slot_names, ", "), ") ", slot_bytes,
                   " bytes")));
  loss_ = loss_node;
  training_targets_ = {loss_node};
  for (const Endpoint& e : keep) {
    if (std::find(training_targets_.begin(), training_targets_.end(), e.node) ==
        training_targets_.end()) {
      training_targets_.push_back(e.node);
    }
  }
  std::sort(training_targets_.begin(), training_targets_.end());
  update_rule_ = std::make_unique<UpdateRule>(std::move(rule));
  // One update task per variable only when there is enough to update:
  // waking a worker costs more than updating the tutorial networks' few
  // weights.
  int64_t parameters = 0;
  for (int v : trainable_nodes_) parameters += variables_[v].num_elements();
  variables_per_update_task_ =
      parameters < (1 << 14) ? std::max<int64_t>(1, trainable_nodes_.size())
                             : 1;
  clip_gradients_.reserve(trainable_nodes_.size());
  KeepSlots(slot_names);
  // Plans for training depend on the loss; drop any built before.
  plans_.clear();
  last_training_plan_ = nullptr;
  update_times_.assign(graph_->num_nodes(), StepTime());
  ResetProfile();
  return absl::OkStatus();
}

// Slots the new optimizer shares by name with the old one keep their
// values (a run that changes its learning rate continues the same
// optimizer state); the others start at zero.
void Session::KeepSlots(const std::vector<std::string>& slot_names) {
  slot_pointers_.assign(graph_->num_nodes(), {});
  for (int v : trainable_nodes_) {
    std::vector<Tensor> slots;
    for (const std::string& name : slot_names) {
      const auto old = std::find(slot_names_.begin(), slot_names_.end(), name);
      if (old != slot_names_.end() &&
          static_cast<size_t>(old - slot_names_.begin()) < slots_[v].size()) {
        slots.push_back(std::move(slots_[v][old - slot_names_.begin()]));
      } else {
        slots.emplace_back(variables_[v].dtype(), variables_[v].shape());
      }
    }
    slots_[v] = std::move(slots);
    for (Tensor& slot : slots_[v]) slot_pointers_[v].push_back(&slot);
  }
  slot_names_ = slot_names;
}

absl::Status Session::ResolveFeeds(
    absl::Span<const Feed> feeds,
    std::vector<std::pair<int, const Tensor*>>* out) {
  out->clear();
  for (const Feed& feed : feeds) {
    auto node = graph_->FindNode(feed.placeholder);
    if (!node.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("feed: ", node.status().message()));
    }
    const Node& placeholder = graph_->node(*node);
    if (placeholder.op->role() != OpRole::kPlaceholder) {
      return absl::InvalidArgumentError(absl::StrCat(
          "feed: ", graph_->Describe(*node), " is not a Placeholder"));
    }
    if (feed.tensor->dtype() != placeholder.output_dtypes[0]) {
      return absl::InvalidArgumentError(
          absl::StrCat("feed: ", graph_->Describe(*node), " takes ",
                       DTypeName(placeholder.output_dtypes[0]), ", fed ",
                       DTypeName(feed.tensor->dtype())));
    }
    for (const auto& [seen, tensor] : *out) {
      if (seen == *node) {
        return absl::InvalidArgumentError(
            absl::StrCat("feed: ", graph_->Describe(*node), " is fed twice"));
      }
    }
    out->emplace_back(*node, feed.tensor);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Plan>> Session::BuildPlan(
    absl::Span<const std::pair<int, const Tensor*>> feeds,
    const std::vector<int>& targets, bool training, bool reuse_buffers) {
  PlanRequest request;
  for (const auto& [node, tensor] : feeds) {
    request.feeds.emplace_back(node, tensor->shape());
  }
  request.targets = targets;
  if (training) {
    request.loss = loss_;
    request.trainable = trainable_nodes_;
  }
  request.reuse_buffers = reuse_buffers;
  request.seed = seed_;
  request.check_memory = [&](size_t plan_bytes) {
    return CheckPlanMemory(plan_bytes, training, feeds);
  };
  return Plan::Build(*graph_, variables_, request);
}

absl::StatusOr<Session::CachedPlan*> Session::FindOrBuildPlan(
    absl::Span<const std::pair<int, const Tensor*>> feeds,
    const std::vector<int>& targets, bool training) {
  for (CachedPlan& cached : plans_) {
    if (cached.training == training && cached.targets == targets &&
        cached.plan->Serves(feeds)) {
      return &cached;
    }
  }
  // A scan for NaN reads every value and gradient after the step, so those
  // plans keep them all.
  NABLA_ASSIGN_OR_RETURN(
      std::unique_ptr<Plan> plan,
      BuildPlan(feeds, targets, training,
                reuse_buffers_ && !(training && check_numerics_)));
  plans_.push_back(
      {training, targets, std::move(plan), ConcurrencyTuner(thread_tuning_)});
  return &plans_.back();
}

absl::Status Session::SetDataBytes(size_t bytes) {
  data_bytes_ = bytes;
  if (memory_limit_bytes_ == 0) return absl::OkStatus();
  const HeldBytes held = Held();
  return CheckMemoryLimit(
      held.total(), memory_limit_bytes_,
      "the streamed data's buffers and the model need",
      absl::StrCat(": data buffers ", held.data, " bytes, variables ",
                   held.variables, ", optimizer slots ", held.slots, ", plans ",
                   held.plans));
}

Session::HeldBytes Session::Held() const {
  HeldBytes held;
  held.data = data_bytes_;
  for (int v : variable_nodes_) {
    held.variables += variables_[v].num_bytes();
    for (const Tensor& slot : slots_[v]) held.slots += slot.num_bytes();
  }
  for (const CachedPlan& cached : plans_)
    held.plans += cached.plan->num_bytes();
  return held;
}

absl::Status Session::CheckPlanMemory(
    size_t plan_bytes, bool training,
    absl::Span<const std::pair<int, const Tensor*>> feeds) const {
  if (memory_limit_bytes_ == 0) return absl::OkStatus();
  // Cached plans stay allocated: they count against the limit too.
  const HeldBytes held = Held();
  std::vector<std::string> fed;
  for (const auto& [node, tensor] : feeds) {
    fed.push_back(
        absl::StrCat(graph_->node(node).name, tensor->shape().ToString()));
  }
  return CheckMemoryLimit(
      plan_bytes + held.total(), memory_limit_bytes_,
      absl::StrCat("the ", training ? "training" : "forward", " plan",
                   fed.empty() ? "" : " for ", absl::StrJoin(fed, ", "),
                   " needs"),
      absl::StrCat(
          ": its buffers ", plan_bytes, " bytes, variables ", held.variables,
          ", optimizer slots ", held.slots, ", other plans ", held.plans,
          held.data > 0 ? absl::StrCat(", data buffers ", held.data) : ""));
}

void Session::CopyFeeds(Plan& plan,
                        absl::Span<const std::pair<int, const Tensor*>> feeds) {
  for (const auto& [node, tensor] : feeds) {
    Tensor* buffer = plan.feed_buffer(node);
    if (buffer == nullptr) continue;  // fed but not needed
    std::memcpy(buffer->raw_data(), tensor->raw_data(), tensor->num_bytes());
  }
}

absl::Status Session::ApplyUpdates(Plan& plan) {
  const UpdateContext update{step_, update_rule_->LearningRate(step_ - 1)};
  if (sharded_step_) {
    ApplyShardedUpdates(plan, update);
    slots_sharded_ = true;
    // Every rank's part written before any rank's next pass reads it.
    if (shared_.in_use) return exchange_->communicator().Barrier();
    return exchange_->GatherVariables(exchanged_values_);
  }
  const GradientClipping& clipping = update_rule_->clipping();
  if (clipping.value > 0 || clipping.norm > 0) {
    clip_gradients_.clear();  // keeps its capacity: no allocation
    for (int v : trainable_nodes_) {
      if (Tensor* gradient = plan.variable_gradient(v)) {
        clip_gradients_.push_back(gradient);
      }
    }
    update_rule_->ClipGradients(clip_gradients_);
  }
  ParallelFor(static_cast<int64_t>(trainable_nodes_.size()),
              variables_per_update_task_, [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                  const int v = trainable_nodes_[i];
                  // A variable the loss does not use has no gradient.
                  const Tensor* gradient = plan.variable_gradient(v);
                  if (gradient == nullptr) continue;
                  ApplyOptimizer(update, v, variables_[v], *gradient,
                                 slot_pointers_[v]);
                }
              });
  return absl::OkStatus();
}

void Session::ApplyOptimizer(const UpdateContext& update, int v, Tensor& value,
                             const Tensor& gradient,
                             absl::Span<Tensor* const> slots) {
  const int64_t start = profiling_ ? ProfileNowNs() : 0;
  update_rule_->optimizer().Apply(update, value, gradient, slots);
  if (profiling_) {
    update_times_[v].ns += ProfileNowNs() - start;
    ++update_times_[v].count;
  }
}

// The optimizer on views of this rank's part of each variable, its
// gradient and its slots: an elementwise optimizer updates them as it
// would in the whole.
void Session::ApplyShardedUpdates(const Plan& plan,
                                  const UpdateContext& update) {
  const absl::Span<const int> order = plan.gradient_order();
  const int rank = exchange_->communicator().rank();
  const int ranks = exchange_->communicator().size();
  ParallelFor(
      static_cast<int64_t>(order.size()), variables_per_update_task_,
      [&](int64_t first, int64_t end) {
        for (int64_t i = first; i < end; ++i) {
          const int v = order[i];
          Tensor& value = variables_[v];
          const int64_t begin = ShardBegin(value.num_elements(), rank, ranks);
          const int64_t size =
              ShardBegin(value.num_elements(), rank + 1, ranks) - begin;
          if (size == 0) continue;
          const Shape part({size});
          const size_t offset = begin * DTypeSize(value.dtype());
          auto view = [&](const Tensor& whole) {
            return Tensor::View(
                whole.dtype(), part,
                static_cast<char*>(const_cast<void*>(whole.raw_data())) +
                    offset);
          };
          Tensor value_part = view(value);
          const Tensor gradient_part = view(*exchanged_gradients_[i]);
          absl::InlinedVector<Tensor, 3> slot_parts;
          absl::InlinedVector<Tensor*, 3> slot_pointers;
          for (const Tensor& slot : slots_[v]) slot_parts.push_back(view(slot));
          for (Tensor& slot : slot_parts) slot_pointers.push_back(&slot);
          ApplyOptimizer(update, v, value_part, gradient_part, slot_pointers);
        }
      });
}

bool Session::shards_update() const {
  if (exchange_ == nullptr || exchange_->communicator().size() < 2 ||
      update_rule_ == nullptr) {
    return false;
  }
  const GradientClipping& clipping = update_rule_->clipping();
  return update_rule_->optimizer().elementwise() && clipping.value == 0 &&
         clipping.norm == 0;
}

absl::Status Session::GatherShardedSlots() {
  if (!slots_sharded_ || exchange_ == nullptr) return absl::OkStatus();
  for (int v : trainable_nodes_) {
    for (Tensor& slot : slots_[v]) {
      NABLA_RETURN_IF_ERROR(exchange_->GatherShards(slot));
    }
  }
  slots_sharded_ = false;
  return absl::OkStatus();
}

const Tensor* Session::last_value(int node, int output) const {
  if (last_training_plan_ == nullptr) return nullptr;
  return last_training_plan_->value({node, output});
}

const Tensor* Session::last_gradient(int node) const {
  if (last_training_plan_ == nullptr) return nullptr;
  return last_training_plan_->variable_gradient(node);
}

absl::Status Session::SetDataParallel(Communicator* communicator,
                                      bool overlap) {
  NABLA_RETURN_IF_ERROR(GatherShardedSlots());
  NABLA_RETURN_IF_ERROR(UnshareVariables());
  sharded_step_ = false;
  shared_ = {};  // the old communicator's
  exchange_.reset();
  exchanged_states_.clear();
  exchange_time_ = {};
  if (communicator == nullptr) return absl::OkStatus();
  exchange_ = std::make_unique<GradientExchange>(*communicator, overlap);
  for (int n = 0; n < graph_->num_nodes(); ++n) {
    const Node& node = graph_->node(n);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      if (node.op->input(k).state) {
        exchanged_states_.push_back(&variables_[node.inputs[k].node]);
      }
    }
  }
  exchanged_gradients_.reserve(trainable_nodes_.size());
  exchanged_values_.reserve(trainable_nodes_.size());
  return absl::OkStatus();
}

void Session::BeginExchange(Plan& plan, double share) {
  exchanged_gradients_.clear();  // these keep their capacity: no allocation
  exchanged_values_.clear();
  for (int v : plan.gradient_order()) {
    exchanged_gradients_.push_back(plan.variable_gradient(v));
    exchanged_values_.push_back(&variables_[v]);
  }
  sharded_step_ = shards_update();
  const ptrdiff_t gradient_stride = sharded_step_ ? ShareGradients(plan) : 0;
  exchange_->BeginStep(plan.gradient_order(), exchanged_gradients_, share,
                       sharded_step_, gradient_stride);
}

absl::Status Session::FinishExchange(absl::Status status, double* loss) {
  const int64_t start = ProfileNowNs();
  GradientExchange::Votes votes;
  votes.stop = stop_vote_ && stop_vote_();
  votes.failed = !status.ok();
  const absl::Status exchanged =
      exchange_->FinishStep(exchanged_states_, loss, &votes);
  ++exchange_time_.steps;
  exchange_time_.ns += ProfileNowNs() - start;
  stop_voted_ = votes.stop;
  NABLA_RETURN_IF_ERROR(status);
  NABLA_RETURN_IF_ERROR(exchanged);
  if (!votes.failed) return absl::OkStatus();
  const Communicator& ranks = exchange_->communicator();
  return absl::AbortedError(
      absl::StrCat("the step failed on ",
                   votes.failed_rank >= 0
                       ? absl::StrCat("rank ", votes.failed_rank, " of ",
                                      ranks.size(), " (its error says why)")
                       : "several ranks (their errors say why)",
                   "; no rank updated anything (", DescribeRank(ranks), ")"));
}

absl::StatusOr<double> Session::TrainStep(absl::Span<const Feed> feeds,
                                          const BatchShard& shard) {
  if (update_rule_ == nullptr) {
    return absl::FailedPreconditionError(
        "TrainStep before SetTraining: no loss or optimizer chosen");
  }
  NABLA_RETURN_IF_ERROR(ResolveFeeds(feeds, &resolved_feeds_));
  NABLA_ASSIGN_OR_RETURN(
      CachedPlan * cached,
      FindOrBuildPlan(resolved_feeds_, training_targets_, true));
  Plan* plan = cached->plan.get();
  CopyFeeds(*plan, resolved_feeds_);
  plan->SetStep(step_);
  plan->SetFirstSample(shard.first_sample);
  last_training_plan_ = plan;
  fault_.reset();
  absl::Status status;
  double loss = 0;
  if (exchange_ != nullptr) {
    NABLA_RETURN_IF_ERROR(PlaceVariables());
    exchange_->SnapshotState(exchanged_states_);
  }
  executor_.Enter(
      [&] {
        PhaseStopwatch stopwatch(profiling_);
        status = plan->RunForward(executor_, profiling_);
        stopwatch.Lap(&phase_times_.forward_ns);
        // Data-parallel, the backward pass computes this rank's share of
        // the batch's gradient (core/gradient_exchange.h), and a rank whose
        // forward pass failed still takes part in the exchange.
        plan->SetLossSeed(exchange_ != nullptr ? shard.share : 1);
        if (exchange_ != nullptr) BeginExchange(*plan, shard.share);
        const double own_loss =
            status.ok() ? plan->value({loss_, 0})->ValueAt(0) : 0;
        loss = own_loss;
        if (status.ok()) {
          status = plan->RunBackward(executor_, profiling_, exchange_.get());
        }
        stopwatch.Lap(&phase_times_.backward_ns);
        // Before the update, so that the variables the scan sees are the
        // ones this step used. Off, this costs one test of the loss.
        if (status.ok() && (check_numerics_ || !std::isfinite(own_loss))) {
          // The scan may read the gradients: their sums first (sharded, the
          // sums of this rank's parts; a NaN elsewhere is still its own
          // share's or another rank's part's, which that rank names).
          if (exchange_ != nullptr) exchange_->WaitForBuckets();
          status = ScanForNonFinite(*plan, own_loss);
        }
        if (exchange_ != nullptr) status = FinishExchange(status, &loss);
        if (!status.ok()) return;
        // Data-parallel, every rank sees the batch's loss: the rank whose
        // shard made it non-finite names the node, the others say where to
        // look.
        if (!std::isfinite(loss) && !fault_.has_value()) {
          fault_ = NumericalFault{
              step_ + 1, loss, -1, false,
              absl::StrCat("in another rank's shard of the batch (",
                           DescribeRank(exchange_->communicator()),
                           " found none in its own)")};
        }
        ++step_;
        status = ApplyUpdates(*plan);
        stopwatch.Lap(&phase_times_.update_ns);
        if (profiling_) ++phase_times_.steps;
      },
      TunerFor(*cached));
  NABLA_RETURN_IF_ERROR(status);
  return loss;
}

absl::Status Session::ScanForNonFinite(const Plan& plan, double loss) {
  const std::optional<NonFinite> found =
      plan.reuses_buffers() ? RerunKeepingBuffers() : plan.FindNonFinite();
  if (!found.has_value()) return absl::OkStatus();
  fault_ = NumericalFault{step_ + 1, loss, found->node,
                          found->kind != NonFinite::Kind::kValue,
                          DescribeNonFinite(*found)};
  if (!check_numerics_) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "the first NaN or infinity at step ", fault_->step, ": ", fault_->where));
}

// Later steps of a plan that reuses memory wrote over what earlier ones
// computed: the step runs again on a plan that keeps every buffer. The
// variables have not changed, so it computes the same bits. It allocates,
// but only on this rare path; if it cannot run, the fault stays unnamed.
std::optional<NonFinite> Session::RerunKeepingBuffers() {
  absl::StatusOr<std::unique_ptr<Plan>> keeping =
      BuildPlan(resolved_feeds_, training_targets_, /*training=*/true,
                /*reuse_buffers=*/false);
  if (!keeping.ok()) return std::nullopt;
  Plan& plan = **keeping;
  CopyFeeds(plan, resolved_feeds_);
  plan.SetStep(step_);
  // The step updated its state (BatchNorm's running statistics) already:
  // the re-run must not update it twice.
  std::vector<std::pair<int, Tensor>> state;
  for (int v : variable_nodes_) {
    if (!graph_->node(v).attrs.GetBool("trainable")) {
      state.emplace_back(v, variables_[v]);
    }
  }
  const bool ran =
      plan.RunForward(executor_).ok() && plan.RunBackward(executor_).ok();
  for (const auto& [v, value] : state) {
    std::memcpy(variables_[v].raw_data(), value.raw_data(), value.num_bytes());
  }
  if (!ran) return std::nullopt;
  return plan.FindNonFinite();
}

std::string Session::DescribeNonFinite(const NonFinite& found) const {
  const Node& node = graph_->node(found.node);
  std::string what;
  switch (found.kind) {
    case NonFinite::Kind::kValue:
      what = node.output_shapes.size() == 1
                 ? "its output value"
                 : absl::StrCat("its output ", found.index, " value");
      break;
    case NonFinite::Kind::kGradient: {
      const Endpoint& input = node.inputs[found.index];
      what = absl::StrCat(
          "its gradient for input ", found.index, " ('",
          graph_->node(input.node).name,
          input.output == 0 ? "" : absl::StrCat(":", input.output), "')");
      break;
    }
    case NonFinite::Kind::kSummedGradient:
      what = "its gradient summed over its uses";
      break;
  }
  std::string where = absl::StrCat(graph_->Describe(found.node), ": ", what,
                                   " holds ", found.value);
  if (found.shape.rank() == 0) return where;
  // The element as an index into the shape: [row, column] for a matrix.
  std::vector<int64_t> index(found.shape.rank());
  int64_t rest = found.element;
  for (int d = found.shape.rank() - 1; d >= 0; --d) {
    index[d] = rest % found.shape.dim(d);
    rest /= found.shape.dim(d);
  }
  absl::StrAppend(&where, " at [", absl::StrJoin(index, ", "), "]");
  return where;
}

absl::StatusOr<std::vector<Tensor>> Session::Run(
    absl::Span<const Feed> feeds, absl::Span<const std::string> fetches) {
  std::vector<Endpoint> endpoints;
  std::vector<int> targets;
  for (const std::string& fetch : fetches) {
    std::string name;
    int output = 0;
    if (!ParseInputName(fetch, &name, &output)) {
      return absl::InvalidArgumentError(
          absl::StrCat("fetch '", fetch, "' is not \"node\" or \"node:k\""));
    }
    NABLA_ASSIGN_OR_RETURN(const int node, graph_->FindNode(name));
    if (output >= static_cast<int>(graph_->node(node).output_shapes.size())) {
      return absl::InvalidArgumentError(
          absl::StrCat("fetch '", fetch, "': ", graph_->Describe(node),
                       " has no output ", output));
    }
    endpoints.push_back({node, output});
    if (std::find(targets.begin(), targets.end(), node) == targets.end()) {
      targets.push_back(node);
    }
  }
  std::sort(targets.begin(), targets.end());
  std::vector<std::pair<int, const Tensor*>> resolved;
  NABLA_RETURN_IF_ERROR(ResolveFeeds(feeds, &resolved));
  NABLA_ASSIGN_OR_RETURN(CachedPlan * cached,
                         FindOrBuildPlan(resolved, targets, false));
  Plan* plan = cached->plan.get();
  CopyFeeds(*plan, resolved);
  absl::Status status;
  executor_.Enter([&] { status = plan->RunForward(executor_); },
                  TunerFor(*cached));
  NABLA_RETURN_IF_ERROR(status);
  std::vector<Tensor> outputs;
  for (const Endpoint& e : endpoints) outputs.push_back(*plan->value(e));
  return outputs;
}

}  // namespace nabla
