// The collectives of ranks on threads (MakeLocalCommunicators) for 1 to 5
// ranks; the same checks run under mpirun in tests/tools/mpi_test.
#include "nabla/communicator.h"

#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/communicator_checks.h"

namespace nabla {
namespace {

TEST(LocalCommunicatorTest, PassesTheCollectiveChecks) {
  for (int size = 1; size <= 5; ++size) {
    std::vector<std::unique_ptr<Communicator>> ranks =
        MakeLocalCommunicators(size);
    std::vector<std::vector<std::string>> failures(size);
    std::vector<std::thread> threads;
    for (int r = 0; r < size; ++r) {
      EXPECT_EQ(ranks[r]->rank(), r);
      EXPECT_EQ(ranks[r]->size(), size);
      threads.emplace_back(
          [&, r] { failures[r] = CheckCollectives(*ranks[r]); });
    }
    for (std::thread& t : threads) t.join();
    for (int r = 0; r < size; ++r) {
      EXPECT_TRUE(failures[r].empty()) << size << " ranks, rank " << r << ": "
                                       << absl::StrJoin(failures[r], "; ");
    }
  }
}

}  // namespace
}  // namespace nabla
