// GradientExchange: the part of a data-parallel training step that talks
// to the other replicas. Each rank computes the gradients of its shard of
// the global batch; the exchange sums them over the ranks, each weighted
// by its shard's share of the batch (n_r / B), so that for a loss that is
// a mean over samples every rank then holds the one-process gradient of
// the whole batch and applies the same update. A term of the loss that
// does not depend on the data (a weight penalty) keeps its one-process
// weight, since the shares sum to 1.
//
// The changes the forward pass made to state variables (BatchNorm's
// running statistics) are summed the same way, so every rank's state moves
// by the weighted mean of the ranks' changes: for running means exactly
// the one-process update of the whole batch. The loss too: the step's
// loss is the batch's.
//
// All tensors of one dtype travel in one fused buffer (float32 and
// float64), in the order given, which every rank gives alike. Steady
// state allocates nothing.
#ifndef NABLA_CORE_GRADIENT_EXCHANGE_H_
#define NABLA_CORE_GRADIENT_EXCHANGE_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/communicator.h"
#include "core/tensor.h"

namespace nabla {

class GradientExchange {
 public:
  // `communicator` is not owned and must outlive the exchange.
  explicit GradientExchange(Communicator& communicator)
      : communicator_(communicator) {}

  Communicator& communicator() const { return communicator_; }

  // Remembers the state variables' values before a step's forward pass.
  void SnapshotState(absl::Span<Tensor* const> states);

  // Replaces each gradient by the weighted sum over the ranks, moves each
  // state by the weighted sum of the ranks' changes since SnapshotState()
  // and `*loss` (this shard's mean loss) by the batch's. `weight` is this
  // rank's share of the batch. Errors are the communicator's.
  [[nodiscard]] absl::Status Exchange(absl::Span<Tensor* const> gradients,
                                      absl::Span<Tensor* const> states,
                                      double weight, double* loss);

 private:
  Communicator& communicator_;
  std::vector<Tensor> snapshot_;
  // The fused buffers, kept between steps.
  std::vector<float> floats_;
  std::vector<double> doubles_;
};

}  // namespace nabla

#endif  // NABLA_CORE_GRADIENT_EXCHANGE_H_
