// Chunk tables of the chunked collectives (Communicator::ReduceScatterSum,
// AllGatherChunks): size + 1 ascending offsets, rank r's chunk being
// [chunks[r], chunks[r + 1]).
#ifndef NABLA_CORE_MPI_CHUNKS_H_
#define NABLA_CORE_MPI_CHUNKS_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace nabla {

// n values in `size` chunks as even as can be.
inline void EvenChunks(int64_t n, int size, std::vector<int64_t>* chunks) {
  chunks->resize(size + 1);
  for (int c = 0; c <= size; ++c) (*chunks)[c] = n * c / size;
}

// Calls fn(slice, slice_chunks) for consecutive slices of `values` of at
// most `slice_elements` each, with the chunk table cut to the slice
// (offsets within it), for collectives that take bounded counts.
// `scratch` holds the cut table.
template <typename T, typename Fn>
void ForEachSlice(absl::Span<T> values, absl::Span<const int64_t> chunks,
                  int64_t slice_elements, std::vector<int64_t>& scratch,
                  const Fn& fn) {
  const int64_t n = static_cast<int64_t>(values.size());
  scratch.resize(chunks.size());
  for (int64_t first = 0; first < n; first += slice_elements) {
    const int64_t last = std::min(n, first + slice_elements);
    for (size_t c = 0; c < chunks.size(); ++c) {
      scratch[c] = std::clamp(chunks[c], first, last) - first;
    }
    fn(values.subspan(first, last - first), absl::MakeConstSpan(scratch));
  }
}

}  // namespace nabla

#endif  // NABLA_CORE_MPI_CHUNKS_H_
