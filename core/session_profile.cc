// Session's profiling and memory accounting (declared in core/session.h),
// kept apart from the training path in core/session.cc: the only profiling
// code there is the phase laps in TrainStep() and the update timing in
// ApplyUpdates().
#include "absl/status/status.h"
#include "core/session.h"
#include "core/status_macros.h"

namespace nabla {

Profile Session::profile() const {
  Profile profile;
  const int n = graph_->num_nodes();
  profile.nodes.resize(n);
  for (int i = 0; i < n; ++i) {
    profile.nodes[i].name = graph_->node(i).name;
    profile.nodes[i].op = graph_->node(i).op->name();
  }
  for (const CachedPlan& cached : plans_) {
    cached.plan->AddStepTimes(absl::MakeSpan(profile.nodes));
  }
  for (size_t v = 0; v < update_times_.size(); ++v) {
    profile.nodes[v].update_ns += update_times_[v].ns;
    profile.nodes[v].calls += update_times_[v].count;
  }
  profile.steps = phase_times_.steps;
  profile.forward_wall_ns = phase_times_.forward_ns;
  profile.backward_wall_ns = phase_times_.backward_ns;
  profile.update_wall_ns = phase_times_.update_ns;
  profile.threads = threads();
  return profile;
}

void Session::ResetProfile() {
  for (CachedPlan& cached : plans_) cached.plan->ResetStepTimes();
  for (StepTime& time : update_times_) time = StepTime();
  phase_times_ = PhaseTimes();
}

absl::StatusOr<MemoryPlan> Session::TrainingMemory(
    absl::Span<const Feed> feeds) {
  if (update_rule_ == nullptr) {
    return absl::FailedPreconditionError(
        "TrainingMemory before SetTraining: no loss chosen, so no training "
        "plan");
  }
  std::vector<std::pair<int, const Tensor*>> resolved;
  NABLA_RETURN_IF_ERROR(ResolveFeeds(feeds, &resolved));
  NABLA_ASSIGN_OR_RETURN(
      CachedPlan * cached,
      FindOrBuildPlan(resolved, training_targets_, /*training=*/true));
  MemoryPlan memory = cached->plan->Memory();
  for (int v : variable_nodes_) {
    NodeMemory& node = memory.nodes[v];
    // The session holds every variable, whether or not the loss needs it.
    node.output_shapes = {variables_[v].shape()};
    node.variable_bytes = variables_[v].num_bytes();
    for (const Tensor& slot : slots_[v]) node.slot_bytes += slot.num_bytes();
    memory.variable_bytes += node.variable_bytes;
    memory.slot_bytes += node.slot_bytes;
  }
  return memory;
}

}  // namespace nabla
