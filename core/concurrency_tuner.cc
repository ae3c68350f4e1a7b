#include "core/concurrency_tuner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

namespace nabla {

ConcurrencyTuner::ConcurrencyTuner(ConcurrencyTunerOptions options)
    : options_(std::move(options)),
      probe_interval_(std::max(1, options_.first_probe_interval)),
      // The first timed block is the chosen mode's; the probe follows it.
      blocks_until_probe_(1) {}

int64_t ConcurrencyTuner::Now() const {
  if (options_.TEST_clock_ns) return options_.TEST_clock_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool ConcurrencyTuner::BeginStep() {
  if (steps_in_block_ == 0) block_start_ns_ = Now();
  return block_all_;
}

void ConcurrencyTuner::EndStep() {
  if (++steps_in_block_ < std::max(1, options_.block_steps)) return;
  const int64_t per_step = (Now() - block_start_ns_) / steps_in_block_;
  steps_in_block_ = 0;
  if (warming_up_) {
    warming_up_ = false;
    return;
  }
  FinishBlock(per_step);
}

int64_t ConcurrencyTuner::TypicalOfChosen() const {
  const int size = static_cast<int>(recent_.size());
  auto newest = [&](int i) {  // i = 0 is the newest
    return recent_[(recent_next_ - 1 - i + size) % size];
  };
  switch (recent_count_) {
    case 0:
      return -1;
    case 1:
      return newest(0);
    case 2:  // the slower of the two: a switch must beat both
      return std::max(newest(0), newest(1));
    default:  // the median of three
      return std::max(std::min(newest(0), newest(1)),
                      std::min(std::max(newest(0), newest(1)), newest(2)));
  }
}

void ConcurrencyTuner::Remember(int64_t per_step, bool forget_older) {
  if (forget_older) recent_count_ = 0;
  recent_[recent_next_] = per_step;
  recent_next_ = (recent_next_ + 1) % static_cast<int>(recent_.size());
  recent_count_ = std::min(recent_count_ + 1, static_cast<int>(recent_.size()));
}

void ConcurrencyTuner::FinishBlock(int64_t per_step) {
  const int64_t typical = TypicalOfChosen();
  if (block_all_ == chosen_all_) {
    // Two slow blocks in a row mean the machine changed (one may be a
    // hiccup of the OS): the older blocks no longer say what the chosen
    // mode costs, and the other mode may now win.
    const bool slow =
        typical > 0 && per_step > typical * options_.slowdown_factor;
    if (slow && slow_block_ns_ > 0) {
      Remember(slow_block_ns_, true);
      Remember(per_step, false);
      slow_block_ns_ = 0;
      blocks_until_probe_ = 0;
    } else if (slow) {
      slow_block_ns_ = per_step;
      --blocks_until_probe_;
    } else {
      Remember(per_step, false);
      slow_block_ns_ = 0;
      --blocks_until_probe_;
    }
  } else if (per_step < typical * (1.0 - options_.switch_margin)) {
    // The probe won: its mode is chosen, and timed afresh from this block.
    chosen_all_ = block_all_;
    Remember(per_step, true);
    probe_interval_ = std::max(1, options_.first_probe_interval);
    blocks_until_probe_ = probe_interval_;
  } else {
    // The probe lost: wait longer for the next, and long enough that the
    // time lost to it, spread over the blocks until then, stays under
    // probe_cost of the chosen mode's time.
    const double loss = static_cast<double>(per_step - typical) / typical;
    const int for_cost = static_cast<int>(
        std::min(1e6, std::ceil(loss / options_.probe_cost)));
    probe_interval_ = std::min(std::max(2 * probe_interval_, for_cost),
                               std::max(1, options_.max_probe_interval));
    blocks_until_probe_ = probe_interval_;
  }
  block_all_ = blocks_until_probe_ <= 0 ? !chosen_all_ : chosen_all_;
}

}  // namespace nabla
