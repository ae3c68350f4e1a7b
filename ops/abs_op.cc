// Abs: y = |x|, elementwise.
//
//   x: any shape.  y: the shape of x.
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct AbsFn {
  template <typename T>
  static T Value(T x) {
    return std::abs(x);
  }
  // dy/dx = sign(x), 0 at 0 (PyTorch's choice of subgradient).
  template <typename T>
  static T Derivative(T x, T) {
    return static_cast<T>((x > 0) - (x < 0));
  }
};

NABLA_REGISTER_OP("Abs")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<AbsFn>)
    .Gradient(UnaryGradient<AbsFn>)
    .GradientReads(ForwardValues::kInputs)
    .InPlace()
    .GradientInPlace()
    .Doc("y = |x|, elementwise; the gradient is 0 at 0.");

}  // namespace
}  // namespace nabla
