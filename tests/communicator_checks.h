// Checks any Communicator must pass, run by every rank of a group: sums of
// buffers of every size (empty, shorter than the ranks, uneven chunks)
// against their exact values, reduce-scatters and gathers of chunks of
// every size (empty, uneven), the same bits on every rank, AllGather of
// strings of different lengths, AnyRank, memory shared by AllocateShared
// (where the ranks can share it). Used with threads
// (tests/core/communicator_test) and under mpirun
// (tests/tools/mpi_collectives_check).
#ifndef NABLA_TESTS_COMMUNICATOR_CHECKS_H_
#define NABLA_TESTS_COMMUNICATOR_CHECKS_H_

#include <memory>
#include <string>
#include <vector>

#include "nabla/communicator.h"

namespace nabla {

// Thread ranks (MakeLocalCommunicators) behind communicators with only what
// every implementation must have: the chunked collectives, Barrier() and
// AllocateShared() are Communicator's defaults (no shared memory), as an
// application's own communicator or MPI ranks on several machines.
std::vector<std::unique_ptr<Communicator>> MakeMinimalCommunicators(int size);

// What failed on this rank; empty when everything passed. `shares_memory`:
// whether AllocateShared() must give memory (else it must give null).
std::vector<std::string> CheckCollectives(Communicator& communicator,
                                          bool shares_memory);

}  // namespace nabla

#endif  // NABLA_TESTS_COMMUNICATOR_CHECKS_H_
