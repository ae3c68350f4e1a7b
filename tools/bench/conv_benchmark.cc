// Conv2D's forward and gradient kernels, float32, at the layers of a small
// Fashion-MNIST CNN at batch 64 (3 x 3 kernels, padding 1):
//   conv1: x [64, 1, 28, 28],  w [32, 1, 3, 3]
//   conv2: x [64, 32, 14, 14], w [64, 32, 3, 3]
// with 1 and 2 threads, in GFLOP/s (2 flops per multiply-add; the gradient
// does twice the forward's work) and as a share of the core's FMA peak.
//
//   bazel run //tools/bench:conv_benchmark
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/attrs.h"
#include "core/gradient_check.h"
#include "core/kernel_context.h"
#include "core/op_registry.h"
#include "core/tensor.h"
#include "tbb/task_arena.h"
#include "tools/bench/benchmark_context.h"

namespace nabla {
namespace {

// Uniform in [-1, 1), float32.
Tensor Random(const Shape& shape, uint64_t seed) {
  return RandomTensor(DType::kFloat32, shape, seed);
}

struct Layer {
  Shape x, w, y;
  double flops;  // of the forward pass
};

Layer LayerOf(int index) {
  const int64_t batch = 64;
  if (index == 1) {
    return {{batch, 1, 28, 28},
            {32, 1, 3, 3},
            {batch, 32, 28, 28},
            2.0 * batch * 32 * 28 * 28 * 1 * 9};
  }
  return {{batch, 32, 14, 14},
          {64, 32, 3, 3},
          {batch, 64, 14, 14},
          2.0 * batch * 64 * 14 * 14 * 32 * 9};
}

ResolvedAttrs PadOne(const OpDef& op) {
  google::protobuf::Map<std::string, AttrValue> given;
  given["pads"] = MakeIntListAttr({1, 1, 1, 1});
  std::vector<std::string> errors;
  ResolvedAttrs attrs = ResolveAttrs(op.attrs(), given, &errors);
  if (!errors.empty()) std::abort();
  return attrs;
}

void BM_Conv2D(benchmark::State& state) {
  const Layer layer = LayerOf(static_cast<int>(state.range(0)));
  const bool gradient = state.range(1) == 1;
  const OpDef& op = **OpRegistry::Global().Find("Conv2D");
  const ResolvedAttrs attrs = PadOne(op);
  const Tensor x = Random(layer.x, 1), w = Random(layer.w, 2);
  const Tensor dy = Random(layer.y, 3);
  Tensor y(DType::kFloat32, layer.y), dx(DType::kFloat32, layer.x),
      dw(DType::kFloat32, layer.w);
  const KernelContext forward(&attrs, {&x, &w}, {&y});
  const GradientContext backward(&attrs, {&x, &w}, {&y}, {&dy}, {&dx, &dw});
  tbb::task_arena arena(static_cast<int>(state.range(2)));
  for (auto _ : state) {
    arena.execute([&] {
      benchmark::DoNotOptimize(gradient ? op.gradient()(backward)
                                        : op.forward()(forward));
    });
  }
  const double flops = gradient ? 2 * layer.flops : layer.flops;
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak%"] = PeakShare(flops);
}

BENCHMARK(BM_Conv2D)
    ->ArgsProduct({{1, 2}, {0, 1}, {1, 2}})
    ->ArgNames({"conv", "gradient", "threads"})
    ->UseRealTime();

}  // namespace
}  // namespace nabla
