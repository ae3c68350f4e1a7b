#include "core/trainer.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"

namespace nabla {

absl::Status Train(Session& session, const Dataset& data,
                   const TrainingSettings& settings,
                   const std::function<void(const EpochReport&)>& on_epoch) {
  const int64_t n = data.num_samples();
  if (n == 0) {
    return absl::InvalidArgumentError("no training data: the data set is empty");
  }
  if (settings.epochs < 1 || settings.batch_size < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "epochs must be >= 1 and batch_size >= 0, got ", settings.epochs,
        " and ", settings.batch_size));
  }
  const int64_t batch_size =
      settings.batch_size == 0 ? n : std::min(settings.batch_size, n);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(DeriveSeed(settings.seed, "data_order"));
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  for (int64_t epoch = 1; epoch <= settings.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    if (settings.shuffle) {
      for (int64_t i = n - 1; i > 0; --i) {
        std::swap(order[i], order[UniformIndex(rng, i + 1)]);
      }
    }
    EpochReport report;
    report.epoch = epoch;
    double loss_sum = 0;
    for (int64_t begin = 0; begin < n; begin += batch_size) {
      const int64_t size = std::min(batch_size, n - begin);
      data.FillBatch(absl::MakeConstSpan(order.data() + begin, size), &batch,
                     &feeds);
      auto loss = session.TrainStep(feeds);
      if (!loss.ok()) return loss.status();
      if (!std::isfinite(*loss)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the loss became ", *loss, " at epoch ", epoch, ", step ",
            session.step(), ": lower the learning rate or check the data"));
      }
      loss_sum += *loss * static_cast<double>(size);
      report.samples += size;
      ++report.steps;
    }
    report.loss = loss_sum / static_cast<double>(report.samples);
    report.seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    if (on_epoch) on_epoch(report);
  }
  return absl::OkStatus();
}

}  // namespace nabla
