// LayerNorm: values by hand; y and the three gradients against PyTorch
// (testdata/layer_norm_torch_cases.txt); finite differences; float32
// against float64; 1 vs 2 threads bit for bit; bad shapes and attributes
// refused word for word.
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

AttrMap Attrs(int64_t axis = -1, double epsilon = 1e-5) {
  return {{"axis", MakeAttr(axis)}, {"epsilon", MakeAttr(epsilon)}};
}

// Row [1, 2, 3, 6]: mean 3, variance 3.5.
TEST(LayerNormOpTest, ByHand) {
  const double eps = 1e-5;
  ASSERT_OK_AND_ASSIGN(
      auto y, RunOp("LayerNorm", Attrs(-1, eps),
                    {Tensor::FromValues(DType::kFloat64, {1, 4}, {1, 2, 3, 6}),
                     Tensor::FromValues(DType::kFloat64, {4}, {1, 2, 1, 1}),
                     Tensor::FromValues(DType::kFloat64, {4}, {0, 0, 1, 0})}));
  const double s = 1 / std::sqrt(3.5 + eps);
  ExpectTensorNear(y[0], {1, 4}, {-2 * s, 2 * -1 * s, 1, 3 * s});
}

TEST(LayerNormOpTest, MatchesPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/layer_norm_torch_cases.txt");
  ASSERT_EQ(cases.size(), 4u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.attrs.size(), 2u);
    const AttrMap attrs = Attrs(Ints(c.attrs[0]).at(0), std::stod(c.attrs[1]));
    const std::vector<Tensor> in = {c.tensors.at("x"), c.tensors.at("scale"),
                                    c.tensors.at("bias")};
    ASSERT_OK_AND_ASSIGN(auto y, RunOp("LayerNorm", attrs, in));
    ExpectTensorsClose(y[0], c.tensors.at("y"));
    ASSERT_OK_AND_ASSIGN(
        auto g, RunOpGradient("LayerNorm", attrs, in, {c.tensors.at("dy")}));
    ExpectTensorsClose(g[0], c.tensors.at("dx"));
    ExpectTensorsClose(g[1], c.tensors.at("dscale"));
    ExpectTensorsClose(g[2], c.tensors.at("dbias"));
    EXPECT_OK(CheckGradient("LayerNorm", attrs, in));
  }
}

TEST(LayerNormOpTest, Float32MatchesFloat64) {
  EXPECT_OK(CheckFloat32MatchesFloat64(
      "LayerNorm", Attrs(1),
      {RandomTensor(DType::kFloat64, {3, 4, 5}, 1),
       RandomTensor(DType::kFloat64, {4, 5}, 2, 0.5, 1.5),
       RandomTensor(DType::kFloat64, {4, 5}, 3)},
      1e-5));
}

TEST(LayerNormOpTest, SameBitsForAnyThreadCount) {
  const std::vector<Tensor> in = {RandomTensor(DType::kFloat32, {256, 96}, 1),
                                  RandomTensor(DType::kFloat32, {96}, 2),
                                  RandomTensor(DType::kFloat32, {96}, 3)};
  const Tensor dy = RandomTensor(DType::kFloat32, {256, 96}, 4);
  auto run = [&] {
    absl::StatusOr<std::vector<Tensor>> g =
        RunOpGradient("LayerNorm", Attrs(), in, {dy});
    EXPECT_TRUE(g.ok()) << g.status();
    return *g;
  };
  const std::vector<Tensor> one = RunWithThreads(1, run);
  const std::vector<Tensor> two = RunWithThreads(2, run);
  for (size_t i = 0; i < one.size(); ++i) ExpectBitIdentical(one[i], two[i]);
}

TEST(LayerNormOpTest, BadShapesAndAttributesAreRefused) {
  EXPECT_STATUS(RunOpShape("LayerNorm", Attrs(-1), {{2, 4}, {3}, {4}}),
                absl::StatusCode::kInvalidArgument,
                "scale must have the normalised shape of x [2, 4] from axis 1, "
                "got [3]");
  EXPECT_STATUS(RunOpShape("LayerNorm", Attrs(1), {{2, 4, 5}, {5}, {4, 5}}),
                absl::StatusCode::kInvalidArgument,
                "scale must have the normalised shape of x [2, 4, 5] from "
                "axis 1, got [5]");
  EXPECT_STATUS(RunOpShape("LayerNorm", Attrs(2), {{2, 4}, {4}, {4}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axis' is 2, outside x [2, 4] (rank 2)");
  EXPECT_STATUS(RunOpShape("LayerNorm", Attrs(-1, 0), {{2, 4}, {4}, {4}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'epsilon' must be positive and finite (it keeps a "
                "constant row from dividing by zero), got 0");
}

}  // namespace
}  // namespace nabla
