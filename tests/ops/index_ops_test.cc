// ArgMax, ArgMin, OneHot and Gather: values against PyTorch
// (testdata/index_ops_torch_cases.txt: ties, a NaN, repeated and negative
// indices) and Gather's gradient too; finite differences; 1 vs 2 threads;
// indices that are not integers in range, and bad attributes, refused
// word for word.
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
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

TEST(IndexOpsTest, MatchPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/index_ops_torch_cases.txt");
  ASSERT_EQ(cases.size(), 8u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string op = OpOf(c);
    const AttrMap attrs = AttrsOf(c);
    std::vector<Tensor> inputs = {c.tensors.at("x0")};
    if (c.tensors.count("x1")) inputs.push_back(c.tensors.at("x1"));
    ASSERT_OK_AND_ASSIGN(auto y, RunOp(op, attrs, inputs));
    ExpectTensorsClose(y[0], c.tensors.at("y"), 0);
    if (op != "Gather") continue;
    ASSERT_OK_AND_ASSIGN(
        auto g, RunOpGradient(op, attrs, inputs, {c.tensors.at("dy")}));
    ExpectTensorsClose(g[0], c.tensors.at("dx0"));
    EXPECT_OK(CheckGradient(op, attrs, inputs));
  }
}

TEST(IndexOpsTest, GatherSameBitsForAnyThreadCount) {
  const Tensor x = RandomTensor(DType::kFloat32, {50, 64}, 1);
  std::vector<double> picks;
  for (int i = 0; i < 300; ++i) picks.push_back((i * 7) % 50 - 25);
  const Tensor indices = Tensor::FromValues(DType::kFloat32, {300}, picks);
  const Tensor dy = RandomTensor(DType::kFloat32, {300, 64}, 2);
  auto run = [&] {
    absl::StatusOr<std::vector<Tensor>> g =
        RunOpGradient("Gather", {}, {x, indices}, {dy});
    EXPECT_TRUE(g.ok()) << g.status();
    return (*g)[0];
  };
  ExpectBitIdentical(RunWithThreads(1, run), RunWithThreads(2, run));
}

TEST(IndexOpsTest, IndicesMustBeIntegersInRange) {
  EXPECT_STATUS(
      RunOp("Gather", {}, {T64({3, 2}, {1, 2, 3, 4, 5, 6}), T64({2}, {0, 3})}),
      absl::StatusCode::kInvalidArgument,
      "index 3 at element 1 of the indices is not an integer in "
      "[-3, 3)");
  EXPECT_STATUS(
      RunOp("Gather", {}, {T64({3, 2}, {1, 2, 3, 4, 5, 6}), T64({1}, {1.5})}),
      absl::StatusCode::kInvalidArgument,
      "index 1.5 at element 0 of the indices is not an integer in "
      "[-3, 3)");
  EXPECT_STATUS(
      RunOp("OneHot", {{"depth", MakeAttr(int64_t{3})}}, {T64({2}, {2, -1})}),
      absl::StatusCode::kInvalidArgument,
      "index -1 at element 1 of the indices is not an integer in "
      "[0, 3)");
}

TEST(IndexOpsTest, BadAttributesAreRefused) {
  EXPECT_STATUS(RunOpShape("OneHot", {{"depth", MakeAttr(int64_t{0})}}, {{2}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'depth' must be from 1 to 2^31, got 0");
  EXPECT_STATUS(
      RunOpShape("ArgMax", {{"axis", MakeAttr(int64_t{2})}}, {{2, 3}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'axis' is 2, outside x [2, 3] (rank 2)");
  EXPECT_STATUS(
      RunOpShape("ArgMin", {{"axis", MakeAttr(int64_t{1})}}, {{2, 0}}),
      absl::StatusCode::kInvalidArgument,
      "dimension 1 of x [2, 0] is empty: no index");
  EXPECT_STATUS(
      RunOpShape("Gather", {{"axis", MakeAttr(int64_t{-3})}}, {{2, 3}, {4}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'axis' is -3, outside x [2, 3] (rank 2)");
}

}  // namespace
}  // namespace nabla
