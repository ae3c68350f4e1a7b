#include "core/gradient_exchange.h"

#include <cstring>

#include "core/status_macros.h"

namespace nabla {
namespace {

// The buffer of T's dtype.
template <typename T>
std::vector<T>& BufferOf(std::vector<float>& floats,
                         std::vector<double>& doubles) {
  if constexpr (std::is_same_v<T, float>) {
    return floats;
  } else {
    return doubles;
  }
}

}  // namespace

void GradientExchange::SnapshotState(absl::Span<Tensor* const> states) {
  if (snapshot_.size() != states.size()) {
    snapshot_.clear();
    for (const Tensor* state : states) {
      snapshot_.emplace_back(state->dtype(), state->shape());
    }
  }
  for (size_t i = 0; i < states.size(); ++i) {
    std::memcpy(snapshot_[i].raw_data(), states[i]->raw_data(),
                states[i]->num_bytes());
  }
}

absl::Status GradientExchange::Exchange(absl::Span<Tensor* const> gradients,
                                        absl::Span<Tensor* const> states,
                                        double weight, double* loss) {
  floats_.clear();  // keeps the capacity: no allocation after the first step
  doubles_.clear();
  // Packs weight * values (minus `base`, for a state's change).
  auto pack = [&](const Tensor& values, const Tensor* base) {
    DispatchFloat(values.dtype(), [&](auto zero) {
      using T = decltype(zero);
      std::vector<T>& buffer = BufferOf<T>(floats_, doubles_);
      const T* v = values.data<T>();
      const T w = static_cast<T>(weight);
      const int64_t n = values.num_elements();
      if (base == nullptr) {
        for (int64_t i = 0; i < n; ++i) buffer.push_back(w * v[i]);
      } else {
        const T* b = base->data<T>();
        for (int64_t i = 0; i < n; ++i) buffer.push_back(w * (v[i] - b[i]));
      }
    });
  };
  for (const Tensor* gradient : gradients) pack(*gradient, nullptr);
  for (size_t i = 0; i < states.size(); ++i) pack(*states[i], &snapshot_[i]);
  doubles_.push_back(weight * *loss);

  if (!floats_.empty()) {
    NABLA_RETURN_IF_ERROR(communicator_.AllReduceSum(absl::MakeSpan(floats_)));
  }
  NABLA_RETURN_IF_ERROR(communicator_.AllReduceSum(absl::MakeSpan(doubles_)));

  size_t next_float = 0, next_double = 0;
  // Unpacks the sums into `values` (added to `base`, for a state).
  auto unpack = [&](Tensor& values, const Tensor* base) {
    DispatchFloat(values.dtype(), [&](auto zero) {
      using T = decltype(zero);
      const std::vector<T>& buffer = BufferOf<T>(floats_, doubles_);
      size_t& next = std::is_same_v<T, float> ? next_float : next_double;
      T* v = values.data<T>();
      const int64_t n = values.num_elements();
      if (base == nullptr) {
        for (int64_t i = 0; i < n; ++i) v[i] = buffer[next++];
      } else {
        const T* b = base->data<T>();
        for (int64_t i = 0; i < n; ++i) v[i] = b[i] + buffer[next++];
      }
    });
  };
  for (Tensor* gradient : gradients) unpack(*gradient, nullptr);
  for (size_t i = 0; i < states.size(); ++i) unpack(*states[i], &snapshot_[i]);
  *loss = doubles_[next_double];
  return absl::OkStatus();
}

}  // namespace nabla
