// The one order in which data-parallel ranks that share memory add each
// other's values: rank 0's term, plus rank 1's, plus rank 2's, and so on,
// whichever rank adds. The shared-memory collectives
// (core/mpi/shared_memory_collectives.cc) and the sums of gradients where
// the backward passes wrote them (core/gradient_exchange.cc) both add this
// way, so that they give the same bits.
#ifndef NABLA_CORE_RANK_ORDER_SUM_H_
#define NABLA_CORE_RANK_ORDER_SUM_H_

#include <algorithm>
#include <cstdint>

namespace nabla {

// out[i] = term(0)[i] + term(1)[i] + ... + term(ranks - 1)[i] for i in
// [begin, end); `term(r)` is rank r's values. In blocks summed on the
// stack, since `out` may be one of the terms. REQUIRES: ranks >= 2.
template <typename T, typename Term>
void SumInRankOrder(int ranks, int64_t begin, int64_t end, const Term& term,
                    T* out) {
  constexpr int64_t kBlock = 512;
  T sums[kBlock];
  for (int64_t first = begin; first < end; first += kBlock) {
    const int64_t count = std::min(kBlock, end - first);
    const T* rank0 = term(0) + first;
    const T* rank1 = term(1) + first;
    for (int64_t i = 0; i < count; ++i) sums[i] = rank0[i] + rank1[i];
    for (int r = 2; r < ranks; ++r) {
      const T* next = term(r) + first;
      for (int64_t i = 0; i < count; ++i) sums[i] += next[i];
    }
    std::copy(sums, sums + count, out + first);
  }
}

}  // namespace nabla

#endif  // NABLA_CORE_RANK_ORDER_SUM_H_
