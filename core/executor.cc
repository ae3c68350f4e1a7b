#include "core/executor.h"

namespace nabla {

int Phase::AddStep(const std::vector<int>& depends_on) {
  const int index = num_steps();
  successors_.emplace_back();
  num_predecessors_.push_back(static_cast<int>(depends_on.size()));
  for (int d : depends_on) successors_[d].push_back(index);
  if (depends_on.empty()) roots_.push_back(index);
  return index;
}

Executor::Executor(int threads)
    : threads_(threads),
      parallelism_(threads > tbb::this_task_arena::max_concurrency()
                       ? std::make_unique<tbb::global_control>(
                             tbb::global_control::max_allowed_parallelism,
                             static_cast<size_t>(threads))
                       : nullptr),
      arena_(threads) {}

void Executor::Enter(absl::FunctionRef<void()> fn) {
  arena_.execute([fn] { fn(); });
}

void Executor::Record(int step, absl::Status status) {
  absl::MutexLock lock(&mu_);
  if (failed_step_ < 0 || step < failed_step_) {
    failed_step_ = step;
    failure_ = std::move(status);
  }
}

absl::Status Executor::Run(Phase& phase,
                           absl::FunctionRef<absl::Status(int)> run_step) {
  const int n = phase.num_steps();
  if (threads_ == 1 || phase.sequential_) {
    // Steps were added after their dependencies: list order is valid.
    absl::Status first;
    for (int i = 0; i < n; ++i) {
      absl::Status s = run_step(i);
      if (!s.ok() && first.ok()) first = std::move(s);
    }
    return first;
  }
  if (phase.pending_size_ != n) {
    phase.pending_.reset(new std::atomic<int>[n]);
    phase.pending_size_ = n;
  }
  for (int i = 0; i < n; ++i) {
    phase.pending_[i].store(phase.num_predecessors_[i],
                            std::memory_order_relaxed);
  }
  {
    absl::MutexLock lock(&mu_);
    failed_step_ = -1;
    failure_ = absl::OkStatus();
  }
  for (int root : phase.roots_) {
    group_.run([this, &phase, root, run_step] {
      RunFrom(phase, root, run_step);
    });
  }
  group_.wait();
  absl::MutexLock lock(&mu_);
  return failure_;
}

void Executor::RunFrom(Phase& phase, int step,
                       absl::FunctionRef<absl::Status(int)> run_step) {
  // Continue with one ready successor on this thread and hand the others
  // to the task group: a chain of steps costs no task spawns.
  while (step >= 0) {
    absl::Status s = run_step(step);
    if (!s.ok()) Record(step, std::move(s));
    int next = -1;
    for (int succ : phase.successors_[step]) {
      if (phase.pending_[succ].fetch_sub(1, std::memory_order_acq_rel) != 1) {
        continue;
      }
      if (next < 0) {
        next = succ;
      } else {
        group_.run([this, &phase, succ, run_step] {
          RunFrom(phase, succ, run_step);
        });
      }
    }
    step = next;
  }
}

}  // namespace nabla
