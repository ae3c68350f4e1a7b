// Runs registered ops outside a graph, and checks gradient kernels against
// finite differences. One checker for every op test (as Caffe's
// test_gradient_check_util.hpp).
//
//   Tensor a = RandomTensor(DType::kFloat64, {2, 3}, /*seed=*/1);
//   Tensor b = RandomTensor(DType::kFloat64, {3}, /*seed=*/2);
//   EXPECT_OK(CheckGradient("Add", {}, {a, b}));
//
// CheckGradient builds the scalar L = sum_k sum(output_k ⊙ W_k) with fixed
// random weights W_k, runs the op's gradient kernel with dL/d output_k = W_k,
// and compares every element of every differentiable input's gradient with
// the central difference (L(x + h) - L(x - h)) / 2h. Where the one-sided
// differences disagree the function has a kink there (ReLU at 0): the
// element is skipped and counted, and the check fails when more than half
// of an input's elements are skipped.
#ifndef NABLA_CORE_GRADIENT_CHECK_H_
#define NABLA_CORE_GRADIENT_CHECK_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/kernel_context.h"
#include "core/tensor.h"
#include "proto/graph.pb.h"

namespace nabla {

// Attributes by name, as a node would set them; unset ones take defaults.
using AttrMap = std::map<std::string, AttrValue>;

// The run an op is tested in (core/kernel_context.h's NodeRun): by
// default inference at step 0 with a node seed of 0.
struct OpRun {
  RunState state;
  uint64_t node_seed = 0;
};

// Output shapes from the op's shape function for inputs of `shapes` (may
// hold unknown dimensions) and `dtypes` (float64 for every input when
// empty). Attribute errors come back as InvalidArgument.
[[nodiscard]] absl::StatusOr<std::vector<Shape>> RunOpShape(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Shape>& shapes, std::vector<DType> dtypes = {});

// The op's outputs for `inputs`, by its shape function and forward kernel.
[[nodiscard]] absl::StatusOr<std::vector<Tensor>> RunOp(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Tensor>& inputs, const OpRun& run = {});

// RunOp, except that the kernel updates the state inputs
// (OpDef::StateInput) in `inputs`, as a plan updates their Variables.
// RunOp leaves them as they were.
[[nodiscard]] absl::StatusOr<std::vector<Tensor>> RunOpUpdatingState(
    absl::string_view op, const AttrMap& attrs, std::vector<Tensor>& inputs,
    const OpRun& run = {});

// dL/d input for each input, from the op's gradient kernel given
// dL/d output_k = output_grads[k]. Inputs that are not differentiable get
// an empty Tensor.
[[nodiscard]] absl::StatusOr<std::vector<Tensor>> RunOpGradient(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Tensor>& inputs, const std::vector<Tensor>& output_grads,
    const OpRun& run = {});

// The value a variable op's initializer gives, with its generator seeded
// with `seed`.
[[nodiscard]] absl::StatusOr<Tensor> RunInitializer(absl::string_view op,
                                                    const AttrMap& attrs,
                                                    uint64_t seed);

// A shape attribute. Unlike MakeAttr(const Shape&) in core/attrs.h, it also
// sets the attribute for a scalar shape [] (MakeAttr leaves it unset then).
AttrValue ShapeAttr(const Shape& shape);

// Uniform values in [lo, hi) from a generator seeded with `seed`.
Tensor RandomTensor(DType dtype, const Shape& shape, uint64_t seed,
                    double lo = -1.0, double hi = 1.0);

struct GradientCheckOptions {
  // Step of the finite differences.
  double h = 1e-6;
  // An element passes when |analytic - numeric| <=
  // atol + rtol * max(|analytic|, |numeric|).
  double atol = 1e-6;
  double rtol = 1e-5;
  // A kink: |forward - backward difference| > kink_threshold *
  // (1 + max of their magnitudes).
  double kink_threshold = 1e-3;
  // Seed of the output weights W_k.
  uint64_t seed = 20240601;
  // When > 0, inputs with more elements are checked at about this many
  // evenly spaced elements, to bound the cost on big layers.
  int64_t max_elements = 0;
  // The run the op's kernels see (training mode, step, seed).
  OpRun run;
};

// How far one differentiable input's gradient kernel is from the central
// differences, over all its elements except kinks.
struct InputGradientError {
  int input = 0;
  std::string name;
  int64_t elements = 0;
  // Elements compared (all, unless options.max_elements is smaller).
  int64_t checked = 0;
  // Elements skipped because the one-sided differences disagree.
  int64_t kinks = 0;
  double max_abs_error = 0;
  // |analytic - numeric| / max(|analytic|, |numeric|); 0 where both are 0.
  double max_rel_error = 0;
  // The first element outside the tolerance of `options` (or too many
  // kinks), described; empty when the input passes.
  std::string first_failure;
};

// Compares the op's gradient kernel with finite differences for float64
// `inputs`, for every differentiable input. Errors (not mismatches) come
// back as a status: an unknown op, an op without gradient, a kernel error.
[[nodiscard]] absl::StatusOr<std::vector<InputGradientError>> MeasureGradient(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Tensor>& inputs,
    const GradientCheckOptions& options = {});

// OK when the op's gradient kernel matches finite differences for float64
// `inputs`; otherwise a message naming the op, input, element, analytic and
// numeric values.
[[nodiscard]] absl::Status CheckGradient(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Tensor>& inputs,
    const GradientCheckOptions& options = {});

// Runs the op on float64 `inputs` rounded to float32, once in float32 and
// once in float64, and checks every output element:
// |f32 - f64| <= rtol * max(1, |f64|).
[[nodiscard]] absl::Status CheckFloat32MatchesFloat64(
    absl::string_view op, const AttrMap& attrs,
    const std::vector<Tensor>& inputs, double rtol = 1e-6);

}  // namespace nabla

#endif  // NABLA_CORE_GRADIENT_CHECK_H_
