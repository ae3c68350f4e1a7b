// MaxPool2D and AvgPool2D: values by hand, against a direct loop over the
// definition (one that tries every tap of every window and shares nothing
// with ops/pool_geometry.h), against PyTorch (testdata/
// pool2d_torch_cases.txt, written by make_pool2d_cases.py beside it),
// gradients against finite differences, float32 against float64, bits
// across thread counts, and the errors of attributes that do not fit.
#include <cmath>
#include <limits>
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
  Shape x;
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;  // empty: the kernel's shape
  std::vector<int64_t> dilations = {1, 1};
  std::vector<int64_t> pads = {0, 0, 0, 0};
  bool ceil_mode = false;
  bool count_include_pad = false;
};

AttrMap AttrsOf(const std::string& op, const Config& c) {
  AttrMap attrs = {{"kernel_shape", MakeIntListAttr(c.kernel)},
                   {"strides", MakeIntListAttr(c.strides)},
                   {"dilations", MakeIntListAttr(c.dilations)},
                   {"pads", MakeIntListAttr(c.pads)},
                   {"ceil_mode", MakeAttr(c.ceil_mode)}};
  if (op == "AvgPool2D") {
    attrs["count_include_pad"] = MakeAttr(c.count_include_pad);
  }
  return attrs;
}

// Each attribute, asymmetric pads, ceil mode with and without padding, and
// windows that hang over every edge.
std::vector<Config> Configs() {
  return {
      {"plain", {2, 3, 6, 6}, {2, 2}},
      {"plain_odd_sizes", {1, 2, 7, 5}, {2, 2}},
      {"overlapping", {1, 2, 7, 6}, {3, 2}, {2, 1}},
      {"asymmetric_pads", {1, 2, 5, 6}, {3, 3}, {2, 2}, {1, 1}, {0, 2, 1, 0}},
      {"ceil", {1, 2, 6, 7}, {3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, true},
      {"ceil_padded_include",
       {1, 2, 6, 7},
       {3, 3},
       {2, 2},
       {1, 1},
       {1, 1, 1, 1},
       true,
       true},
      {"dilated", {1, 2, 7, 8}, {2, 3}, {1, 2}, {2, 2}, {1, 1, 0, 2}},
      {"padded_include",
       {2, 1, 5, 5},
       {3, 3},
       {2, 2},
       {1, 1},
       {1, 1, 1, 1},
       false,
       true},
      {"window_covers_input", {1, 1, 3, 4}, {3, 4}},
  };
}

// The output size of one axis, as ONNX's and PyTorch's documents state it.
int64_t OutSize(int64_t in, int64_t k, int64_t s, int64_t d, int64_t before,
                int64_t after, bool ceil_mode) {
  const double room = in + before + after - d * (k - 1) - 1;
  int64_t out = static_cast<int64_t>(ceil_mode ? std::ceil(room / s)
                                               : std::floor(room / s)) +
                1;
  if (ceil_mode && (out - 1) * s >= in + before) --out;
  return out;
}

// y by the definition, trying every tap of every window, in double.
std::vector<double> DirectPool(const std::string& op, const Config& c,
                               const Tensor& x, Shape* y_shape) {
  const std::vector<int64_t> s = c.strides.empty() ? c.kernel : c.strides;
  const int64_t n = c.x.dim(0), ch = c.x.dim(1), h = c.x.dim(2), w = c.x.dim(3);
  const int64_t oh = OutSize(h, c.kernel[0], s[0], c.dilations[0], c.pads[0],
                             c.pads[2], c.ceil_mode);
  const int64_t ow = OutSize(w, c.kernel[1], s[1], c.dilations[1], c.pads[1],
                             c.pads[3], c.ceil_mode);
  *y_shape = Shape{n, ch, oh, ow};
  std::vector<double> y;
  for (int64_t p = 0; p < n * ch; ++p) {
    for (int64_t r = 0; r < oh; ++r) {
      for (int64_t q = 0; q < ow; ++q) {
        double max = -std::numeric_limits<double>::infinity(), sum = 0;
        int64_t inside = 0, padded = 0;
        for (int64_t i = 0; i < c.kernel[0]; ++i) {
          for (int64_t j = 0; j < c.kernel[1]; ++j) {
            const int64_t row = r * s[0] - c.pads[0] + i * c.dilations[0];
            const int64_t col = q * s[1] - c.pads[1] + j * c.dilations[1];
            if (row < h + c.pads[2] && col < w + c.pads[3]) ++padded;
            if (row < 0 || row >= h || col < 0 || col >= w) continue;
            const double v = x.ValueAt((p * h + row) * w + col);
            max = std::max(max, v);
            sum += v;
            ++inside;
          }
        }
        if (op == "MaxPool2D") {
          y.push_back(max);
        } else {
          y.push_back(sum / (c.count_include_pad ? padded : inside));
        }
      }
    }
  }
  return y;
}

const char* const kOps[] = {"MaxPool2D", "AvgPool2D"};

// x = 1..16 in a 4 x 4 plane, 2 x 2 windows, stride 2: the maxima are 6, 8,
// 14, 16 and the means 3.5, 5.5, 11.5, 13.5. With pads 1 on every side,
// windows of 3 and stride 2, the top-left window covers x[0..1][0..1] = 1,
// 2, 5, 6: a mean of 14 / 4 = 3.5 without the padding and 14 / 9 with it.
TEST(Pool2DOpTest, ForwardByHand) {
  std::vector<double> values(16);
  for (int i = 0; i < 16; ++i) values[i] = i + 1;
  const Tensor x = Tensor::FromValues(DType::kFloat64, {1, 1, 4, 4}, values);
  const AttrMap two = {{"kernel_shape", MakeIntListAttr({2, 2})}};
  ASSERT_OK_AND_ASSIGN(auto out, RunOp("MaxPool2D", two, {x}));
  ExpectTensorNear(out[0], {1, 1, 2, 2}, {6, 8, 14, 16});
  ASSERT_OK_AND_ASSIGN(out, RunOp("AvgPool2D", two, {x}));
  ExpectTensorNear(out[0], {1, 1, 2, 2}, {3.5, 5.5, 11.5, 13.5});
  AttrMap padded = {{"kernel_shape", MakeIntListAttr({3, 3})},
                    {"strides", MakeIntListAttr({2, 2})},
                    {"pads", MakeIntListAttr({1, 1, 1, 1})}};
  ASSERT_OK_AND_ASSIGN(out, RunOp("AvgPool2D", padded, {x}));
  EXPECT_DOUBLE_EQ(out[0].ValueAt(0), 3.5);
  padded["count_include_pad"] = MakeAttr(true);
  ASSERT_OK_AND_ASSIGN(out, RunOp("AvgPool2D", padded, {x}));
  EXPECT_DOUBLE_EQ(out[0].ValueAt(0), 14.0 / 9);
}

// Overlapping 2 x 2 windows with stride 1 on [[1, 3], [6, 2], [4, 0]]:
// both windows' maximum is x[1][0] = 6, which gets dy0 + dy1. The mean's
// gradient spreads each dy over its window's four elements.
TEST(Pool2DOpTest, GradientByHand) {
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {1, 1, 3, 2}, {1, 3, 6, 2, 4, 0});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {1, 1, 2, 1}, {2, 8});
  const AttrMap attrs = {{"kernel_shape", MakeIntListAttr({2, 2})},
                         {"strides", MakeIntListAttr({1, 1})}};
  ASSERT_OK_AND_ASSIGN(auto g, RunOpGradient("MaxPool2D", attrs, {x}, {dy}));
  ExpectTensorNear(g[0], {1, 1, 3, 2}, {0, 0, 10, 0, 0, 0});
  ASSERT_OK_AND_ASSIGN(g, RunOpGradient("AvgPool2D", attrs, {x}, {dy}));
  ExpectTensorNear(g[0], {1, 1, 3, 2}, {0.5, 0.5, 2.5, 2.5, 2, 2});
}

// A NaN under a window is its maximum, and takes its gradient; an
// infinity is a number like any other.
TEST(Pool2DOpTest, MaxPoolPropagatesNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {1, 1, 2, 2}, {1, nan, 7, 2});
  const Tensor dy = Tensor::FromValues(DType::kFloat64, {1, 1, 1, 1}, {3});
  const AttrMap attrs = {{"kernel_shape", MakeIntListAttr({2, 2})}};
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("MaxPool2D", attrs, {x}));
  EXPECT_TRUE(std::isnan(y[0].ValueAt(0)));
  ASSERT_OK_AND_ASSIGN(auto g, RunOpGradient("MaxPool2D", attrs, {x}, {dy}));
  ExpectTensorNear(g[0], {1, 1, 2, 2}, {0, 3, 0, 0});
  // Infinities are numbers: the maximum of {1, inf, -inf, 2} is inf.
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor infinite =
      Tensor::FromValues(DType::kFloat64, {1, 1, 2, 2}, {1, inf, -inf, 2});
  ASSERT_OK_AND_ASSIGN(y, RunOp("MaxPool2D", attrs, {infinite}));
  EXPECT_EQ(y[0].ValueAt(0), inf);
  ASSERT_OK_AND_ASSIGN(g, RunOpGradient("MaxPool2D", attrs, {infinite}, {dy}));
  ExpectTensorNear(g[0], {1, 1, 2, 2}, {0, 3, 0, 0});
}

// Equal maxima: the first in row-major order takes the gradient, on the
// 2 x 2 fast path and on the general one (stride 1) alike. A NaN in one
// row of windows sends that row to the general kernel; the others stay.
TEST(Pool2DOpTest, TiesAndNaNOnTheTwoByTwoPath) {
  const Tensor ones = Tensor::FromValues(DType::kFloat64, {1, 1, 4, 4},
                                         std::vector<double>(16, 1.0));
  const Tensor dy =
      Tensor::FromValues(DType::kFloat64, {1, 1, 2, 2}, {1, 2, 3, 4});
  const AttrMap two = {{"kernel_shape", MakeIntListAttr({2, 2})}};
  ASSERT_OK_AND_ASSIGN(auto g, RunOpGradient("MaxPool2D", two, {ones}, {dy}));
  ExpectTensorNear(g[0], {1, 1, 4, 4},
                   {1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x =
      Tensor::FromValues(DType::kFloat64, {1, 1, 4, 4},
                         {1, 5, 2, 0, 3, 4, 9, 1, 7, 2, 0, nan, 8, 1, 3, 2});
  ASSERT_OK_AND_ASSIGN(auto y, RunOp("MaxPool2D", two, {x}));
  EXPECT_EQ(y[0].ValueAt(0), 5);
  EXPECT_EQ(y[0].ValueAt(1), 9);
  EXPECT_EQ(y[0].ValueAt(2), 8);
  EXPECT_TRUE(std::isnan(y[0].ValueAt(3)));
  ASSERT_OK_AND_ASSIGN(g, RunOpGradient("MaxPool2D", two, {x}, {dy}));
  ExpectTensorNear(g[0], {1, 1, 4, 4},
                   {0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 4, 3, 0, 0, 0});
}

TEST(Pool2DOpTest, ForwardMatchesTheDefinition) {
  for (const char* op : kOps) {
    for (const Config& c : Configs()) {
      SCOPED_TRACE(std::string(op) + " " + c.name);
      const Tensor x = RandomTensor(DType::kFloat64, c.x, 1);
      Shape shape;
      const std::vector<double> want = DirectPool(op, c, x, &shape);
      ASSERT_OK_AND_ASSIGN(auto out, RunOp(op, AttrsOf(op, c), {x}));
      ExpectTensorNear(out[0], shape, want, 1e-12);
    }
  }
}

TEST(Pool2DOpTest, GradientMatchesFiniteDifferences) {
  for (const char* op : kOps) {
    for (const Config& c : Configs()) {
      SCOPED_TRACE(std::string(op) + " " + c.name);
      const Tensor x = RandomTensor(DType::kFloat64, c.x, 2);
      EXPECT_OK(CheckGradient(op, AttrsOf(op, c), {x}));
    }
  }
}

TEST(Pool2DOpTest, Float32MatchesFloat64) {
  for (const char* op : kOps) {
    for (const Config& c : Configs()) {
      SCOPED_TRACE(std::string(op) + " " + c.name);
      const Tensor x = RandomTensor(DType::kFloat64, c.x, 3);
      EXPECT_OK(CheckFloat32MatchesFloat64(op, AttrsOf(op, c), {x}, 1e-6));
    }
  }
}

TEST(Pool2DOpTest, SameBitsForAnyThreadCount) {
  Config c = Configs()[4];  // overlapping, padded, ceil mode
  const Tensor x = RandomTensor(DType::kFloat64, {8, 6, 13, 11}, 4);
  for (const char* op : kOps) {
    SCOPED_TRACE(op);
    auto run = [&] {
      absl::StatusOr<std::vector<Tensor>> y = RunOp(op, AttrsOf(op, c), {x});
      EXPECT_TRUE(y.ok()) << y.status();
      absl::StatusOr<std::vector<Tensor>> g =
          RunOpGradient(op, AttrsOf(op, c), {x}, {(*y)[0]});
      EXPECT_TRUE(g.ok()) << g.status();
      return std::vector<Tensor>{(*y)[0], (*g)[0]};
    };
    const std::vector<Tensor> one = RunWithThreads(1, run);
    const std::vector<Tensor> two = RunWithThreads(2, run);
    for (int i = 0; i < 2; ++i) ExpectBitIdentical(one[i], two[i]);
  }
}

TEST(Pool2DOpTest, MatchesPyTorch) {
  const std::vector<TorchCase> cases =
      ReadTorchCases("tests/ops/testdata/pool2d_torch_cases.txt");
  ASSERT_EQ(cases.size(), 11u);
  for (const TorchCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(c.attrs.size(), 7u);
    std::string op;
    std::istringstream(c.attrs[0]) >> op;
    Config config;
    config.kernel = Ints(c.attrs[1]);
    config.strides = Ints(c.attrs[2]);
    config.dilations = Ints(c.attrs[3]);
    config.pads = Ints(c.attrs[4]);
    config.ceil_mode = Ints(c.attrs[5])[0] != 0;
    config.count_include_pad = Ints(c.attrs[6])[0] != 0;
    const AttrMap attrs = AttrsOf(op, config);
    const Tensor& x = c.tensors.at("x");
    ASSERT_OK_AND_ASSIGN(auto y, RunOp(op, attrs, {x}));
    ExpectTensorsClose(y[0], c.tensors.at("y"));
    ASSERT_OK_AND_ASSIGN(auto grads,
                         RunOpGradient(op, attrs, {x}, {c.tensors.at("dy")}));
    ExpectTensorsClose(grads[0], c.tensors.at("dx"));
  }
}

TEST(Pool2DOpTest, ShapeFunction) {
  const AttrMap two = {{"kernel_shape", MakeIntListAttr({2, 2})}};
  ASSERT_OK_AND_ASSIGN(auto shapes,
                       RunOpShape("MaxPool2D", two, {{-1, 8, 28, 27}}));
  EXPECT_EQ(shapes[0], Shape({-1, 8, 14, 13}));
  AttrMap ceil = two;
  ceil["ceil_mode"] = MakeAttr(true);
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("AvgPool2D", ceil, {{4, 8, 28, 27}}));
  EXPECT_EQ(shapes[0], Shape({4, 8, 14, 14}));
  const AttrMap same = {{"kernel_shape", MakeIntListAttr({3, 3})},
                        {"strides", MakeIntListAttr({1, 1})},
                        {"padding", MakeAttr("same")}};
  ASSERT_OK_AND_ASSIGN(shapes, RunOpShape("MaxPool2D", same, {{4, 8, -1, 9}}));
  EXPECT_EQ(shapes[0], Shape({4, 8, -1, 9}));
}

// Each attribute or input that does not fit, and the message it gets.
TEST(Pool2DOpTest, AttributesThatDoNotFitAreNamed) {
  struct Bad {
    AttrMap attrs;
    Shape x;
    std::string message;
  };
  const AttrValue two = MakeIntListAttr({2, 2});
  const std::vector<Bad> bad = {
      {{{"kernel_shape", MakeIntListAttr({0, 2})}},
       {1, 1, 4, 4},
       "attribute 'kernel_shape' must be 2 integers of at least 1, got [0, "
       "2]"},
      {{{"kernel_shape", MakeIntListAttr({2})}},
       {1, 1, 4, 4},
       "attribute 'kernel_shape' must be 2 integers of at least 1, got [2]"},
      {{{"kernel_shape", two}, {"strides", MakeIntListAttr({1, -1})}},
       {1, 1, 4, 4},
       "attribute 'strides' must be 2 integers of at least 1, got [1, -1]"},
      {{{"kernel_shape", two}, {"dilations", MakeIntListAttr({0, 1})}},
       {1, 1, 4, 4},
       "attribute 'dilations' must be 2 integers of at least 1, got [0, 1]"},
      {{{"kernel_shape", MakeIntListAttr({5, 2})}},
       {1, 1, 4, 4},
       "the kernel's height (5, dilation 1: it spans 5) is larger than the "
       "input's height (4, 4 with padding)"},
      {{{"kernel_shape", two}, {"pads", MakeIntListAttr({0, 0, 2, 0})}},
       {1, 1, 4, 4},
       "output height index 2 pools over padding only: its window (2 taps, "
       "dilation 1) starts at 4 of an input height of 4 (padding before 0, "
       "after 2); use smaller pads"},
      {{{"kernel_shape", two},
        {"dilations", MakeIntListAttr({1, 3})},
        {"pads", MakeIntListAttr({0, 1, 0, 2})}},
       {1, 1, 4, 1},
       "output width index 0 pools over padding only: its window (2 taps, "
       "dilation 3) starts at -1 of an input width of 1 (padding before 1, "
       "after 2); use smaller pads"},
      {{{"kernel_shape", two},
        {"dilations", MakeIntListAttr({int64_t{1} << 62, 1})}},
       {1, 1, 4, 4},
       "attribute 'dilations' holds 4611686018427387904, more than "
       "1073741824"},
      {{{"kernel_shape", MakeIntListAttr({3, int64_t{1} << 40})}},
       {1, 1, 4, 4},
       "attribute 'kernel_shape' holds 1099511627776, more than 1073741824"},
      {{{"kernel_shape", two}, {"padding", MakeAttr("full")}},
       {1, 1, 4, 4},
       "attribute 'padding' must be \"explicit\", \"same\" or \"valid\", got "
       "\"full\""},
      {{{"kernel_shape", two}},
       {1, 4, 4},
       "x must be [N, C, H, W] (rank 4), got [1, 4, 4]"},
  };
  for (const char* op : kOps) {
    for (const Bad& b : bad) {
      absl::StatusOr<std::vector<Shape>> shapes =
          RunOpShape(op, b.attrs, {b.x});
      ASSERT_FALSE(shapes.ok()) << op << ": " << b.message;
      EXPECT_EQ(shapes.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(std::string(shapes.status().message()), b.message);
    }
  }
}

}  // namespace
}  // namespace nabla
