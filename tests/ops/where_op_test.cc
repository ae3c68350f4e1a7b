// Where and the comparisons (Greater, GreaterOrEqual, Less, LessOrEqual,
// Equal): values against PyTorch (testdata/where_torch_cases.txt: ties,
// broadcasting of all three inputs), Where's gradients against PyTorch and
// finite differences, NaN never compares, shapes that do not broadcast
// refused.
#include <cmath>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/ops/torch_cases.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

Tensor T64(const Shape& shape, std::vector<double> values) {
  return Tensor::FromValues(DType::kFloat64, shape, values);
}

TEST(WhereOpTest, MatchesPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/where_torch_cases.txt");
  ASSERT_EQ(cases.size(), 8u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string op = OpOf(c);
    std::vector<Tensor> inputs;
    for (int i = 0; c.tensors.count("x" + std::to_string(i)); ++i) {
      inputs.push_back(c.tensors.at("x" + std::to_string(i)));
    }
    ASSERT_OK_AND_ASSIGN(auto z, RunOp(op, {}, inputs));
    ExpectTensorsClose(z[0], c.tensors.at("z"), 0);
    if (op != "Where") continue;
    ASSERT_OK_AND_ASSIGN(auto g,
                         RunOpGradient(op, {}, inputs, {c.tensors.at("dz")}));
    ExpectTensorsClose(g[1], c.tensors.at("dx1"));
    ExpectTensorsClose(g[2], c.tensors.at("dx2"));
    EXPECT_OK(CheckGradient(op, {}, inputs));
  }
}

TEST(WhereOpTest, NaNNeverCompares) {
  const double nan = std::nan("");
  for (const char* op :
       {"Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Equal"}) {
    ASSERT_OK_AND_ASSIGN(
        auto z, RunOp(op, {}, {T64({2}, {nan, 1}), T64({2}, {1, nan})}));
    ExpectTensorNear(z[0], {2}, {0, 0});
  }
}

TEST(WhereOpTest, ShapesMustBroadcast) {
  EXPECT_STATUS(RunOpShape("Where", {}, {{2, 3}, {2, 3}, {4}}),
                absl::StatusCode::kInvalidArgument, "[2, 3]");
  EXPECT_STATUS(RunOpShape("Where", {}, {{5}, {2, 3}, {3}}),
                absl::StatusCode::kInvalidArgument, "[5]");
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("Where", {}, {{-1, 1}, {1, 3}, {3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
}

}  // namespace
}  // namespace nabla
