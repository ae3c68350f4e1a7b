// MaxPool2D's and AvgPool2D's forward and gradient kernels, float32, at the
// pooling of a small Fashion-MNIST CNN at batch 64: x [64, 32, 28, 28],
// 2 x 2 windows, stride 2. With 1 and 2 threads, in GB/s of x read (the
// forward also writes a quarter of that; the gradient reads dy and writes
// dx).
//
//   bazel run //tools/bench:pool_benchmark
#include <string>

#include "benchmark/benchmark.h"
#include "core/attrs.h"
#include "core/gradient_check.h"
#include "core/kernel_context.h"
#include "core/op_registry.h"
#include "core/tensor.h"
#include "tbb/task_arena.h"

namespace nabla {
namespace {

void BM_Pool2D(benchmark::State& state, const char* op_name) {
  const bool gradient = state.range(0) == 1;
  const OpDef& op = **OpRegistry::Global().Find(op_name);
  google::protobuf::Map<std::string, AttrValue> given;
  given["kernel_shape"] = MakeIntListAttr({2, 2});
  std::vector<std::string> errors;
  const ResolvedAttrs attrs = ResolveAttrs(op.attrs(), given, &errors);
  if (!errors.empty()) std::abort();
  const Shape x_shape{64, 32, 28, 28}, y_shape{64, 32, 14, 14};
  const Tensor x = RandomTensor(DType::kFloat32, x_shape, 1);
  const Tensor dy = RandomTensor(DType::kFloat32, y_shape, 2);
  Tensor y(DType::kFloat32, y_shape), dx(DType::kFloat32, x_shape);
  const KernelContext forward(&attrs, {&x}, {&y});
  const GradientContext backward(&attrs, {&x}, {&y}, {&dy}, {&dx});
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    arena.execute([&] {
      benchmark::DoNotOptimize(gradient ? op.gradient()(backward)
                                        : op.forward()(forward));
    });
  }
  state.SetBytesProcessed(state.iterations() * x.num_elements() *
                          static_cast<int64_t>(sizeof(float)));
}

BENCHMARK_CAPTURE(BM_Pool2D, max, "MaxPool2D")
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->ArgNames({"gradient", "threads"})
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Pool2D, avg, "AvgPool2D")
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->ArgNames({"gradient", "threads"})
    ->UseRealTime();

}  // namespace
}  // namespace nabla
