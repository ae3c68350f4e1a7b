// Tensor and Shape: shapes, zero-filled and valued construction, owned
// storage versus views of the caller's memory, storage reuse by Reset(),
// alignment, and the size check that refuses shapes too large to allocate.
#include "core/tensor.h"

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

bool IsAligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % Tensor::kAlignment == 0;
}

TEST(ShapeTest, NumElementsIsTheProductOfTheDimensions) {
  EXPECT_EQ(Shape({2, 3}).num_elements(), 6);
  EXPECT_EQ(Shape({2, 3, 4}).num_elements(), 24);
  EXPECT_EQ(Shape({7}).num_elements(), 7);
  // A scalar has one element; a zero dimension makes it empty.
  EXPECT_EQ(Shape().num_elements(), 1);
  EXPECT_EQ(Shape({0, 5}).num_elements(), 0);
}

TEST(ShapeTest, AnUnknownDimensionMakesTheCountUnknown) {
  EXPECT_EQ(Shape({Shape::kUnknown, 3}).num_elements(), -1);
  EXPECT_EQ(Shape({3, Shape::kUnknown}).num_elements(), -1);
  EXPECT_FALSE(Shape({Shape::kUnknown, 3}).IsFullyDefined());
  EXPECT_TRUE(Shape({0, 3}).IsFullyDefined());
  EXPECT_TRUE(Shape().IsFullyDefined());
}

TEST(ShapeTest, ToStringPrintsUnknownDimensionsAsQuestionMarks) {
  EXPECT_EQ(Shape({2, 3}).ToString(), "[2, 3]");
  EXPECT_EQ(Shape({Shape::kUnknown, 3}).ToString(), "[?, 3]");
  EXPECT_EQ(Shape().ToString(), "[]");
  EXPECT_EQ(Shape({0}).ToString(), "[0]");
}

TEST(ShapeTest, CompatibleWhenEveryKnownDimensionAgrees) {
  const Shape batch_of_3({Shape::kUnknown, 3});
  EXPECT_TRUE(batch_of_3.IsCompatibleWith(Shape({5, 3})));
  EXPECT_TRUE(Shape({5, 3}).IsCompatibleWith(batch_of_3));
  EXPECT_TRUE(batch_of_3.IsCompatibleWith(batch_of_3));
  EXPECT_FALSE(batch_of_3.IsCompatibleWith(Shape({5, 4})));
  EXPECT_FALSE(Shape({2, 3}).IsCompatibleWith(Shape({2, 4})));
  // Rank must match, even where every dimension is unknown.
  EXPECT_FALSE(batch_of_3.IsCompatibleWith(Shape({5, 3, 1})));
  EXPECT_FALSE(Shape({Shape::kUnknown}).IsCompatibleWith(Shape()));
  EXPECT_TRUE(Shape().IsCompatibleWith(Shape()));
}

TEST(ShapeTest, EditingDimensions) {
  Shape shape;
  shape.AddDim(4);
  shape.AddDim(Shape::kUnknown);
  EXPECT_EQ(shape.rank(), 2);
  EXPECT_EQ(shape, Shape({4, Shape::kUnknown}));
  shape.set_dim(1, 2);
  EXPECT_EQ(shape.dim(1), 2);
  EXPECT_EQ(shape, Shape({4, 2}));
  EXPECT_NE(shape, Shape({2, 4}));
}

TEST(DTypeTest, NamesAndSizes) {
  EXPECT_STREQ(DTypeName(DType::kFloat32), "float32");
  EXPECT_STREQ(DTypeName(DType::kFloat64), "float64");
  EXPECT_EQ(DTypeSize(DType::kFloat32), 4);
  EXPECT_EQ(DTypeSize(DType::kFloat64), 8);
}

TEST(TensorTest, ConstructedTensorsAreZeroFilled) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    SCOPED_TRACE(DTypeName(dtype));
    const Tensor t(dtype, Shape({3, 5}));
    EXPECT_EQ(t.dtype(), dtype);
    EXPECT_EQ(t.shape(), Shape({3, 5}));
    EXPECT_EQ(t.num_elements(), 15);
    EXPECT_EQ(t.num_bytes(), 15 * DTypeSize(dtype));
    EXPECT_EQ(t.ToDoubles(), std::vector<double>(15, 0.0));
  }
}

TEST(TensorTest, DefaultTensorIsEmpty) {
  const Tensor t;
  EXPECT_EQ(t.num_elements(), 0);
  EXPECT_EQ(t.num_bytes(), 0);
  EXPECT_EQ(t.raw_data(), nullptr);
  EXPECT_TRUE(t.ToDoubles().empty());
}

TEST(TensorTest, FromValuesFloat32RoundsEachValueToFloat) {
  const Tensor t =
      Tensor::FromValues(DType::kFloat32, Shape({2, 2}), {0.1, -2.5, 3, 1e-3});
  ASSERT_EQ(t.dtype(), DType::kFloat32);
  const float* data = t.data<float>();
  EXPECT_EQ(data[0], 0.1f);
  EXPECT_EQ(data[1], -2.5f);
  EXPECT_EQ(data[2], 3.0f);
  EXPECT_EQ(data[3], 1e-3f);
  // ValueAt widens the stored float, it does not return the double given.
  EXPECT_EQ(t.ValueAt(0), static_cast<double>(0.1f));
  EXPECT_NE(t.ValueAt(0), 0.1);
}

TEST(TensorTest, FromValuesFloat64KeepsEveryBit) {
  const std::vector<double> values = {0.1, -2.5, 1e300, 1.0 / 3};
  const Tensor t = Tensor::FromValues(DType::kFloat64, Shape({4}), values);
  ASSERT_EQ(t.dtype(), DType::kFloat64);
  EXPECT_EQ(std::memcmp(t.data<double>(), values.data(), sizeof(double) * 4),
            0);
  EXPECT_EQ(t.ToDoubles(), values);
}

TEST(TensorTest, FromValuesOfAScalar) {
  const Tensor t = Tensor::FromValues(DType::kFloat32, Shape(), {7});
  EXPECT_EQ(t.shape().rank(), 0);
  EXPECT_EQ(t.num_elements(), 1);
  EXPECT_EQ(t.ValueAt(0), 7.0);
}

TEST(TensorTest, ACopyOwnsItsStorage) {
  Tensor original = Tensor::FromValues(DType::kFloat32, Shape({3}), {1, 2, 3});
  Tensor copy(original);
  EXPECT_NE(copy.raw_data(), original.raw_data());
  EXPECT_EQ(copy.shape(), original.shape());
  copy.data<float>()[1] = 20;
  EXPECT_EQ(original.ToDoubles(), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(copy.ToDoubles(), (std::vector<double>{1, 20, 3}));
  // And the other way round.
  original.data<float>()[0] = -1;
  EXPECT_EQ(copy.ValueAt(0), 1.0);
}

TEST(TensorTest, CopyAssignmentReplacesDTypeShapeAndValues) {
  Tensor target(DType::kFloat32, Shape({10}));
  const Tensor source =
      Tensor::FromValues(DType::kFloat64, Shape({2, 1}), {0.25, -4});
  target = source;
  EXPECT_EQ(target.dtype(), DType::kFloat64);
  EXPECT_EQ(target.shape(), Shape({2, 1}));
  EXPECT_EQ(target.ToDoubles(), (std::vector<double>{0.25, -4}));
  EXPECT_NE(target.raw_data(), source.raw_data());
  // Self-assignment keeps the values.
  Tensor& alias = target;
  target = alias;
  EXPECT_EQ(target.ToDoubles(), (std::vector<double>{0.25, -4}));
}

TEST(TensorTest, CopyOfAnEmptyTensorIsEmpty) {
  Tensor target = Tensor::FromValues(DType::kFloat32, Shape({2}), {1, 2});
  target = Tensor();
  EXPECT_EQ(target.num_elements(), 0);
  EXPECT_EQ(target.raw_data(), nullptr);
}

TEST(TensorTest, MoveTransfersTheStorage) {
  Tensor source = Tensor::FromValues(DType::kFloat64, Shape({2}), {5, 6});
  const void* storage = source.raw_data();
  Tensor moved(std::move(source));
  EXPECT_EQ(moved.raw_data(), storage);
  EXPECT_EQ(moved.ToDoubles(), (std::vector<double>{5, 6}));
  Tensor assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.raw_data(), storage);
  EXPECT_EQ(assigned.shape(), Shape({2}));
  EXPECT_EQ(assigned.ToDoubles(), (std::vector<double>{5, 6}));
}

TEST(TensorTest, ResetKeepsTheStorageWhenTheNewSizeFits) {
  Tensor t(DType::kFloat32, Shape({4, 4}));  // 64 bytes
  const void* storage = t.raw_data();
  t.Reset(DType::kFloat32, Shape({2, 3}));
  EXPECT_EQ(t.raw_data(), storage);
  EXPECT_EQ(t.shape(), Shape({2, 3}));
  EXPECT_EQ(t.num_elements(), 6);
  // The same 64 bytes as 8 doubles.
  t.Reset(DType::kFloat64, Shape({8}));
  EXPECT_EQ(t.raw_data(), storage);
  EXPECT_EQ(t.num_bytes(), 64);
  // Back to the original size after shrinking: still the first storage.
  t.Reset(DType::kFloat32, Shape({16}));
  EXPECT_EQ(t.raw_data(), storage);
}

TEST(TensorTest, ResetGrowsTheStorageWhenTheNewSizeDoesNot) {
  Tensor t(DType::kFloat32, Shape({4, 4}));  // 64 bytes
  const void* storage = t.raw_data();
  t.Reset(DType::kFloat32, Shape({100}));
  EXPECT_NE(t.raw_data(), storage);
  EXPECT_EQ(t.num_elements(), 100);
  // The new storage holds all 100 elements.
  t.SetZero();
  t.data<float>()[99] = 1;
  EXPECT_EQ(t.ValueAt(99), 1.0);
}

TEST(TensorTest, ResetGivesADefaultTensorStorage) {
  Tensor t;
  t.Reset(DType::kFloat64, Shape({3}));
  ASSERT_NE(t.raw_data(), nullptr);
  EXPECT_EQ(t.num_bytes(), 24);
  t.SetZero();
  EXPECT_EQ(t.ToDoubles(), (std::vector<double>{0, 0, 0}));
}

TEST(TensorTest, SetZeroClearsEveryElement) {
  Tensor t = Tensor::FromValues(DType::kFloat64, Shape({3}), {1, -2, 3});
  t.SetZero();
  EXPECT_EQ(t.ToDoubles(), (std::vector<double>{0, 0, 0}));
}

TEST(TensorTest, StorageIs64ByteAligned) {
  std::vector<Tensor> tensors;
  for (int64_t n : {0, 1, 3, 17, 1000}) {
    tensors.emplace_back(DType::kFloat32, Shape({n}));
    tensors.emplace_back(DType::kFloat64, Shape({n, 3}));
  }
  tensors.push_back(Tensor::FromValues(DType::kFloat32, Shape({3}), {1, 2, 3}));
  tensors.push_back(tensors.back());  // a copy
  Tensor grown(DType::kFloat32, Shape({1}));
  grown.Reset(DType::kFloat32, Shape({12345}));
  tensors.push_back(std::move(grown));
  for (const Tensor& t : tensors) {
    SCOPED_TRACE(t.shape().ToString());
    ASSERT_NE(t.raw_data(), nullptr);
    EXPECT_TRUE(IsAligned(t.raw_data()));
  }
}

TEST(TensorViewTest, AViewSharesTheCallersMemory) {
  alignas(Tensor::kAlignment) float memory[6] = {1, 2, 3, 4, 5, 6};
  Tensor view = Tensor::View(DType::kFloat32, Shape({2, 3}), memory);
  EXPECT_EQ(view.raw_data(), memory);
  EXPECT_EQ(view.shape(), Shape({2, 3}));
  EXPECT_EQ(view.num_elements(), 6);
  // The elements are left as they were.
  EXPECT_EQ(view.ToDoubles(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // Writes through the view reach the memory, and the other way round.
  view.data<float>()[4] = 50;
  EXPECT_EQ(memory[4], 50);
  memory[0] = -1;
  EXPECT_EQ(view.ValueAt(0), -1.0);
  view.SetZero();
  for (float v : memory) EXPECT_EQ(v, 0);
}

TEST(TensorViewTest, ACopyOfAViewOwnsIndependentMemory) {
  alignas(Tensor::kAlignment) double memory[3] = {1, 2, 3};
  const Tensor view = Tensor::View(DType::kFloat64, Shape({3}), memory);
  Tensor copy = view;
  EXPECT_NE(copy.raw_data(), memory);
  EXPECT_TRUE(IsAligned(copy.raw_data()));
  EXPECT_EQ(copy.ToDoubles(), (std::vector<double>{1, 2, 3}));
  memory[1] = 200;
  EXPECT_EQ(copy.ValueAt(1), 2.0);
  copy.data<double>()[2] = 300;
  EXPECT_EQ(memory[2], 3);
  // `copy` frees its own storage when it goes; `memory` is the stack's.
}

TEST(TensorViewTest, AMovedViewStillViews) {
  alignas(Tensor::kAlignment) float memory[4] = {1, 2, 3, 4};
  Tensor view = Tensor::View(DType::kFloat32, Shape({4}), memory);
  Tensor moved(std::move(view));
  EXPECT_EQ(moved.raw_data(), memory);
  moved.data<float>()[3] = 40;
  EXPECT_EQ(memory[3], 40);
  Tensor assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.raw_data(), memory);
  EXPECT_EQ(assigned.ToDoubles(), (std::vector<double>{1, 2, 3, 40}));
}

// Copy assignment goes through Reset(), which keeps storage that fits: a
// view assigned a tensor of its size copies the elements into the viewed
// memory. Move assignment instead takes the other tensor's storage, and
// the viewed memory is left as it was.
TEST(TensorViewTest, CopyAssignedViewsWriteTheViewedMemoryMovedOnesLetGo) {
  alignas(Tensor::kAlignment) float memory[4] = {};
  Tensor view = Tensor::View(DType::kFloat32, Shape({4}), memory);
  const Tensor values =
      Tensor::FromValues(DType::kFloat32, Shape({2, 2}), {1, 2, 3, 4});
  view = values;
  EXPECT_EQ(view.raw_data(), memory);
  EXPECT_EQ(view.shape(), Shape({2, 2}));
  EXPECT_EQ(memory[0], 1);
  EXPECT_EQ(memory[3], 4);
  view = Tensor::FromValues(DType::kFloat32, Shape({4}), {5, 6, 7, 8});
  EXPECT_NE(view.raw_data(), memory);
  EXPECT_EQ(view.ValueAt(0), 5.0);
  EXPECT_EQ(memory[0], 1);
}

TEST(TensorViewTest, DestroyingAViewLeavesTheMemoryToItsOwner) {
  // Stack memory: a view that freed it would abort the test in free().
  alignas(Tensor::kAlignment) float memory[16] = {};
  for (int i = 0; i < 3; ++i) {
    Tensor view = Tensor::View(DType::kFloat32, Shape({4, 4}), memory);
    view.data<float>()[i] = static_cast<float>(i + 1);
  }
  EXPECT_EQ(memory[0], 1);
  EXPECT_EQ(memory[2], 3);
}

TEST(TensorViewTest, ResetWithinTheViewKeepsViewingAndBeyondItAllocates) {
  alignas(Tensor::kAlignment) float memory[8] = {};
  Tensor view = Tensor::View(DType::kFloat32, Shape({8}), memory);
  view.Reset(DType::kFloat32, Shape({2, 2}));
  EXPECT_EQ(view.raw_data(), memory);
  // 9 floats do not fit in the 8 viewed: the tensor gets storage of its
  // own (which it frees; the stack memory is never freed).
  view.Reset(DType::kFloat32, Shape({9}));
  EXPECT_NE(view.raw_data(), memory);
  EXPECT_TRUE(IsAligned(view.raw_data()));
  view.SetZero();
  view.data<float>()[0] = 5;
  EXPECT_EQ(memory[0], 0);
}

TEST(CheckTensorSizeTest, AcceptsKnownAndUnknownDimensions) {
  EXPECT_OK(CheckTensorSize(Shape({2, 3}), "x"));
  EXPECT_OK(CheckTensorSize(Shape(), "x"));
  EXPECT_OK(CheckTensorSize(Shape({Shape::kUnknown, 3}), "x"));
  EXPECT_OK(CheckTensorSize(Shape({0, 5}), "x"));
}

TEST(CheckTensorSizeTest, RefusesNegativeDimensions) {
  EXPECT_STATUS(CheckTensorSize(Shape({3, -2}), "weights"),
                absl::StatusCode::kInvalidArgument, "weights shape [3, ");
  EXPECT_STATUS(CheckTensorSize(Shape({3, -2}), "weights"),
                absl::StatusCode::kInvalidArgument, "has a negative dimension");
}

TEST(CheckTensorSizeTest, TheLimitItselfFitsAndOneMoreRowDoesNot) {
  // 2^16 * 2^16 = 2^32 = kMaxTensorElements.
  EXPECT_OK(CheckTensorSize(Shape({65536, 65536}), "x"));
  // 2^16 * (2^16 + 1) = 4295032832.
  EXPECT_STATUS(CheckTensorSize(Shape({65536, 65537}), "data 'x'"),
                absl::StatusCode::kInvalidArgument,
                "data 'x' shape [65536, 65537] has more than 4294967296 "
                "elements (it has 4295032832)");
}

TEST(CheckTensorSizeTest, ProductsBeyond64BitsAreRefusedWithoutOverflow) {
  // 2^40 * 2^40 = 2^80 elements would wrap around in int64_t; a wrapped
  // product (here 0) must not pass. The count does not fit in 64 bits, so
  // the message leaves it out.
  const int64_t big = int64_t{1} << 40;
  const absl::Status status = CheckTensorSize(Shape({big, big}), "w");
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "w shape [1099511627776, 1099511627776] has more than "
                "4294967296 elements");
  EXPECT_FALSE(absl::StrContains(status.message(), "it has")) << status;
  // 2^62 * 4 = 2^64 wraps to exactly 0 as well.
  EXPECT_STATUS(CheckTensorSize(Shape({int64_t{1} << 62, 4}), "w"),
                absl::StatusCode::kInvalidArgument, "more than 4294967296");
}

TEST(CheckTensorSizeTest, UnknownDimensionsAreLeftOutOfTheCount) {
  // 2^33 known elements per row are too many whatever the batch.
  EXPECT_STATUS(
      CheckTensorSize(Shape({Shape::kUnknown, int64_t{1} << 33}), "x"),
      absl::StatusCode::kInvalidArgument,
      "x shape [?, 8589934592] has more than 4294967296 elements (it has "
      "8589934592)");
}

TEST(CheckTensorSizeTest, AZeroDimensionMakesAnyShapeFit) {
  const int64_t big = int64_t{1} << 40;
  EXPECT_OK(CheckTensorSize(Shape({0, big, big}), "x"));
}

}  // namespace
}  // namespace nabla
