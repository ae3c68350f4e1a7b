// The checks every broadcasting binary op (Add, Sub, Mul, Div) shares; each
// op's own test adds its forward values and a gradient worked by hand.
#ifndef NABLA_TESTS_OPS_BINARY_OP_CHECKS_H_
#define NABLA_TESTS_OPS_BINARY_OP_CHECKS_H_

#include "absl/strings/string_view.h"

namespace nabla {

// Inputs b are drawn from [b_lo, b_hi) (Div keeps them away from zero);
// inputs a from [-2, 2).
struct BinaryOpRanges {
  double b_lo = -2;
  double b_hi = 2;
};

// Finite-difference gradients for equal, broadcast-one-side, broadcast-both
// and scalar shape pairs.
void CheckBroadcastingGradients(absl::string_view op, BinaryOpRanges ranges);

// float32 results agree with float64 on a broadcast pair.
void CheckFloat32AgreesWithFloat64(absl::string_view op, BinaryOpRanges ranges);

// Inferred shapes with unknown dimensions, and the errors for incompatible
// shapes, mixed dtypes and too high a rank.
void CheckBroadcastingShapes(absl::string_view op);

}  // namespace nabla

#endif  // NABLA_TESTS_OPS_BINARY_OP_CHECKS_H_
