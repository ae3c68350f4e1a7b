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

void BlockTimes::Add(int64_t per_step) {
  times_[next_] = per_step;
  next_ = (next_ + 1) % kSize;
  count_ = std::min(count_ + 1, kSize);
}

int64_t BlockTimes::Typical() const {
  auto newest = [&](int i) { return times_[(next_ - 1 - i + kSize) % kSize]; };
  switch (count_) {
    case 0:
      return -1;
    case 1:
      return newest(0);
    case 2:  // the slower of the two: a judgement on little evidence
      return std::max(newest(0), newest(1));
    default:  // the median of three
      return std::max(std::min(newest(0), newest(1)),
                      std::min(std::max(newest(0), newest(1)), newest(2)));
  }
}

void ConcurrencyTuner::FinishBlock(int64_t per_step) {
  const int64_t typical = chosen_.Typical();
  if (block_all_ == chosen_all_) {
    // Two slow blocks in a row mean the machine changed (one may be a
    // hiccup of the OS): the older blocks of either mode no longer say
    // what it costs, and the other mode may now win.
    const bool slow =
        typical > 0 && per_step > typical * options_.slowdown_factor;
    if (slow && slow_block_ns_ > 0) {
      chosen_.Clear();
      chosen_.Add(slow_block_ns_);
      chosen_.Add(per_step);
      probes_.Clear();
      slow_block_ns_ = 0;
      blocks_until_probe_ = 0;
    } else if (slow) {
      slow_block_ns_ = per_step;
      --blocks_until_probe_;
    } else {
      chosen_.Add(per_step);
      slow_block_ns_ = 0;
      --blocks_until_probe_;
    }
  } else {
    // A probe much faster than the other mode's earlier probes means the
    // machine changed (another process has stopped): those are stale.
    const int64_t earlier = probes_.Typical();
    if (earlier > 0 && per_step * options_.slowdown_factor < earlier) {
      probes_.Clear();
    }
    probes_.Add(per_step);
    const int64_t other = probes_.Typical();
    if (other < typical * (1.0 - options_.switch_margin)) {
      // The other mode won: it is chosen, and its probes are its history.
      chosen_all_ = block_all_;
      std::swap(chosen_, probes_);
      probes_.Clear();
      probe_interval_ = std::max(1, options_.first_probe_interval);
    } else if (other < typical) {
      // Faster, but within the margin: too close to call yet, and cheap to
      // look at again soon.
      probe_interval_ = std::max(1, options_.first_probe_interval);
    } else {
      // The other mode lost: wait longer for the next probe, and long
      // enough that the time it loses, spread over the blocks until then,
      // stays under probe_cost of the chosen mode's time.
      const double loss = static_cast<double>(other - typical) / typical;
      const int for_cost = static_cast<int>(
          std::min(1e6, std::ceil(loss / options_.probe_cost)));
      probe_interval_ = std::min(std::max(2 * probe_interval_, for_cost),
                                 std::max(1, options_.max_probe_interval));
    }
    blocks_until_probe_ = probe_interval_;
  }
  block_all_ = blocks_until_probe_ <= 0 ? !chosen_all_ : chosen_all_;
}

}  // namespace nabla
