// MaxPool2D: the largest input element under each window.
//
//   x: [N, C, H, W].  y: [N, C, OH, OW] (sizes and attributes:
//   ops/pool_geometry.h), y[n, c, oh, ow] = max of the elements of
//   x[n, c] the window of (oh, ow) covers. Padding is never the maximum.
//
// A NaN under a window is its maximum (PyTorch's rule); among equal maxima
// the first in row-major order takes the gradient. 2 x 2 windows with
// stride 2 take a fast path (ops/max_pool_2x2.h) with the same results.
#include <cmath>
#include <cstring>
#include <limits>

#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/max_pool_2x2.h"
#include "ops/pool_geometry.h"

namespace nabla {
namespace {

// Whether an element under the window is NaN.
template <typename T>
bool WindowHasNaN(const T* plane, int64_t width, const WindowTaps& rows,
                  const WindowTaps& cols) {
  for (int64_t r = 0; r < rows.count; ++r) {
    const T* row = plane + (rows.first + r * rows.step) * width;
    for (int64_t c = 0; c < cols.count; ++c) {
      if (std::isnan(row[cols.first + c * cols.step])) return true;
    }
  }
  return false;
}

// The largest number under the window, or NaN when there is one. The loop
// has no data-dependent branch (`v > m ? v : m` is one max instruction):
// which element wins is data, and mispredicted branches cost more than the
// comparisons. `probe` sums v * 0, which is NaN only after a NaN or an
// infinity; then, rarely, the window is scanned again for NaN.
template <typename T>
T WindowMax(const T* plane, int64_t width, const WindowTaps& rows,
            const WindowTaps& cols) {
  T max = plane[rows.first * width + cols.first];
  T probe = 0;
  for (int64_t r = 0; r < rows.count; ++r) {
    const T* row = plane + (rows.first + r * rows.step) * width;
    for (int64_t c = 0; c < cols.count; ++c) {
      const T v = row[cols.first + c * cols.step];
      max = v > max ? v : max;
      probe += v * 0;
    }
  }
  if (probe == probe || !WindowHasNaN(plane, width, rows, cols)) return max;
  return std::numeric_limits<T>::quiet_NaN();
}

// The index in `plane` of the first element under the window that is its
// maximum, WindowMax (the first NaN, when that is NaN). The taps are visited
// last to first, each match taking the index by a mask, not a branch: the last
// match visited is the first in row-major order.
template <typename T>
int64_t WindowArgMax(const T* plane, int64_t width, const WindowTaps& rows,
                     const WindowTaps& cols) {
  const T max = WindowMax(plane, width, rows, cols);
  const bool nan = max != max;
  int64_t at = 0;
  for (int64_t r = rows.count - 1; r >= 0; --r) {
    const int64_t row = (rows.first + r * rows.step) * width;
    for (int64_t c = cols.count - 1; c >= 0; --c) {
      const int64_t i = row + cols.first + c * cols.step;
      const T v = plane[i];
      const int64_t match = nan ? v != v : v == max;
      at ^= (at ^ i) & -match;
    }
  }
  return at;
}

// The 2 x 2 fast path (ops/max_pool_2x2.h) for every plane, in parallel;
// a row it leaves (a NaN or an infinity) takes the general kernel.
template <typename T>
void MaxPoolTwoByTwo(const ConvGeometry& g, const T* in, T* out) {
  ForEachPoolPlane(g, [&](int64_t p) {
    const T* plane = in + p * g.in_plane();
    T* y = out + p * g.out_plane();
    for (int64_t oh = 0; oh < g.out_height; ++oh) {
      const T* top = plane + 2 * oh * g.in_width;
      T* y_row = y + oh * g.out_width;
      if (MaxRowTwoByTwo(top, top + g.in_width, g.out_width, y_row)) continue;
      const WindowTaps rows = RowTaps(g, oh);
      for (int64_t ow = 0; ow < g.out_width; ++ow) {
        y_row[ow] = WindowMax(plane, g.in_width, rows, ColumnTaps(g, ow));
      }
    }
  });
}

[[nodiscard]] absl::Status MaxPool2DForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  NABLA_ASSIGN_OR_RETURN(const ConvGeometry g,
                         MakePoolGeometry(x.shape(), ctx.attrs()));
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    if (IsPlainTwoByTwo(g)) {
      MaxPoolTwoByTwo(g, in, out);
      return;
    }
    ForEachPoolWindow(g, [&](int64_t p, int64_t o, const WindowTaps& rows,
                             const WindowTaps& cols) {
      const T* plane = in + p * g.in_plane();
      out[p * g.out_plane() + o] = WindowMax(plane, g.in_width, rows, cols);
    });
  });
  return absl::OkStatus();
}

// dL/dx of the 2 x 2 fast path, as MaxPoolTwoByTwo. The fast rows write
// every element their windows cover; the rest of a plane (an odd last row
// or column) is zeroed first.
template <typename T>
void MaxPoolGradientTwoByTwo(const ConvGeometry& g, const T* in, const T* dy,
                             T* dx) {
  const bool uncovered =
      2 * g.out_height < g.in_height || 2 * g.out_width < g.in_width;
  ForEachPoolPlane(g, [&](int64_t p) {
    const T* plane = in + p * g.in_plane();
    T* d_plane = dx + p * g.in_plane();
    if (uncovered) std::memset(d_plane, 0, sizeof(T) * g.in_plane());
    for (int64_t oh = 0; oh < g.out_height; ++oh) {
      const int64_t top = 2 * oh * g.in_width;
      const T* dy_row = dy + p * g.out_plane() + oh * g.out_width;
      if (MaxGradientRowTwoByTwo(plane + top, plane + top + g.in_width,
                                 g.out_width, dy_row, d_plane + top,
                                 d_plane + top + g.in_width)) {
        continue;
      }
      std::memset(d_plane + top, 0, sizeof(T) * 2 * g.in_width);
      const WindowTaps rows = RowTaps(g, oh);
      for (int64_t ow = 0; ow < g.out_width; ++ow) {
        d_plane[WindowArgMax(plane, g.in_width, rows, ColumnTaps(g, ow))] +=
            dy_row[ow];
      }
    }
  });
}

// dy/dx is 1 at each window's maximum and 0 elsewhere; where windows
// overlap, an input that is the maximum of several gets the sum of their
// gradients.
[[nodiscard]] absl::Status MaxPool2DGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Tensor& x = ctx.input(0);
  NABLA_ASSIGN_OR_RETURN(const ConvGeometry g,
                         MakePoolGeometry(x.shape(), ctx.attrs()));
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    const T* dy = ctx.output_grad(0).data<T>();
    T* out = dx->data<T>();
    if (IsPlainTwoByTwo(g)) {
      MaxPoolGradientTwoByTwo(g, in, dy, out);
      return;
    }
    auto zero_plane = [&](int64_t p) {
      std::memset(out + p * g.in_plane(), 0, sizeof(T) * g.in_plane());
    };
    ForEachPoolWindow(
        g,
        [&](int64_t p, int64_t o, const WindowTaps& rows,
            const WindowTaps& cols) {
          const int64_t at =
              WindowArgMax(in + p * g.in_plane(), g.in_width, rows, cols);
          out[p * g.in_plane() + at] += dy[p * g.out_plane() + o];
        },
        zero_plane);
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("MaxPool2D")
    .Input("x")
    .Output("y")
    .AttrGroup(PoolWindowAttrs<OpDef>)
    .ShapeFn(Pool2DShape)
    .Forward(MaxPool2DForward)
    .Gradient(MaxPool2DGradient)
    .GradientReads(ForwardValues::kInputs)
    .Doc(
        "Maximum over windows of x [N, C, H, W]: kernel_shape [KH, KW], "
        "strides (default kernel_shape), dilations, pads [top, left, bottom, "
        "right] or padding \"same\"/\"valid\", ceil_mode.");

}  // namespace
}  // namespace nabla
