// ops/gemm: the products of every instruction set this CPU runs
// (portable, AVX2, AVX-512), each against a double-precision sum computed
// here, for every layout of the three matrices, edge shapes around the
// kernels' blocks, and passes over k; each bit-identical across thread
// counts and wherever an element falls in the output; the sets against each
// other; Gemm itself against the active set.
#include "ops/gemm.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "ops/gemm_kernels.h"
#include "ops/kernel_isa.h"
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

// Around the kernels' register blocks (6 or 8 rows, 8 to 32 columns), their
// 256-deep passes over k and their task blocks, and the MLP's shapes.
const Shape kShapes[] = {
    {1, 1, 1},     {1, 7, 33},     {7, 3, 31},    {8, 256, 32},  {9, 257, 33},
    {17, 600, 10}, {64, 784, 256}, {100, 5, 300}, {129, 64, 70}, {260, 130, 65},
    {3, 513, 257}, {40, 1, 1},     {2, 300, 290}, {1, 784, 256},
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

// Each test runs once per instruction set this CPU runs.
class GemmTest : public testing::TestWithParam<KernelIsa> {
 protected:
  template <typename T>
  void Multiply(const MatrixView<const T>& x, const MatrixView<const T>& y,
                const MatrixView<T>& out) const {
    gemm_internal::GemmWith(GetParam(), x, y, out);
  }

  template <typename T>
  std::vector<T> Product(const Matrix<T>& x, const Matrix<T>& y,
                         int threads) const {
    Matrix<T> out(x.rows, y.cols, false, 0);
    tbb::task_arena(threads).execute(
        [&] { Multiply<T>(x.View(), y.View(), out.Out()); });
    return out.data;
  }
};

TEST_P(GemmTest, FloatMatchesDoubleSumForEveryLayout) {
  const auto gemm =
      [this](const MatrixView<const float>& x, const MatrixView<const float>& y,
             const MatrixView<float>& out) { Multiply(x, y, out); };
  ExpectMatchesReference<float>(gemm, 1);
  ExpectMatchesReference<float>(gemm, 3);
}

TEST_P(GemmTest, DoubleMatchesDoubleSumForEveryLayout) {
  ExpectMatchesReference<double>(
      [this](const MatrixView<const double>& x,
             const MatrixView<const double>& y,
             const MatrixView<double>& out) { Multiply(x, y, out); },
      2);
}

TEST_P(GemmTest, BitIdenticalForAnyThreadCount) {
  for (const Shape& s : kShapes) {
    const Matrix<float> x(s.m, s.k, false, 5), y(s.k, s.n, true, 6);
    const std::vector<float> one = Product(x, y, 1);
    const Matrix<double> xd(s.m, s.k, true, 5), yd(s.k, s.n, false, 6);
    const std::vector<double> one_double = Product(xd, yd, 1);
    for (int threads : {2, 3, 4, 7}) {
      EXPECT_EQ(Product(x, y, threads), one)
          << "m=" << s.m << " k=" << s.k << " n=" << s.n << ", " << threads
          << " threads";
      EXPECT_EQ(Product(xd, yd, threads), one_double)
          << "double: m=" << s.m << " k=" << s.k << " n=" << s.n << ", "
          << threads << " threads";
    }
  }
}

// The element (i, j) of a product does not depend on the rest of the
// matrices: computing rows [r, m) x columns [c, n) alone, or with the
// operands in another layout, gives the same bits. (The data-parallel
// training relies on it: a shard's rows are the same rows of the whole
// batch.)
TEST_P(GemmTest, ElementIndependentOfPositionAndLayout) {
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
    Multiply(xs, ys, part.Out());
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
  // One or two rows alone, which the kernels multiply without packing y.
  for (const auto& [r, rows] :
       {std::pair<int64_t, int64_t>{0, 1}, {5, 2}, {69, 1}, {31, 2}}) {
    for (const int64_t c : {0, 7}) {
      MatrixView<const float> xs = x.View(), ys = y.View();
      xs.data += r * x.lead;
      xs.rows = rows;
      ys.data += c;
      ys.cols -= c;
      Matrix<float> part(rows, ys.cols, false, 0);
      Multiply(xs, ys, part.Out());
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < part.cols; ++j) {
          ASSERT_EQ(part.At(i, j), full[(i + r) * (y.cols + 3) + j + c])
              << rows << " rows from (" << r << ", " << c << ") at (" << i
              << ", " << j << ")";
        }
      }
    }
  }
  // The last 5 columns alone, from a column-major x: a narrow product,
  // which the kernels compute transposed.
  MatrixView<const float> last_columns = y.View();
  last_columns.data += 85;
  last_columns.cols = 5;
  Matrix<float> narrow(70, 5, false, 0);
  Multiply(x_cm.View(), last_columns, narrow.Out());
  for (int64_t i = 0; i < 70; ++i) {
    for (int64_t j = 0; j < 5; ++j) {
      ASSERT_EQ(narrow.At(i, j), full[i * (y.cols + 3) + 85 + j])
          << "narrow product at (" << i << ", " << j << ")";
    }
  }
}

// Every set against every other on the same product: the fused sets (AVX2,
// AVX-512) give the same bits; the portable one stays within the rounding
// bound of a k-term sum of them.
TEST_P(GemmTest, AgreesWithEveryOtherSet) {
  const int64_t m = 37, k = 300, n = 45;
  const Matrix<float> x(m, k, false, 11), y(k, n, true, 12);
  const std::vector<float> mine = Product(x, y, 2);
  const bool fused = GetParam() != KernelIsa::kPortable;
  for (KernelIsa other : SupportedKernelIsas()) {
    Matrix<float> theirs(m, n, false, 0);
    gemm_internal::GemmWith(other, x.View(), y.View(), theirs.Out());
    const bool both_fused = fused && other != KernelIsa::kPortable;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double magnitude = 0;
        for (int64_t p = 0; p < k; ++p) {
          magnitude += std::abs(double(x.At(i, p)) * double(y.At(p, j)));
        }
        const float a = mine[i * (n + 3) + j], b = theirs.At(i, j);
        if (both_fused) {
          ASSERT_EQ(a, b) << KernelIsaName(GetParam()) << " against "
                          << KernelIsaName(other) << " at (" << i << ", " << j
                          << ")";
        } else {
          ASSERT_NEAR(a, b,
                      2 * k * std::numeric_limits<float>::epsilon() * magnitude)
              << KernelIsaName(GetParam()) << " against "
              << KernelIsaName(other) << " at (" << i << ", " << j << ")";
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EverySetThisCpuRuns, GemmTest,
                         testing::ValuesIn(SupportedKernelIsas()),
                         [](const testing::TestParamInfo<KernelIsa>& info) {
                           return std::string(KernelIsaName(info.param));
                         });

TEST(GemmEntryTest, EmptyDepthGivesZeros) {
  Matrix<float> x(3, 0, false, 1), y(0, 4, false, 2), out(3, 4, true, 3);
  Gemm(x.View(), y.View(), out.Out());
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 4; ++j) EXPECT_EQ(out.At(i, j), 0.0f);
  }
}

TEST(GemmEntryTest, RunsTheActiveSet) {
  const Matrix<float> x(20, 50, false, 3), y(50, 30, false, 4);
  Matrix<float> by_gemm(20, 30, false, 0), by_set(20, 30, false, 0);
  Gemm(x.View(), y.View(), by_gemm.Out());
  gemm_internal::GemmWith(ActiveKernelIsa(), x.View(), y.View(), by_set.Out());
  EXPECT_EQ(by_gemm.data, by_set.data);
  const std::string name(KernelIsaName(ActiveKernelIsa()));
  EXPECT_NE(GemmKernels().find("float32 GEMM: " + name), std::string::npos)
      << GemmKernels();
}

}  // namespace
}  // namespace nabla
