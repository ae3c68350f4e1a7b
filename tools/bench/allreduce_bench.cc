// Times the data-parallel exchange of one bucket on float buffers of the
// byte sizes given, for distributed_bench.py's model of the step time:
//
//   mpirun -np 2 allreduce_bench 8 940584
//
// Rank 0 prints "BYTES SHARDED_US SUM_US" per size: the mean over the
// calls after a warm-up, each started together (a barrier of one small
// sum first), of what a sharded step does per bucket (ReduceScatterSum,
// then AllGatherChunks of even chunks) and of an AllReduceSum (a step
// whose update is not sharded).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>

#include "nabla/mpi_communicator.h"

namespace {

// Mean microseconds of `call` over kCalls calls, after kWarmup.
double MeanMicroseconds(nabla::Communicator& ranks,
                        const std::function<bool()>& call) {
  constexpr int kWarmup = 20, kCalls = 200;
  double total_us = 0;
  for (int i = 0; i < kWarmup + kCalls; ++i) {
    float start_together = 0;
    if (!ranks.AllReduceSum(absl::MakeSpan(&start_together, 1)).ok()) {
      std::exit(1);
    }
    const auto start = std::chrono::steady_clock::now();
    if (!call()) std::exit(1);
    if (i >= kWarmup) {
      total_us += std::chrono::duration<double, std::micro>(
                      std::chrono::steady_clock::now() - start)
                      .count();
    }
  }
  return total_us / kCalls;
}

}  // namespace

int main(int argc, char** argv) {
  std::unique_ptr<nabla::Communicator> ranks = nabla::MakeMpiCommunicator();
  if (ranks == nullptr) {
    std::fprintf(stderr, "allreduce_bench: run it under mpirun\n");
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const long bytes = std::atol(argv[i]);
    std::vector<float> values(std::max(1L, bytes / 4), 1.0f);
    const int64_t n = static_cast<int64_t>(values.size());
    std::vector<int64_t> chunks;
    for (int r = 0; r <= ranks->size(); ++r) {
      chunks.push_back(n * r / ranks->size());
    }
    const double sharded = MeanMicroseconds(*ranks, [&] {
      return ranks->ReduceScatterSum(absl::MakeSpan(values), chunks).ok() &&
             ranks->AllGatherChunks(absl::MakeSpan(values), chunks).ok();
    });
    const double summed = MeanMicroseconds(*ranks, [&] {
      return ranks->AllReduceSum(absl::MakeSpan(values)).ok();
    });
    if (ranks->rank() == 0) {
      std::printf("%ld %.3f %.3f\n", bytes, sharded, summed);
    }
  }
  return 0;
}
