// Transpose, Concat, Split, Slice and Pad: values by hand; values and gradients
// against PyTorch (testdata/tensor_ops_torch_cases.txt); finite
// differences; 1 vs 2 threads bit for bit; shapes with unknown dimensions;
// bad attributes refused word for word.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
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

// The case's tensors `name` (one output) or name0, name1, ... (Split's).
std::vector<Tensor> Outputs(const TorchCase& c, const std::string& name) {
  if (c.tensors.count(name)) return {c.tensors.at(name)};
  std::vector<Tensor> parts;
  for (int k = 0; c.tensors.count(name + std::to_string(k)); ++k) {
    parts.push_back(c.tensors.at(name + std::to_string(k)));
  }
  return parts;
}

TEST(TensorOpsTest, MatchPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/tensor_ops_torch_cases.txt");
  ASSERT_EQ(cases.size(), 16u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string op = OpOf(c);
    const AttrMap attrs = AttrsOf(c);
    std::vector<Tensor> inputs;
    for (int i = 0; c.tensors.count("x" + std::to_string(i)); ++i) {
      inputs.push_back(c.tensors.at("x" + std::to_string(i)));
    }
    ASSERT_OK_AND_ASSIGN(auto y, RunOp(op, attrs, inputs));
    const std::vector<Tensor> want = Outputs(c, "y");
    ASSERT_EQ(y.size(), want.size());
    for (size_t k = 0; k < y.size(); ++k) ExpectTensorsClose(y[k], want[k]);
    ASSERT_OK_AND_ASSIGN(auto g,
                         RunOpGradient(op, attrs, inputs, Outputs(c, "dy")));
    for (size_t i = 0; i < inputs.size(); ++i) {
      ExpectTensorsClose(g[i], c.tensors.at("dx" + std::to_string(i)));
    }
    // Every case's gradient against finite differences too.
    EXPECT_OK(CheckGradient(op, attrs, inputs));
  }
}

AttrMap Ints(const std::string& name, std::vector<int64_t> values,
             AttrMap attrs = {}) {
  attrs[name] = MakeIntListAttr(values);
  return attrs;
}

TEST(TensorOpsTest, ValuesByHand) {
  const Tensor x = T64({2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("Transpose", {}, {x}));
  ExpectTensorNear(y[0], {3, 2}, {1, 4, 2, 5, 3, 6});
  ASSERT_OK_AND_ASSIGN(y, RunOp("Concat", {{"axis", MakeAttr(int64_t{0})}},
                                {x, T64({1, 3}, {7, 8, 9})}));
  ExpectTensorNear(y[0], {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  ASSERT_OK_AND_ASSIGN(
      y, RunOp("Split", Ints("split", {2, 1}, {{"axis", MakeAttr(int64_t{1})}}),
               {x}));
  ASSERT_EQ(y.size(), 2u);
  ExpectTensorNear(y[0], {2, 2}, {1, 2, 4, 5});
  ExpectTensorNear(y[1], {2, 1}, {3, 6});
  ASSERT_OK_AND_ASSIGN(
      y, RunOp("Split", {{"num_outputs", MakeAttr(int64_t{2})}}, {x}));
  ASSERT_EQ(y.size(), 2u);
  ExpectTensorNear(y[0], {1, 3}, {1, 2, 3});
  ExpectTensorNear(y[1], {1, 3}, {4, 5, 6});
  ASSERT_OK_AND_ASSIGN(
      y, RunOp("Slice",
               Ints("starts", {-1},
                    Ints("ends", {0}, Ints("steps", {-2}, Ints("axes", {1})))),
               {x}));
  ExpectTensorNear(y[0], {2, 1}, {3, 6});
  AttrMap pad = Ints("pads", {0, 1, 0, 2});
  pad["mode"] = MakeAttr("reflect");
  ASSERT_OK_AND_ASSIGN(y, RunOp("Pad", pad, {x}));
  ExpectTensorNear(y[0], {2, 6}, {2, 1, 2, 3, 2, 1, 5, 4, 5, 6, 5, 4});
  pad["mode"] = MakeAttr("edge");
  ASSERT_OK_AND_ASSIGN(y, RunOp("Pad", pad, {x}));
  ExpectTensorNear(y[0], {2, 6}, {1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 6});
  pad["mode"] = MakeAttr("constant");
  pad["value"] = MakeAttr(-1.0);
  ASSERT_OK_AND_ASSIGN(y, RunOp("Pad", pad, {x}));
  ExpectTensorNear(y[0], {2, 6}, {-1, 1, 2, 3, -1, -1, -1, 4, 5, 6, -1, -1});
}

// Edge padding sends the gradient of every repeated element to the edge.
TEST(TensorOpsTest, PadGradientSumsTheCopies) {
  AttrMap pad = Ints("pads", {2, 1});
  pad["mode"] = MakeAttr("edge");
  ASSERT_OK_AND_ASSIGN(auto g,
                       RunOpGradient("Pad", pad, {T64({2}, {5, 6})},
                                     {T64({5}, {1, 10, 100, 1000, 10000})}));
  ExpectTensorNear(g[0], {2}, {111, 11000});
}

// dL/dx of Split is the parts' gradients side by side, each in its place.
TEST(TensorOpsTest, SplitGradientJoinsTheParts) {
  ASSERT_OK_AND_ASSIGN(auto g, RunOpGradient("Split", Ints("split", {1, 2}),
                                             {T64({3, 2}, {1, 2, 3, 4, 5, 6})},
                                             {T64({1, 2}, {10, 20}),
                                              T64({2, 2}, {30, 40, 50, 60})}));
  ExpectTensorNear(g[0], {3, 2}, {10, 20, 30, 40, 50, 60});
}

TEST(TensorOpsTest, SameBitsForAnyThreadCount) {
  const Tensor x = RandomTensor(DType::kFloat32, {16, 32, 17, 19}, 1);
  AttrMap pad = Ints("pads", {0, 0, 2, 3, 0, 0, 1, 2});
  pad["mode"] = MakeAttr("reflect");
  for (const auto& [op, attrs] : std::vector<std::pair<std::string, AttrMap>>{
           {"Transpose", Ints("perm", {0, 2, 3, 1})},
           {"Slice", Ints("starts", {1, 15},
                          Ints("ends", {30, 2},
                               Ints("steps", {2, -3}, Ints("axes", {1, 3}))))},
           {"Pad", pad},
           {"Split",
            Ints("split", {7, 10}, {{"axis", MakeAttr(int64_t{2})}})}}) {
    SCOPED_TRACE(op);
    auto run = [&, op = op, attrs = attrs] {
      absl::StatusOr<std::vector<Tensor>> y = RunOp(op, attrs, {x});
      EXPECT_TRUE(y.ok()) << y.status();
      return (*y).back();
    };
    ExpectBitIdentical(RunWithThreads(1, run), RunWithThreads(2, run));
  }
}

TEST(TensorOpsTest, ShapesWithUnknownDimensions) {
  ASSERT_OK_AND_ASSIGN(
      auto shapes, RunOpShape("Transpose", Ints("perm", {1, 0}), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({3, -1}));
  ASSERT_OK_AND_ASSIGN(shapes,
                       RunOpShape("Concat", {{"axis", MakeAttr(int64_t{1})}},
                                  {{-1, 2}, {4, 3}}));
  EXPECT_EQ(shapes[0], Shape({4, 5}));
  ASSERT_OK_AND_ASSIGN(
      shapes,
      RunOpShape("Slice", Ints("starts", {1}, Ints("ends", {3})), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 3}));
  ASSERT_OK_AND_ASSIGN(
      shapes, RunOpShape("Pad", Ints("pads", {0, 1, 0, 2}), {{-1, 3}}));
  EXPECT_EQ(shapes[0], Shape({-1, 6}));
  ASSERT_OK_AND_ASSIGN(shapes,
                       RunOpShape("Split", Ints("split", {1, 2}), {{-1, 3}}));
  EXPECT_EQ(shapes, (std::vector<Shape>{Shape({1, 3}), Shape({2, 3})}));
  ASSERT_OK_AND_ASSIGN(
      shapes,
      RunOpShape("Split", {{"num_outputs", MakeAttr(int64_t{2})}}, {{-1, 3}}));
  EXPECT_EQ(shapes, (std::vector<Shape>{Shape({-1, 3}), Shape({-1, 3})}));
}

TEST(TensorOpsTest, BadAttributesAreRefused) {
  EXPECT_STATUS(RunOpShape("Transpose", Ints("perm", {0, 0}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'perm' [0, 0] is not a permutation of the 2 "
                "dimensions of x");
  EXPECT_STATUS(
      RunOpShape("Concat", {{"axis", MakeAttr(int64_t{2})}}, {{2, 3}, {2, 3}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'axis' is 2, outside input 0 [2, 3] (rank 2)");
  EXPECT_STATUS(
      RunOpShape("Concat", {{"axis", MakeAttr(int64_t{0})}}, {{2, 3}, {2, 4}}),
      absl::StatusCode::kInvalidArgument,
      "inputs must match in every dimension but axis 0: input 0 is "
      "[2, 3], input 1 is [2, 4] (all: [2, 3], [2, 4])");
  EXPECT_STATUS(RunOpShape("Concat", {{"axis", MakeAttr(int64_t{0})}}, {}),
                absl::StatusCode::kInvalidArgument,
                "op 'Concat' takes 1 or more inputs, got 0");
  EXPECT_STATUS(
      RunOpShape("Slice", Ints("starts", {0}, Ints("ends", {1, 2})), {{2, 3}}),
      absl::StatusCode::kInvalidArgument,
      "attributes 'starts' (1 values), 'ends' (2), 'axes' (0) and 'steps' (0) "
      "must be as long as each other (axes and steps may be empty), at most "
      "rank 2 of x");
  EXPECT_STATUS(
      RunOpShape("Slice",
                 Ints("starts", {0}, Ints("ends", {1}, Ints("steps", {0}))),
                 {{2, 3}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'steps' [0] holds 0: a step must be nonzero");
  EXPECT_STATUS(RunOpShape("Slice",
                           Ints("starts", {0, 0},
                                Ints("ends", {1, 1}, Ints("axes", {1, -1}))),
                           {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'axes' [1, -1] must name distinct dimensions of x "
                "(rank 2)");
  EXPECT_STATUS(RunOpShape("Pad", Ints("pads", {0, -1, 0, 0}), {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'pads' [0, -1, 0, 0] must hold 4 values from 0 to "
                "2^40 for x [2, 3]: the begins of every dimension, then the "
                "ends");
  AttrMap reflect = Ints("pads", {0, 3, 0, 0});
  reflect["mode"] = MakeAttr("reflect");
  EXPECT_STATUS(RunOpShape("Pad", reflect, {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "reflect padding of dimension 1 of x [2, 3] by 3 and 0: each "
                "must be smaller than the dimension");
  EXPECT_STATUS(RunOpShape("Split", {}, {{4, 3}}),
                absl::StatusCode::kInvalidArgument,
                "give attribute 'split' (the size of each part) or "
                "'num_outputs' (how many parts of equal size)");
  EXPECT_STATUS(RunOpShape("Split", Ints("split", {1, 2}), {{4, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'split' [1, 2] sums to 3, but x [4, 3] has 4 at "
                "the axis");
  EXPECT_STATUS(RunOpShape("Split", Ints("split", {5, -1}), {{4, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'split' [5, -1] holds -1: each size is from 0 to "
                "4294967296");
  EXPECT_STATUS(
      RunOpShape("Split",
                 Ints("split", {1, 3}, {{"num_outputs", MakeAttr(int64_t{3})}}),
                 {{4, 3}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'num_outputs' is 3 but 'split' [1, 3] has 2 sizes");
  EXPECT_STATUS(
      RunOpShape("Split", {{"num_outputs", MakeAttr(int64_t{-2})}}, {{4, 3}}),
      absl::StatusCode::kInvalidArgument,
      "attribute 'num_outputs' is -2: give from 1 to 65536 parts");
  EXPECT_STATUS(
      RunOpShape("Split", {{"num_outputs", MakeAttr(int64_t{3})}}, {{4, 3}}),
      absl::StatusCode::kInvalidArgument,
      "x [4, 3] has 4 at the axis: 3 parts of 2 leave nothing for the last; "
      "give 'split'");
  EXPECT_STATUS(
      RunOpShape("Split", {{"num_outputs", MakeAttr(int64_t{1})}}, {{}}),
      absl::StatusCode::kInvalidArgument,
      "x is a scalar: it has no axis to split");
  reflect["mode"] = MakeAttr("wrap");
  EXPECT_STATUS(RunOpShape("Pad", reflect, {{2, 3}}),
                absl::StatusCode::kInvalidArgument,
                "attribute 'mode' must be \"constant\", \"reflect\" or "
                "\"edge\", got \"wrap\"");
}

}  // namespace
}  // namespace nabla
