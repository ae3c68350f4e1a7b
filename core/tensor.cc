#include "core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nabla {

const char* DTypeName(DType dtype) {
  return dtype == DType::kFloat64 ? "float64" : "float32";
}

size_t DTypeSize(DType dtype) {
  return dtype == DType::kFloat64 ? sizeof(double) : sizeof(float);
}

bool Shape::IsFullyDefined() const {
  for (int64_t d : dims_) {
    if (d < 0) return false;
  }
  return true;
}

bool Shape::IsCompatibleWith(const Shape& other) const {
  if (rank() != other.rank()) return false;
  for (int i = 0; i < rank(); ++i) {
    if (!DimsCompatible(dims_[i], other.dims_[i])) return false;
  }
  return true;
}

int64_t Shape::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims_) {
    if (d < 0) return -1;
    n *= d;
  }
  return n;
}

std::string Shape::ToString() const {
  return absl::StrCat("[",
                      absl::StrJoin(dims_, ", ",
                                    [](std::string* out, int64_t d) {
                                      absl::StrAppend(
                                          out, d < 0 ? "?" : absl::StrCat(d));
                                    }),
                      "]");
}

void tensor_internal::StorageDeleter::operator()(void* p) const {
  if (owned) std::free(p);
}

Tensor::Tensor(DType dtype, const Shape& shape) {
  Reset(dtype, shape);
  SetZero();
}

Tensor::Tensor(const Tensor& other) { *this = other; }

Tensor& Tensor::operator=(const Tensor& other) {
  if (this == &other) return *this;
  if (other.storage_ == nullptr) {
    // A default-constructed tensor: copy its emptiness, not a scalar.
    dtype_ = other.dtype_;
    shape_ = other.shape_;
    num_elements_ = 0;
    capacity_bytes_ = 0;
    storage_.reset();
    return *this;
  }
  Reset(other.dtype_, other.shape_);
  if (num_bytes() > 0) std::memcpy(raw_data(), other.raw_data(), num_bytes());
  return *this;
}

Tensor Tensor::FromValues(DType dtype, const Shape& shape,
                          absl::Span<const double> values) {
  Tensor t(dtype, shape);
  assert(static_cast<int64_t>(values.size()) == t.num_elements());
  DispatchFloat(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* out = t.data<T>();
    for (size_t i = 0; i < values.size(); ++i)
      out[i] = static_cast<T>(values[i]);
  });
  return t;
}

Tensor Tensor::View(DType dtype, const Shape& shape, void* data) {
  assert(reinterpret_cast<uintptr_t>(data) % kAlignment == 0);
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.num_elements_ = shape.num_elements();
  t.capacity_bytes_ = t.num_bytes();
  t.storage_ = std::unique_ptr<void, tensor_internal::StorageDeleter>(
      data, {/*owned=*/false});
  return t;
}

void Tensor::Reset(DType dtype, const Shape& shape) {
  assert(shape.IsFullyDefined());
  dtype_ = dtype;
  shape_ = shape;
  num_elements_ = shape.num_elements();
  const size_t needed = num_bytes();
  if (needed <= capacity_bytes_ && storage_ != nullptr) return;
  // aligned_alloc wants a multiple of the alignment; never ask for 0 bytes.
  const size_t rounded = std::max<size_t>(
      kAlignment, (needed + kAlignment - 1) / kAlignment * kAlignment);
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (p == nullptr) throw std::bad_alloc();
  storage_ = std::unique_ptr<void, tensor_internal::StorageDeleter>(
      p, {/*owned=*/true});
  capacity_bytes_ = rounded;
}

void Tensor::Reshape(const Shape& shape) {
  assert(shape.IsFullyDefined() && shape.num_elements() == num_elements_);
  shape_ = shape;
}

void Tensor::SetZero() {
  if (num_bytes() > 0) std::memset(raw_data(), 0, num_bytes());
}

double Tensor::ValueAt(int64_t i) const {
  assert(i >= 0 && i < num_elements_);
  return dtype_ == DType::kFloat64 ? data<double>()[i]
                                   : static_cast<double>(data<float>()[i]);
}

std::vector<double> Tensor::ToDoubles() const {
  std::vector<double> out(num_elements_);
  for (int64_t i = 0; i < num_elements_; ++i) out[i] = ValueAt(i);
  return out;
}

namespace {

// " (it has N)" for the known dimensions of `shape`, or "" when N does not
// fit in 64 bits.
std::string ElementCountText(const Shape& shape) {
  int64_t elements = 1;
  for (int64_t d : shape.dims()) {
    if (d >= 0 && __builtin_mul_overflow(elements, d, &elements)) return "";
  }
  return absl::StrCat(" (it has ", elements, ")");
}

}  // namespace

[[nodiscard]] absl::Status CheckTensorSize(const Shape& shape,
                                           absl::string_view what) {
  int64_t elements = 1;
  for (int64_t d : shape.dims()) {
    if (d < -1) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " shape ", shape.ToString(), " has a negative dimension"));
    }
    if (d < 0) continue;  // unknown until data is fed
    if (d > 0 && elements > kMaxTensorElements / d) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " shape ", shape.ToString(), " has more than ",
          kMaxTensorElements, " elements", ElementCountText(shape)));
    }
    elements *= d;
  }
  return absl::OkStatus();
}

}  // namespace nabla
