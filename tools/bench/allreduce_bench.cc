// Times the data-parallel sum (MpiCommunicator::AllReduceSum) on float
// buffers of the byte sizes given, for distributed_bench.py's model of the
// step time:
//
//   mpirun -np 2 allreduce_bench 8 940584
//
// Rank 0 prints "BYTES MICROSECONDS" per size: the mean of the calls after
// a warm-up, each started together (a barrier of one small sum first).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "nabla/mpi_communicator.h"

int main(int argc, char** argv) {
  std::unique_ptr<nabla::Communicator> ranks = nabla::MakeMpiCommunicator();
  if (ranks == nullptr) {
    std::fprintf(stderr, "allreduce_bench: run it under mpirun\n");
    return 2;
  }
  constexpr int kWarmup = 20, kCalls = 200;
  for (int i = 1; i < argc; ++i) {
    const long bytes = std::atol(argv[i]);
    std::vector<float> values(std::max(1L, bytes / 4), 1.0f);
    double total_us = 0;
    for (int call = 0; call < kWarmup + kCalls; ++call) {
      float start_together = 0;
      if (!ranks->AllReduceSum(absl::MakeSpan(&start_together, 1)).ok()) {
        return 1;
      }
      const auto start = std::chrono::steady_clock::now();
      if (!ranks->AllReduceSum(absl::MakeSpan(values)).ok()) return 1;
      if (call >= kWarmup) {
        total_us += std::chrono::duration<double, std::micro>(
                        std::chrono::steady_clock::now() - start)
                        .count();
      }
    }
    if (ranks->rank() == 0) std::printf("%ld %.3f\n", bytes, total_us / kCalls);
  }
  return 0;
}
