// Max: z = the larger of a and b, elementwise with NumPy broadcasting.
//
//   a, b: shapes that broadcast (ops/broadcast.h).  z: the broadcast shape.
#include "core/op_registry.h"
#include "ops/binary_op.h"
#include "ops/extremum.h"

namespace nabla {
namespace {

NABLA_REGISTER_OP("Max")
    .Input("a")
    .Input("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<ExtremumFn<true>>)
    .Gradient(BinaryGradient<ExtremumFn<true>>)
    .GradientReads(ForwardValues::kInputs)
    .InPlace()
    .Doc(
        "z = max(a, b), with broadcasting; a NaN wins, and on a tie each "
        "input gets half of the gradient (PyTorch's rules).");

}  // namespace
}  // namespace nabla
