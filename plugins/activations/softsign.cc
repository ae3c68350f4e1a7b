// Softsign: y = x / (1 + |x|), elementwise.
//
//   x: any shape.  y: the shape of x, in (-1, 1).
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct SoftsignFn {
  template <typename T>
  static T Value(T x) {
    return x / (T{1} + std::abs(x));
  }
  // dy/dx = ((1 + |x|) - x sign(x)) / (1 + |x|)² = 1 / (1 + |x|)².
  template <typename T>
  static T Derivative(T x, T) {
    const T d = T{1} + std::abs(x);
    return T{1} / (d * d);
  }
};

NABLA_REGISTER_OP("Softsign")
    .Input("x")
    .Output("y")
    .Category(OpCategory::kActivation)
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<SoftsignFn>)
    .Gradient(UnaryGradient<SoftsignFn>)
    .Doc("Softsign x / (1 + |x|), elementwise.");

}  // namespace
}  // namespace nabla
