#include "tests/ops/reduction_checks.h"

#include "core/attrs.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {

AttrMap Axes(std::vector<int64_t> axes, bool keep_dims) {
  return {{"axes", MakeIntListAttr(axes)}, {"keep_dims", MakeAttr(keep_dims)}};
}

void CheckReductionGradients(absl::string_view op) {
  const Tensor x = RandomTensor(DType::kFloat64, {2, 3, 4}, 1);
  const std::vector<std::vector<int64_t>> axes_cases = {
      {}, {0}, {1}, {2}, {-1}, {0, 2}, {-3, -2}, {0, 1, 2}};
  for (const auto& axes : axes_cases) {
    for (bool keep_dims : {false, true}) {
      SCOPED_TRACE(testing::Message() << op << " axes size " << axes.size()
                                      << " keep_dims " << keep_dims);
      EXPECT_OK(CheckGradient(op, Axes(axes, keep_dims), {x}));
    }
  }
  EXPECT_OK(CheckGradient(op, {}, {RandomTensor(DType::kFloat64, {}, 2)}));
}

void CheckReductionFloat32AgreesWithFloat64(absl::string_view op) {
  const Tensor x = RandomTensor(DType::kFloat64, {3, 4, 5}, 1);
  EXPECT_OK(CheckFloat32MatchesFloat64(op, {}, {x}));
  EXPECT_OK(CheckFloat32MatchesFloat64(op, Axes({0, 2}, true), {x}));
}

void CheckReductionShapes(absl::string_view op) {
  ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape(op, Axes({1}), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape(op, Axes({-2}, true), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({1, 3}));
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape(op, {}, {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({}));

  EXPECT_STATUS(RunOpShape(op, Axes({2}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "axis 2 is out of range for x of shape [2, 3]");
  EXPECT_STATUS(RunOpShape(op, Axes({-3}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument, "axis -3 is out of range");
  EXPECT_STATUS(RunOpShape(op, Axes({0, -2}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "axes [0, -2] name dimension 0 twice (x is [2, 3])");
}

void CheckReductionThreadIndependence(absl::string_view op) {
  const Tensor x = RandomTensor(DType::kFloat32, {400, 300}, 1);
  for (const std::vector<int64_t>& axes :
       {std::vector<int64_t>{0}, std::vector<int64_t>{1},
        std::vector<int64_t>{}}) {
    const AttrMap attrs = Axes(axes);
    auto run = [&] {
      std::vector<Tensor> out = *RunOp(op, attrs, {x});
      const Tensor dy = RandomTensor(DType::kFloat32, out[0].shape(), 2);
      out.push_back((*RunOpGradient(op, attrs, {x}, {dy}))[0]);
      return out;
    };
    const std::vector<Tensor> one = RunWithThreads(1, run);
    const std::vector<Tensor> four = RunWithThreads(4, run);
    ExpectBitIdentical(one[0], four[0]);
    ExpectBitIdentical(one[1], four[1]);
  }
}

}  // namespace nabla
