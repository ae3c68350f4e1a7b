// The elementwise and reduction kernels of the MLP's step, called through
// the op registry on a 256 x 256 float32 activation (the first layer at
// batch 256), on one thread: ReLU and its gradient, BiasAdd and its
// gradient (column sums), Mul and Sigmoid. The loops run in the kernel set
// of the process, so compare sets by running the binary under each:
//
//   for set in portable avx2 avx512; do
//     NABLA_KERNELS=$set bazel run //tools/bench:elementwise_benchmark
//   done
//
// Bytes/s counts each input read and each output written once.
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

constexpr int64_t kRows = 256, kCols = 256;

// Uniform in [-1, 1), float32.
Tensor Random(const Shape& shape, uint64_t seed) {
  return RandomTensor(DType::kFloat32, shape, seed);
}

const OpDef& Op(const char* name) {
  absl::StatusOr<const OpDef*> def = OpRegistry::Global().Find(name);
  if (!def.ok()) {
    std::fprintf(stderr, "%s\n", std::string(def.status().message()).c_str());
    std::abort();
  }
  return **def;
}

// The op's attributes at their defaults, as a node that sets none has them.
ResolvedAttrs Defaults(const OpDef& op) {
  std::vector<std::string> errors;
  return ResolveAttrs(op.attrs(),
                      google::protobuf::Map<std::string, AttrValue>(), &errors);
}

void Report(benchmark::State& state, int64_t tensors_moved) {
  state.SetBytesProcessed(state.iterations() * tensors_moved * kRows * kCols *
                          int64_t{sizeof(float)});
}

// An op of one or two [256, 256] inputs (a second input of shape `second`).
void Forward(benchmark::State& state, const char* name, const Shape& second) {
  const OpDef& op = Op(name);
  const ResolvedAttrs attrs = Defaults(op);
  const Tensor x = Random(Shape({kRows, kCols}), 1);
  const Tensor other = Random(second, 2);
  Tensor y(DType::kFloat32, Shape({kRows, kCols}));
  std::vector<const Tensor*> inputs = {&x};
  if (second.rank() > 0) inputs.push_back(&other);
  const KernelContext ctx(&attrs, inputs, {&y});
  tbb::task_arena arena(1);
  for (auto _ : state) {
    arena.execute([&] { benchmark::DoNotOptimize(op.forward()(ctx)); });
  }
  Report(state, static_cast<int64_t>(inputs.size()) + 1);
}

void BM_ReluForward(benchmark::State& state) {
  Forward(state, "ReLU", Shape());
}
void BM_SigmoidForward(benchmark::State& state) {
  Forward(state, "Sigmoid", Shape());
}
void BM_MulForward(benchmark::State& state) {
  Forward(state, "Mul", Shape({kRows, kCols}));
}
void BM_BiasAddForward(benchmark::State& state) {
  Forward(state, "BiasAdd", Shape({kCols}));
}

// The gradient of ReLU (x, y, dy in; dx out) or of BiasAdd (dy in; dvalue
// and dbias out).
void BM_ReluGradient(benchmark::State& state) {
  const OpDef& op = Op("ReLU");
  const ResolvedAttrs attrs = Defaults(op);
  const Tensor x = Random(Shape({kRows, kCols}), 1);
  const Tensor dy = Random(Shape({kRows, kCols}), 3);
  Tensor y(DType::kFloat32, Shape({kRows, kCols}));
  Tensor dx(DType::kFloat32, Shape({kRows, kCols}));
  benchmark::DoNotOptimize(op.forward()(KernelContext(&attrs, {&x}, {&y})));
  const GradientContext ctx(&attrs, {&x}, {&y}, {&dy}, {&dx});
  tbb::task_arena arena(1);
  for (auto _ : state) {
    arena.execute([&] { benchmark::DoNotOptimize(op.gradient()(ctx)); });
  }
  Report(state, 4);
}

void BM_BiasAddGradient(benchmark::State& state) {
  const OpDef& op = Op("BiasAdd");
  const ResolvedAttrs attrs = Defaults(op);
  const Tensor value = Random(Shape({kRows, kCols}), 1);
  const Tensor bias = Random(Shape({kCols}), 2);
  const Tensor dy = Random(Shape({kRows, kCols}), 3);
  Tensor y(DType::kFloat32, Shape({kRows, kCols}));
  Tensor dvalue(DType::kFloat32, Shape({kRows, kCols}));
  Tensor dbias(DType::kFloat32, Shape({kCols}));
  const GradientContext ctx(&attrs, {&value, &bias}, {&y}, {&dy},
                            {&dvalue, &dbias});
  tbb::task_arena arena(1);
  for (auto _ : state) {
    arena.execute([&] { benchmark::DoNotOptimize(op.gradient()(ctx)); });
  }
  // dy read twice (copy and column sums), dvalue written.
  Report(state, 3);
}

BENCHMARK(BM_ReluForward);
BENCHMARK(BM_ReluGradient);
BENCHMARK(BM_SigmoidForward);
BENCHMARK(BM_MulForward);
BENCHMARK(BM_BiasAddForward);
BENCHMARK(BM_BiasAddGradient);

}  // namespace
}  // namespace nabla
