// core/concurrency_tuner: with a simulated clock in which a step costs a set
// time on all threads and another on one, the tuner settles on the cheaper
// mode, pays little for its probes, follows a change of costs both ways, and
// reads the clock once per block boundary.
#include "core/concurrency_tuner.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace nabla {
namespace {

// Runs steps through a tuner whose clock advances by the cost of the mode
// each step runs in.
class Simulation {
 public:
  Simulation() : tuner_(Options()) {}

  // Runs `steps` steps; returns how many of them ran on all threads.
  int Run(int steps, int64_t all_threads_ns, int64_t one_thread_ns) {
    int on_all = 0;
    for (int s = 0; s < steps; ++s) {
      const bool all = tuner_.BeginStep();
      now_ += all ? all_threads_ns : one_thread_ns;
      on_all += all;
      tuner_.EndStep();
    }
    return on_all;
  }
  // Steps until the tuner has chosen `all_threads`, at most `limit`.
  int StepsUntilChosen(bool all_threads, int64_t all_threads_ns,
                       int64_t one_thread_ns, int limit) {
    int steps = 0;
    while (tuner_.chosen_all_threads() != all_threads && steps < limit) {
      Run(1, all_threads_ns, one_thread_ns);
      ++steps;
    }
    return steps;
  }
  const ConcurrencyTuner& tuner() const { return tuner_; }
  int clock_reads() const { return clock_reads_; }

 private:
  ConcurrencyTunerOptions Options() {
    ConcurrencyTunerOptions options;
    options.TEST_clock_ns = [this] {
      ++clock_reads_;
      return now_;
    };
    return options;
  }
  int64_t now_ = 0;
  int clock_reads_ = 0;
  ConcurrencyTuner tuner_;
};

TEST(ConcurrencyTunerTest, KeepsAllThreadsWhenTheyAreFaster) {
  Simulation sim;
  const int steps = 65 * 16 * 20;
  const int on_all = sim.Run(steps, 600, 1000);
  EXPECT_TRUE(sim.tuner().chosen_all_threads());
  // Probes of the slower mode become rare: under 2% of the steps.
  EXPECT_GT(on_all, steps * 0.98);
}

TEST(ConcurrencyTunerTest, ProbesRarelyFromTheStartWhenTheGapIsLarge) {
  // One thread is 1.7 times slower: after the first probe loses by that
  // much, the next waits the longest interval (64 blocks), not 4.
  Simulation sim;
  const int on_all = sim.Run(16 * 66, 600, 1020);
  EXPECT_EQ(on_all, 16 * 66 - 16);
}

TEST(ConcurrencyTunerTest, MovesToOneThreadWhenItIsFaster) {
  Simulation sim;
  const int steps = 65 * 16 * 20;
  const int on_all = sim.Run(steps, 1000, 600);
  EXPECT_FALSE(sim.tuner().chosen_all_threads());
  EXPECT_LT(on_all, steps * 0.02);
}

TEST(ConcurrencyTunerTest, IgnoresADifferenceSmallerThanTheMargin) {
  Simulation sim;
  sim.Run(5000, 1000, 980);  // one thread 2% faster; the margin is 5%
  EXPECT_TRUE(sim.tuner().chosen_all_threads());
  sim.Run(5000, 1000, 900);  // 10% faster
  EXPECT_FALSE(sim.tuner().chosen_all_threads());
}

TEST(ConcurrencyTunerTest, FollowsContentionAsItComesAndGoes) {
  Simulation sim;
  sim.Run(20000, 600, 1000);  // quiet: probes are down to one in 65 blocks
  ASSERT_TRUE(sim.tuner().chosen_all_threads());
  // Another process takes a core: all threads become slower than one. The
  // slowdown brings the probe forward: within a few blocks, not 64.
  EXPECT_LE(sim.StepsUntilChosen(false, 1500, 1000, 100000), 4 * 16);
  // It leaves: the next probe of all threads wins, at most 65 blocks on.
  sim.Run(20000, 1500, 1000);
  EXPECT_LE(sim.StepsUntilChosen(true, 600, 1000, 100000), 65 * 16);
}

TEST(ConcurrencyTunerTest, IgnoresASingleSlowBlock) {
  Simulation sim;
  sim.Run(16 * 125, 1000, 600);
  ASSERT_FALSE(sim.tuner().chosen_all_threads());
  // One block on one thread is held up (the OS ran something else): that
  // alone is no reason to try all threads, which would then look faster.
  sim.Run(16, 1000, 1500);
  const int on_all = sim.Run(16 * 5, 1000, 600);
  EXPECT_FALSE(sim.tuner().chosen_all_threads());
  EXPECT_EQ(on_all, 0);
}

TEST(ConcurrencyTunerTest, ReadsTheClockTwicePerBlock) {
  Simulation sim;
  sim.Run(16 * 100, 600, 1000);
  EXPECT_EQ(sim.clock_reads(), 2 * 100);
}

TEST(ConcurrencyTunerTest, DoesNotTimeTheFirstBlock) {
  // The first block is slow on all threads (warm-up); after it, all
  // threads are faster. The tuner must not leave all threads for it.
  Simulation sim;
  sim.Run(16, 100000, 1000);
  sim.Run(16 * 10, 600, 1000);
  EXPECT_TRUE(sim.tuner().chosen_all_threads());
}

}  // namespace
}  // namespace nabla
