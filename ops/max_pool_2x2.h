// MaxPool2D's fast path for its most common use: 2 x 2 windows, stride 2,
// no padding, no dilation, each window inside the input. One output row
// at a time, with the window's four elements in registers and no
// data-dependent branch.
//
// The rows' results are those of the general kernel (max_pool2d_op.cc) for
// numbers: the first of equal maxima in row-major order is the maximum.
// A row holding a NaN or an infinity is left to the general kernel: the
// functions return false for it.
#ifndef NABLA_OPS_MAX_POOL_2X2_H_
#define NABLA_OPS_MAX_POOL_2X2_H_

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "ops/conv_geometry.h"

namespace nabla {

inline bool IsPlainTwoByTwo(const ConvGeometry& g) {
  return g.kernel_height == 2 && g.kernel_width == 2 && g.stride_h == 2 &&
         g.stride_w == 2 && g.dilation_h == 1 && g.dilation_w == 1 &&
         g.pad_top == 0 && g.pad_left == 0 && 2 * g.out_height <= g.in_height &&
         2 * g.out_width <= g.in_width;
}

// True when a, b, c or d is a NaN or an infinity: (a + b + c + d) * 0 is
// then NaN, and 0 otherwise. A flag or-ed over a row, so that the loop
// carries no floating-point chain from window to window.
template <typename T>
bool NotFinite(T a, T b, T c, T d) {
  return (a + b + c + d) * 0 != 0;
}

// v when `keep`, else +0: by a bit mask, not a branch (a branch on which
// element is the maximum is mispredicted half the time).
template <typename T>
T KeepIf(bool keep, T v) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Bits bits;
  std::memcpy(&bits, &v, sizeof(T));
  bits &= Bits(0) - static_cast<Bits>(keep);
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}

// y[ow] = max of top[2ow], top[2ow + 1], bottom[2ow], bottom[2ow + 1].
template <typename T>
bool MaxRowTwoByTwo(const T* top, const T* bottom, int64_t out_width, T* y) {
  bool not_finite = false;
  for (int64_t ow = 0; ow < out_width; ++ow) {
    const T a = top[2 * ow], b = top[2 * ow + 1];
    const T c = bottom[2 * ow], d = bottom[2 * ow + 1];
    const T ab = b > a ? b : a, cd = d > c ? d : c;
    y[ow] = cd > ab ? cd : ab;
    not_finite |= NotFinite(a, b, c, d);
  }
  return !not_finite;
}

// The gradient of one output row: each window's dy goes to its maximum,
// and its other three elements get 0. Writes the first 2 * out_width
// elements of dtop and dbottom.
template <typename T>
bool MaxGradientRowTwoByTwo(const T* top, const T* bottom, int64_t out_width,
                            const T* dy, T* dtop, T* dbottom) {
  bool not_finite = false;
  for (int64_t ow = 0; ow < out_width; ++ow) {
    const T a = top[2 * ow], b = top[2 * ow + 1];
    const T c = bottom[2 * ow], d = bottom[2 * ow + 1];
    // Each later element wins only when greater than all before it.
    const bool b_wins = b > a;
    const T ab = b_wins ? b : a;
    const bool c_wins = c > ab;
    const T abc = c_wins ? c : ab;
    const bool d_wins = d > abc;
    const bool c_is = c_wins && !d_wins;
    const bool b_is = b_wins && !c_wins && !d_wins;
    const bool a_is = !b_wins && !c_wins && !d_wins;
    const T g = dy[ow];
    dtop[2 * ow] = KeepIf(a_is, g);
    dtop[2 * ow + 1] = KeepIf(b_is, g);
    dbottom[2 * ow] = KeepIf(c_is, g);
    dbottom[2 * ow + 1] = KeepIf(d_wins, g);
    not_finite |= NotFinite(a, b, c, d);
  }
  return !not_finite;
}

}  // namespace nabla

#endif  // NABLA_OPS_MAX_POOL_2X2_H_
