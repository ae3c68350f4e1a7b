// ConcurrencyTuner: decides, block by block of steps, whether an executor
// with several threads runs a kind of step on all of them or on the calling
// thread alone, by timing both.
//
// Extra threads are not always faster: a step too small to split pays for
// the hand-over, and when another process keeps a core busy a step waits
// for whichever of its threads the OS has put aside. Every kernel sums in
// an order fixed by the shapes (core/parallel.h), so a step gives the same
// bits on one thread as on many, and the choice can follow the clock
// without changing any result.
//
// The tuner times blocks of steps in the mode it has chosen and, now and
// then, a block in the other mode (a probe). When the other mode's recent
// probes are faster by a margin than the chosen mode's recent blocks
// (medians of up to three), it becomes the chosen mode. Probes come
// more rarely while they keep losing, soon again after one that was faster
// within the margin, and at once when the chosen mode's blocks suddenly
// slow down and stay slow (another process has started).
//
// Not thread-safe: one tuner per kind of step of one session (the session
// keeps one per plan). Usage, around each step:
//
//   const bool all_threads = tuner.BeginStep();
//   ... run the step on all threads or on this one ...
//   tuner.EndStep();
#ifndef NABLA_CORE_CONCURRENCY_TUNER_H_
#define NABLA_CORE_CONCURRENCY_TUNER_H_

#include <array>
#include <cstdint>
#include <functional>

namespace nabla {

struct ConcurrencyTunerOptions {
  // Steps timed together: one clock reading per block, not per step.
  int block_steps = 16;
  // Blocks in the chosen mode before a probe: the first interval and the
  // one after a switch; each probe that loses at least doubles it, up to
  // the most.
  int first_probe_interval = 2;
  int max_probe_interval = 64;
  // After a probe that lost, the next waits until the time it lost is at
  // most this fraction of the time in between (or the longest interval).
  double probe_cost = 0.01;
  // The other mode must be this much faster (a fraction) to be chosen.
  double switch_margin = 0.03;
  // Two blocks in a row of the chosen mode this many times slower than its
  // recent ones bring the next probe forward.
  double slowdown_factor = 1.3;
  // Nanoseconds from a monotonic clock; std::chrono::steady_clock if empty.
  std::function<int64_t()> TEST_clock_ns;
};

// The per-step times of a mode's last few blocks.
class BlockTimes {
 public:
  void Add(int64_t per_step);
  void Clear() { count_ = 0; }
  // The median of the last three, the slower of two, or -1 when empty.
  int64_t Typical() const;

 private:
  static constexpr int kSize = 3;
  std::array<int64_t, kSize> times_{};
  int count_ = 0;
  int next_ = 0;
};

class ConcurrencyTuner {
 public:
  explicit ConcurrencyTuner(ConcurrencyTunerOptions options = {});

  // Whether the step about to run uses all threads.
  bool BeginStep();
  // After the step that BeginStep() announced.
  void EndStep();

  // The mode the tuner has settled on (probes aside).
  bool chosen_all_threads() const { return chosen_all_; }

 private:
  int64_t Now() const;
  void FinishBlock(int64_t nanoseconds_per_step);

  const ConcurrencyTunerOptions options_;
  bool chosen_all_ = true;
  bool block_all_ = true;
  int steps_in_block_ = 0;
  int64_t block_start_ns_ = 0;
  // The first block warms caches and allocates: it is not timed.
  bool warming_up_ = true;
  int probe_interval_;
  int blocks_until_probe_;
  // The chosen mode's last block when it was slow, else 0.
  int64_t slow_block_ns_ = 0;
  // The chosen mode's recent blocks, and the other mode's probes since it
  // was last chosen or the machine last changed.
  BlockTimes chosen_;
  BlockTimes probes_;
};

}  // namespace nabla

#endif  // NABLA_CORE_CONCURRENCY_TUNER_H_
