#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap To(const Shape& shape) { return {{"shape", ShapeAttr(shape)}}; }

TEST(ReshapeOpTest, Forward) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Reshape", To({3, 2}), {x}));
  ExpectTensorNear(out[0], {3, 2}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(out, RunOp("Reshape", To({-1}), {x}));
  ExpectTensorNear(out[0], {6}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(out, RunOp("Reshape", To({1, -1, 2}), {x}));
  ExpectTensorNear(out[0], {1, 3, 2}, {1, 2, 3, 4, 5, 6});
}

TEST(ReshapeOpTest, Gradient) {
  EXPECT_OK(CheckGradient("Reshape", To({4, -1}),
                          {RandomTensor(DType::kFloat64, {2, 3, 2}, 1)}));
  EXPECT_OK(CheckGradient("Reshape", To({}),
                          {RandomTensor(DType::kFloat64, {1, 1}, 2)}));
}

TEST(ReshapeOpTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "Reshape", To({-1}), {RandomTensor(DType::kFloat64, {2, 2}, 1)}));
}

TEST(ReshapeOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape("Reshape", To({-1}), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Reshape", To({3, -1}), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({3, -1}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Reshape", To({6}), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({6}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Reshape", To({-1, 2}), {{4, 3}}));
  EXPECT_EQ(shapes[0], Shape({6, 2}));
  // Over 2^32 elements: left, without overflowing, to the graph's size
  // check of every output (tests/bad_inputs/cases/reshape_overflow.case).
  const Shape huge = {-1, int64_t{1} << 32, int64_t{1} << 32};
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Reshape", To(huge), {{-1, 2}}));
  EXPECT_EQ(shapes[0], huge);
}

TEST(ReshapeOpTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("Reshape", To({4}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "cannot reshape x of shape [2, 3] (6 elements) to [4]");
  EXPECT_STATUS(RunOpShape("Reshape", To({-1, 4}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "x of shape [2, 3] (6 elements) to [?, 4]");
  EXPECT_STATUS(RunOpShape("Reshape", To({-1, -1}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "at most one dimension may be -1");
  EXPECT_STATUS(RunOpShape("Reshape", To({2, -3}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument, "dimension 1 is -3");
  EXPECT_STATUS(RunOpShape("Reshape", {}, {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "missing required attribute 'shape'");
}

}  // namespace
}  // namespace nabla
