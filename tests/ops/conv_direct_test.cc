// The direct kernels of stride-1 convolutions (ops/conv_direct.h) give the
// bits of the column matrix and Gemm, in every kernel set this CPU runs:
// the forward product and dL/dw, float32 and float64, for single-channel
// and many-channel layers, padding on every side, dilation, and channel
// counts below, at and past one vector.
#include "ops/conv_direct.h"

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/conv_geometry.h"
#include "ops/gemm.h"
#include "ops/gemm_kernels.h"
#include "ops/im2col.h"
#include "ops/kernel_isa.h"

namespace nabla {
namespace {

ConvGeometry Geometry(int64_t c, int64_t o, int64_t h, int64_t w, int64_t k,
                      int64_t dilation, int64_t top, int64_t left,
                      int64_t bottom, int64_t right) {
  ConvGeometry g;
  g.batch = 1;
  g.in_channels = c;
  g.out_channels = o;
  g.in_height = h;
  g.in_width = w;
  g.kernel_height = g.kernel_width = k;
  g.dilation_h = g.dilation_w = dilation;
  g.pad_top = top;
  g.pad_left = left;
  g.pad_bottom = bottom;
  g.pad_right = right;
  g.out_height = h + top + bottom - (k - 1) * dilation;
  g.out_width = w + left + right - (k - 1) * dilation;
  return g;
}

template <typename T>
std::vector<T> Random(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::vector<T> v(n);
  for (T& e : v) e = static_cast<T>(uniform(rng));
  return v;
}

template <typename T>
MatrixView<T> RowMajor(T* data, int64_t rows, int64_t cols) {
  return {data, rows, cols, cols, 1};
}

template <typename T>
void ExpectSameBits(const std::vector<T>& got, const std::vector<T>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(T)), 0)
        << "element " << i << ": " << got[i] << " vs " << want[i];
  }
}

template <typename T>
void CheckGeometry(KernelIsa isa, const ConvGeometry& g) {
  ASSERT_TRUE(DirectConvApplies(g));
  const int64_t patch = g.patch_size(), plane = g.out_plane();
  const int64_t channels = g.out_channels;
  const std::vector<T> x = Random<T>(g.in_channels * g.in_plane(), 1);
  const std::vector<T> w = Random<T>(channels * patch, 2);
  const std::vector<T> dy = Random<T>(channels * plane, 3);

  // The column matrix and Gemm.
  std::vector<T> columns(patch * plane);
  Im2Col(g, x.data(), columns.data());
  std::vector<T> y_want(channels * plane), dw_want(channels * patch);
  gemm_internal::GemmWith(isa, RowMajor<const T>(w.data(), channels, patch),
                          RowMajor<const T>(columns.data(), patch, plane),
                          RowMajor(y_want.data(), channels, plane));
  gemm_internal::GemmWith(
      isa, RowMajor<const T>(dy.data(), channels, plane),
      Transposed(RowMajor<const T>(columns.data(), patch, plane)),
      RowMajor(dw_want.data(), channels, patch));

  // The direct kernels.
  const DirectScratch s = DirectScratchOf(g);
  std::vector<T> padded(s.padded), grid(s.grid), w_pack(s.w_pack);
  std::vector<T> dy_t(s.dy_t), product(s.product);
  std::vector<int64_t> offsets(s.offsets);
  PadPlanes(g, x.data(), padded.data());
  RowOffsets(g, offsets.data());
  std::vector<T> y(channels * plane);
  DirectConvForward(isa, g, padded.data(), offsets.data(), w.data(), y.data(),
                    grid.data(), w_pack.data());
  ExpectSameBits(y, y_want);
  DirectConvWeightGradient(isa, g, padded.data(), offsets.data(), dy.data(),
                           dy_t.data(), product.data());
  const int64_t stride = s.product / patch;
  std::vector<T> dw(channels * patch);
  for (int64_t o = 0; o < channels; ++o) {
    for (int64_t k = 0; k < patch; ++k)
      dw[o * patch + k] = product[k * stride + o];
  }
  ExpectSameBits(dw, dw_want);
}

TEST(ConvDirectTest, SameBitsAsTheColumnMatrixInEveryKernelSet) {
  const std::vector<ConvGeometry> geometries = {
      Geometry(1, 6, 28, 28, 5, 1, 2, 2, 2, 2),   // LeNet's first layer
      Geometry(6, 16, 14, 14, 5, 1, 0, 0, 0, 0),  // and its second
      Geometry(3, 40, 9, 11, 3, 2, 1, 0, 3, 2),   // dilated, uneven pads
      Geometry(5, 1, 7, 3, 3, 1, 1, 1, 1, 1),     // one channel out
      Geometry(2, 17, 4, 37, 1, 1, 0, 0, 0, 0),   // 1 x 1, a wide row
  };
  for (KernelIsa isa : SupportedKernelIsas()) {
    for (const ConvGeometry& g : geometries) {
      SCOPED_TRACE(std::string(KernelIsaName(isa)) + " C " +
                   std::to_string(g.in_channels) + " O " +
                   std::to_string(g.out_channels));
      CheckGeometry<float>(isa, g);
      CheckGeometry<double>(isa, g);
    }
  }
}

TEST(ConvDirectTest, AppliesToStrideOneOnly) {
  ConvGeometry g = Geometry(1, 2, 8, 8, 3, 1, 1, 1, 1, 1);
  EXPECT_TRUE(DirectConvApplies(g));
  g.stride_w = 2;
  g.out_width = 4;
  EXPECT_FALSE(DirectConvApplies(g));
}

}  // namespace
}  // namespace nabla
