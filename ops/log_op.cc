// Log: y = ln x, elementwise.
//
//   x: any shape.  y: the shape of x.
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct LogFn {
  template <typename T>
  static T Value(T x) {
    return std::log(x);
  }
  // dy/dx = 1/x (x > 0; x <= 0 gives NaN or -inf, as in NumPy).
  template <typename T>
  static T Derivative(T x, T y) {
    return 1 / x;
  }
};

NABLA_REGISTER_OP("Log")
    .Input("x")
    .Output("y")
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<LogFn>)
    .Gradient(UnaryGradient<LogFn>)
    .GradientReads(ForwardValues::kInputs)
    .GradientInPlace()
    .Doc("y = ln x, elementwise.");

}  // namespace
}  // namespace nabla
