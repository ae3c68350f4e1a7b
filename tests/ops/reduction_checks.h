// The checks ReduceSum and ReduceMean share; each op's own test adds its
// forward values and a gradient worked by hand.
#ifndef NABLA_TESTS_OPS_REDUCTION_CHECKS_H_
#define NABLA_TESTS_OPS_REDUCTION_CHECKS_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/gradient_check.h"

namespace nabla {

// The attributes of a reduction over `axes`.
AttrMap Axes(std::vector<int64_t> axes, bool keep_dims = false);

// Finite-difference gradients over positive, negative, several and all axes,
// with and without keep_dims, and of a scalar.
void CheckReductionGradients(absl::string_view op);

// float32 results agree with float64.
void CheckReductionFloat32AgreesWithFloat64(absl::string_view op);

// Inferred shapes with an unknown batch, and the errors for out-of-range and
// repeated axes.
void CheckReductionShapes(absl::string_view op);

// Forward and gradient are bit-identical on 1 and 4 threads.
void CheckReductionThreadIndependence(absl::string_view op);

}  // namespace nabla

#endif  // NABLA_TESTS_OPS_REDUCTION_CHECKS_H_
