// The float product of ops/gemm.h with AVX-512 (and FMA), for CPUs that
// have it: a register-blocked kernel over packed column stripes of y.
//
// Every output element is one fused multiply-add chain over k in ascending
// order, started from zero, the same whichever block of the output it falls
// in. So the result does not depend on how the output is cut into tasks,
// and the cut can follow the thread count without breaking bit-identical
// results across thread settings.
#ifndef NABLA_OPS_GEMM_AVX512_H_
#define NABLA_OPS_GEMM_AVX512_H_

#include "ops/gemm.h"

namespace nabla {
namespace gemm_internal {

// Whether this CPU and OS run AVX-512F and FMA code. Checked once.
bool HasAvx512();

// out = x · y, under the REQUIRES of Gemm, with x.cols > 0 and out not
// empty. Runs on the caller's TBB arena. REQUIRES: HasAvx512().
void GemmAvx512(const MatrixView<const float>& x,
                const MatrixView<const float>& y, const MatrixView<float>& out);

}  // namespace gemm_internal
}  // namespace nabla

#endif  // NABLA_OPS_GEMM_AVX512_H_
