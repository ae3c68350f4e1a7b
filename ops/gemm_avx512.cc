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

// The register block: kRows rows of x times a stripe of kCols columns of y,
// held in 2 * kRows vector accumulators (16 of the 32 registers): enough
// independent chains to keep both FMA pipes busy through their latency.
constexpr int kRows = 8;
constexpr int kCols = 32;
// The longest run over k between passes through out: a packed stripe of
// kMaxDepth x kCols floats (32 KiB) stays in L1 while slivers of x stream
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

// Up to kRows x kCols elements of out, the target of one kernel call.
struct OutBlock {
  float* data;
  int64_t row_stride;
  int64_t col_stride;
  int rows;
  int cols;
};

// Copies rows [k0, k0 + depth) x columns [c0, c0 + kCols) of y into
// `stripe`, one row of kCols floats per k, zero past y's last column: the
// kernel then reads each k's row with two aligned loads.
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
// x[k * x_stride + r], for all kRows rows; only out.rows x out.cols of the
// result are written. With `accumulate` the chains continue from out's
// values (the previous pass over k), else they start at zero.
template <bool kRowMajor>
NABLA_AVX512 void MultiplyBlock(const float* x, int64_t x_stride,
                                const float* stripe, int64_t depth,
                                bool accumulate, const OutBlock& out) {
  // Whole rows of row-major out move straight between memory and the
  // accumulators; any other block goes through `tile`.
  const bool direct = out.col_stride == 1 && out.cols == kCols;
  alignas(64) float tile[kRows][kCols];
  __m512 acc[kRows][2];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  }
  if (accumulate && direct) {
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      if (r >= out.rows) break;
      const float* row = out.data + r * out.row_stride;
      acc[r][0] = _mm512_loadu_ps(row);
      acc[r][1] = _mm512_loadu_ps(row + 16);
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
      acc[r][0] = _mm512_load_ps(tile[r]);
      acc[r][1] = _mm512_load_ps(tile[r] + 16);
    }
  }
  for (int64_t k = 0; k < depth; ++k) {
    const __m512 y0 = _mm512_load_ps(stripe + k * kCols);
    const __m512 y1 = _mm512_load_ps(stripe + k * kCols + 16);
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      const __m512 xv = _mm512_set1_ps(kRowMajor ? x[r * x_stride + k]
                                                 : x[k * x_stride + r]);
      acc[r][0] = _mm512_fmadd_ps(xv, y0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(xv, y1, acc[r][1]);
    }
  }
  if (direct) {
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      if (r >= out.rows) break;
      float* row = out.data + r * out.row_stride;
      _mm512_storeu_ps(row, acc[r][0]);
      _mm512_storeu_ps(row + 16, acc[r][1]);
    }
    return;
  }
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    _mm512_store_ps(tile[r], acc[r][0]);
    _mm512_store_ps(tile[r] + 16, acc[r][1]);
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
    MultiplyBlock<false>(sliver, kRows, stripe, depth, accumulate, out);
  } else if (x.col_stride == 1) {
    MultiplyBlock<true>(x.data + r0 * x.row_stride + k0, x.row_stride, stripe,
                        depth, accumulate, out);
  } else {  // column-major x: row_stride == 1
    MultiplyBlock<false>(x.data + r0 + k0 * x.col_stride, x.col_stride,
                         stripe, depth, accumulate, out);
  }
}

// out's rows [r_begin, r_end) x columns [c_begin, c_end): one task. For
// each pass over k and each stripe of y, every sliver of x's rows.
void MultiplyRange(const MatrixView<const float>& x,
                   const MatrixView<const float>& y,
                   const MatrixView<float>& out, int64_t r_begin,
                   int64_t r_end, int64_t c_begin, int64_t c_end,
                   int64_t depth) {
  alignas(64) float stripe[kMaxDepth * kCols];
  alignas(64) float sliver[kMaxDepth * kRows];
  for (int64_t k0 = 0; k0 < x.cols; k0 += depth) {
    const int64_t pass_depth = std::min(depth, x.cols - k0);
    for (int64_t c = c_begin; c < c_end; c += kCols) {
      PackStripe(y, k0, pass_depth, c, stripe);
      for (int64_t r = r_begin; r < r_end; r += kRows) {
        const OutBlock block{
            out.data + r * out.row_stride + c * out.col_stride,
            out.row_stride, out.col_stride,
            static_cast<int>(std::min<int64_t>(kRows, r_end - r)),
            static_cast<int>(std::min<int64_t>(kCols, c_end - c))};
        MultiplySliver(x, r, k0, pass_depth, stripe, sliver, block);
      }
    }
  }
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
  // Passes of equal depth over k; how k is cut depends on k alone.
  const int64_t passes = CeilDiv(x.cols, kMaxDepth);
  const int64_t depth = CeilDiv(x.cols, passes);

  int64_t block_rows = std::min(kMaxBlockRows, RoundUp(m, kRows));
  int64_t block_cols = std::min(kMaxBlockCols, RoundUp(n, kCols));
  const int64_t threads = tbb::this_task_arena::max_concurrency();
  // Narrower blocks first: each packs only its own stripes of y, while
  // every block of a column range packs them again.
  while (threads > 1 &&
         CeilDiv(m, block_rows) * CeilDiv(n, block_cols) <
             kBlocksPerThread * threads) {
    if (block_cols > kCols && (block_cols >= block_rows || block_rows == kRows)) {
      block_cols = RoundUp(block_cols / 2, kCols);
    } else if (block_rows > kRows) {
      block_rows = RoundUp(block_rows / 2, kRows);
    } else {
      break;
    }
  }
  const int64_t col_blocks = CeilDiv(n, block_cols);
  ParallelFor(CeilDiv(m, block_rows) * col_blocks, 1,
              [&](int64_t begin, int64_t end) {
                for (int64_t b = begin; b < end; ++b) {
                  const int64_t r = (b / col_blocks) * block_rows;
                  const int64_t c = (b % col_blocks) * block_cols;
                  MultiplyRange(x, y, out, r, std::min(m, r + block_rows), c,
                                std::min(n, c + block_cols), depth);
                }
              });
}

}  // namespace gemm_internal
}  // namespace nabla
