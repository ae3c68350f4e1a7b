// GradientExchange: the part of a data-parallel training step that talks
// to the other replicas. Each rank computes the gradients of its shard of
// the global batch; the exchange sums them over the ranks, each weighted
// by its shard's share of the batch (n_r / B), so that for a loss that is
// a mean over samples every rank then holds the one-process gradient of
// the whole batch and applies the same update. A term of the loss that
// does not depend on the data (a weight penalty) keeps its one-process
// weight, since the shares sum to 1.
//
// The gradients go in buckets (runs of consecutive gradients of one dtype,
// in the order the backward pass finishes them, up to kBucketBytes each,
// like Horovod's tensor fusion and PyTorch DDP's buckets). With
// `overlap`, a thread of the exchange's own sums each bucket as soon as
// its last gradient is final (GradientReady(), called by the plan) while
// the backward pass computes the rest; without, FinishStep() sums them
// after the pass, on the caller's thread. Overlap pays where a core is
// free for the thread: where every core already runs a rank's step, the
// thread (and MPI polling for messages on it) takes time from the backward
// pass instead. Every rank sums the same buckets in the same order,
// whatever the timing, and the results are the same bits either way.
//
// Sharded (when the optimizer is elementwise, Optimizer::elementwise()),
// each rank updates only its part of every variable (ShardBegin()), as
// ZeRO's stage 1 does: the buckets are reduce-scattered, each rank then
// holding the sums of its parts alone; the session applies the optimizer
// to those parts, so a rank's update costs 1 / N of the whole and its
// optimizer slots are right only there; GatherVariables() then hands each
// rank's updated parts to the others. The same bytes cross between ranks
// as in a sum of every gradient; the update is what gets shorter.
// GatherShards() completes the slots where all of them are needed (a
// checkpoint). Ranks that share memory (a gradient stride, BeginStep())
// sum their parts where every rank's backward pass wrote its gradients,
// after a barrier per bucket, and share one copy of the variables: the
// session then needs no gather (core/session_shared_variables.cc).
//
// After the backward pass, the changes the forward pass made to state
// variables (BatchNorm's running statistics) are summed the same way, so
// every rank's state moves by the weighted mean of the ranks' changes (for
// running means exactly the one-process update of the whole batch), and
// the loss too: the step's loss is the batch's.
//
// Steady state allocates nothing.
#ifndef NABLA_CORE_GRADIENT_EXCHANGE_H_
#define NABLA_CORE_GRADIENT_EXCHANGE_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/communicator.h"
#include "core/plan.h"
#include "core/tensor.h"

namespace nabla {

// The most bytes of gradients summed in one collective (a larger tensor
// goes alone): small enough that the first buckets are summed while the
// backward pass computes the large gradients of the first layers.
inline constexpr size_t kBucketBytes = size_t{256} << 10;

// Where rank `shard` of `shards`' part of a variable of `elements` values
// starts (shard == shards: `elements`): parts as even as can be, starting
// at multiples of 16 values so that each part starts on a 64-byte
// boundary, as tensors do.
int64_t ShardBegin(int64_t elements, int shard, int shards);

class GradientExchange : public GradientListener {
 public:
  // `communicator` is not owned and must outlive the exchange.
  GradientExchange(Communicator& communicator, bool overlap);
  ~GradientExchange() override;
  GradientExchange(const GradientExchange&) = delete;
  GradientExchange& operator=(const GradientExchange&) = delete;

  Communicator& communicator() const { return communicator_; }
  bool overlaps() const { return thread_.joinable(); }

  // Remembers the state variables' values before a step's forward pass.
  void SnapshotState(absl::Span<Tensor* const> states);

  // Before a step's backward pass: `variables` are the trainable Variables
  // with a gradient in the order the pass finishes them
  // (Plan::gradient_order()), `gradients` theirs, which the pass computes
  // already weighted by this rank's `share` of the batch (its loss seed,
  // Plan::SetLossSeed), so the sums need no pass of their own to weight
  // them; the states' changes and the loss are weighted here.
  // With `shard`, each rank gets the sums of its parts of the gradients
  // alone (see above). A nonzero `gradient_stride` (only with `shard`)
  // says that every rank's gradients lie in memory all of them share, rank
  // r's copy of each at this rank's address + (r - rank) * stride bytes
  // (core/session_shared_variables.cc): each rank then adds up its parts
  // where the others' backward passes wrote them, after a barrier, and no
  // values go through the communicator.
  void BeginStep(absl::Span<const int> variables,
                 absl::Span<Tensor* const> gradients, double share, bool shard,
                 ptrdiff_t gradient_stride = 0);
  // `variable`'s gradient is final. Thread-safe.
  void GradientReady(int variable) override;
  // Waits until every gradient holds the weighted sum over the ranks (also
  // when the backward pass failed or did not run: every gradient then
  // counts as final, so that the ranks stay in step). FinishStep() does it
  // first; a caller that reads the gradients before may call it earlier.
  void WaitForBuckets();

  // What every rank says at the end of a step, and what they add up to.
  struct Votes {
    bool stop = false;     // in: this rank's request to stop; out: any's
    bool failed = false;   // in: this rank's step failed; out: any's
    int failed_rank = -1;  // out: the rank that failed, when only one did
  };
  // After the backward pass: WaitForBuckets(), then, in one last sum, moves
  // each state by the weighted sum of the ranks' changes since SnapshotState(),
  // `*loss` (this shard's mean loss) to the batch's and `votes` to what the
  // ranks said. Errors are the communicator's.
  [[nodiscard]] absl::Status FinishStep(absl::Span<Tensor* const> states,
                                        double* loss, Votes* votes);

  // After a sharded step's update: every rank's parts of `variables` (the
  // step's trainable variables, in BeginStep()'s order) to every rank.
  [[nodiscard]] absl::Status GatherVariables(
      absl::Span<Tensor* const> variables);
  // Every rank's part of `tensor` (a variable's slot) to every rank.
  [[nodiscard]] absl::Status GatherShards(Tensor& tensor);

 private:
  struct Bucket {
    // Gradients [first, end) of the step's order, all of `dtype`.
    size_t first = 0, end = 0;
    DType dtype = DType::kFloat32;
    int64_t elements = 0;
    // Gradients not final yet; guarded by mutex_.
    size_t pending = 0;
    // Sharded: the ranks' chunks of the bucket's values (size + 1 offsets
    // into chunks_). Several gradients are fused chunk by chunk: rank r's
    // parts of each, then rank r + 1's, so that every rank's parts are one
    // chunk.
    size_t chunks = 0;
  };
  // Cuts the step's gradients into buckets and maps each variable to its
  // bucket (when the gradients changed: another plan).
  void LayOutBuckets(absl::Span<const int> variables,
                     absl::Span<Tensor* const> gradients);
  // The exchange thread: sums each step's buckets in order.
  void SumBuckets();
  [[nodiscard]] absl::Status SumBucket(const Bucket& bucket);
  // With a gradient stride, after every rank's backward pass finished the
  // bucket: this rank's parts of its gradients, summed over the ranks in
  // rank order where they are.
  void SumSharedParts(const Bucket& bucket);
  // Sharded, a fused bucket: copies the parts of `tensors` (gradients or
  // variables, of the bucket's gradients) of ranks [first_rank, end_rank)
  // into the fused buffer, or back out of it.
  template <typename T>
  void CopyParts(const Bucket& bucket, absl::Span<Tensor* const> tensors,
                 int first_rank, int end_rank, bool into_buffer);
  const int64_t* chunks(const Bucket& bucket) const {
    return chunks_.data() + bucket.chunks;
  }

  Communicator& communicator_;
  std::vector<Tensor> snapshot_;
  std::vector<Tensor*> gradients_;
  // Per variable node: the bucket of its gradient, or -1.
  std::vector<int> bucket_of_;
  std::vector<Bucket> buckets_;
  double share_ = 1;
  bool shard_ = false;
  ptrdiff_t gradient_stride_ = 0;
  // The buckets' chunk tables (Bucket::chunks), and a scratch table for
  // GatherShards().
  std::vector<int64_t> chunks_, tensor_chunks_;
  // The fused buffer of a bucket, and of the final sum; kept between
  // steps.
  std::vector<float> floats_;
  std::vector<double> doubles_;

  std::mutex mutex_;
  std::condition_variable changed_;
  // Steps begun and summed, the status of the last sums, and whether the
  // thread should end; guarded by mutex_ when the thread runs.
  int64_t steps_begun_ = 0;
  int64_t steps_summed_ = 0;
  absl::Status summed_status_;
  bool stopping_ = false;
  // Only with overlap.
  std::thread thread_;
};

}  // namespace nabla

#endif  // NABLA_CORE_GRADIENT_EXCHANGE_H_
