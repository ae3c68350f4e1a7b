// ReLU: y = max(x, 0), elementwise.
//
//   x: any shape.  y: the shape of x.
#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct ReluFn {
  template <typename T>
  static T Value(T x) {
    return x > 0 ? x : T{0};
  }
  // dy/dx = 1 for x > 0 and 0 for x < 0; at the kink x = 0 we take 0, as
  // TensorFlow and PyTorch do. y > 0 exactly where x > 0, so the gradient
  // reads y, and the forward pass may write y over x.
  template <typename T>
  static T Derivative(T, T y) {
    return y > 0 ? T{1} : T{0};
  }
};

NABLA_REGISTER_OP("ReLU")
    .Input("x")
    .Output("y")
    .Category(OpCategory::kActivation)
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<ReluFn>)
    .Gradient(UnaryGradient<ReluFn>)
    .GradientReads(ForwardValues::kOutputs)
    .InPlace()
    .GradientInPlace()
    .Doc("Rectified linear unit max(x, 0), elementwise.");

}  // namespace
}  // namespace nabla
