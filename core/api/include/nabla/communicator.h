// Communicator: the processes (or threads) that train one model together,
// data-parallel, each a replica with the whole model and a share of every
// batch (ModelOptions::communicator, docs/distributed.md).
//
// Every collective must be called by every rank, in the same order, with
// the same sizes. The sums are deterministic: the order in which a value's
// terms are added depends only on size(), never on timing, and every rank
// receives the same bits.
//
// Made by MakeLocalCommunicators() below (threads of one process) or
// MakeMpiCommunicator() (<nabla/mpi_communicator.h>: processes under
// mpirun); an application may implement its own.
#ifndef NABLA_COMMUNICATOR_H_
#define NABLA_COMMUNICATOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace nabla {

class Communicator {
 public:
  virtual ~Communicator() = default;

  // 0-based; rank 0 alone writes files and prints progress.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // The ranks that share this rank's machine (and so its cores); all of
  // them unless an implementation knows better.
  virtual int ranks_on_this_machine() const { return size(); }
  // Whether the collectives may be called from a thread other than the
  // one that made the communicator (one call at a time): the gradient
  // exchange's own thread calls them.
  virtual bool callable_from_other_threads() const { return true; }

  // Replaces each element by its sum over the ranks.
  [[nodiscard]] virtual absl::Status AllReduceSum(absl::Span<float> values) = 0;
  [[nodiscard]] virtual absl::Status AllReduceSum(
      absl::Span<double> values) = 0;
  // Every rank's `mine`, in rank order, on every rank.
  [[nodiscard]] virtual absl::Status AllGather(
      absl::string_view mine, std::vector<std::string>* all) = 0;

  // The two halves of a sum that each rank needs only part of (a sharded
  // optimizer update). `chunks` holds size() + 1 ascending offsets from 0
  // to values.size(): rank r's chunk is [chunks[r], chunks[r + 1]).
  //
  // Afterwards this rank's chunk holds its values' sums over the ranks;
  // the other values are left unspecified. By default an AllReduceSum().
  [[nodiscard]] virtual absl::Status ReduceScatterSum(
      absl::Span<float> values, absl::Span<const int64_t> chunks);
  [[nodiscard]] virtual absl::Status ReduceScatterSum(
      absl::Span<double> values, absl::Span<const int64_t> chunks);
  // Afterwards every chunk holds its rank's values, on every rank. By
  // default through AllGather().
  [[nodiscard]] virtual absl::Status AllGatherChunks(
      absl::Span<float> values, absl::Span<const int64_t> chunks);
  [[nodiscard]] virtual absl::Status AllGatherChunks(
      absl::Span<double> values, absl::Span<const int64_t> chunks);
  // Returns when every rank has called it. By default a sum of one value.
  [[nodiscard]] virtual absl::Status Barrier();
  // `bytes` of memory, aligned to 64 bytes, at which every rank reads and
  // writes the same values: what one rank writes there before a collective
  // call, the others read after it. Held until the communicator is
  // destroyed. Null when the ranks cannot share memory (the default; MPI
  // ranks on several machines). Collective: every rank gets memory, or
  // every rank null. A session holds one copy of the variables per machine
  // in it when its ranks update a part each (docs/distributed.md).
  virtual void* AllocateShared(size_t bytes);
};

// Communicators between threads of one process: a group of `size` ranks,
// each used by one thread. Tests train data-parallel with them without
// MPI; an application can train replicas on threads with them. Sums add
// the ranks' values in rank order. A rank that stops calling the
// collectives blocks the others: every rank must make the same calls.
// REQUIRES: size >= 1.
std::vector<std::unique_ptr<Communicator>> MakeLocalCommunicators(int size);

}  // namespace nabla

#endif  // NABLA_COMMUNICATOR_H_
