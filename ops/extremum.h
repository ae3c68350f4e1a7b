// The elementwise functor of Max and Min (ops/binary_op.h).
#ifndef NABLA_OPS_EXTREMUM_H_
#define NABLA_OPS_EXTREMUM_H_

namespace nabla {

// The larger (kMax) or smaller of a and b. A NaN is the result when either
// is NaN, and a tie sends half of the gradient to each input, as PyTorch's
// maximum and minimum do.
template <bool kMax>
struct ExtremumFn {
  // a beats b.
  template <typename T>
  static bool Beats(T a, T b) {
    return kMax ? a > b : a < b;
  }
  template <typename T>
  static T Value(T a, T b) {
    return Beats(a, b) || a != a ? a : b;
  }
  template <typename T>
  static T DzDa(T a, T b, T) {
    return Beats(a, b) ? T(1) : (a == b ? T(0.5) : T(0));
  }
  template <typename T>
  static T DzDb(T a, T b, T) {
    return Beats(b, a) ? T(1) : (a == b ? T(0.5) : T(0));
  }
};

}  // namespace nabla

#endif  // NABLA_OPS_EXTREMUM_H_
