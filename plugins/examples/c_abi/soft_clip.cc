// An example C-ABI plugin: SoftClip, a smooth clip of x into
// (-limit, limit):
//
//   y = limit * tanh(x / limit)
//
// Near 0 it is the identity (slope 1); far from 0 it flattens towards
// ±limit. It keeps activations bounded, as tanh does, without squashing the
// small ones.
//
//   x: any shape.  attr limit: float, default 1, positive and finite.
//   y: the shape of x.
//
// Gradient: dy/dx = 1 - tanh²(x / limit) = 1 - (y / limit)², so the
// gradient kernel reads y alone (GradientReads(kOutputs)).
//
// It uses only the C ABI, through its header-only C++ wrapper
// (core/c_api/nabla_op_plugin.hpp), so the library loads into any nabla
// with C API version 1 or later, whatever compiler, standard library,
// protobuf or Abseil either was built with. Bazel builds it with g++
// (//plugins/examples/c_abi:libsoft_clip.so);
// tests/tools/train_graph_c_plugin_test.sh builds it with clang++ and libc++:
//
//   clang++ -std=c++17 -stdlib=libc++ -O2 -fPIC -shared -fvisibility=hidden
//       -I sdk/include soft_clip.cc -o libsoft_clip.so
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/c_api/nabla_op_plugin.hpp"

namespace {

using nabla_c::ConstTensor;
using nabla_c::GradientContext;
using nabla_c::KernelContext;
using nabla_c::ShapeContext;
using nabla_c::Status;
using nabla_c::Tensor;

// tanh costs about as much as a dozen multiplications.
constexpr int64_t kCost = 12;

Status SoftClipShape(ShapeContext& ctx) {
  const double limit = ctx.attrs().GetFloat("limit");
  if (!(limit > 0) || !std::isfinite(limit)) {
    char message[96];
    std::snprintf(message, sizeof(message),
                  "attribute 'limit' must be positive and finite, got %g",
                  limit);
    return Status::Error(message);
  }
  return nabla_c::SameShapeAsInput0(ctx);
}

Status SoftClipForward(const KernelContext& ctx) {
  const double limit = ctx.attrs().GetFloat("limit");
  const ConstTensor x = ctx.input(0);
  const Tensor y = ctx.output(0);
  nabla_c::DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T c = static_cast<T>(limit);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    ctx.ParallelFor(x.num_elements(), nabla_c::GrainFor(kCost),
                    [&](int64_t lo, int64_t hi) {
                      for (int64_t i = lo; i < hi; ++i) {
                        py[i] = c * std::tanh(px[i] / c);
                      }
                    });
  });
  return Status::Ok();
}

// dx = dy * (1 - (y / limit)²).
Status SoftClipGradient(const GradientContext& ctx) {
  const Tensor dx = ctx.input_grad(0);
  if (!dx) return Status::Ok();
  const double limit = ctx.attrs().GetFloat("limit");
  const ConstTensor y = ctx.output(0);
  const ConstTensor dy = ctx.output_grad(0);
  nabla_c::DispatchFloat(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T c = static_cast<T>(limit);
    const T* py = y.data<T>();
    const T* pg = dy.data<T>();
    T* out = dx.data<T>();
    ctx.ParallelFor(y.num_elements(), nabla_c::GrainFor(4),
                    [&](int64_t lo, int64_t hi) {
                      for (int64_t i = lo; i < hi; ++i) {
                        const T t = py[i] / c;
                        out[i] = pg[i] * (T{1} - t * t);
                      }
                    });
  });
  return Status::Ok();
}

}  // namespace

NABLA_C_PLUGIN(registrar) {
  registrar.Add(
      nabla_c::OpBuilder("SoftClip")
          .Input("x")
          .Output("y")
          .Attr("limit", 1.0)
          .Category(nabla_c::Category::kActivation)
          .Shape(SoftClipShape)
          .Forward(SoftClipForward)
          .Gradient(SoftClipGradient)
          // Element i is read before it is written, in both kernels.
          .InPlace()
          .GradientInPlace()
          .GradientReads(nabla_c::ForwardValues::kOutputs)
          .Doc("Smooth clip limit * tanh(x / limit), elementwise (attr "
               "limit, default 1)."));
}
