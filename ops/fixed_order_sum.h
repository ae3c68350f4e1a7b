// A sum in double whose order of additions is fixed: eight partial sums,
// then those in turn. The partial sums keep the additions independent (the
// compiler may put them in one vector) without letting the result depend
// on the kernel set or the thread count. BatchNorm and LayerNorm sum their
// statistics with it.
#ifndef NABLA_OPS_FIXED_ORDER_SUM_H_
#define NABLA_OPS_FIXED_ORDER_SUM_H_

#include <cstdint>

namespace nabla {

// Adds f(0), ..., f(n - 1) into `partial`: f(i) into partial[i % 8].
template <typename F>
void AddPartials(int64_t n, const F& f, double (&partial)[8]) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) partial[k] += f(i + k);
  }
  for (; i < n; ++i) partial[i % 8] += f(i);
}

inline double SumOfPartials(const double (&partial)[8]) {
  double sum = 0;
  for (double p : partial) sum += p;
  return sum;
}

// f(0) + ... + f(n - 1) in the fixed order.
template <typename F>
double FixedOrderSum(int64_t n, const F& f) {
  double partial[8] = {};
  AddPartials(n, f, partial);
  return SumOfPartials(partial);
}

}  // namespace nabla

#endif  // NABLA_OPS_FIXED_ORDER_SUM_H_
