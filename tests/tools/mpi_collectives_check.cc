// Run by tests/tools/mpi_test under mpirun: the collective checks of
// tests/communicator_checks.h on MPI's ranks. Prints "rank R: ok (how the
// ranks sum)" or the failures, and exits 1 on any.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "nabla/mpi_communicator.h"
#include "tests/communicator_checks.h"

int main() {
  std::unique_ptr<nabla::Communicator> ranks = nabla::MakeMpiCommunicator();
  if (ranks == nullptr) {
    std::fprintf(stderr, "not started by mpirun\n");
    return 1;
  }
  // Ranks that sum through shared memory also allocate it.
  const std::string transport = nabla::MpiTransport(*ranks);
  const std::vector<std::string> failures =
      nabla::CheckCollectives(*ranks, transport == "shared memory");
  for (const std::string& failure : failures) {
    std::printf("rank %d: %s\n", ranks->rank(), failure.c_str());
  }
  if (failures.empty()) {
    std::printf("rank %d: ok (%s)\n", ranks->rank(), transport.c_str());
  }
  return failures.empty() ? 0 : 1;
}
