#include "core/training_samples.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"
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
