// Min: z = the smaller of a and b, elementwise with NumPy broadcasting.
//
//   a, b: shapes that broadcast (ops/broadcast.h).  z: the broadcast shape.
#include "core/op_registry.h"
#include "ops/binary_op.h"
#include "ops/extremum.h"

namespace nabla {
namespace {

NABLA_REGISTER_OP("Min")
    .Input("a")
    .Input("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<ExtremumFn<false>>)
    .Gradient(BinaryGradient<ExtremumFn<false>>)
    .GradientReads(ForwardValues::kInputs)
    .InPlace()
    .Doc(
        "z = min(a, b), with broadcasting; a NaN wins, and on a tie each "
        "input gets half of the gradient (PyTorch's rules).");

}  // namespace
}  // namespace nabla
