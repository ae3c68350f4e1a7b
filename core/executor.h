// Executor: runs phases of steps on one TBB task_arena.
//
// A phase is a DAG of steps. With one thread the steps run in the phase's
// listed order; with more, a step starts as soon as the steps it depends on
// are done (dependency counting on a reused tbb::task_group). Kernels split
// large loops with ParallelFor inside the same arena, so the thread setting
// bounds all of nabla's threads: there is no other pool. A step entered with
// a ConcurrencyTuner may run on the calling thread alone instead, when the
// tuner has measured that to be faster; the results are the same bits.
// Every thread working inside Enter() flushes denormals to zero, or every
// one keeps them, as the executor was made (core/denormals.h).
#ifndef NABLA_CORE_EXECUTOR_H_
#define NABLA_CORE_EXECUTOR_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "core/concurrency_tuner.h"
#include "core/denormals.h"
#include "tbb/global_control.h"
#include "tbb/task_arena.h"
#include "tbb/task_group.h"

namespace nabla {

// A DAG of steps. Step i runs `run(i)` of the phase's owner.
class Phase {
 public:
  // Appends a step after every step it depends on; returns its index.
  int AddStep(const std::vector<int>& depends_on);
  int num_steps() const { return static_cast<int>(successors_.size()); }
  // Runs the steps in list order even with several threads: for phases too
  // small for task scheduling to pay (the tutorial networks). Kernels may
  // still split large loops.
  void set_sequential(bool sequential) { sequential_ = sequential; }

 private:
  friend class Executor;
  std::vector<std::vector<int>> successors_;
  std::vector<int> num_predecessors_;
  std::vector<int> roots_;
  bool sequential_ = false;
  // Scratch for a parallel run; sized once, reused every run.
  std::unique_ptr<std::atomic<int>[]> pending_;
  int pending_size_ = 0;
};

class Executor {
 public:
  // REQUIRES: threads >= 1. With flush_denormals, denormal floats are
  // read and written as zero inside Enter(), which keeps steps on tiny
  // numbers as fast as any other; without, they keep IEEE semantics.
  explicit Executor(int threads, bool flush_denormals = true);

  int threads() const { return threads_; }

  // Runs `fn` inside the arena. Everything a training step does happens
  // inside one Enter() so the arena is entered once per step. With a
  // tuner (and more than one thread), the tuner picks all threads or the
  // calling thread alone for this step and times it.
  void Enter(absl::FunctionRef<void()> fn, ConcurrencyTuner* tuner = nullptr);

  // Runs every step of `phase` with `run_step(i)`. Must be called inside
  // Enter(). Returns the error of the lowest-numbered failing step, so the
  // error does not depend on scheduling; steps after a failure still run.
  [[nodiscard]] absl::Status Run(Phase& phase,
                                 absl::FunctionRef<absl::Status(int)> run_step);

 private:
  // Runs RunFrom(phase, step, ...) as a task of the group.
  void Spawn(Phase& phase, int step,
             absl::FunctionRef<absl::Status(int)> run_step);
  void RunFrom(Phase& phase, int step,
               absl::FunctionRef<absl::Status(int)> run_step);
  void Record(int step, absl::Status status);

  const int threads_;
  const bool flush_denormals_;
  // TBB caps its workers at the core count unless told otherwise; a thread
  // setting above it is the user's choice, so it is raised while this
  // executor lives. (TBB takes the smallest of such limits, so only raise.)
  std::unique_ptr<tbb::global_control> parallelism_;
  tbb::task_arena arena_;
  // For steps that a tuner runs on the calling thread alone.
  tbb::task_arena single_thread_arena_{1};
  // The threads of the step inside Enter(): threads_ or 1.
  int entered_threads_;
  // Captures the floating-point mode of the thread inside Enter() at each
  // Run(), which TBB then gives every task of group_ on any thread.
  tbb::task_group_context group_context_{
      tbb::task_group_context::bound, tbb::task_group_context::default_traits |
                                          tbb::task_group_context::fp_settings};
  tbb::task_group group_{group_context_};
  // A std::mutex, not an absl::Mutex: ThreadSanitizer sees pthread locks,
  // but not those of Debian's uninstrumented Abseil.
  std::mutex mu_;
  int failed_step_ = -1;  // guarded by mu_
  absl::Status failure_;  // guarded by mu_
};

}  // namespace nabla

#endif  // NABLA_CORE_EXECUTOR_H_
