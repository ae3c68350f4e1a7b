// Training data larger than memory (data.stream). The data source is read
// once, chunk by chunk (DataSource::Stream), into a cache file of
// fixed-size records: each sample's values converted to its placeholders'
// dtypes, and the line it was read from. Training reads the cache back a
// window of consecutive samples at a time, while a reader thread loads
// the next window: two windows are in memory, whatever the data's size.
//
// Order. The samples are cut into windows of `window_samples`; an epoch
// visits the windows in a shuffled order and each window's samples in a
// shuffled order, both drawn from the seed and the epoch only, so any
// position of any epoch can be resumed, as with data in memory (where the
// whole epoch is one window). Without shuffle, samples come in file order.
#ifndef NABLA_CORE_STREAMED_DATA_H_
#define NABLA_CORE_STREAMED_DATA_H_

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/data_source.h"
#include "core/graph.h"
#include "core/normalization.h"
#include "core/training_samples.h"
#include "proto/model.pb.h"

namespace nabla {

struct StreamSettings {
  // Samples shuffled together; 0: as many as kDefaultWindowBytes hold.
  int64_t window_samples = 0;
  // The directory of the cache file; empty: $TMPDIR, else /tmp.
  std::string cache_dir;
  // Samples the source hands over at a time while the cache is written.
  int64_t chunk_samples = 65536;
  // Reading only some records of a window (ReadOnly()), the records between
  // two wanted ones are read along when they take fewer bytes than this:
  // one read instead of two, and the disk reads whole pages anyway.
  int64_t read_gap_bytes = 4096;
};

class StreamedData : public TrainingSamples {
 public:
  static constexpr int64_t kDefaultWindowBytes = int64_t{16} << 20;

  // Reads `source` chunk by chunk into the cache, checking every chunk as
  // Dataset::FromColumns does, and gives each chunk to `fitter` (may be
  // null). The cache file is removed from its directory at once: it goes
  // when this does, or with the process. Errors name `where`.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<StreamedData>> Build(
      const Graph& graph, const DataSourceConfig& source,
      absl::string_view where, const DataSourceContext& context,
      const StreamSettings& settings, NormalizerFitter* fitter);
  ~StreamedData() override;

  int64_t num_samples() const override { return samples_; }
  const std::vector<std::string>& placeholders() const override {
    return placeholders_;
  }
  Shape SamplesShape(absl::string_view placeholder) const override;
  [[nodiscard]] absl::Status FillBatch(const SampleOrder& order, int64_t begin,
                                       int64_t count,
                                       std::vector<Tensor>* batch,
                                       std::vector<Feed>* feeds,
                                       std::vector<int64_t>* rows) override;
  [[nodiscard]] absl::Status WithSampleOrigin(
      absl::Status status, absl::Span<const int64_t> rows) const override;
  // Each window is then read only where `wanted` says (its samples in
  // runs of consecutive records); the windows read before are dropped.
  void ReadOnly(PositionFilter wanted) override;
  // Samples read from the cache for training so far (a window's, or the
  // wanted ones of it and those read along).
  int64_t samples_read() const { return samples_read_; }

  // The class names the source gave `placeholder`'s labels; empty if none.
  std::vector<std::string> class_names(absl::string_view placeholder) const;
  // Rewrites the cache normalised by `normalizer` (its statistics are known
  // only once the cache is written), a window at a time; once.
  [[nodiscard]] absl::Status Normalize(const Normalizer& normalizer);
  int64_t window_samples() const { return window_; }
  // What the stream holds in memory: two windows.
  int64_t buffer_bytes() const { return 2 * window_ * record_bytes_; }
  int64_t cache_bytes() const { return samples_ * record_bytes_; }
  // The first `count` samples in file order, for --gradcheck and --time.
  [[nodiscard]] absl::Status FillFirst(int64_t count,
                                       std::vector<Tensor>* batch,
                                       std::vector<Feed>* feeds);

 private:
  struct Column {
    DType dtype;
    Shape sample_shape;  // without the sample axis
    int64_t bytes = 0;   // per sample
    int64_t offset = 0;  // in a record, after the line
    std::vector<std::string> class_names;
  };
  // One window as read: samples [first, first + count) of the cache, and
  // the order its samples are visited in.
  struct Window {
    int64_t epoch = -1, slot = -1;
    int64_t first = 0, count = 0;
    std::string bytes;
    std::vector<int64_t> order;
    // By record: whether it is one of the positions wanted (ReadOnly()),
    // and so read and usable.
    std::vector<char> wanted;
    absl::Status status;
  };

  // A position of an epoch: the slot of its window in the visiting order,
  // and its place in the window's order.
  struct Slot {
    int64_t slot = 0;
    int64_t offset = 0;
  };

  StreamedData() = default;
  // The window indexes in the order `order`'s epoch visits them.
  std::vector<int64_t> WindowOrder(const SampleOrder& order) const;
  // Makes `order` the one windows_ and Locate() follow.
  void SetOrder(const SampleOrder& order);
  Slot Locate(int64_t position) const;
  [[nodiscard]] absl::Status AddChunk(const Graph& graph,
                                      std::vector<DataColumn> chunk,
                                      absl::string_view where,
                                      const DataSourceContext& context,
                                      NormalizerFitter* fitter);
  int64_t num_windows() const { return (samples_ + window_ - 1) / window_; }
  // Reads or writes `bytes` of the cache at sample `first`.
  [[nodiscard]] absl::Status ReadSamples(int64_t first,
                                         std::string& bytes) const;
  [[nodiscard]] absl::Status ReadSamples(int64_t first, int64_t count,
                                         char* into) const;
  [[nodiscard]] absl::Status WriteSamples(int64_t first,
                                          const std::string& bytes);
  // Window `index`, visited `slot`-th in `order`'s epoch from position
  // `start`, read (on any thread) into `window`, whose buffers are reused.
  Window ReadWindow(const SampleOrder& order, int64_t slot, int64_t start,
                    int64_t index, Window window);
  // The epoch position of the first sample of `slot` (SetOrder()'s order).
  int64_t SlotStart(int64_t slot) const;
  // Makes current_ the `slot`-th window of `order`'s epoch, and starts
  // reading the one after it.
  [[nodiscard]] absl::Status MoveTo(const SampleOrder& order, int64_t slot);
  // Copies the record at `at` into sample `i` of the batch tensors.
  void CopyRecord(const char* at, int64_t i, std::vector<Tensor>& batch) const;
  [[nodiscard]] absl::Status ReadRecord(int64_t sample,
                                        std::string* record) const;
  [[nodiscard]] absl::Status PrepareBatch(int64_t count,
                                          std::vector<Tensor>* batch,
                                          std::vector<Feed>* feeds) const;

  int fd_ = -1;
  std::string cache_path_;  // for messages; already unlinked
  std::vector<std::string> placeholders_;
  std::vector<Column> columns_;
  int64_t record_bytes_ = 0;
  int64_t samples_ = 0;
  int64_t window_ = 1;
  int64_t read_gap_bytes_ = 0;
  // The files read, each with its first sample.
  SampleOrigin origin_;
  SampleOrder order_;             // of current_
  std::vector<int64_t> windows_;  // WindowOrder(order_)
  int64_t last_window_slot_ = 0;  // where windows_ has the short window
  Window current_;
  std::future<Window> next_;
  int64_t next_slot_ = -1;
  SampleOrder next_order_;
  PositionFilter wanted_;
  std::atomic<int64_t> samples_read_{0};
};

}  // namespace nabla

#endif  // NABLA_CORE_STREAMED_DATA_H_
