// What a training step costs: time per node and phase (Profile) and the
// bytes of the buffers a training plan holds (MemoryPlan).
//
//   session->set_profiling(true);
//   for (int i = 0; i < 100; ++i) {
//     NABLA_RETURN_IF_ERROR(session->TrainStep(feeds).status());
//   }
//   const Profile profile = session->profile();
//   NABLA_ASSIGN_OR_RETURN(MemoryPlan memory, session->TrainingMemory(feeds));
//
// Both are plain values: copies, taken when asked for, that later steps do
// not change.
#ifndef NABLA_CORE_PROFILE_H_
#define NABLA_CORE_PROFILE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace nabla {

// Time of one node in the profiled training steps, summed over the steps.
// Each step is timed on the thread that ran it, so in a parallel phase the
// sum over nodes may exceed the phase's wall time.
struct NodeProfile {
  std::string name;
  std::string op;
  // The forward kernel.
  int64_t forward_ns = 0;
  // The gradient kernel.
  int64_t backward_ns = 0;
  // Summing the per-consumer gradients of this node's outputs where an
  // output feeds several gradient paths (fan-out).
  int64_t sum_ns = 0;
  // The optimizer's update of this (trainable Variable) node.
  int64_t update_ns = 0;
  // Steps in which the node ran: its forward kernel for a computed node,
  // its update for a trainable Variable; 0 for Placeholders, Consts, and
  // nodes the loss does not need.
  int64_t calls = 0;

  int64_t total_ns() const {
    return forward_ns + backward_ns + sum_ns + update_ns;
  }
};

struct Profile {
  // Every node of the graph, in graph order.
  std::vector<NodeProfile> nodes;
  // Training steps profiled (Session::TrainStep calls that ran with
  // profiling on and succeeded up to the update).
  int64_t steps = 0;
  // Wall time of each phase, summed over the steps.
  int64_t forward_wall_ns = 0;
  int64_t backward_wall_ns = 0;
  int64_t update_wall_ns = 0;
  // The session's thread setting.
  int threads = 1;
};

// The bytes of one node's buffers in a training plan.
struct NodeMemory {
  std::string name;
  std::string op;
  // Shapes of the node's outputs in the plan; empty when the plan does not
  // compute the node (the loss does not depend on it).
  std::vector<Shape> output_shapes;
  // Output values the plan holds (0 for a Variable: the session holds it).
  size_t value_bytes = 0;
  // dL/d(output) buffers, for nodes on the gradient path.
  size_t gradient_bytes = 0;
  // Per-consumer gradient buffers summed into this node's gradients where
  // an output fans out.
  size_t sum_bytes = 0;
  // Scratch memory of the node's kernels while one of its steps runs
  // (ShapeContext::SetScratchBytes): planned in the arena for its forward
  // step and again for its gradient step.
  size_t scratch_bytes = 0;
  // A Variable's value and its optimizer slots, held by the session.
  size_t variable_bytes = 0;
  size_t slot_bytes = 0;
};

// Every buffer of a training plan, and the session's variables and slots.
// Buffers whose lifetimes do not overlap share the plan's arena, and some
// ops run in place, so the arena is smaller than the sum of its buffers.
struct MemoryPlan {
  // Every node of the graph, in graph order.
  std::vector<NodeMemory> nodes;
  // Sums over `nodes`: what the buffers would take without sharing.
  size_t value_bytes = 0;
  size_t gradient_bytes = 0;
  size_t sum_bytes = 0;
  size_t scratch_bytes = 0;
  size_t variable_bytes = 0;
  size_t slot_bytes = 0;
  // The plan's arena as laid out (what it allocates), and as it would be
  // if no buffers shared memory (each rounded up to the 64-byte boundary
  // buffers start on).
  size_t arena_bytes = 0;
  size_t unshared_arena_bytes = 0;

  // Bytes the plan allocates for its own buffers.
  size_t plan_bytes() const { return arena_bytes; }
  // Bytes held while the plan runs.
  size_t peak_bytes() const {
    return plan_bytes() + variable_bytes + slot_bytes;
  }
};

// The time of one step of a plan (or one variable's update), summed over
// the runs that were timed. Written by the one thread running that step.
struct StepTime {
  int64_t ns = 0;
  int64_t count = 0;
};

// The profiler's clock: the steady clock, in nanoseconds.
inline int64_t ProfileNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Adds the time between laps to running totals, or does nothing when off.
class PhaseStopwatch {
 public:
  explicit PhaseStopwatch(bool on) : on_(on), last_(on ? ProfileNowNs() : 0) {}

  // Adds the time since construction or the previous lap to `*total_ns`.
  void Lap(int64_t* total_ns) {
    if (!on_) return;
    const int64_t now = ProfileNowNs();
    *total_ns += now - last_;
    last_ = now;
  }

 private:
  const bool on_;
  int64_t last_;
};

}  // namespace nabla

#endif  // NABLA_CORE_PROFILE_H_
