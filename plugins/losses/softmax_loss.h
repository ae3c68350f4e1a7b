// Shared by SoftmaxCrossEntropy and SparseSoftmaxCrossEntropy: the shape
// check of logits [N, C] and a numerically stable softmax of one row.
#ifndef NABLA_PLUGINS_LOSSES_SOFTMAX_LOSS_H_
#define NABLA_PLUGINS_LOSSES_SOFTMAX_LOSS_H_

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/status/status.h"
#include "core/kernel_context.h"

namespace nabla {

// Checks input 0 ("logits"): rank 2 [N, C] with C >= 1 when known.
[[nodiscard]] absl::Status CheckLogitsShape(const ShapeContext& ctx);

// The softmax of one row of C >= 1 logits, kept as m = max_c x_c and
// s = sum_c e^{x_c - m}: every exponential is at most 1 and 1 <= s <= C, so
// both are finite for any finite logits, and
//   log softmax_c = (x_c - m) - log s,   softmax_c = e^{x_c - m} / s.
// Not x_c - lse with lse = m + log s: for |m| >> 1, lse rounds log s away
// (logits 1e30, 1e30 would get log softmax 0 and softmax 1, not
// -log 2 and 1/2). Sums in index order.
template <typename T>
class RowSoftmax {
 public:
  RowSoftmax(const T* row, int64_t c) : max_(*std::max_element(row, row + c)) {
    for (int64_t j = 0; j < c; ++j) sum_ += std::exp(row[j] - max_);
    log_sum_ = std::log(sum_);
  }

  // For x_c, an element of the row.
  T LogProb(T x) const { return (x - max_) - log_sum_; }
  T Prob(T x) const { return std::exp(x - max_) / sum_; }

 private:
  T max_;
  T sum_ = 0;
  T log_sum_;
};

}  // namespace nabla

#endif  // NABLA_PLUGINS_LOSSES_SOFTMAX_LOSS_H_
