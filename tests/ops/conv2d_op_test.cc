// Conv2D: values by hand, against a direct loop over the definition (an
// implementation that shares nothing with im2col and the GEMM), against
// PyTorch (tests/ops/testdata/conv2d_torch_cases.txt, written by
// make_conv2d_cases.py beside it), gradients against finite differences,
// float32 against float64, and the errors of attributes that do not fit.
#include <cmath>
#include <sstream>
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

struct Config {
  std::string name;
  Shape x, w;
  std::vector<int64_t> strides = {1, 1};
  std::vector<int64_t> dilations = {1, 1};
  std::vector<int64_t> pads = {0, 0, 0, 0};
  std::string padding = "explicit";
  int64_t group = 1;
};

AttrMap AttrsOf(const Config& c) {
  return {{"strides", MakeIntListAttr(c.strides)},
          {"dilations", MakeIntListAttr(c.dilations)},
          {"pads", MakeIntListAttr(c.pads)},
          {"padding", MakeAttr(c.padding)},
          {"group", MakeAttr(c.group)}};
}

// Configurations that cover each attribute, the 1 x 1 path that reads x
// as the column matrix, and windows that hang over every edge.
std::vector<Config> Configs() {
  return {
      {"plain", {2, 3, 6, 5}, {4, 3, 3, 3}},
      {"strided", {1, 2, 7, 6}, {3, 2, 3, 2}, {2, 3}},
      {"asymmetric_pads",
       {1, 2, 5, 5},
       {2, 2, 3, 3},
       {1, 1},
       {1, 1},
       {0, 2, 1, 0}},
      {"same_strided",
       {1, 2, 7, 5},
       {2, 2, 3, 2},
       {2, 2},
       {1, 1},
       {0, 0, 0, 0},
       "same"},
      {"dilated", {1, 2, 7, 7}, {2, 2, 3, 2}, {1, 1}, {2, 3}, {1, 1, 1, 1}},
      {"groups",
       {2, 4, 5, 4},
       {6, 2, 2, 3},
       {1, 1},
       {1, 1},
       {1, 0, 0, 1},
       "explicit",
       2},
      {"depthwise",
       {1, 3, 5, 5},
       {3, 1, 3, 3},
       {2, 1},
       {1, 1},
       {1, 1, 1, 1},
       "explicit",
       3},
      {"pointwise", {2, 4, 3, 2}, {5, 4, 1, 1}},
      {"pointwise_strided", {1, 3, 5, 4}, {2, 3, 1, 1}, {2, 2}},
      {"kernel_covers_input", {1, 1, 3, 3}, {2, 1, 3, 3}},
  };
}

// The pads "same" means, worked out here independently of
// ops/conv_geometry.cc: the output is ceil(in / stride), the extra row or
// column of an odd total goes after.
std::vector<int64_t> PadsOf(const Config& c) {
  if (c.padding == "valid") return {0, 0, 0, 0};
  if (c.padding == "explicit") return c.pads;
  std::vector<int64_t> pads(4);
  for (int axis = 0; axis < 2; ++axis) {
    const int64_t in = c.x.dim(2 + axis), k = c.w.dim(2 + axis);
    const int64_t s = c.strides[axis], d = c.dilations[axis];
    const int64_t out = (in + s - 1) / s;
    const int64_t total =
        std::max<int64_t>(0, (out - 1) * s + d * (k - 1) + 1 - in);
    pads[axis] = total / 2;
    pads[axis + 2] = total - total / 2;
  }
  return pads;
}

// y by the definition, one output element at a time, in double.
std::vector<double> DirectConvolution(const Config& c, const Tensor& x,
                                      const Tensor& w, Shape* y_shape) {
  const std::vector<int64_t> pads = PadsOf(c);
  const int64_t n = c.x.dim(0), ch = c.x.dim(1), h = c.x.dim(2),
                wd = c.x.dim(3);
  const int64_t o = c.w.dim(0), cg = c.w.dim(1), kh = c.w.dim(2),
                kw = c.w.dim(3);
  const int64_t oh =
      (h + pads[0] + pads[2] - c.dilations[0] * (kh - 1) - 1) / c.strides[0] +
      1;
  const int64_t ow =
      (wd + pads[1] + pads[3] - c.dilations[1] * (kw - 1) - 1) / c.strides[1] +
      1;
  *y_shape = Shape{n, o, oh, ow};
  const int64_t og = o / c.group;
  std::vector<double> y;
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oc = 0; oc < o; ++oc) {
      for (int64_t r = 0; r < oh; ++r) {
        for (int64_t q = 0; q < ow; ++q) {
          double sum = 0;
          for (int64_t ic = 0; ic < cg; ++ic) {
            const int64_t xc = oc / og * cg + ic;
            for (int64_t i = 0; i < kh; ++i) {
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t row =
                    r * c.strides[0] - pads[0] + i * c.dilations[0];
                const int64_t col =
                    q * c.strides[1] - pads[1] + j * c.dilations[1];
                if (row < 0 || row >= h || col < 0 || col >= wd) continue;
                sum += w.ValueAt(((oc * cg + ic) * kh + i) * kw + j) *
                       x.ValueAt(((b * ch + xc) * h + row) * wd + col);
              }
            }
          }
          y.push_back(sum);
        }
      }
    }
  }
  (void)ch;
  return y;
}

// x = 1..9 in a 3 x 3 plane, w = [[1, 2], [3, 4]]:
//   y[0][0] = 1*1 + 2*2 + 3*4 + 4*5 = 37, y[0][1] = 1*2 + 2*3 + 3*5 + 4*6
//   = 47, y[1][0] = 67, y[1][1] = 77.
// With pads 1 on every side and stride 2 (a 5 x 5 padded plane, windows at
// rows -1 and 1, columns -1 and 1):
//   y[0][0] = 4*x[0][0] = 4, y[0][1] = 3*x[0][1] + 4*x[0][2] = 18,
//   y[1][0] = 2*x[1][0] + 4*x[2][0] = 36, y[1][1] = 77.
TEST(Conv2DOpTest, ForwardByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1, 1, 3, 3},
                                      {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w =
      Tensor::FromValues(DType::kFloat64, {1, 1, 2, 2}, {1, 2, 3, 4});
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Conv2D", {}, {x, w}));
  ExpectTensorNear(out[0], {1, 1, 2, 2}, {37, 47, 67, 77});
  Config padded;
  padded.x = {1, 1, 3, 3};
  padded.w = {1, 1, 2, 2};
  padded.strides = {2, 2};
  padded.pads = {1, 1, 1, 1};
  ASSERT_OK_AND_ASSIGN(out, RunOp("Conv2D", AttrsOf(padded), {x, w}));
  ExpectTensorNear(out[0], {1, 1, 2, 2}, {4, 18, 36, 77});
}

// A 1-D convolution is Conv2D over a height of 1: x 1 .. 5 (padded by one
// zero each side) with w [1, 0, -1] gives x[i - 1] - x[i + 1].
TEST(Conv2DOpTest, Conv1DIsAHeightOfOne) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {1, 1, 1, 5}, {1, 2, 3, 4, 5});
  const Tensor w =
      Tensor::FromValues(DType::kFloat64, {1, 1, 1, 3}, {1, 0, -1});
  Config one_d;
  one_d.x = {1, 1, 1, 5};
  one_d.w = {1, 1, 1, 3};
  one_d.pads = {0, 1, 0, 1};
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("Conv2D", AttrsOf(one_d), {x, w}));
  ExpectTensorNear(out[0], {1, 1, 1, 5}, {-2, -2, -2, -2, 4});
  EXPECT_OK(CheckGradient("Conv2D", AttrsOf(one_d), {x, w}));
}

// dL/dw of sum(y) for the unpadded case above: each weight meets the four
// inputs its position slides over: w[0][0] over 1, 2, 4, 5 = 12; w[0][1]
// over 2, 3, 5, 6 = 16; w[1][0] = 24; w[1][1] = 28. dL/dx counts, for each
// input, the weights that reach it.
TEST(Conv2DOpTest, GradientByHand) {
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1, 1, 3, 3},
                                      {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w =
      Tensor::FromValues(DType::kFloat64, {1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor ones =
      Tensor::FromValues(DType::kFloat64, {1, 1, 2, 2}, {1, 1, 1, 1});
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Conv2D", {}, {x, w}, {ones}));
  ExpectTensorNear(grads[0], {1, 1, 3, 3},
                   {1, 1 + 2, 2, 1 + 3, 1 + 2 + 3 + 4, 2 + 4, 3, 3 + 4, 4});
  ExpectTensorNear(grads[1], {1, 1, 2, 2}, {12, 16, 24, 28});
}

// A batch of no samples: y and dL/dx are empty, and dL/dw, a sum over no
// samples, is zero (the test runner fills gradients with NaN first).
TEST(Conv2DOpTest, EmptyBatchGivesZeroWeightGradient) {
  const Tensor x(DType::kFloat64, Shape{0, 2, 4, 4});
  const Tensor w = RandomTensor(DType::kFloat64, {3, 2, 3, 3}, 9);
  const Tensor dy(DType::kFloat64, Shape{0, 3, 2, 2});
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("Conv2D", {}, {x, w}));
  EXPECT_EQ(y[0].shape(), Shape({0, 3, 2, 2}));
  ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Conv2D", {}, {x, w}, {dy}));
  ExpectTensorNear(grads[1], w.shape(), std::vector<double>(54, 0.0));
}

TEST(Conv2DOpTest, ForwardMatchesTheDefinition) {
  for (const Config& c : Configs()) {
    SCOPED_TRACE(c.name);
    const Tensor x = RandomTensor(DType::kFloat64, c.x, 1);
    const Tensor w = RandomTensor(DType::kFloat64, c.w, 2);
    Shape shape;
    const std::vector<double> want = DirectConvolution(c, x, w, &shape);
    ASSERT_OK_AND_ASSIGN(auto out, RunOp("Conv2D", AttrsOf(c), {x, w}));
    ExpectTensorNear(out[0], shape, want, 1e-12);
  }
}

TEST(Conv2DOpTest, GradientMatchesFiniteDifferences) {
  for (const Config& c : Configs()) {
    SCOPED_TRACE(c.name);
    const Tensor x = RandomTensor(DType::kFloat64, c.x, 3);
    const Tensor w = RandomTensor(DType::kFloat64, c.w, 4);
    EXPECT_OK(CheckGradient("Conv2D", AttrsOf(c), {x, w}));
  }
}

TEST(Conv2DOpTest, Float32MatchesFloat64) {
  for (const Config& c : Configs()) {
    SCOPED_TRACE(c.name);
    const Tensor x = RandomTensor(DType::kFloat64, c.x, 5);
    const Tensor w = RandomTensor(DType::kFloat64, c.w, 6);
    EXPECT_OK(CheckFloat32MatchesFloat64("Conv2D", AttrsOf(c), {x, w}, 1e-5));
  }
}

TEST(Conv2DOpTest, SameBitsForAnyThreadCount) {
  const Config c = Configs()[5];  // groups, padding
  const Tensor x = RandomTensor(DType::kFloat64, {8, 4, 12, 10}, 7);
  const Tensor w = RandomTensor(DType::kFloat64, c.w, 8);
  auto run = [&] {
    absl::StatusOr<std::vector<Tensor>> y = RunOp("Conv2D", AttrsOf(c), {x, w});
    EXPECT_TRUE(y.ok()) << y.status();
    absl::StatusOr<std::vector<Tensor>> g =
        RunOpGradient("Conv2D", AttrsOf(c), {x, w}, {(*y)[0]});
    EXPECT_TRUE(g.ok()) << g.status();
    return std::vector<Tensor>{(*y)[0], (*g)[0], (*g)[1]};
  };
  const std::vector<Tensor> one = RunWithThreads(1, run);
  const std::vector<Tensor> two = RunWithThreads(2, run);
  for (int i = 0; i < 3; ++i) ExpectBitIdentical(one[i], two[i]);
}

TEST(Conv2DOpTest, MatchesPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/conv2d_torch_cases.txt");
  ASSERT_EQ(cases.size(), 8u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.attrs.size(), 5u);
    Config config;
    config.strides = Ints(c.attrs[0]);
    config.dilations = Ints(c.attrs[1]);
    config.pads = Ints(c.attrs[2]);
    std::istringstream(c.attrs[3]) >> config.padding;
    config.group = Ints(c.attrs[4])[0];
    const AttrMap attrs = AttrsOf(config);
    const Tensor& x = c.tensors.at("x");
    const Tensor& w = c.tensors.at("w");
    ASSERT_OK_AND_ASSIGN(auto y, RunOp("Conv2D", attrs, {x, w}));
    ExpectTensorsClose(y[0], c.tensors.at("y"));
    ASSERT_OK_AND_ASSIGN(auto grads, RunOpGradient("Conv2D", attrs, {x, w},
                                                   {c.tensors.at("dy")}));
    ExpectTensorsClose(grads[0], c.tensors.at("dx"));
    ExpectTensorsClose(grads[1], c.tensors.at("dw"));
  }
}

TEST(Conv2DOpTest, ShapeFunction) {
  ASSERT_OK_AND_ASSIGN(
      auto shapes, RunOpShape("Conv2D", {}, {{-1, 3, 28, 28}, {8, 3, 5, 5}}));
  EXPECT_EQ(shapes[0], Shape({-1, 8, 24, 24}));
  Config same;
  same.strides = {2, 2};
  same.padding = "same";
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("Conv2D", AttrsOf(same),
                                          {{4, 3, 28, 27}, {8, 3, 3, 3}}));
  EXPECT_EQ(shapes[0], Shape({4, 8, 14, 14}));
  ASSERT_OK_AND_ASSIGN(shapes,
                       RunOpShape("Conv2D", {}, {{4, 3, -1, 9}, {8, 3, 3, 3}}));
  EXPECT_EQ(shapes[0], Shape({4, 8, -1, 7}));
}

// Each attribute or input that does not fit, and the message it gets.
TEST(Conv2DOpTest, AttributesThatDoNotFitAreNamed) {
  struct Bad {
    AttrMap attrs;
    Shape x, w;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {{{"strides", MakeIntListAttr({0, 1})}},
       {1, 1, 5, 5},
       {1, 1, 3, 3},
       "attribute 'strides' must be 2 integers of at least 1, got [0, 1]"},
      {{{"dilations", MakeIntListAttr({1, 1, 1})}},
       {1, 1, 5, 5},
       {1, 1, 3, 3},
       "attribute 'dilations' must be 2 integers of at least 1, got [1, 1, 1]"},
      {{{"pads", MakeIntListAttr({1, -1, 0, 0})}},
       {1, 1, 5, 5},
       {1, 1, 3, 3},
       "attribute 'pads' must be 4 integers of at least 0, got [1, -1, 0, 0]"},
      {{{"pads", MakeIntListAttr({0, 0, int64_t{1} << 62, 0})}},
       {1, 1, 5, 5},
       {1, 1, 3, 3},
       "attribute 'pads' holds 4611686018427387904, more than 1073741824"},
      {{{"padding", MakeAttr("full")}},
       {1, 1, 5, 5},
       {1, 1, 3, 3},
       "attribute 'padding' must be \"explicit\", \"same\" or \"valid\", got "
       "\"full\""},
      {{{"padding", MakeAttr("same")}, {"pads", MakeIntListAttr({1, 1, 1, 1})}},
       {1, 1, 5, 5},
       {1, 1, 3, 3},
       "attribute 'pads' is [1, 1, 1, 1] but padding is \"same\": pads apply "
       "to \"explicit\" only"},
      {{{"group", MakeAttr(0)}},
       {1, 1, 5, 5},
       {1, 1, 3, 3},
       "attribute 'group' must be at least 1, got 0"},
      {{{"group", MakeAttr(2)}},
       {1, 4, 5, 5},
       {3, 2, 3, 3},
       "w's output channels (3) must divide into group = 2"},
      {{},
       {1, 4, 5, 5},
       {2, 3, 3, 3},
       "x has 4 channels but w [2, 3, 3, 3] with group 1 takes 3 (3 per "
       "group)"},
      {{{"dilations", MakeIntListAttr({3, 1})}},
       {1, 1, 5, 5},
       {1, 1, 3, 3},
       "the kernel's height (3, dilation 3: it spans 7) is larger than the "
       "input's height (5, 5 with padding)"},
      {{},
       {1, 5, 5},
       {1, 1, 3, 3},
       "x must be [N, C, H, W] (rank 4), got [1, 5, 5]"},
      {{},
       {1, 1, 5, 5},
       {1, 1, 3},
       "w must be [O, C / group, KH, KW] (rank 4), got [1, 1, 3]"},
  };
  for (const Bad& b : bad) {
    absl::StatusOr<std::vector<Shape>> shapes =
        RunOpShape("Conv2D", b.attrs, {b.x, b.w});
    ASSERT_FALSE(shapes.ok()) << b.message;
    EXPECT_EQ(shapes.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(shapes.status().message()), b.message);
  }
}

}  // namespace
}  // namespace nabla
