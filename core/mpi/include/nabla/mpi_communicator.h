// The ranks of an MPI job (Open MPI's mpirun) as a Communicator, for
// data-parallel training across processes and machines
// (docs/distributed.md).
//
//   std::unique_ptr<nabla::Communicator> ranks = nabla::MakeMpiCommunicator();
//   nabla::ModelOptions options;
//   if (ranks != nullptr) options.communicator = ranks.get();
//
// A process not started by mpirun gets null and runs alone, without
// initialising MPI. When every rank runs on one machine, the sums and
// gathers go through an MPI-3 shared-memory window: each value is added
// by one rank, in rank order (core/mpi/shared_memory_collectives.h); set
// NABLA_MPI_SHARED_MEMORY=0 (mpirun -x) for messages instead. Across
// machines they are MPI point-to-point messages in a fixed pattern: a ring
// (each chunk summed in a fixed order around the ring, then passed on) for
// large buffers, recursive doubling for small sums (up to 16 KiB). Either
// way every rank gets the same bits and two runs with as many ranks the
// same results. MPI errors are fatal to the whole job (MPI's default), so
// no rank waits forever on one that failed.
#ifndef NABLA_MPI_COMMUNICATOR_H_
#define NABLA_MPI_COMMUNICATOR_H_

#include <memory>
#include <string>

#include "nabla/communicator.h"

namespace nabla {

// Whether this process was started by mpirun (Open MPI's environment).
bool LaunchedByMpirun();

// Initialises MPI (finalised when the communicator is destroyed) when
// LaunchedByMpirun(); null otherwise. One per process.
std::unique_ptr<Communicator> MakeMpiCommunicator();

// How the ranks of a communicator MakeMpiCommunicator() made sum and
// gather: "shared memory" or "messages" (see above).
std::string MpiTransport(const Communicator& communicator);

// Ends every rank of the job with `exit_code` (MPI_Abort): what a rank
// does on an error the others cannot see, so that they do not wait for it.
[[noreturn]] void AbortAllRanks(int exit_code);

}  // namespace nabla

#endif  // NABLA_MPI_COMMUNICATOR_H_
