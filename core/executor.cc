#include "core/executor.h"

#include "core/parallel.h"

#if _GLIBCXX_TSAN
// ThreadSanitizer's suppressions for every binary that runs the executor
// (--config=tsan). Debian's libtbb.so is built without TSan, so TSan does
// not see TBB hand a task from the thread that made it to the thread that
// runs it; core/parallel.h tells it for nabla's own data, and these hide
// the reports TBB's hand-over still causes. Each matches the innermost
// frame only (race_top), so a race in a kernel, the plan or the session is
// still reported.
extern "C" const char* __tsan_default_suppressions() {
  return
      // TBB's own header code: task objects, ranges and the partitioner's
      // tree nodes, written by the thread that splits the work and read by
      // the thread that steals it.
      "race_top:/oneapi/tbb/\n"
      // The reference counts those objects keep as std::atomic, made by
      // one thread and counted down by another.
      "race_top:std::__atomic_base<int>::__atomic_base\n"
      "race_top:std::__atomic_base<unsigned long>::__atomic_base\n"
      // TBB's completion of a parallel_for (fold_tree, wait_context), and
      // stack memory it used that the waiting thread reuses afterwards:
      // these frames are only ever on TBB's side of a race. Task objects
      // freed by another thread into TBB's small object pool, likewise.
      "race:tbb::detail::d1::fold_tree\n"
      "race:tbb::detail::d1::wait_context\n"
      "race:tbb::detail::d1::small_object_allocator\n"
      // Calls libtbb.so itself makes to the intercepted libc (its workers
      // freeing and comparing its own memory as they hand work over and
      // end, seen after a test's last step): the library is not built
      // with TSan, so its synchronisation is invisible and only these
      // calls are seen. Nabla's own accesses are instrumented and still
      // reported.
      "called_from_lib:libtbb.so.12\n"
      // The closures of ParallelFor's and the executor's tasks, copied into
      // a task by one thread and read by the thread that runs it. In
      // executor.cc the only other shared state is atomics and what a
      // std::mutex guards, which TSan sees.
      "race_top:core/parallel.h\n"
      "race_top:core/executor.cc\n";
}
#endif

namespace nabla {

int Phase::AddStep(const std::vector<int>& depends_on) {
  const int index = num_steps();
  successors_.emplace_back();
  num_predecessors_.push_back(static_cast<int>(depends_on.size()));
  for (int d : depends_on) successors_[d].push_back(index);
  if (depends_on.empty()) roots_.push_back(index);
  return index;
}

Executor::Executor(int threads, bool flush_denormals)
    : threads_(threads),
      flush_denormals_(flush_denormals),
      parallelism_(threads > tbb::this_task_arena::max_concurrency()
                       ? std::make_unique<tbb::global_control>(
                             tbb::global_control::max_allowed_parallelism,
                             static_cast<size_t>(threads))
                       : nullptr),
      arena_(threads),
      entered_threads_(threads) {
  // Now rather than at the first step on one thread, which would then
  // allocate in what should be a steady state.
  if (threads > 1) single_thread_arena_.initialize();
}

void Executor::Enter(absl::FunctionRef<void()> fn, ConcurrencyTuner* tuner) {
  const bool all_threads =
      threads_ == 1 || tuner == nullptr || tuner->BeginStep();
  entered_threads_ = all_threads ? threads_ : 1;
  ScopedDenormalMode denormal_mode(flush_denormals_);
  (all_threads ? arena_ : single_thread_arena_).execute([fn] { fn(); });
  if (threads_ > 1 && tuner != nullptr) tuner->EndStep();
}

void Executor::Record(int step, absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_step_ < 0 || step < failed_step_) {
    failed_step_ = step;
    failure_ = std::move(status);
  }
}

absl::Status Executor::Run(Phase& phase,
                           absl::FunctionRef<absl::Status(int)> run_step) {
  const int n = phase.num_steps();
  if (entered_threads_ == 1 || phase.sequential_) {
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
    std::lock_guard<std::mutex> lock(mu_);
    failed_step_ = -1;
    failure_ = absl::OkStatus();
  }
  group_context_.capture_fp_settings();
  for (int root : phase.roots_) Spawn(phase, root, run_step);
  group_.wait();
  parallel_internal::HappensAfter(&group_);
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

void Executor::Spawn(Phase& phase, int step,
                     absl::FunctionRef<absl::Status(int)> run_step) {
  // The step's counter is the token that orders the spawn before the task
  // for ThreadSanitizer (core/parallel.h); the group's orders every task
  // before the end of the wait.
  const void* token = &phase.pending_[step];
  parallel_internal::HappensBefore(token);
  group_.run([this, &phase, step, run_step, token] {
    parallel_internal::HappensAfter(token);
    RunFrom(phase, step, run_step);
    parallel_internal::HappensBefore(&group_);
  });
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
        Spawn(phase, succ, run_step);
      }
    }
    step = next;
  }
}

}  // namespace nabla
