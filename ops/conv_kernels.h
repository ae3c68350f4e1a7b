// The kernels of a 2-D convolution in NCHW with OIHW weights, for a
// geometry (ops/conv_geometry.h): the forward product and the backward
// pass for the input and the weights. Conv2D runs them as they are;
// ConvTranspose2D, the adjoint of a convolution in its input, runs the
// backward pass for the input as its forward and the forward as its
// gradient.
//
// Each sample and group is one matrix product, w_g [O/group, patch] times
// the column matrix [patch, OH * OW] (ops/im2col.h), run by the GEMM of
// the active kernel set; samples run in parallel lanes (below). A 1 x 1
// kernel with stride 1 and no padding reads x itself as the column matrix.
#ifndef NABLA_OPS_CONV_KERNELS_H_
#define NABLA_OPS_CONV_KERNELS_H_

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "core/kernel_context.h"
#include "core/parallel.h"
#include "ops/conv_direct.h"
#include "ops/conv_geometry.h"
#include "ops/gemm.h"
#include "ops/im2col.h"
#include "ops/scratch.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace conv_internal {

template <typename T>
MatrixView<T> RowMajor(T* data, int64_t rows, int64_t cols) {
  return {data, rows, cols, cols, 1};
}

// The column matrix is x itself: a 1 x 1 kernel, stride 1, no padding.
inline bool ColumnsAreInput(const ConvGeometry& g) {
  return g.kernel_height == 1 && g.kernel_width == 1 && g.stride_h == 1 &&
         g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 &&
         g.out_height == g.in_height && g.out_width == g.in_width;
}

// Where sample n, group grp starts in x (or dx) and in y (or dy).
inline int64_t InputOffset(const ConvGeometry& g, int64_t n, int64_t grp) {
  return (n * g.in_channels + grp * g.group_in_channels()) * g.in_plane();
}
inline int64_t OutputOffset(const ConvGeometry& g, int64_t n, int64_t grp) {
  return (n * g.out_channels + grp * g.group_out_channels()) * g.out_plane();
}

// The column matrix of sample n, group grp: x's own memory, or `scratch`
// filled from it.
template <typename T>
const T* Columns(const ConvGeometry& g, const T* x, int64_t n, int64_t grp,
                 T* scratch) {
  const T* planes = x + InputOffset(g, n, grp);
  if (ColumnsAreInput(g)) return planes;
  Im2Col(g, planes, scratch);
  return scratch;
}

// Samples run in lanes: lane l takes samples [l * N / L, (l + 1) * N / L),
// and lanes run in parallel, each with its own scratch. L depends on the
// batch only, not on the thread count, and dL/dw is summed per lane and
// then over lanes in lane order, so the bits do not depend on the threads.
constexpr int64_t kMaxLanes = 16;

inline int64_t LanesFor(const ConvGeometry& g) {
  return std::min<int64_t>(std::max<int64_t>(g.batch, 0), kMaxLanes);
}
inline int64_t LaneBegin(const ConvGeometry& g, int64_t lanes, int64_t lane) {
  return lane * g.batch / lanes;
}

// The scratch memory of the kernels, in bytes, one piece after another,
// each rounded up to 64 (the kernels' vector loads rely on it). Lane l's
// pieces start at l * lane: the column matrix of one sample and group
// (none when x is read in place; with the direct kernels only dL/d(columns),
// for dx), one product of w_g's size for dL/dw, and the direct kernels'
// pieces when they apply (ops/conv_direct.h). After the lanes: the partial
// dL/dw of every lane but the first.
struct ScratchSizes {
  // Byte offsets within a lane.
  size_t columns = 0, product = 0, offsets = 0, padded = 0, grid = 0,
         w_pack = 0, dy_t = 0;
  size_t lane = 0;      // the bytes of one lane
  size_t partials = 0;  // where the partial sums start
  size_t total = 0;
};

inline uint64_t RoundUpTo64(uint64_t bytes) { return (bytes + 63) / 64 * 64; }

// False when the sizes do not fit in 64 bits.
inline bool SizeScratch(const ConvGeometry& g, size_t element,
                        ScratchSizes* sizes) {
  uint64_t columns = 0;
  if (!ColumnsAreInput(g) &&
      (__builtin_mul_overflow(static_cast<uint64_t>(g.patch_size()),
                              static_cast<uint64_t>(g.out_plane()), &columns) ||
       __builtin_mul_overflow(columns, element, &columns) ||
       columns > (uint64_t{1} << 62))) {
    return false;
  }
  // The rest is bounded by the weights' and the tensors' sizes, or, for the
  // direct kernels, by DirectConvApplies: no overflow.
  const uint64_t weights =
      static_cast<uint64_t>(g.group_out_channels() * g.patch_size());
  uint64_t pieces[7] = {columns, weights * element};
  if (DirectConvApplies(g)) {
    const DirectScratch d = DirectScratchOf(g);
    pieces[1] = element * d.product;
    pieces[2] = sizeof(int64_t) * d.offsets;
    pieces[3] = element * d.padded;
    pieces[4] = element * d.grid;
    pieces[5] = element * d.w_pack;
    pieces[6] = element * d.dy_t;
  }
  size_t* const at[7] = {&sizes->columns, &sizes->product, &sizes->offsets,
                         &sizes->padded,  &sizes->grid,    &sizes->w_pack,
                         &sizes->dy_t};
  uint64_t lane = 0;
  for (int i = 0; i < 7; ++i) {
    *at[i] = lane;
    lane += RoundUpTo64(pieces[i]);
  }
  const uint64_t lanes = static_cast<uint64_t>(LanesFor(g));
  uint64_t lanes_bytes = 0, partials = 0, total = 0;
  if (__builtin_mul_overflow(lane, lanes, &lanes_bytes) ||
      __builtin_mul_overflow(weights * static_cast<uint64_t>(g.group),
                             element * (lanes > 0 ? lanes - 1 : 0),
                             &partials) ||
      __builtin_add_overflow(lanes_bytes, partials, &total)) {
    return false;
  }
  sizes->lane = lane;
  sizes->partials = lanes_bytes;
  sizes->total = total;
  return true;
}

}  // namespace conv_internal

using conv_internal::ScratchSizes;
using conv_internal::SizeScratch;

// Tells the planner the kernels' scratch memory for `g` (a shape function's
// last step), once the data's shape is known; InvalidArgument when one
// sample's column matrix cannot be sized.
[[nodiscard]] inline absl::Status SetConvScratchBytes(const ConvGeometry& g,
                                                      ShapeContext& ctx) {
  if (g.batch < 0 || g.in_channels < 0 || g.in_height < 0 || g.in_width < 0 ||
      g.out_height < 0 || g.out_width < 0) {
    return absl::OkStatus();  // sized when the data's shape is known
  }
  ScratchSizes sizes;
  if (!SizeScratch(g, DTypeSize(ctx.input_dtype(0)), &sizes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the column matrix of one sample (", g.patch_size(), " x ",
                     g.out_plane(), " elements) does not fit in memory"));
  }
  ctx.SetScratchBytes(sizes.total);
  return absl::OkStatus();
}

// ResourceExhausted when the scratch memory could not be had.
[[nodiscard]] inline absl::Status ConvScratchError(size_t bytes) {
  return absl::ResourceExhaustedError(
      absl::StrCat("out of memory: the convolution's scratch memory needs ",
                   bytes, " bytes"));
}

// ConvForward by the direct kernels (ops/conv_direct.h): each lane pads
// its samples' planes and reads the column matrix's rows from them.
template <typename T>
void ConvForwardDirect(const ConvGeometry& g, const T* x, const T* w, T* y,
                       const ScratchSizes& sizes,
                       const KernelScratch& scratch) {
  using namespace conv_internal;  // NOLINT: the helpers above
  const int64_t lanes = LanesFor(g);
  const int64_t patch = g.patch_size();
  const int64_t out_per_group = g.group_out_channels();
  ParallelFor(lanes, 1, [&](int64_t lane_lo, int64_t lane_hi) {
    const size_t base = lane_lo * sizes.lane;
    int64_t* offsets = scratch.at<int64_t>(base + sizes.offsets);
    T* padded = scratch.at<T>(base + sizes.padded);
    RowOffsets(g, offsets);
    for (int64_t n = LaneBegin(g, lanes, lane_lo);
         n < LaneBegin(g, lanes, lane_hi); ++n) {
      for (int64_t grp = 0; grp < g.group; ++grp) {
        PadPlanes(g, x + InputOffset(g, n, grp), padded);
        DirectConvForward(ActiveKernelIsa(), g, padded, offsets,
                          w + grp * out_per_group * patch,
                          y + OutputOffset(g, n, grp),
                          scratch.at<T>(base + sizes.grid),
                          scratch.at<T>(base + sizes.w_pack));
      }
    }
  });
}

// y = the convolution of x with w, both as laid out by `g`. `planned` is
// the node's scratch memory (NodeRun::scratch()), empty outside a plan.
template <typename T>
[[nodiscard]] absl::Status ConvForward(const ConvGeometry& g, const T* x,
                                       const T* w, T* y,
                                       absl::Span<char> planned = {}) {
  using namespace conv_internal;  // NOLINT: the helpers above
  ScratchSizes sizes;
  if (!SizeScratch(g, sizeof(T), &sizes)) {
    return absl::InternalError("the convolution's scratch size overflows");
  }
  const KernelScratch scratch(planned, sizes.total);
  if (!scratch.ok()) return ConvScratchError(sizes.total);
  if (DirectConvApplies(g)) {
    ConvForwardDirect(g, x, w, y, sizes, scratch);
    return absl::OkStatus();
  }
  const int64_t lanes = LanesFor(g);
  const int64_t patch = g.patch_size(), plane = g.out_plane();
  const int64_t out_per_group = g.group_out_channels();
  ParallelFor(lanes, 1, [&](int64_t lane_lo, int64_t lane_hi) {
    T* columns = scratch.at<T>(lane_lo * sizes.lane + sizes.columns);
    for (int64_t n = LaneBegin(g, lanes, lane_lo);
         n < LaneBegin(g, lanes, lane_hi); ++n) {
      for (int64_t grp = 0; grp < g.group; ++grp) {
        const T* cols = Columns(g, x, n, grp, columns);
        Gemm(RowMajor(w + grp * out_per_group * patch, out_per_group, patch),
             RowMajor(cols, patch, plane),
             RowMajor(y + OutputOffset(g, n, grp), out_per_group, plane));
      }
    }
  });
  return absl::OkStatus();
}

// With Y_g = W_g · X_g (X_g the column matrix) and G_g = dL/dY_g, for each
// sample:
//   dL/dW_g += G_g · X_gᵀ   (summed in sample order within a lane, then
//                            over lanes in lane order)
//   dL/dX_g = W_gᵀ · G_g, added back into dx by the adjoint of im2col.
// `dx` or `dw` may be null when not wanted; `x` is read only for dw.
// `planned` as for ConvForward.
template <typename T>
[[nodiscard]] absl::Status ConvBackward(const ConvGeometry& g, const T* x,
                                        const T* w, const T* dy, T* dx, T* dw,
                                        absl::Span<char> planned = {}) {
  using namespace conv_internal;  // NOLINT: the helpers above
  ScratchSizes sizes;
  if (!SizeScratch(g, sizeof(T), &sizes)) {
    return absl::InternalError("the convolution's scratch size overflows");
  }
  const int64_t lanes = LanesFor(g);
  const KernelScratch scratch(planned, sizes.total);
  if (!scratch.ok()) return ConvScratchError(sizes.total);
  T* const partials = scratch.at<T>(sizes.partials);
  const int64_t patch = g.patch_size(), plane = g.out_plane();
  const int64_t out_per_group = g.group_out_channels();
  const int64_t weights = g.out_channels * patch;
  const bool direct = ColumnsAreInput(g);
  // No samples: the sum has no terms, and no lane to write it.
  if (dw != nullptr && lanes == 0) std::memset(dw, 0, sizeof(T) * weights);
  // dL/dw by the direct kernels (ops/conv_direct.h) when they apply: the
  // product of each sample comes transposed.
  const bool direct_dw = dw != nullptr && DirectConvApplies(g);
  const int64_t product_stride = conv_direct_internal::RoundUp(
      out_per_group, conv_direct_internal::kBlockCols);
  ParallelFor(lanes, 1, [&](int64_t lane_lo, int64_t lane_hi) {
    const size_t base = lane_lo * sizes.lane;
    T* const columns = scratch.at<T>(base + sizes.columns);
    T* const product = scratch.at<T>(base + sizes.product);
    int64_t* const offsets = scratch.at<int64_t>(base + sizes.offsets);
    T* const padded = scratch.at<T>(base + sizes.padded);
    if (direct_dw) RowOffsets(g, offsets);
    for (int64_t lane = lane_lo; lane < lane_hi; ++lane) {
      // Lane 0 sums into dw itself, the others into their partials.
      T* lane_dw = dw == nullptr ? nullptr
                   : lane == 0   ? dw
                                 : partials + (lane - 1) * weights;
      const int64_t first = LaneBegin(g, lanes, lane);
      for (int64_t n = first; n < LaneBegin(g, lanes, lane + 1); ++n) {
        for (int64_t grp = 0; grp < g.group; ++grp) {
          const MatrixView<const T> g_ng =
              RowMajor(dy + OutputOffset(g, n, grp), out_per_group, plane);
          if (lane_dw != nullptr && direct_dw) {
            T* dw_g = lane_dw + grp * out_per_group * patch;
            PadPlanes(g, x + InputOffset(g, n, grp), padded);
            DirectConvWeightGradient(ActiveKernelIsa(), g, padded, offsets,
                                     dy + OutputOffset(g, n, grp),
                                     scratch.at<T>(base + sizes.dy_t), product);
            const T* prod = product;
            // The lane's first sample writes; later ones add, as below.
            for (int64_t o = 0; o < out_per_group; ++o) {
              for (int64_t k = 0; k < patch; ++k) {
                const T value = prod[k * product_stride + o];
                dw_g[o * patch + k] =
                    n == first ? value : dw_g[o * patch + k] + value;
              }
            }
          } else if (lane_dw != nullptr) {
            T* dw_g = lane_dw + grp * out_per_group * patch;
            const T* cols = Columns(g, x, n, grp, columns);
            // The lane's first sample writes; later ones add.
            T* out = n == first ? dw_g : product;
            Gemm(g_ng, Transposed(RowMajor(cols, patch, plane)),
                 RowMajor(out, out_per_group, patch));
            if (n > first) {
              const T* add = product;
              for (int64_t i = 0; i < out_per_group * patch; ++i) {
                dw_g[i] += add[i];
              }
            }
          }
          if (dx == nullptr) continue;
          const MatrixView<const T> w_g =
              RowMajor(w + grp * out_per_group * patch, out_per_group, patch);
          T* dx_ng = dx + InputOffset(g, n, grp);
          if (direct) {
            Gemm(Transposed(w_g), g_ng, RowMajor(dx_ng, patch, plane));
            continue;
          }
          T* dcols = columns;
          Gemm(Transposed(w_g), g_ng, RowMajor(dcols, patch, plane));
          std::memset(dx_ng, 0,
                      sizeof(T) * g.group_in_channels() * g.in_plane());
          Col2Im(g, dcols, dx_ng);
        }
      }
    }
  });
  if (dw == nullptr) return absl::OkStatus();
  // dw = lane 0's sum + lane 1's + ..., in lane order for every element.
  const T* parts = partials;
  VectorizedFor(weights, GrainFor(lanes), [&](int64_t lo, int64_t hi) {
    for (int64_t lane = 1; lane < lanes; ++lane) {
      const T* part = parts + (lane - 1) * weights;
      for (int64_t i = lo; i < hi; ++i) dw[i] += part[i];
    }
  });
  return absl::OkStatus();
}

}  // namespace nabla

#endif  // NABLA_OPS_CONV_KERNELS_H_
