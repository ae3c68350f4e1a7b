// ops/gemm: products against a double-precision sum computed here, for
// every layout of the three matrices, edge shapes around the kernel's
// blocks, and passes over k; results bit-identical across thread counts and
// wherever an element falls in the output; the Eigen path (the one CPUs
// without AVX-512 take) checked the same way.
#include "ops/gemm.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "ops/gemm_avx512.h"
#include "ops/gemm_eigen.h"
#include "tbb/task_arena.h"

namespace nabla {
namespace {

// A rows x cols matrix in a buffer with padded leading dimension, stored
// row-major or column-major.
template <typename T>
struct Matrix {
  Matrix(int64_t rows, int64_t cols, bool column_major, uint32_t seed)
      : rows(rows),
        cols(cols),
        column_major(column_major),
        lead((column_major ? rows : cols) + 3),
        data((column_major ? cols : rows) * lead + 1, T(-7)) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<double> uniform(-1, 1);
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) At(i, j) = T(uniform(random));
    }
  }
  T& At(int64_t i, int64_t j) {
    return data[column_major ? j * lead + i : i * lead + j];
  }
  T At(int64_t i, int64_t j) const {
    return data[column_major ? j * lead + i : i * lead + j];
  }
  MatrixView<const T> View() const {
    return column_major ? MatrixView<const T>{data.data(), rows, cols, 1, lead}
                        : MatrixView<const T>{data.data(), rows, cols, lead, 1};
  }
  MatrixView<T> Out() {
    return column_major ? MatrixView<T>{data.data(), rows, cols, 1, lead}
                        : MatrixView<T>{data.data(), rows, cols, lead, 1};
  }
  int64_t rows, cols;
  bool column_major;
  int64_t lead;
  std::vector<T> data;
};

struct Shape {
  int64_t m, k, n;
};

// Around the AVX-512 kernel's 8 x 32 register block, its 256-deep passes
// over k and its task blocks, and the MLP's shapes.
const Shape kShapes[] = {
    {1, 1, 1},     {1, 7, 33},     {7, 3, 31},     {8, 256, 32},
    {9, 257, 33},  {17, 600, 10},  {64, 784, 256}, {100, 5, 300},
    {129, 64, 70}, {260, 130, 65}, {3, 513, 257},  {40, 1, 1},
};

// Each element within the bound on a k-term sum's rounding: k units of
// T's precision times the sum of the terms' magnitudes (twice, for the
// reference's own rounding).
template <typename T, typename GemmFn>
void ExpectMatchesReference(const GemmFn& gemm, int threads) {
  tbb::task_arena arena(threads);
  uint32_t seed = 1;
  for (const Shape& s : kShapes) {
    for (int layout = 0; layout < 8; ++layout) {
      const bool x_cm = layout & 1, y_cm = layout & 2, out_cm = layout & 4;
      const Matrix<T> x(s.m, s.k, x_cm, ++seed), y(s.k, s.n, y_cm, ++seed);
      Matrix<T> out(s.m, s.n, out_cm, ++seed);
      arena.execute([&] { gemm(x.View(), y.View(), out.Out()); });
      for (int64_t i = 0; i < s.m; ++i) {
        for (int64_t j = 0; j < s.n; ++j) {
          double sum = 0, magnitude = 0;
          for (int64_t p = 0; p < s.k; ++p) {
            sum += double(x.At(i, p)) * double(y.At(p, j));
            magnitude += std::abs(double(x.At(i, p)) * double(y.At(p, j)));
          }
          const double bound =
              2 * s.k * std::numeric_limits<T>::epsilon() * magnitude;
          ASSERT_NEAR(out.At(i, j), sum, bound)
              << "m=" << s.m << " k=" << s.k << " n=" << s.n
              << " layout=" << layout << " at (" << i << ", " << j << ")";
        }
      }
      // The padding between columns or rows of out is left alone.
      EXPECT_EQ(out.data.back(), T(-7)) << "layout " << layout;
    }
  }
}

void FloatGemm(const MatrixView<const float>& x,
               const MatrixView<const float>& y, const MatrixView<float>& out) {
  Gemm(x, y, out);
}

TEST(GemmTest, FloatMatchesDoubleSumForEveryLayout) {
  ExpectMatchesReference<float>(FloatGemm, 1);
  ExpectMatchesReference<float>(FloatGemm, 3);
}

TEST(GemmTest, DoubleMatchesDoubleSumForEveryLayout) {
  ExpectMatchesReference<double>(
      [](const MatrixView<const double>& x, const MatrixView<const double>& y,
         const MatrixView<double>& out) { Gemm(x, y, out); },
      2);
}

TEST(GemmTest, EigenPathMatchesDoubleSum) {
  ExpectMatchesReference<float>(
      [](const MatrixView<const float>& x, const MatrixView<const float>& y,
         const MatrixView<float>& out) { gemm_internal::GemmEigen(x, y, out); },
      2);
}

TEST(GemmTest, EmptyDepthGivesZeros) {
  Matrix<float> x(3, 0, false, 1), y(0, 4, false, 2), out(3, 4, true, 3);
  Gemm(x.View(), y.View(), out.Out());
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 4; ++j) EXPECT_EQ(out.At(i, j), 0.0f);
  }
}

std::vector<float> Product(const Matrix<float>& x, const Matrix<float>& y,
                           int threads) {
  Matrix<float> out(x.rows, y.cols, false, 0);
  tbb::task_arena(threads).execute(
      [&] { Gemm(x.View(), y.View(), out.Out()); });
  return out.data;
}

TEST(GemmTest, BitIdenticalForAnyThreadCount) {
  for (const Shape& s : kShapes) {
    const Matrix<float> x(s.m, s.k, false, 5), y(s.k, s.n, true, 6);
    const std::vector<float> one = Product(x, y, 1);
    for (int threads : {2, 3, 4, 7}) {
      EXPECT_EQ(Product(x, y, threads), one)
          << "m=" << s.m << " k=" << s.k << " n=" << s.n << ", " << threads
          << " threads";
    }
  }
}

// The element (i, j) of a product does not depend on the rest of the
// matrices: computing rows [r, m) x columns [c, n) alone, or with the
// operands in another layout, gives the same bits.
TEST(GemmTest, ElementIndependentOfPositionAndLayout) {
  const Matrix<float> x(70, 300, false, 7), y(300, 90, false, 8);
  const std::vector<float> full = Product(x, y, 1);
  for (const auto& [r, c] :
       {std::pair<int64_t, int64_t>{3, 5}, {9, 33}, {64, 40}}) {
    MatrixView<const float> xs = x.View(), ys = y.View();
    xs.data += r * x.lead;
    xs.rows -= r;
    ys.data += c;
    ys.cols -= c;
    Matrix<float> part(xs.rows, ys.cols, true, 0);
    Gemm(xs, ys, part.Out());
    for (int64_t i = 0; i < part.rows; ++i) {
      for (int64_t j = 0; j < part.cols; ++j) {
        ASSERT_EQ(part.At(i, j), full[(i + r) * (y.cols + 3) + j + c])
            << "offset (" << r << ", " << c << ") at (" << i << ", " << j
            << ")";
      }
    }
  }
  Matrix<float> x_cm(70, 300, true, 0), y_cm(300, 90, true, 0);
  for (int64_t i = 0; i < 70; ++i) {
    for (int64_t p = 0; p < 300; ++p) x_cm.At(i, p) = x.data[i * x.lead + p];
  }
  for (int64_t p = 0; p < 300; ++p) {
    for (int64_t j = 0; j < 90; ++j) y_cm.At(p, j) = y.data[p * y.lead + j];
  }
  EXPECT_EQ(Product(x_cm, y_cm, 2), full);
  // The last 5 columns alone, from a column-major x: a narrow product,
  // which the AVX-512 kernel computes transposed.
  MatrixView<const float> last_columns = y.View();
  last_columns.data += 85;
  last_columns.cols = 5;
  Matrix<float> narrow(70, 5, false, 0);
  Gemm(x_cm.View(), last_columns, narrow.Out());
  for (int64_t i = 0; i < 70; ++i) {
    for (int64_t j = 0; j < 5; ++j) {
      ASSERT_EQ(narrow.At(i, j), full[i * (y.cols + 3) + 85 + j])
          << "narrow product at (" << i << ", " << j << ")";
    }
  }
}

}  // namespace
}  // namespace nabla
