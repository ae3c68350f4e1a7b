// ops/vector_loop.h: a loop compiled for each kernel set this CPU runs
// gives the same bits as the plain loop below, for float and double, for
// lengths that leave a tail after the last full vector, and for 1 and 2
// threads. The loops are the kinds the kernels have: a multiply feeding an
// add (which AVX-512F could fuse), a select, a square root and a division
// (Adam's update), and sums down the columns of a matrix (BiasAdd's
// gradient).
#include "ops/vector_loop.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/kernel_isa.h"
#include "tbb/task_arena.h"

namespace nabla {
namespace {

template <typename T>
std::vector<T> Random(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-2, 2);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// Bit equality, so that -0.0 against 0.0 and NaN payloads count too.
template <typename T>
void ExpectSameBits(const std::vector<T>& want, const std::vector<T>& got,
                    const std::string& where) {
  ASSERT_EQ(want.size(), got.size()) << where;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(std::memcmp(&want[i], &got[i], sizeof(T)), 0)
        << where << ": element " << i << " is " << got[i] << ", plain loop "
        << want[i];
  }
}

// The loops under test: each writes out[i] from the inputs' element i, or
// (ColumnSums) out[c] from column c. `run(n, grain, fn)` runs the chunks.
template <typename T>
struct Loops {
  static constexpr int64_t kRows = 37, kCols = 203;
  std::vector<T> x = Random<T>(kRows * kCols, 1);
  std::vector<T> y = Random<T>(kRows * kCols, 2);
  std::vector<T> g = Random<T>(kRows * kCols, 3);

  template <typename Run>
  std::vector<T> MultiplyAdd(const Run& run) const {
    std::vector<T> out(x.size());
    const T* px = x.data();
    const T* py = y.data();
    T* po = out.data();
    run(static_cast<int64_t>(out.size()), 100, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) po[i] = T(0.7) * px[i] + py[i];
    });
    return out;
  }

  template <typename Run>
  std::vector<T> ReluGradient(const Run& run) const {
    std::vector<T> out(x.size());
    const T* px = x.data();
    const T* pg = g.data();
    T* po = out.data();
    run(static_cast<int64_t>(out.size()), 100, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) po[i] = pg[i] * (px[i] > 0 ? 1 : 0);
    });
    return out;
  }

  template <typename Run>
  std::vector<T> AdamStep(const Run& run) const {
    std::vector<T> w = x, m = y, v(x.size());
    for (size_t i = 0; i < v.size(); ++i) v[i] = y[i] * y[i];
    T* pw = w.data();
    T* pm = m.data();
    T* pv = v.data();
    const T* pg = g.data();
    run(static_cast<int64_t>(w.size()), 100, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        pm[i] = T(0.9) * pm[i] + T(0.1) * pg[i];
        pv[i] = T(0.999) * pv[i] + T(0.001) * pg[i] * pg[i];
        pw[i] -= T(0.01) * pm[i] / (std::sqrt(pv[i]) + T(1e-8));
      }
    });
    w.insert(w.end(), m.begin(), m.end());
    w.insert(w.end(), v.begin(), v.end());
    return w;
  }

  template <typename Run>
  std::vector<T> ColumnSums(const Run& run) const {
    std::vector<T> out(kCols);
    const T* pg = g.data();
    T* po = out.data();
    run(kCols, 50, [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; ++c) po[c] = 0;
      for (int64_t r = 0; r < kRows; ++r) {
        for (int64_t c = lo; c < hi; ++c) po[c] += pg[r * kCols + c];
      }
    });
    return out;
  }
};

// The reference: the chunks in order on this thread, compiled for the
// build's baseline target.
struct PlainLoop {
  template <typename Fn>
  void operator()(int64_t n, int64_t grain, const Fn& fn) const {
    for (int64_t lo = 0; lo < n; lo += grain) fn(lo, std::min(n, lo + grain));
  }
};

struct SetLoop {
  KernelIsa isa;
  template <typename Fn>
  void operator()(int64_t n, int64_t grain, const Fn& fn) const {
    VectorizedForWith(isa, n, grain, fn);
  }
};

template <typename T>
void CheckEveryLoop(KernelIsa isa, int threads) {
  const Loops<T> loops;
  const PlainLoop plain;
  const SetLoop set{isa};
  const std::string where = std::string(KernelIsaName(isa)) + ", " +
                            std::to_string(threads) + " thread(s), " +
                            (sizeof(T) == 4 ? "float" : "double");
  tbb::task_arena arena(threads);
  arena.execute([&] {
    ExpectSameBits(loops.MultiplyAdd(plain), loops.MultiplyAdd(set),
                   where + ", 0.7 x + y");
    ExpectSameBits(loops.ReluGradient(plain), loops.ReluGradient(set),
                   where + ", ReLU gradient");
    ExpectSameBits(loops.AdamStep(plain), loops.AdamStep(set),
                   where + ", Adam step");
    ExpectSameBits(loops.ColumnSums(plain), loops.ColumnSums(set),
                   where + ", column sums");
  });
}

class VectorLoopTest : public testing::TestWithParam<KernelIsa> {};

TEST_P(VectorLoopTest, SameBitsAsThePlainLoopForAnyThreadCount) {
  for (int threads : {1, 2}) {
    CheckEveryLoop<float>(GetParam(), threads);
    CheckEveryLoop<double>(GetParam(), threads);
  }
}

INSTANTIATE_TEST_SUITE_P(EverySetThisCpuRuns, VectorLoopTest,
                         testing::ValuesIn(SupportedKernelIsas()),
                         [](const testing::TestParamInfo<KernelIsa>& info) {
                           return std::string(KernelIsaName(info.param));
                         });

TEST(VectorizedForTest, CoversEveryElementOnceWithTheActiveSet) {
  std::vector<int> hits(1001);
  int* p = hits.data();
  VectorizedFor(1001, 64, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) p[i] += 1;
  });
  for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i], 1) << i;
}

}  // namespace
}  // namespace nabla
