#include "ops/gemm_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "core/parallel.h"
#include "tbb/task_arena.h"

// Only the functions marked NABLA_AVX512 use AVX-512. The rest of the file,
// and every inline function it instantiates from headers, stays baseline
// x86-64 code, so a CPU without AVX-512 never meets an instruction it lacks
// (compiling the whole file with -mavx512f would not promise that).
#define NABLA_AVX512 __attribute__((target("avx512f,fma")))

namespace nabla {
namespace gemm_internal {
namespace {

// The register block: kRows rows of x times a stripe of y one or two
// vectors (kLanes floats each) wide, held in kRows x vectors accumulators
// (16 of the 32 registers with two): enough independent chains to keep both
// FMA pipes busy through their latency. Outputs at most one vector wide
// (the 10 logits of a classifier) take the one-vector stripe, which pads
// less.
constexpr int kRows = 8;
constexpr int kLanes = 16;
constexpr int kMaxCols = 2 * kLanes;
// The longest run over k between passes through out: a packed stripe of
// kMaxDepth x kMaxCols floats (32 KiB) stays in L1 while slivers of x stream
// past it.
constexpr int64_t kMaxDepth = 256;

// Tasks cover at most this much of out; with more than one thread they
// shrink until each thread has several, so a thread slowed by another
// process leaves its share to the others.
constexpr int64_t kMaxBlockRows = 128;
constexpr int64_t kMaxBlockCols = 256;
constexpr int64_t kBlocksPerThread = 4;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t RoundUp(int64_t a, int64_t b) { return CeilDiv(a, b) * b; }

// Up to kRows x kCols elements of out, the target of one kernel call
// (kCols: the stripe's width).
struct OutBlock {
  float* data;
  int64_t row_stride;
  int64_t col_stride;
  int rows;
  int cols;
};

// Copies rows [k0, k0 + depth) x columns [c0, c0 + kCols) of y into
// `stripe`, one row of kCols floats per k, zero past y's last column: the
// kernel then reads each k's row with one aligned load per vector.
template <int kCols>
void PackStripe(const MatrixView<const float>& y, int64_t k0, int64_t depth,
                int64_t c0, float* stripe) {
  const int cols = static_cast<int>(std::min<int64_t>(kCols, y.cols - c0));
  const float* origin = y.data + k0 * y.row_stride + c0 * y.col_stride;
  if (y.col_stride == 1) {
    for (int64_t k = 0; k < depth; ++k) {
      const float* row = origin + k * y.row_stride;
      std::copy(row, row + cols, stripe + k * kCols);
    }
  } else {
    // Column-major y (a transposed operand): read each column in order.
    for (int j = 0; j < cols; ++j) {
      const float* column = origin + j * y.col_stride;
      for (int64_t k = 0; k < depth; ++k) {
        stripe[k * kCols + j] = column[k * y.row_stride];
      }
    }
  }
  if (cols < kCols) {
    for (int64_t k = 0; k < depth; ++k) {
      std::fill(stripe + k * kCols + cols, stripe + (k + 1) * kCols, 0.0f);
    }
  }
}

// out block (+)= x sliver · stripe over `depth` steps of k. The sliver's
// element (r, k) is x[r * x_stride + k] when kRowMajor, else
// x[k * x_stride + r], for all kRows rows; the stripe is kVectors vectors
// wide; only out.rows x out.cols of the result are written. With
// `accumulate` the chains continue from out's values (the previous pass
// over k), else they start at zero.
template <bool kRowMajor, int kVectors>
NABLA_AVX512 void MultiplyBlock(const float* x, int64_t x_stride,
                                const float* stripe, int64_t depth,
                                bool accumulate, const OutBlock& out) {
  constexpr int kCols = kVectors * kLanes;
  // Rows of row-major out move straight between memory and the
  // accumulators, masked past its last column; column-major out goes
  // through `tile`.
  const bool direct = out.col_stride == 1;
  __mmask16 mask[kVectors];
  for (int v = 0; v < kVectors; ++v) {
    const int lanes = std::clamp(out.cols - v * kLanes, 0, kLanes);
    mask[v] = static_cast<__mmask16>((1u << lanes) - 1);
  }
  alignas(64) float tile[kRows][kCols];
  __m512 acc[kRows][kVectors];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  if (accumulate && direct) {
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      if (r >= out.rows) break;
      const float* row = out.data + r * out.row_stride;
#pragma GCC unroll 2
      for (int v = 0; v < kVectors; ++v) {
        acc[r][v] = _mm512_maskz_loadu_ps(mask[v], row + v * kLanes);
      }
    }
  } else if (accumulate) {
    for (int r = 0; r < kRows; ++r) {
      for (int j = 0; j < kCols; ++j) {
        tile[r][j] = r < out.rows && j < out.cols
                         ? out.data[r * out.row_stride + j * out.col_stride]
                         : 0.0f;
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 2
      for (int v = 0; v < kVectors; ++v) {
        acc[r][v] = _mm512_load_ps(tile[r] + v * kLanes);
      }
    }
  }
  for (int64_t k = 0; k < depth; ++k) {
    __m512 yv[kVectors];
#pragma GCC unroll 2
    for (int v = 0; v < kVectors; ++v) {
      yv[v] = _mm512_load_ps(stripe + k * kCols + v * kLanes);
    }
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      const __m512 xv =
          _mm512_set1_ps(kRowMajor ? x[r * x_stride + k] : x[k * x_stride + r]);
#pragma GCC unroll 2
      for (int v = 0; v < kVectors; ++v) {
        acc[r][v] = _mm512_fmadd_ps(xv, yv[v], acc[r][v]);
      }
    }
  }
  if (direct) {
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      if (r >= out.rows) break;
      float* row = out.data + r * out.row_stride;
#pragma GCC unroll 2
      for (int v = 0; v < kVectors; ++v) {
        _mm512_mask_storeu_ps(row + v * kLanes, mask[v], acc[r][v]);
      }
    }
    return;
  }
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < kVectors; ++v) {
      _mm512_store_ps(tile[r] + v * kLanes, acc[r][v]);
    }
  }
  for (int r = 0; r < out.rows; ++r) {
    for (int j = 0; j < out.cols; ++j) {
      out.data[r * out.row_stride + j * out.col_stride] = tile[r][j];
    }
  }
}

// One kernel call for x's rows [r0, r0 + out.rows) and k in [k0, k0 +
// depth). Fewer than kRows rows are first copied, zero-padded, into
// `sliver`, so the kernel never reads past x.
template <int kVectors>
void MultiplySliver(const MatrixView<const float>& x, int64_t r0, int64_t k0,
                    int64_t depth, const float* stripe, float* sliver,
                    const OutBlock& out) {
  const bool accumulate = k0 > 0;
  if (out.rows < kRows) {
    for (int64_t k = 0; k < depth; ++k) {
      for (int r = 0; r < kRows; ++r) {
        sliver[k * kRows + r] =
            r < out.rows
                ? x.data[(r0 + r) * x.row_stride + (k0 + k) * x.col_stride]
                : 0.0f;
      }
    }
    MultiplyBlock<false, kVectors>(sliver, kRows, stripe, depth, accumulate,
                                   out);
  } else if (x.col_stride == 1) {
    MultiplyBlock<true, kVectors>(x.data + r0 * x.row_stride + k0, x.row_stride,
                                  stripe, depth, accumulate, out);
  } else {  // column-major x: row_stride == 1
    MultiplyBlock<false, kVectors>(x.data + r0 + k0 * x.col_stride,
                                   x.col_stride, stripe, depth, accumulate,
                                   out);
  }
}

// out's rows [r_begin, r_end) x columns [c_begin, c_end): one task. For
// each pass over k and each stripe of y, every sliver of x's rows.
template <int kVectors>
void MultiplyRange(const MatrixView<const float>& x,
                   const MatrixView<const float>& y,
                   const MatrixView<float>& out, int64_t r_begin, int64_t r_end,
                   int64_t c_begin, int64_t c_end, int64_t depth) {
  constexpr int kCols = kVectors * kLanes;
  alignas(64) float stripe[kMaxDepth * kCols];
  alignas(64) float sliver[kMaxDepth * kRows];
  for (int64_t k0 = 0; k0 < x.cols; k0 += depth) {
    const int64_t pass_depth = std::min(depth, x.cols - k0);
    for (int64_t c = c_begin; c < c_end; c += kCols) {
      PackStripe<kCols>(y, k0, pass_depth, c, stripe);
      for (int64_t r = r_begin; r < r_end; r += kRows) {
        const OutBlock block{
            out.data + r * out.row_stride + c * out.col_stride, out.row_stride,
            out.col_stride,
            static_cast<int>(std::min<int64_t>(kRows, r_end - r)),
            static_cast<int>(std::min<int64_t>(kCols, c_end - c))};
        MultiplySliver<kVectors>(x, r, k0, pass_depth, stripe, sliver, block);
      }
    }
  }
}

// Elements the kernel computes for an m x n out, padding included.
int64_t PaddedSize(int64_t m, int64_t n) {
  return RoundUp(m, kRows) * (n <= kLanes ? kLanes : RoundUp(n, kMaxCols));
}

// Cuts out into blocks, tasks of the caller's arena, and multiplies each
// with stripes kVectors vectors wide. The passes over k are `depth` deep.
template <int kVectors>
void MultiplyBlocks(const MatrixView<const float>& x,
                    const MatrixView<const float>& y,
                    const MatrixView<float>& out, int64_t depth) {
  constexpr int kCols = kVectors * kLanes;
  const int64_t m = out.rows, n = out.cols;
  int64_t block_rows = std::min(kMaxBlockRows, RoundUp(m, kRows));
  int64_t block_cols = std::min(kMaxBlockCols, RoundUp(n, kCols));
  const int64_t threads = tbb::this_task_arena::max_concurrency();
  // Narrower blocks first: each packs only its own stripes of y, while
  // every block of a column range packs them again.
  while (threads > 1 && CeilDiv(m, block_rows) * CeilDiv(n, block_cols) <
                            kBlocksPerThread * threads) {
    if (block_cols > kCols &&
        (block_cols >= block_rows || block_rows == kRows)) {
      block_cols = RoundUp(block_cols / 2, kCols);
    } else if (block_rows > kRows) {
      block_rows = RoundUp(block_rows / 2, kRows);
    } else {
      break;
    }
  }
  const int64_t col_blocks = CeilDiv(n, block_cols);
  ParallelFor(
      CeilDiv(m, block_rows) * col_blocks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b) {
          const int64_t r = (b / col_blocks) * block_rows;
          const int64_t c = (b % col_blocks) * block_cols;
          MultiplyRange<kVectors>(x, y, out, r, std::min(m, r + block_rows), c,
                                  std::min(n, c + block_cols), depth);
        }
      });
}

}  // namespace

bool HasAvx512() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  }();
  return has;
}

void GemmAvx512(const MatrixView<const float>& x,
                const MatrixView<const float>& y,
                const MatrixView<float>& out) {
  const int64_t m = out.rows, n = out.cols;
  // The kernel pads out to whole blocks of 8 rows and 16 or 32 columns.
  // When outᵀ = yᵀ · xᵀ pads less, that is computed instead; every element
  // is still the same chain of fused multiply-adds (fma(a, b, c) is
  // fma(b, a, c)), so the choice changes no bits. Only when x is
  // column-major, though: xᵀ becomes the packed operand, and packing a
  // column-major one (a transpose) costs more than the padding saves.
  if (x.row_stride == 1 && PaddedSize(n, m) < PaddedSize(m, n)) {
    GemmAvx512(Transposed(y), Transposed(x), Transposed(out));
    return;
  }
  // Passes of equal depth over k; how k is cut depends on k alone.
  const int64_t passes = CeilDiv(x.cols, kMaxDepth);
  const int64_t depth = CeilDiv(x.cols, passes);
  if (n <= kLanes) {
    MultiplyBlocks<1>(x, y, out, depth);
  } else {
    MultiplyBlocks<2>(x, y, out, depth);
  }
}

}  // namespace gemm_internal
}  // namespace nabla
