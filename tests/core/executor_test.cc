// Executor and Phase: steps run once each and after their dependencies,
// in list order on one thread or in a sequential phase, the error of the
// lowest-numbered failing step whatever the scheduling, and phases reused
// across runs.
#include "core/executor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/denormals.h"
#include "core/parallel.h"
#include "gtest/gtest.h"
#include "tbb/task_arena.h"
#include "tbb/task_group.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

// A phase together with the dependencies it was built from, so that a run
// can be checked against them.
struct Dag {
  Phase phase;
  std::vector<std::vector<int>> depends_on;

  int Add(std::vector<int> deps) {
    depends_on.push_back(deps);
    return phase.AddStep(deps);
  }
};

// One root, `width` steps that each depend on it and on up to two random
// earlier ones, and a sink that depends on every step without successors.
// Seeded: the same DAG every time.
std::unique_ptr<Dag> WideDag(int width, uint32_t seed) {
  auto dag = std::make_unique<Dag>();
  std::mt19937 rng(seed);
  const int root = dag->Add({});
  std::vector<bool> has_successor(width + 1, false);
  for (int i = 1; i <= width; ++i) {
    std::vector<int> deps = {root};
    const int extra = static_cast<int>(rng() % 3);
    for (int e = 0; e < extra && i > 1; ++e) {
      const int d = 1 + static_cast<int>(rng() % (i - 1));
      if (std::find(deps.begin(), deps.end(), d) == deps.end()) {
        deps.push_back(d);
      }
    }
    for (int d : deps) has_successor[d] = true;
    dag->Add(deps);
  }
  std::vector<int> last;
  for (int i = 1; i <= width; ++i) {
    if (!has_successor[i]) last.push_back(i);
  }
  dag->Add(last);
  return dag;
}

// Records, per step, how often it ran, when it started and when it ended,
// on one clock of atomic ticks shared by all threads.
class Recorder {
 public:
  explicit Recorder(int n)
      : runs_(new std::atomic<int>[n]),
        start_(new std::atomic<int>[n]),
        end_(new std::atomic<int>[n]),
        n_(n) {
    Clear();
  }

  void Clear() {
    for (int i = 0; i < n_; ++i) {
      runs_[i] = 0;
      start_[i] = -1;
      end_[i] = -1;
    }
    clock_ = 0;
  }

  absl::Status Step(int i) {
    start_[i] = clock_.fetch_add(1);
    runs_[i].fetch_add(1);
    // A little work, so that steps overlap when threads are free.
    volatile int sink = 0;
    for (int k = 0; k < 200 * (i % 7 + 1); ++k) sink += k;
    end_[i] = clock_.fetch_add(1);
    return absl::OkStatus();
  }

  // Every step ran once, and started after each of its dependencies ended.
  void ExpectValidRun(const Dag& dag) const {
    for (int i = 0; i < n_; ++i) {
      ASSERT_EQ(runs_[i].load(), 1) << "step " << i;
      for (int d : dag.depends_on[i]) {
        ASSERT_LT(end_[d].load(), start_[i].load())
            << "step " << i << " started before its dependency " << d
            << " ended";
      }
    }
  }

  // Steps by the tick they started at.
  std::vector<int> StartOrder() const {
    std::vector<int> order(n_);
    for (int i = 0; i < n_; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return start_[a] < start_[b]; });
    return order;
  }

 private:
  std::unique_ptr<std::atomic<int>[]> runs_, start_, end_;
  std::atomic<int> clock_{0};
  const int n_;
};

absl::Status RunInside(Executor& executor, Phase& phase,
                       absl::FunctionRef<absl::Status(int)> run_step) {
  absl::Status status;
  executor.Enter([&] { status = executor.Run(phase, run_step); });
  return status;
}

std::vector<int> Iota(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

TEST(PhaseTest, AddStepNumbersStepsInOrder) {
  Phase phase;
  EXPECT_EQ(phase.num_steps(), 0);
  EXPECT_EQ(phase.AddStep({}), 0);
  EXPECT_EQ(phase.AddStep({0}), 1);
  EXPECT_EQ(phase.AddStep({}), 2);
  EXPECT_EQ(phase.AddStep({1, 2}), 3);
  EXPECT_EQ(phase.num_steps(), 4);
}

TEST(ExecutorTest, EnterRunsTheFunctionOnceInAnArenaOfTheThreadCount) {
  for (int threads : {1, 3}) {
    Executor executor(threads);
    EXPECT_EQ(executor.threads(), threads);
    int calls = 0, concurrency = 0;
    executor.Enter([&] {
      ++calls;
      concurrency = tbb::this_task_arena::max_concurrency();
    });
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(concurrency, threads);
  }
}

TEST(ExecutorTest, OneThreadRunsStepsInListOrder) {
  std::unique_ptr<Dag> dag = WideDag(40, 1);
  const int n = dag->phase.num_steps();
  Executor executor(1);
  std::vector<int> order;
  ASSERT_OK(RunInside(executor, dag->phase, [&](int i) {
    order.push_back(i);
    return absl::OkStatus();
  }));
  EXPECT_EQ(order, Iota(n));
}

TEST(ExecutorTest, AnEmptyPhaseRunsNothing) {
  Phase empty;
  for (int threads : {1, 4}) {
    Executor executor(threads);
    int calls = 0;
    EXPECT_OK(RunInside(executor, empty, [&](int) {
      ++calls;
      return absl::OkStatus();
    }));
    EXPECT_EQ(calls, 0);
  }
}

TEST(ExecutorTest, ManyThreadsRunEachStepOnceAfterItsDependencies) {
  Executor executor(4);
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    std::unique_ptr<Dag> dag = WideDag(64, seed);
    Recorder recorder(dag->phase.num_steps());
    for (int run = 0; run < 40; ++run) {
      SCOPED_TRACE(absl::StrCat("seed ", seed, " run ", run));
      recorder.Clear();
      ASSERT_OK(RunInside(executor, dag->phase,
                          [&](int i) { return recorder.Step(i); }));
      recorder.ExpectValidRun(*dag);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(ExecutorTest, AChainRunsInOrderOnManyThreads) {
  Dag chain;
  chain.Add({});
  for (int i = 1; i < 50; ++i) chain.Add({i - 1});
  Executor executor(4);
  Recorder recorder(50);
  ASSERT_OK(RunInside(executor, chain.phase,
                      [&](int i) { return recorder.Step(i); }));
  recorder.ExpectValidRun(chain);
  EXPECT_EQ(recorder.StartOrder(), Iota(50));
}

TEST(ExecutorTest, IndependentStepsAllRunOnManyThreads) {
  Dag flat;
  for (int i = 0; i < 200; ++i) flat.Add({});
  Executor executor(4);
  Recorder recorder(200);
  ASSERT_OK(
      RunInside(executor, flat.phase, [&](int i) { return recorder.Step(i); }));
  recorder.ExpectValidRun(flat);
}

// A root, then steps 1..60 that depend on it alone, then a sink that
// depends on them all. Steps 7, 20 and 41 fail.
std::unique_ptr<Dag> FlatDag() {
  auto dag = std::make_unique<Dag>();
  dag->Add({});
  for (int i = 1; i <= 60; ++i) dag->Add({0});
  dag->Add(Iota(61));
  return dag;
}

class FailingSteps {
 public:
  // With `late_lowest`, step 7 fails only after steps 20 and 41 have
  // returned their errors (or a second has passed), so that on several
  // threads the higher-numbered failures are recorded first.
  FailingSteps(int n, bool late_lowest)
      : runs_(new std::atomic<int>[n]), n_(n), late_lowest_(late_lowest) {
    for (int i = 0; i < n; ++i) runs_[i] = 0;
  }

  absl::Status Step(int i) {
    runs_[i].fetch_add(1);
    if (i == 7 && late_lowest_) {
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(1);
      while (later_failed_.load() < 2 &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      // Time for the executor to record what they returned.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (i == 7 || i == 20 || i == 41) {
      if (i != 7) later_failed_.fetch_add(1);
      return absl::InternalError(absl::StrCat("step ", i, " failed"));
    }
    return absl::OkStatus();
  }

  void ExpectEachRanOnce() const {
    for (int i = 0; i < n_; ++i) EXPECT_EQ(runs_[i].load(), 1) << "step " << i;
  }

 private:
  std::unique_ptr<std::atomic<int>[]> runs_;
  const int n_;
  const bool late_lowest_;
  std::atomic<int> later_failed_{0};
};

TEST(ExecutorTest, TheLowestNumberedFailureIsReturnedAndLaterStepsStillRun) {
  std::unique_ptr<Dag> dag = FlatDag();
  const int n = dag->phase.num_steps();
  for (int threads : {1, 4}) {
    Executor executor(threads);
    for (int run = 0; run < (threads == 1 ? 1 : 20); ++run) {
      SCOPED_TRACE(absl::StrCat("threads ", threads, " run ", run));
      FailingSteps steps(n, /*late_lowest=*/threads > 1);
      EXPECT_STATUS(
          RunInside(executor, dag->phase, [&](int i) { return steps.Step(i); }),
          absl::StatusCode::kInternal, "step 7 failed");
      // Every step ran, the sink too, though it depends on failed steps.
      steps.ExpectEachRanOnce();
    }
  }
}

TEST(ExecutorTest, AFailureDoesNotLeakIntoTheNextRun) {
  std::unique_ptr<Dag> dag = WideDag(30, 3);
  for (int threads : {1, 4}) {
    Executor executor(threads);
    bool fail = true;
    auto step = [&](int i) {
      return fail && i == 5 ? absl::InternalError("step 5 failed")
                            : absl::OkStatus();
    };
    EXPECT_STATUS(RunInside(executor, dag->phase, step),
                  absl::StatusCode::kInternal, "step 5 failed");
    fail = false;
    EXPECT_OK(RunInside(executor, dag->phase, step));
  }
}

TEST(ExecutorTest, SequentialPhasesRunInListOrderOnTheCallingThread) {
  std::unique_ptr<Dag> dag = WideDag(40, 2);
  dag->phase.set_sequential(true);
  const int n = dag->phase.num_steps();
  Executor executor(4);
  for (int run = 0; run < 10; ++run) {
    std::vector<int> order;
    std::vector<std::thread::id> ids;
    std::thread::id caller;
    absl::Status status;
    executor.Enter([&] {
      caller = std::this_thread::get_id();
      status = executor.Run(dag->phase, [&](int i) {
        order.push_back(i);
        ids.push_back(std::this_thread::get_id());
        return absl::OkStatus();
      });
    });
    ASSERT_OK(status);
    EXPECT_EQ(order, Iota(n));
    for (const std::thread::id& id : ids) EXPECT_EQ(id, caller);
  }
}

TEST(ExecutorTest, SequentialPhasesReturnTheFirstFailureInListOrder) {
  std::unique_ptr<Dag> dag = FlatDag();
  dag->phase.set_sequential(true);
  Executor executor(4);
  FailingSteps steps(dag->phase.num_steps(), /*late_lowest=*/false);
  EXPECT_STATUS(
      RunInside(executor, dag->phase, [&](int i) { return steps.Step(i); }),
      absl::StatusCode::kInternal, "step 7 failed");
  steps.ExpectEachRanOnce();
}

TEST(ExecutorTest, APhaseIsReusedAcrossManyRuns) {
  std::unique_ptr<Dag> dag = WideDag(32, 11);
  const int n = dag->phase.num_steps();
  Executor executor(4);
  Recorder recorder(n);
  // Several runs inside one Enter(), as a training step runs its phases,
  // and many Enter()s.
  for (int enter = 0; enter < 100; ++enter) {
    absl::Status status;
    executor.Enter([&] {
      for (int run = 0; run < 3 && status.ok(); ++run) {
        recorder.Clear();
        status =
            executor.Run(dag->phase, [&](int i) { return recorder.Step(i); });
        if (status.ok()) recorder.ExpectValidRun(*dag);
      }
    });
    ASSERT_OK(status);
    ASSERT_FALSE(::testing::Test::HasFatalFailure()) << "enter " << enter;
  }
}

TEST(ExecutorTest, StepsAddedAfterARunRunToo) {
  Dag dag;
  for (int i = 0; i < 8; ++i)
    dag.Add(i == 0 ? std::vector<int>{} : std::vector<int>{0});
  Executor executor(4);
  {
    Recorder recorder(8);
    ASSERT_OK(RunInside(executor, dag.phase,
                        [&](int i) { return recorder.Step(i); }));
    recorder.ExpectValidRun(dag);
  }
  // The phase's scratch was sized for 8 steps; now it has 20.
  for (int i = 8; i < 20; ++i) dag.Add({i - 1});
  Recorder recorder(20);
  ASSERT_OK(
      RunInside(executor, dag.phase, [&](int i) { return recorder.Step(i); }));
  recorder.ExpectValidRun(dag);
}

TEST(ExecutorTest, OnePhaseRunsOnSeveralExecutors) {
  std::unique_ptr<Dag> dag = WideDag(24, 5);
  const int n = dag->phase.num_steps();
  Executor one(1), two(2), four(4);
  for (Executor* executor : {&four, &one, &two, &four}) {
    Recorder recorder(n);
    ASSERT_OK(RunInside(*executor, dag->phase,
                        [&](int i) { return recorder.Step(i); }));
    recorder.ExpectValidRun(*dag);
  }
}

// Runs 64 independent steps that each sleep a little, so that every
// thread of the arena takes some, and records per step whether its thread
// flushed denormals, what a denormal product came to there, and the thread.
struct DenormalProbe {
  std::vector<int> flushed = std::vector<int>(64);
  std::vector<float> product = std::vector<float>(64);
  std::vector<std::thread::id> thread = std::vector<std::thread::id>(64);

  absl::Status Step(int i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    volatile float tiny = 3e-39f;  // a denormal float
    product[i] = tiny * 0.5f;
    flushed[i] = FlushesDenormals();
    thread[i] = std::this_thread::get_id();
    return absl::OkStatus();
  }

  int Threads() const {
    std::vector<std::thread::id> ids = thread;
    std::sort(ids.begin(), ids.end());
    return static_cast<int>(std::unique(ids.begin(), ids.end()) - ids.begin());
  }
};

TEST(ExecutorTest, EveryThreadOfAStepFlushesDenormalsByDefault) {
  ASSERT_FALSE(FlushesDenormals());
  Dag flat;
  for (int i = 0; i < 64; ++i) flat.Add({});
  Executor executor(3);
  DenormalProbe probe;
  ASSERT_OK(
      RunInside(executor, flat.phase, [&](int i) { return probe.Step(i); }));
  EXPECT_GT(probe.Threads(), 1);
  for (int i = 0; i < 64; ++i) {
    EXPECT_TRUE(probe.flushed[i]) << "step " << i;
    EXPECT_EQ(probe.product[i], 0.0f) << "step " << i;
  }
  // The caller's own setting is back after the step.
  EXPECT_FALSE(FlushesDenormals());
}

TEST(ExecutorTest, WithoutFlushingEveryThreadKeepsDenormals) {
  Dag flat;
  for (int i = 0; i < 64; ++i) flat.Add({});
  Executor executor(3, /*flush_denormals=*/false);
  DenormalProbe probe;
  {
    // Even a caller that flushes keeps them inside the step.
    ScopedDenormalMode caller(/*flush=*/true);
    ASSERT_OK(
        RunInside(executor, flat.phase, [&](int i) { return probe.Step(i); }));
    EXPECT_TRUE(FlushesDenormals());
  }
  EXPECT_GT(probe.Threads(), 1);
  for (int i = 0; i < 64; ++i) {
    EXPECT_FALSE(probe.flushed[i]) << "step " << i;
    EXPECT_EQ(probe.product[i], 1.5e-39f) << "step " << i;
  }
}

TEST(ExecutorTest, WorkersGetTheirOwnSettingBackInOtherArenas) {
  Dag flat;
  for (int i = 0; i < 64; ++i) flat.Add({});
  Executor executor(3);
  DenormalProbe inside, outside;
  ASSERT_OK(
      RunInside(executor, flat.phase, [&](int i) { return inside.Step(i); }));
  tbb::task_arena other(3);
  other.execute([&] {
    tbb::task_group group;
    for (int i = 0; i < 64; ++i) {
      group.run([&outside, i] { outside.Step(i).IgnoreError(); });
    }
    group.wait();
  });
  EXPECT_GT(outside.Threads(), 1);
  for (int i = 0; i < 64; ++i) {
    EXPECT_FALSE(outside.flushed[i]) << "step " << i;
  }
}

// Kernels split loops with ParallelFor: its chunks run with the mode of
// the thread that calls it, on every thread that takes one.
TEST(ExecutorTest, ParallelForChunksRunWithTheCallersDenormalMode) {
  tbb::task_arena arena(3);
  for (bool flush : {true, false}) {
    DenormalProbe probe;
    arena.execute([&] {
      ScopedDenormalMode mode(flush);
      ParallelFor(64, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          probe.Step(static_cast<int>(i)).IgnoreError();
        }
      });
    });
    EXPECT_GT(probe.Threads(), 1);
    for (int i = 0; i < 64; ++i) {
      EXPECT_EQ(probe.flushed[i], flush) << "chunk " << i;
    }
  }
}

}  // namespace
}  // namespace nabla
