#include "core/training_samples.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"
#include "core/bad_value.h"
#include "core/random.h"

namespace nabla {

std::vector<int64_t> EpochOrder(int64_t n, const SampleOrder& order) {
  std::vector<int64_t> rows;
  EpochOrderInto(n, order, &rows);
  return rows;
}

void EpochOrderInto(int64_t n, const SampleOrder& order,
                    std::vector<int64_t>* rows) {
  rows->resize(n);
  std::iota(rows->begin(), rows->end(), 0);
  if (!order.shuffle) return;
  std::mt19937_64 rng(
      DeriveSeed(order.seed, absl::StrCat("data_order/", order.epoch)));
  for (int64_t i = n - 1; i > 0; --i) {
    std::swap((*rows)[i], (*rows)[UniformIndex(rng, i + 1)]);
  }
}

std::optional<BadSample> FindBadSample(
    const absl::Status& status, absl::Span<const std::string> placeholders,
    absl::Span<const int64_t> rows) {
  const std::optional<BatchSample> bad = FindBatchSample(status);
  if (!bad.has_value() || bad->sample < 0 ||
      bad->sample >= static_cast<int64_t>(rows.size())) {
    return std::nullopt;
  }
  const auto column =
      std::find(placeholders.begin(), placeholders.end(), bad->placeholder);
  if (column == placeholders.end()) return std::nullopt;
  return BadSample{static_cast<size_t>(column - placeholders.begin()),
                   rows[bad->sample], bad->sample, bad->placeholder};
}

[[nodiscard]] absl::Status WithSampleWhere(
    const absl::Status& status, const BadSample& bad, absl::string_view where,
    double value, const std::vector<std::string>& class_names) {
  std::string class_name;
  if (value >= 0 && value < static_cast<double>(class_names.size()) &&
      value == std::floor(value)) {
    class_name = absl::StrCat(" (class \"",
                              class_names[static_cast<size_t>(value)], "\")");
  }
  return WithMessage(
      status, absl::StrCat(status.message(), "; sample ", bad.batch_sample,
                           " of the batch is '", bad.placeholder, "' at ",
                           where, class_name));
}

Shape DatasetSamples::SamplesShape(absl::string_view placeholder) const {
  const Tensor* samples = data_.samples(placeholder);
  return samples == nullptr ? Shape() : samples->shape();
}

absl::Status DatasetSamples::FillBatch(const SampleOrder& order, int64_t begin,
                                       int64_t count,
                                       std::vector<Tensor>* batch,
                                       std::vector<Feed>* feeds,
                                       std::vector<int64_t>* rows) {
  if (order_.empty() || order.epoch != cached_.epoch ||
      order.shuffle != cached_.shuffle || order.seed != cached_.seed) {
    order_ = EpochOrder(data_.num_samples(), order);
    cached_ = order;
  }
  rows->assign(order_.begin() + begin, order_.begin() + begin + count);
  data_.FillBatch(*rows, batch, feeds);
  return absl::OkStatus();
}

}  // namespace nabla
