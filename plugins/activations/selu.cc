// SELU: y = scale x for x > 0, scale alpha (e^x - 1) otherwise, elementwise,
// with the fixed constants of Klambauer et al. (2017), as in PyTorch:
// alpha = 1.6732632423543772848170429916717 and
// scale = 1.0507009873554804934193349852946.
//
//   x: any shape.  y: the shape of x.
#include <cmath>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

struct SeluFn {
  template <typename T>
  static T Value(T x) {
    const T scale = static_cast<T>(kSeluScale);
    return x > 0 ? scale * x
                 : scale * static_cast<T>(kSeluAlpha) * std::expm1(x);
  }
  // dy/dx = scale for x > 0 and scale alpha e^x otherwise (the latter at
  // x = 0, as in PyTorch).
  template <typename T>
  static T Derivative(T x, T) {
    const T scale = static_cast<T>(kSeluScale);
    return x > 0 ? scale : scale * static_cast<T>(kSeluAlpha) * std::exp(x);
  }
};

NABLA_REGISTER_OP("SELU")
    .Input("x")
    .Output("y")
    .Category(OpCategory::kActivation)
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<SeluFn>)
    .Gradient(UnaryGradient<SeluFn>)
    .Doc("Scaled ELU with the fixed self-normalising alpha and scale.");

}  // namespace
}  // namespace nabla
