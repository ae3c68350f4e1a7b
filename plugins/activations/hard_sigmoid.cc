// HardSigmoid, as PyTorch defines it: y = relu6(x + 3) / 6
// = clamp(x / 6 + 1/2, 0, 1), elementwise. (Keras 2 used
// clamp(0.2 x + 0.5, 0, 1), a different slope.)
//
//   x: any shape.  y: the shape of x, in [0, 1].
#include <algorithm>

#include "core/op_registry.h"
#include "ops/unary_op.h"

namespace nabla {
namespace {

struct HardSigmoidFn {
  template <typename T>
  static T Value(T x) {
    return std::clamp(x / T{6} + T{0.5}, T{0}, T{1});
  }
  // dy/dx = 1/6 on (-3, 3) and 0 outside; at the kinks ±3 we take 0, as
  // PyTorch does.
  template <typename T>
  static T Derivative(T x, T) {
    return x > T{-3} && x < T{3} ? T{1} / T{6} : T{0};
  }
};

NABLA_REGISTER_OP("HardSigmoid")
    .Input("x")
    .Output("y")
    .Category(OpCategory::kActivation)
    .ShapeFn(UnaryShape)
    .Forward(UnaryForward<HardSigmoidFn>)
    .Gradient(UnaryGradient<HardSigmoidFn>)
    .Doc(
        "Hard sigmoid as in PyTorch: relu6(x + 3) / 6 = clamp(x/6 + 1/2, "
        "0, 1).");

}  // namespace
}  // namespace nabla
