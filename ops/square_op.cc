// Square: y = x², elementwise.
//
//   x: any shape.  y: the shape of x.
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct SquareFn {
  template <typename T>
  static T Value(T x) {
    return x * x;
  }
  // dy/dx = 2x.
  template <typename T>
  static T Derivative(T x, T y) {
    return 2 * x;
  }
};

NABLA_REGISTER_OP("Square")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<SquareFn>)
    .Gradient(UnaryGradient<SquareFn>)
    .GradientReads(ForwardValues::kInputs)
    .GradientInPlace()
    .Doc("y = x², elementwise.");

}  // namespace
}  // namespace nabla
