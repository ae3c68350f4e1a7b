// MatMul's products (ops/gemm.h: the AVX-512 kernel where the CPU has it)
// against one plain single-threaded Eigen product, at the shapes of the
// 784-256-128-10 MLP's training step, transposed operands of the backward pass
// included; and all the products of one MLP step, to compare with the whole
// step (tools/bench/step_benchmark).
//
//   bazel run //tools/bench:gemm_benchmark
#include <cstdint>
#include <random>
#include <vector>

#include "Eigen/Core"
#include "benchmark/benchmark.h"
#include "ops/gemm.h"
#include "tbb/task_arena.h"
#include "tools/bench/benchmark_context.h"

namespace nabla {
namespace {

// A row-major matrix of random floats, viewed as stored or transposed.
struct Matrix {
  Matrix(int64_t rows, int64_t cols)
      : rows(rows), cols(cols), data(rows * cols) {
    std::mt19937 random(static_cast<uint32_t>(rows * 31 + cols));
    std::uniform_real_distribution<float> uniform(-1, 1);
    for (float& v : data) v = uniform(random);
  }
  MatrixView<const float> View(bool transposed = false) const {
    return transposed
               ? MatrixView<const float>{data.data(), cols, rows, 1, cols}
               : MatrixView<const float>{data.data(), rows, cols, cols, 1};
  }
  MatrixView<float> Out() { return {data.data(), rows, cols, cols, 1}; }
  int64_t rows, cols;
  std::vector<float> data;
};

// out [m, n] = op(a) [m, k] · op(b) [k, n]; a is stored [k, m] when
// transpose_a, b [n, k] when transpose_b.
struct Product {
  Product(int64_t m, int64_t k, int64_t n, bool ta, bool tb)
      : a(ta ? k : m, ta ? m : k),
        b(tb ? n : k, tb ? k : n),
        out(m, n),
        ta(ta),
        tb(tb),
        flops(2.0 * m * k * n) {}
  Matrix a, b, out;
  bool ta, tb;
  double flops;
};

using RowMajor =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename Fn>
void Run(benchmark::State& state, Product& p, Fn product) {
  tbb::task_arena arena(1);
  for (auto _ : state) {
    arena.execute([&] { product(p); });
    benchmark::DoNotOptimize(p.out.data.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      p.flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak%"] = PeakShare(p.flops);
}

void BM_NablaGemm(benchmark::State& state) {
  Product p(state.range(0), state.range(1), state.range(2), state.range(3),
            state.range(4));
  Run(state, p,
      [](Product& p) { Gemm(p.a.View(p.ta), p.b.View(p.tb), p.out.Out()); });
}

// The reference: one Eigen product of the whole matrices.
void BM_EigenGemm(benchmark::State& state) {
  Product p(state.range(0), state.range(1), state.range(2), state.range(3),
            state.range(4));
  Run(state, p, [](Product& p) {
    Eigen::Map<const RowMajor> a(p.a.data.data(), p.a.rows, p.a.cols);
    Eigen::Map<const RowMajor> b(p.b.data.data(), p.b.rows, p.b.cols);
    Eigen::Map<RowMajor> out(p.out.data.data(), p.out.rows, p.out.cols);
    if (p.ta && !p.tb)
      out.noalias() = a.transpose() * b;
    else if (!p.ta && p.tb)
      out.noalias() = a * b.transpose();
    else if (p.ta && p.tb)
      out.noalias() = a.transpose() * b.transpose();
    else
      out.noalias() = a * b;
  });
}

// {m, k, n, transpose_a, transpose_b} of each product in a training step of
// the MLP at `batch`: forward x·W, then per layer dW = xᵀ·g and (above the
// first layer) dx = g·Wᵀ. Batch 1 is a served prediction.
void MlpShapes(benchmark::internal::Benchmark* b) {
  for (int64_t batch : {1, 64, 256}) {
    const int64_t widths[] = {784, 256, 128, 10};
    for (int l = 0; l < 3; ++l) {
      const int64_t in = widths[l], out = widths[l + 1];
      b->Args({batch, in, out, 0, 0});             // forward
      b->Args({in, batch, out, 1, 0});             // dW = xᵀ · g
      if (l > 0) b->Args({batch, out, in, 0, 1});  // dx = g · Wᵀ
    }
  }
}

BENCHMARK(BM_NablaGemm)
    ->Apply(MlpShapes)
    ->ArgNames({"m", "k", "n", "ta", "tb"});
BENCHMARK(BM_EigenGemm)
    ->Apply(MlpShapes)
    ->ArgNames({"m", "k", "n", "ta", "tb"});

// Every product of one MLP training step at batch state.range(0), one
// thread: the floor under the step's time.
void BM_MlpStepProducts(benchmark::State& state) {
  const int64_t batch = state.range(0);
  const int64_t widths[] = {784, 256, 128, 10};
  std::vector<Product> products;
  for (int l = 0; l < 3; ++l) {
    const int64_t in = widths[l], out = widths[l + 1];
    products.emplace_back(batch, in, out, false, false);
    products.emplace_back(in, batch, out, true, false);
    if (l > 0) products.emplace_back(batch, out, in, false, true);
  }
  double flops = 0;
  for (const Product& p : products) flops += p.flops;
  tbb::task_arena arena(1);
  for (auto _ : state) {
    arena.execute([&] {
      for (Product& p : products) {
        Gemm(p.a.View(p.ta), p.b.View(p.tb), p.out.Out());
      }
    });
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(batch),
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak%"] = PeakShare(flops);
}

BENCHMARK(BM_MlpStepProducts)->Arg(64)->Arg(256)->ArgName("batch");

}  // namespace
}  // namespace nabla
