// Tensor: a dense, row-major, 64-byte aligned array of float32 or float64.
//
// A Tensor owns its storage, or views memory someone else owns (the
// planner's arena, Tensor::View). Reset() keeps the storage when the new
// size fits, so buffers planned once are reused without allocating. Copying
// a Tensor copies its elements into storage of its own. Not thread-safe for
// concurrent writes.
#ifndef NABLA_CORE_TENSOR_H_
#define NABLA_CORE_TENSOR_H_

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace nabla {

enum class DType { kFloat32, kFloat64 };

// "float32" or "float64".
const char* DTypeName(DType dtype);
size_t DTypeSize(DType dtype);

template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::kFloat32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::kFloat64;
};

// Calls `fn(T{})` with T = float or double as `dtype` says; kernels use it
// to instantiate one template for both element types.
template <typename Fn>
decltype(auto) DispatchFloat(DType dtype, Fn&& fn) {
  if (dtype == DType::kFloat64) return fn(double{});
  return fn(float{});
}

// Whether two dimensions can be equal (an unknown dimension fits any).
inline bool DimsCompatible(int64_t a, int64_t b) {
  return a < 0 || b < 0 || a == b;
}

// Dimensions, outermost first. A dimension of -1 is unknown (only during
// shape inference, never in an allocated Tensor).
// The most elements one tensor may have: 2^32, 16 GiB of float32. Larger
// shapes in a model file or data file are refused with an error instead of
// failing (or overflowing) when memory is allocated.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 32;

class Shape;

// OK when the known dimensions of `shape` are >= 0 and multiply to at most
// kMaxTensorElements (checked without overflowing); otherwise
// InvalidArgument "<what> shape [...] ...", with the element count when it
// fits in 64 bits.
[[nodiscard]] absl::Status CheckTensorSize(const Shape& shape,
                                           absl::string_view what);

class Shape {
 public:
  static constexpr int64_t kUnknown = -1;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(absl::Span<const int64_t> dims)
      : dims_(dims.begin(), dims.end()) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[i]; }
  void set_dim(int i, int64_t size) { dims_[i] = size; }
  absl::Span<const int64_t> dims() const { return dims_; }
  void AddDim(int64_t size) { dims_.push_back(size); }

  // True when no dimension is unknown.
  bool IsFullyDefined() const;
  // True when both shapes could be equal: same rank, and every pair of
  // dimensions equal or one of them unknown.
  bool IsCompatibleWith(const Shape& other) const;
  // Product of the dimensions (1 for a scalar); -1 when any is unknown.
  int64_t num_elements() const;
  // "[2, 3]", "[?, 3]" or "[]".
  std::string ToString() const;

  bool operator==(const Shape& other) const { return dims_ == other.dims_; }
  bool operator!=(const Shape& other) const { return dims_ != other.dims_; }

 private:
  absl::InlinedVector<int64_t, 4> dims_;
};

namespace tensor_internal {
// Frees a tensor's own storage; leaves a view's memory to its owner.
struct StorageDeleter {
  bool owned = true;
  void operator()(void* p) const;
};
}  // namespace tensor_internal

class Tensor {
 public:
  static constexpr size_t kAlignment = 64;

  // An empty tensor with no storage and no elements; Reset() gives it some.
  Tensor() = default;
  // Zero-filled. REQUIRES: shape.IsFullyDefined().
  Tensor(DType dtype, const Shape& shape);
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;

  // A tensor of the given shape holding `values` (row-major), converted to
  // `dtype`. REQUIRES: values.size() == shape.num_elements().
  static Tensor FromValues(DType dtype, const Shape& shape,
                           absl::Span<const double> values);
  // A tensor over `data`, which the caller owns and keeps alive while the
  // view is used; its elements are left as they are. REQUIRES: `data` is
  // kAlignment-aligned and holds num_elements() values of `dtype`.
  static Tensor View(DType dtype, const Shape& shape, void* data);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t num_elements() const { return num_elements_; }
  size_t num_bytes() const { return num_elements_ * DTypeSize(dtype_); }

  // Changes dtype and shape; contents become unspecified. Allocates only
  // when the new size exceeds the capacity.
  void Reset(DType dtype, const Shape& shape);
  // Another shape of as many elements, over the same elements in the same
  // (row-major) order. REQUIRES: shape.num_elements() == num_elements().
  void Reshape(const Shape& shape);
  void SetZero();

  template <typename T>
  T* data() {
    assert(DTypeOf<T>::value == dtype_);
    return static_cast<T*>(storage_.get());
  }
  template <typename T>
  const T* data() const {
    assert(DTypeOf<T>::value == dtype_);
    return static_cast<const T*>(storage_.get());
  }
  void* raw_data() { return storage_.get(); }
  const void* raw_data() const { return storage_.get(); }

  // Element `i` (flat index) widened to double; for tests and printing.
  double ValueAt(int64_t i) const;
  // All elements widened to double.
  std::vector<double> ToDoubles() const;

 private:
  DType dtype_ = DType::kFloat32;
  Shape shape_;
  int64_t num_elements_ = 0;
  size_t capacity_bytes_ = 0;
  std::unique_ptr<void, tensor_internal::StorageDeleter> storage_;
};

// Copies from's bytes into `to`, which holds as many, unless the two are
// one buffer (an op the planner ran in place): what ops that pass their
// input's elements through unchanged (Reshape, Flatten, Dropout in
// inference) do.
inline void CopyBytesUnlessSame(const Tensor& from, Tensor& to) {
  if (from.num_bytes() == 0 || from.raw_data() == to.raw_data()) return;
  std::memcpy(to.raw_data(), from.raw_data(), from.num_bytes());
}

}  // namespace nabla

#endif  // NABLA_CORE_TENSOR_H_
