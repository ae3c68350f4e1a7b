#include "core/run/time_model.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/profile.h"
#include "core/run/time_report.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// Runs `count` training steps; errors name the phase and the step.
[[nodiscard]] absl::Status RunSteps(Session& session,
                                    absl::Span<const Feed> feeds, int count,
                                    absl::string_view phase) {
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<double> loss = session.TrainStep(feeds);
    if (!loss.ok()) {
      return absl::Status(loss.status().code(),
                          absl::StrCat(phase, " step ", i + 1, " of ", count,
                                       ": ", loss.status().message()));
    }
  }
  return absl::OkStatus();
}

// Restores a session's profiling setting when it goes out of scope.
class ProfilingScope {
 public:
  explicit ProfilingScope(Session& session)
      : session_(session), was_on_(session.profiling()) {}
  ~ProfilingScope() { session_.set_profiling(was_on_); }

 private:
  Session& session_;
  const bool was_on_;
};

// The time a timed step adds to its kernel: the gap between two clock
// reads with nothing between them (median of many, to skip interrupts).
int64_t ClockOverheadNs() {
  constexpr int kSamples = 1001;
  std::vector<int64_t> gaps(kSamples);
  for (int64_t& gap : gaps) {
    const int64_t start = ProfileNowNs();
    gap = ProfileNowNs() - start;
  }
  std::nth_element(gaps.begin(), gaps.begin() + kSamples / 2, gaps.end());
  return gaps[kSamples / 2];
}

std::string DescribeFeeds(absl::Span<const Feed> feeds) {
  if (feeds.empty()) return "none";
  std::vector<std::string> parts;
  for (const Feed& feed : feeds) {
    parts.push_back(
        absl::StrCat(feed.placeholder, " ", feed.tensor->shape().ToString()));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace

[[nodiscard]] absl::StatusOr<std::string> TimeModel(
    Session& session, absl::Span<const Feed> feeds, int iterations,
    int warmup) {
  if (iterations < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("time: iterations must be at least 1, got ", iterations));
  }
  if (warmup < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("time: warmup must not be negative, got ", warmup));
  }
  if (session.update_rule() == nullptr) {
    return absl::FailedPreconditionError(
        "time: the session has no loss and optimizer (SetTraining first)");
  }
  ProfilingScope scope(session);
  session.set_profiling(false);
  NABLA_RETURN_IF_ERROR(RunSteps(session, feeds, warmup, "warmup"));
  session.ResetProfile();
  session.set_profiling(true);
  const int64_t start = ProfileNowNs();
  NABLA_RETURN_IF_ERROR(RunSteps(session, feeds, iterations, "timed"));
  const int64_t elapsed = ProfileNowNs() - start;
  session.set_profiling(false);
  const Profile profile = session.profile();
  NABLA_ASSIGN_OR_RETURN(MemoryPlan memory, session.TrainingMemory(feeds));
  return absl::StrCat(
      absl::StrFormat("time: %d training steps after %d warmup; feeds: %s\n",
                      iterations, warmup, DescribeFeeds(feeds)),
      absl::StrFormat("TrainStep wall %.6f ms/step (phases, feed copy and "
                      "plan lookup, with profiling on)\n",
                      static_cast<double>(elapsed) / iterations / 1e6),
      absl::StrFormat("reading the clock adds about %d ns to each timed node "
                      "step: node times near it are mostly that\n\n",
                      ClockOverheadNs()),
      FormatTimeReport(profile, memory));
}

}  // namespace nabla
