#include <vector>

#include "core/attrs.h"
#include "core/gradient_check.h"
#include "gtest/gtest.h"
#include "tests/op_test_util.h"
#include "tests/ops/torch_cases.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

AttrMap Transposes(bool ta, bool tb) {
  return {{"transpose_a", MakeAttr(ta)}, {"transpose_b", MakeAttr(tb)}};
}

// [[1, 2, 3], [4, 5, 6]] · [[7, 8], [9, 10], [11, 12]]
//   = [[1*7 + 2*9 + 3*11, 1*8 + 2*10 + 3*12], [4*7 + 5*9 + 6*11, ...]]
//   = [[58, 64], [139, 154]]
TEST(MatMulOpTest, ForwardAllTransposeCases) {
  const Tensor a =
      Tensor::FromValues(DType::kFloat64, {2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor at =
      Tensor::FromValues(DType::kFloat64, {3, 2}, {1, 4, 2, 5, 3, 6});
  const Tensor b =
      Tensor::FromValues(DType::kFloat64, {3, 2}, {7, 8, 9, 10, 11, 12});
  const Tensor bt =
      Tensor::FromValues(DType::kFloat64, {2, 3}, {7, 9, 11, 8, 10, 12});
  const std::vector<double> expected = {58, 64, 139, 154};
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      SCOPED_TRACE(testing::Message() << "ta=" << ta << " tb=" << tb);
      ASSERT_OK_AND_ASSIGN(auto out, RunOp("MatMul", Transposes(ta, tb),
                                           {ta ? at : a, tb ? bt : b}));
      ExpectTensorNear(out[0], {2, 2}, expected);
    }
  }
}

TEST(MatMulOpTest, GradientAllTransposeCases) {
  // op(a) is [3, 4], op(b) is [4, 2].
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      SCOPED_TRACE(testing::Message() << "ta=" << ta << " tb=" << tb);
      const Tensor a =
          RandomTensor(DType::kFloat64, ta ? Shape{4, 3} : Shape{3, 4}, 1);
      const Tensor b =
          RandomTensor(DType::kFloat64, tb ? Shape{2, 4} : Shape{4, 2}, 2);
      EXPECT_OK(CheckGradient("MatMul", Transposes(ta, tb), {a, b}));
    }
  }
}

// d/dA of sum(A·B) with dC = ones is ones·Bᵀ: row sums of B.
TEST(MatMulOpTest, GradientByHand) {
  const Tensor a = Tensor::FromValues(DType::kFloat64, {1, 2}, {1, 2});
  const Tensor b = Tensor::FromValues(DType::kFloat64, {2, 2}, {3, 4, 5, 6});
  const Tensor ones = Tensor::FromValues(DType::kFloat64, {1, 2}, {1, 1});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("MatMul", {}, {a, b}, {ones}));
  ExpectTensorNear(grads[0], {1, 2}, {7, 11});
  ExpectTensorNear(grads[1], {2, 2}, {1, 1, 2, 2});
}

TEST(MatMulOpTest, Float32MatchesFloat64) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const Tensor a = RandomTensor(DType::kFloat64, {5, 5}, 3);
      const Tensor b = RandomTensor(DType::kFloat64, {5, 5}, 4);
      EXPECT_OK(
          CheckFloat32MatchesFloat64("MatMul", Transposes(ta, tb), {a, b}));
    }
  }
}

TEST(MatMulOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("MatMul", {}, {{-1, 3}, {3, 5}}));
  EXPECT_EQ(shapes[0], Shape({-1, 5}));
  ASSERT_OK_AND_ASSIGN(
      shapes, RunOpShape("MatMul", Transposes(true, true), {{3, 2}, {4, 3}}));
  EXPECT_EQ(shapes[0], Shape({2, 4}));
  // An unknown inner dimension fits any size.
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("MatMul", {}, {{2, -1}, {7, 5}}));
  EXPECT_EQ(shapes[0], Shape({2, 5}));
}

TEST(MatMulOpTest, ShapeErrors) {
  EXPECT_STATUS(RunOpShape("MatMul", {}, {{2, 3}, {4, 1}}),
                absl::StatusCode::kInvalidArgument,
                "inner dimensions differ: a is [2, 3], b is [4, 1]");
  EXPECT_STATUS(RunOpShape("MatMul", {}, {{3}, {3, 1}}),
                absl::StatusCode::kInvalidArgument,
                "a and b must be matrices or batches of them (rank >= 2): a "
                "is [3], b is [3, 1]");
  EXPECT_STATUS(RunOpShape("MatMul", {}, {{2, 3, 4}, {3, 4, 1}}),
                absl::StatusCode::kInvalidArgument,
                "the batch dimensions of a [2, 3, 4] and b [3, 4, 1] do not "
                "broadcast");
  EXPECT_STATUS(RunOpShape("MatMul", {}, {{2, 3}, {3, 1}},
                           {DType::kFloat32, DType::kFloat64}),
                absl::StatusCode::kInvalidArgument,
                "a is float32, b is float64");
}

// Batches: the product and both gradients against torch.matmul, with
// broadcast batch dimensions (whose gradients sum over the batches they
// met) and transposes; each against finite differences too.
TEST(MatMulOpTest, BatchesMatchPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/matmul_torch_cases.txt");
  ASSERT_EQ(cases.size(), 6u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    const AttrMap attrs =
        Transposes(Ints(c.attrs[0]) == std::vector<int64_t>{1},
                   Ints(c.attrs[1]) == std::vector<int64_t>{1});
    const std::vector<Tensor> in = {c.tensors.at("a"), c.tensors.at("b")};
    ASSERT_OK_AND_ASSIGN(auto product, RunOp("MatMul", attrs, in));
    ExpectTensorsClose(product[0], c.tensors.at("product"));
    ASSERT_OK_AND_ASSIGN(
        auto g, RunOpGradient("MatMul", attrs, in, {c.tensors.at("g")}));
    ExpectTensorsClose(g[0], c.tensors.at("da"));
    ExpectTensorsClose(g[1], c.tensors.at("db"));
    EXPECT_OK(CheckGradient("MatMul", attrs, in));
  }
}

TEST(MatMulOpTest, BatchShapes) {
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("MatMul", {}, {{-1, 1, 2, 3}, {4, 3, 5}}));
  EXPECT_EQ(shapes[0], Shape({-1, 4, 2, 5}));
}

TEST(MatMulOpTest, BitIdenticalForAnyThreadCount) {
  const Tensor a = RandomTensor(DType::kFloat32, {150, 200}, 5);
  const Tensor b = RandomTensor(DType::kFloat32, {200, 120}, 6);
  const Tensor g = RandomTensor(DType::kFloat32, {150, 120}, 7);
  auto run = [&] {
    auto out = RunOp("MatMul", {}, {a, b});
    auto grads = RunOpGradient("MatMul", {}, {a, b}, {g});
    EXPECT_TRUE(out.ok() && grads.ok());
    return std::vector<Tensor>{(*out)[0], (*grads)[0], (*grads)[1]};
  };
  const std::vector<Tensor> one = RunWithThreads(1, run);
  const std::vector<Tensor> four = RunWithThreads(4, run);
  for (int i = 0; i < 3; ++i) ExpectBitIdentical(one[i], four[i]);
}

}  // namespace
}  // namespace nabla
