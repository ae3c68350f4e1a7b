// The collectives of ranks on threads (MakeLocalCommunicators) for 1 to 5
// ranks, and Communicator's default chunked collectives; the same checks
// run under mpirun in tests/tools/mpi_test.
#include "nabla/communicator.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/communicator_checks.h"

namespace nabla {
namespace {

// Each rank of a group of `size` on its thread runs the checks.
void CheckGroup(std::vector<std::unique_ptr<Communicator>> ranks,
                bool shares_memory) {
  const int size = static_cast<int>(ranks.size());
  std::vector<std::vector<std::string>> failures(size);
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    EXPECT_EQ(ranks[r]->rank(), r);
    EXPECT_EQ(ranks[r]->size(), size);
    threads.emplace_back(
        [&, r] { failures[r] = CheckCollectives(*ranks[r], shares_memory); });
  }
  for (std::thread& t : threads) t.join();
  for (int r = 0; r < size; ++r) {
    EXPECT_TRUE(failures[r].empty()) << size << " ranks, rank " << r << ": "
                                     << absl::StrJoin(failures[r], "; ");
  }
}

TEST(LocalCommunicatorTest, PassesTheCollectiveChecks) {
  for (int size = 1; size <= 5; ++size)
    CheckGroup(MakeLocalCommunicators(size), /*shares_memory=*/true);
}

TEST(CommunicatorTest, DefaultChunkedCollectivesPassTheChecks) {
  for (int size = 1; size <= 3; ++size) {
    CheckGroup(MakeMinimalCommunicators(size), /*shares_memory=*/false);
  }
}

}  // namespace
}  // namespace nabla
