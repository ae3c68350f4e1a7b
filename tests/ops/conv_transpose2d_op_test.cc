// ConvTranspose2D: values by hand; y, dL/dx and dL/dw against PyTorch
// (testdata/conv_transpose2d_torch_cases.txt: strides, padding,
// output_padding, groups, dilation, 1 x 1); the adjoint identity
// <Conv2D(u), v> = <u, ConvTranspose2D(v)> with asymmetric pads; finite
// differences; float32 against float64; 1 vs 2 threads; bad attributes
// refused word for word.
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

AttrMap AttrsOf(std::vector<int64_t> strides, std::vector<int64_t> dilations,
                std::vector<int64_t> pads, std::vector<int64_t> extra,
                int64_t group) {
  return {{"strides", MakeIntListAttr(strides)},
          {"dilations", MakeIntListAttr(dilations)},
          {"pads", MakeIntListAttr(pads)},
          {"output_padding", MakeIntListAttr(extra)},
          {"group", MakeAttr(group)}};
}

// The positional fields of a case: strides | dilations | pads |
// output_padding | group.
AttrMap CaseAttrs(const TorchCase& c) {
  return AttrsOf(Ints(c.attrs[0]), Ints(c.attrs[1]), Ints(c.attrs[2]),
                 Ints(c.attrs[3]), Ints(c.attrs[4]).at(0));
}

// One input element per window, stride 2: each adds w times itself into
// its own 2 x 2 block.
TEST(ConvTranspose2DOpTest, ByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1, 1, 1, 2}, {1, 10});
  const Tensor w =
      Tensor::FromValues(DType::kFloat64, {1, 1, 2, 2}, {1, 2, 3, 4});
  ASSERT_OK_AND_ASSIGN(
      auto y, RunOp("ConvTranspose2D",
                    AttrsOf({2, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 1), {x, w}));
  ExpectTensorNear(y[0], {1, 1, 2, 4}, {1, 2, 10, 20, 3, 4, 30, 40});
}

TEST(ConvTranspose2DOpTest, MatchesPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/conv_transpose2d_torch_cases.txt");
  ASSERT_EQ(cases.size(), 5u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.attrs.size(), 5u);
    const AttrMap attrs = CaseAttrs(c);
    const std::vector<Tensor> in = {c.tensors.at("x"), c.tensors.at("w")};
    ASSERT_OK_AND_ASSIGN(auto y, RunOp("ConvTranspose2D", attrs, in));
    ExpectTensorsClose(y[0], c.tensors.at("y"));
    ASSERT_OK_AND_ASSIGN(auto g, RunOpGradient("ConvTranspose2D", attrs, in,
                                               {c.tensors.at("dy")}));
    ExpectTensorsClose(g[0], c.tensors.at("dx"));
    ExpectTensorsClose(g[1], c.tensors.at("dw"));
    EXPECT_OK(CheckGradient("ConvTranspose2D", attrs, in));
    EXPECT_OK(CheckFloat32MatchesFloat64("ConvTranspose2D", attrs, in, 1e-5));
  }
}

double Dot(const Tensor& a, const Tensor& b) {
  double sum = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    sum += a.ValueAt(i) * b.ValueAt(i);
  }
  return sum;
}

// ConvTranspose2D is Conv2D's adjoint in its input, asymmetric pads
// included (which PyTorch cannot check): <Conv2D(u), v> = <u, CT(v)>.
TEST(ConvTranspose2DOpTest, IsTheAdjointOfConv2D) {
  const AttrMap attrs = AttrsOf({2, 3}, {1, 2}, {1, 0, 2, 1}, {1, 0}, 2);
  AttrMap conv = attrs;
  conv.erase("output_padding");
  const Tensor w = RandomTensor(DType::kFloat64, {4, 3, 3, 2}, 1);
  const Tensor v = RandomTensor(DType::kFloat64, {2, 4, 5, 4}, 2);
  ASSERT_OK_AND_ASSIGN(auto ct, RunOp("ConvTranspose2D", attrs, {v, w}));
  const Shape& u_shape = ct[0].shape();
  const Tensor u = RandomTensor(DType::kFloat64, u_shape, 3);
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("Conv2D", conv, {u, w}));
  ASSERT_EQ(y[0].shape(), v.shape());
  EXPECT_NEAR(Dot(y[0], v), Dot(u, ct[0]), 1e-10);
  EXPECT_OK(CheckGradient("ConvTranspose2D", attrs, {v, w}));
}

TEST(ConvTranspose2DOpTest, SameBitsForAnyThreadCount) {
  const AttrMap attrs = AttrsOf({2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1);
  const std::vector<Tensor> in = {
      RandomTensor(DType::kFloat32, {20, 8, 7, 7}, 1),
      RandomTensor(DType::kFloat32, {8, 4, 3, 3}, 2)};
  const Tensor dy = RandomTensor(DType::kFloat32, {20, 4, 14, 14}, 3);
  auto run = [&] {
    absl::StatusOr<std::vector<Tensor>> y = RunOp("ConvTranspose2D", attrs, in);
    absl::StatusOr<std::vector<Tensor>> g =
        RunOpGradient("ConvTranspose2D", attrs, in, {dy});
    EXPECT_TRUE(y.ok() && g.ok());
    return std::vector<Tensor>{(*y)[0], (*g)[0], (*g)[1]};
  };
  const std::vector<Tensor> one = RunWithThreads(1, run);
  const std::vector<Tensor> two = RunWithThreads(2, run);
  for (size_t i = 0; i < one.size(); ++i) ExpectBitIdentical(one[i], two[i]);
}

TEST(ConvTranspose2DOpTest, BadAttributesAreRefused) {
  const AttrMap plain = AttrsOf({1, 1}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 1);
  EXPECT_STATUS(
      RunOpShape("ConvTranspose2D", plain, {{1, 3, 4, 4}, {2, 2, 3, 3}}),
      absl::StatusCode::kInvalidArgument,
      "w [C, O / group, KH, KW] must have x's C = 3 channels in "
      "dimension 0, divisible by group = 1: x is [1, 3, 4, 4], w "
      "is [2, 2, 3, 3]");
  EXPECT_STATUS(
      RunOpShape("ConvTranspose2D",
                 AttrsOf({2, 2}, {1, 1}, {0, 0, 0, 0}, {2, 0}, 1),
                 {{1, 2, 4, 4}, {2, 2, 3, 3}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'output_padding' [2, 0] must be smaller than the stride or "
      "the dilation of each axis");
  EXPECT_STATUS(
      RunOpShape("ConvTranspose2D",
                 AttrsOf({1, 1}, {1, 1}, {2, 0, 2, 0}, {0, 0}, 1),
                 {{1, 2, 1, 4}, {2, 2, 3, 3}}),
      absl::StatusCode::kInvalidArgument,
      "the output height would be -1 for x [1, 2, 1, 4] and w [2, 2, 3, 3]: "
      "the pads crop more than the output holds");
  EXPECT_STATUS(RunOpShape("ConvTranspose2D",
                           AttrsOf({0, 1}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 1),
                           {{1, 2, 4, 4}, {2, 2, 3, 3}}),
                absl::StatusCode::kInvalidArgument, "attribute 'strides'");
  EXPECT_STATUS(RunOpShape("ConvTranspose2D",
                           AttrsOf({1, 1}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 2),
                           {{1, 3, 4, 4}, {3, 2, 3, 3}}),
                absl::StatusCode::kInvalidArgument,
                "divisible by group = 2: x is [1, 3, 4, 4], w is [3, 2, 3, 3]");
}

}  // namespace
}  // namespace nabla
