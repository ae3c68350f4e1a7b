#include "tests/ops/binary_op_checks.h"

#include <string>
#include <utility>
#include <vector>

#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {

void CheckBroadcastingGradients(absl::string_view op, BinaryOpRanges ranges) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3}, {2, 3}},    {{2, 3}, {3}},         {{3}, {2, 3}},
      {{2, 1}, {1, 3}},    {{}, {2, 2}},          {{2, 2}, {}},
      {{2, 1, 3}, {4, 1}}, {{1, 4, 1}, {3, 1, 2}}};
  uint64_t seed = 1;
  for (const auto& [sa, sb] : cases) {
    SCOPED_TRACE(std::string(op) + "(" + sa.ToString() + ", " + sb.ToString() +
                 ")");
    const Tensor a = RandomTensor(DType::kFloat64, sa, seed++, -2, 2);
    const Tensor b =
        RandomTensor(DType::kFloat64, sb, seed++, ranges.b_lo, ranges.b_hi);
    EXPECT_OK(CheckGradient(op, {}, {a, b}));
  }
}

void CheckFloat32AgreesWithFloat64(absl::string_view op,
                                   BinaryOpRanges ranges) {
  const Tensor a = RandomTensor(DType::kFloat64, {4, 3}, 1, -2, 2);
  const Tensor b =
      RandomTensor(DType::kFloat64, {3}, 2, ranges.b_lo, ranges.b_hi);
  EXPECT_OK(CheckFloat32MatchesFloat64(op, {}, {a, b}));
}

void CheckBroadcastingShapes(absl::string_view op) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape(op, {}, {{-1, 3}, {3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape(op, {}, {{-1, 1}, {1, 4}}));
  EXPECT_EQ(shapes[0], Shape({-1, 4}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape(op, {}, {{-1, 5}, {4, -1}}));
  EXPECT_EQ(shapes[0], Shape({4, 5}));

  EXPECT_STATUS(RunOpShape(op, {}, {{2, 3}, {4}}),
                absl::StatusCode::kInvalidArgument, "a is [2, 3], b is [4]");
  EXPECT_STATUS(
      RunOpShape(op, {}, {{2}, {2}}, {DType::kFloat64, DType::kFloat32}),
      absl::StatusCode::kInvalidArgument, "a is float64, b is float32");
  EXPECT_STATUS(RunOpShape(op, {}, {Shape({1, 1, 1, 1, 1, 1, 1, 1, 1}), {1}}),
                absl::StatusCode::kInvalidArgument, "rank 9");
}

}  // namespace nabla
