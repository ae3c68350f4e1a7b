#include "core/streamed_data.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/bad_value.h"
#include "core/dataset.h"
#include "core/random.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// Each record starts with the line its sample was read from (-1: none).
constexpr int64_t kLineBytes = sizeof(int64_t);

// pread or pwrite of all `size` bytes at `offset`, past interruptions and
// short counts: the bytes done (fewer at the end of the file), or -1.
template <typename Io>
int64_t WholeIo(Io io, int fd, char* data, size_t size, int64_t offset) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n =
        io(fd, data + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<int64_t>(done);
}

bool SameOrder(const SampleOrder& a, const SampleOrder& b) {
  return a.epoch == b.epoch && a.shuffle == b.shuffle && a.seed == b.seed;
}

std::string CacheDirectory(const StreamSettings& settings) {
  if (!settings.cache_dir.empty()) return settings.cache_dir;
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

}  // namespace

absl::StatusOr<std::unique_ptr<StreamedData>> StreamedData::Build(
    const Graph& graph, const DataSourceConfig& source, absl::string_view where,
    const DataSourceContext& context, const StreamSettings& settings,
    NormalizerFitter* fitter) {
  auto made = DataSourceRegistry::Global().Make(source.name(), source.attr());
  if (!made.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", made.status().message()));
  }
  std::unique_ptr<StreamedData> data(new StreamedData());
  const std::string dir = CacheDirectory(settings);
  std::string path = absl::StrCat(dir, "/nabla-stream-XXXXXX");
  data->fd_ = ::mkstemp(path.data());
  if (data->fd_ < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": cannot create the stream's cache file in ", dir, ": ",
        std::strerror(errno), " (data.stream.cache_dir chooses another)"));
  }
  // Gone from the directory now; its space is freed when it is closed.
  ::unlink(path.c_str());
  data->cache_path_ = path;
  // The chunks' errors name `where` already; the source's own do not.
  absl::Status chunk_error;
  absl::Status status = (*made)->Stream(
      context, settings.chunk_samples, [&](std::vector<DataColumn> chunk) {
        chunk_error =
            data->AddChunk(graph, std::move(chunk), where, context, fitter);
        return chunk_error;
      });
  if (!chunk_error.ok()) return chunk_error;
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat(where, ": ", status.message()));
  }
  if (data->samples_ == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": the source gave no samples"));
  }
  const int64_t window =
      settings.window_samples > 0
          ? settings.window_samples
          : std::max<int64_t>(1, kDefaultWindowBytes / data->record_bytes_);
  data->window_ = std::min(window, data->samples_);
  data->read_gap_bytes_ = settings.read_gap_bytes;
  return data;
}

StreamedData::~StreamedData() {
  if (next_.valid()) next_.wait();
  if (fd_ >= 0) ::close(fd_);
}

absl::Status StreamedData::AddChunk(const Graph& graph,
                                    std::vector<DataColumn> chunk,
                                    absl::string_view where,
                                    const DataSourceContext& context,
                                    NormalizerFitter* fitter) {
  const SampleOrigin origin = chunk.empty() ? SampleOrigin() : chunk[0].origin;
  NABLA_ASSIGN_OR_RETURN(
      Dataset part,
      Dataset::FromColumns(graph, std::move(chunk), where, context));
  if (columns_.empty()) {
    placeholders_ = part.placeholders();
    record_bytes_ = kLineBytes;
    for (const std::string& placeholder : placeholders_) {
      const Tensor& samples = *part.samples(placeholder);
      Column column;
      column.dtype = samples.dtype();
      std::vector<int64_t> dims(samples.shape().dims().begin() + 1,
                                samples.shape().dims().end());
      column.sample_shape = Shape(dims);
      column.bytes = column.sample_shape.num_elements() *
                     static_cast<int64_t>(DTypeSize(column.dtype));
      column.offset = record_bytes_;
      column.class_names = part.class_names(placeholder);
      record_bytes_ += column.bytes;
      columns_.push_back(std::move(column));
    }
  } else if (part.placeholders() != placeholders_) {
    return absl::InvalidArgumentError(absl::StrCat(
        where,
        ": a chunk of the stream feeds other placeholders than the "
        "first"));
  }
  // Every record has the first chunk's layout.
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Shape& shape = part.samples(placeholders_[c])->shape();
    const std::vector<int64_t> dims(shape.dims().begin() + 1,
                                    shape.dims().end());
    if (Shape(dims) != columns_[c].sample_shape) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": '", placeholders_[c], "' samples of ",
                       Shape(dims).ToString(), " in a later chunk, but ",
                       columns_[c].sample_shape.ToString(), " in the first"));
    }
  }
  if (fitter != nullptr) NABLA_RETURN_IF_ERROR(fitter->Add(part));
  const int64_t m = part.num_samples();
  for (const SampleOrigin::File& file : origin.files) {
    if (origin_.files.empty() || origin_.files.back().name != file.name) {
      origin_.files.push_back({file.name, samples_ + file.first_sample});
    }
  }
  std::string records(m * record_bytes_, '\0');
  for (int64_t i = 0; i < m; ++i) {
    char* record = records.data() + i * record_bytes_;
    const int64_t line =
        i < static_cast<int64_t>(origin.lines.size()) ? origin.lines[i] : -1;
    std::memcpy(record, &line, kLineBytes);
    for (size_t c = 0; c < columns_.size(); ++c) {
      const Tensor& samples = *part.samples(placeholders_[c]);
      std::memcpy(
          record + columns_[c].offset,
          static_cast<const char*>(samples.raw_data()) + i * columns_[c].bytes,
          columns_[c].bytes);
    }
  }
  NABLA_RETURN_IF_ERROR(WriteSamples(samples_, records));
  samples_ += m;
  return absl::OkStatus();
}

Shape StreamedData::SamplesShape(absl::string_view placeholder) const {
  for (size_t c = 0; c < placeholders_.size(); ++c) {
    if (placeholders_[c] != placeholder) continue;
    std::vector<int64_t> dims = {samples_};
    for (int64_t d : columns_[c].sample_shape.dims()) dims.push_back(d);
    return Shape(dims);
  }
  return Shape();
}

std::vector<std::string> StreamedData::class_names(
    absl::string_view placeholder) const {
  for (size_t c = 0; c < placeholders_.size(); ++c) {
    if (placeholders_[c] == placeholder) return columns_[c].class_names;
  }
  return {};
}

std::vector<int64_t> StreamedData::WindowOrder(const SampleOrder& order) const {
  return EpochOrder(num_windows(), {order.epoch, order.shuffle,
                                    DeriveSeed(order.seed, "stream windows")});
}

void StreamedData::SetOrder(const SampleOrder& order) {
  order_ = order;
  windows_ = WindowOrder(order);
  last_window_slot_ =
      std::find(windows_.begin(), windows_.end(), num_windows() - 1) -
      windows_.begin();
}

StreamedData::Slot StreamedData::Locate(int64_t position) const {
  // Every window holds window_ samples but the last one (by index); the
  // positions after it in the visiting order move up by what it lacks.
  const int64_t last_count = samples_ - (num_windows() - 1) * window_;
  const int64_t last_slot = last_window_slot_;
  const int64_t last_start = last_slot * window_;
  if (position < last_start) return {position / window_, position % window_};
  if (position < last_start + last_count) {
    return {last_slot, position - last_start};
  }
  const int64_t after = position - last_start - last_count;
  return {last_slot + 1 + after / window_, after % window_};
}

int64_t StreamedData::SlotStart(int64_t slot) const {
  if (slot <= last_window_slot_) return slot * window_;
  const int64_t last_count = samples_ - (num_windows() - 1) * window_;
  return last_window_slot_ * window_ + last_count +
         (slot - last_window_slot_ - 1) * window_;
}

StreamedData::Window StreamedData::ReadWindow(const SampleOrder& order,
                                              int64_t slot, int64_t start,
                                              int64_t index, Window window) {
  window.epoch = order.epoch;
  window.slot = slot;
  window.first = index * window_;
  window.count = std::min(window_, samples_ - window.first);
  window.bytes.resize(window.count * record_bytes_);
  EpochOrderInto(
      window.count,
      {order.epoch, order.shuffle,
       DeriveSeed(order.seed, absl::StrCat("stream window ", index))},
      &window.order);
  // The records of the positions wanted: position start + k is record
  // order[k]. (The others' bytes stay whatever they were: never copied.)
  window.wanted.assign(window.count, wanted_ == nullptr);
  if (wanted_ != nullptr) {
    for (int64_t k = 0; k < window.count; ++k) {
      if (wanted_(order.epoch, start + k)) window.wanted[window.order[k]] = 1;
    }
  }
  for (int64_t run = 0; run < window.count;) {
    if (!window.wanted[run]) {
      ++run;
      continue;
    }
    // To the last wanted record before a gap of read_gap_bytes_ or more.
    int64_t end = run + 1;
    for (int64_t next = end; next < window.count; ++next) {
      if (!window.wanted[next]) continue;
      if (next > end && (next - end) * record_bytes_ >= read_gap_bytes_) break;
      end = next + 1;
    }
    window.status = ReadSamples(window.first + run, end - run,
                                window.bytes.data() + run * record_bytes_);
    if (!window.status.ok()) return window;
    samples_read_ += end - run;
    run = end;
  }
  return window;
}

void StreamedData::ReadOnly(PositionFilter wanted) {
  if (next_.valid()) next_.get();  // read for the filter before
  next_slot_ = -1;
  current_ = Window();
  wanted_ = std::move(wanted);
}

absl::Status StreamedData::MoveTo(const SampleOrder& order, int64_t slot) {
  if (!SameOrder(order, order_) || windows_.empty()) SetOrder(order);
  // The window done with lends its buffers to the next one.
  Window spare = std::move(current_);
  if (next_.valid() && next_slot_ == slot && SameOrder(next_order_, order)) {
    current_ = next_.get();
  } else {
    if (next_.valid()) next_.get();  // a window not wanted after all
    current_ = ReadWindow(order, slot, SlotStart(slot), windows_[slot],
                          std::move(spare));
    spare = Window();
  }
  NABLA_RETURN_IF_ERROR(current_.status);
  // Read the window after this one (the next epoch's first, after the
  // last) while this one trains.
  SampleOrder following = order;
  int64_t following_slot = slot + 1;
  int64_t following_index = 0;
  int64_t following_start = 0;
  if (following_slot < num_windows()) {
    following_index = windows_[following_slot];
    following_start = SlotStart(following_slot);
  } else {
    ++following.epoch;
    following_slot = 0;
    following_index = WindowOrder(following)[0];
  }
  next_order_ = following;
  next_slot_ = following_slot;
  next_ = std::async(std::launch::async, [this, following, following_slot,
                                          following_start, following_index,
                                          spare = std::move(spare)]() mutable {
    return ReadWindow(following, following_slot, following_start,
                      following_index, std::move(spare));
  });
  return absl::OkStatus();
}

absl::Status StreamedData::PrepareBatch(int64_t count,
                                        std::vector<Tensor>* batch,
                                        std::vector<Feed>* feeds) const {
  batch->resize(columns_.size());
  feeds->resize(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    std::vector<int64_t> dims = {count};
    for (int64_t d : columns_[c].sample_shape.dims()) dims.push_back(d);
    const Shape shape(dims);
    Tensor& out = (*batch)[c];
    if (out.shape() != shape || out.dtype() != columns_[c].dtype) {
      out.Reset(columns_[c].dtype, shape);
    }
    (*feeds)[c] = {placeholders_[c], &out};
  }
  return absl::OkStatus();
}

void StreamedData::CopyRecord(const char* record, int64_t i,
                              std::vector<Tensor>& batch) const {
  for (size_t c = 0; c < columns_.size(); ++c) {
    std::memcpy(static_cast<char*>(batch[c].raw_data()) + i * columns_[c].bytes,
                record + columns_[c].offset, columns_[c].bytes);
  }
}

absl::Status StreamedData::ReadSamples(int64_t first,
                                       std::string& bytes) const {
  return ReadSamples(first, bytes.size() / record_bytes_, bytes.data());
}

absl::Status StreamedData::ReadSamples(int64_t first, int64_t count,
                                       char* into) const {
  const int64_t size = count * record_bytes_;
  const int64_t done = WholeIo(::pread, fd_, into, size, first * record_bytes_);
  if (done == size) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      "cannot read the stream's cache file ", cache_path_, ": ",
      done < 0 ? std::strerror(errno) : "it is shorter than written"));
}

absl::Status StreamedData::WriteSamples(int64_t first,
                                        const std::string& bytes) {
  const int64_t done = WholeIo(::pwrite, fd_, const_cast<char*>(bytes.data()),
                               bytes.size(), first * record_bytes_);
  if (done == static_cast<int64_t>(bytes.size())) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("cannot write the stream's cache file ", cache_path_, ": ",
                   done < 0 ? std::strerror(errno) : "nothing written",
                   " (data.stream.cache_dir chooses another directory)"));
}

absl::Status StreamedData::Normalize(const Normalizer& normalizer) {
  if (normalizer.empty()) return absl::OkStatus();
  std::vector<Tensor> batch;
  std::vector<Feed> feeds;
  std::string block;
  for (int64_t first = 0; first < samples_; first += window_) {
    const int64_t count = std::min(window_, samples_ - first);
    block.resize(count * record_bytes_);
    NABLA_RETURN_IF_ERROR(ReadSamples(first, block));
    NABLA_RETURN_IF_ERROR(PrepareBatch(count, &batch, &feeds));
    for (int64_t i = 0; i < count; ++i) {
      CopyRecord(block.data() + i * record_bytes_, i, batch);
    }
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (!normalizer.Normalizes(placeholders_[c])) continue;
      NABLA_RETURN_IF_ERROR(normalizer.Apply(placeholders_[c], batch[c]));
      const char* values = static_cast<const char*>(batch[c].raw_data());
      for (int64_t i = 0; i < count; ++i) {
        std::memcpy(block.data() + i * record_bytes_ + columns_[c].offset,
                    values + i * columns_[c].bytes, columns_[c].bytes);
      }
    }
    NABLA_RETURN_IF_ERROR(WriteSamples(first, block));
  }
  return absl::OkStatus();
}

absl::Status StreamedData::FillBatch(const SampleOrder& order, int64_t begin,
                                     int64_t count, std::vector<Tensor>* batch,
                                     std::vector<Feed>* feeds,
                                     std::vector<int64_t>* rows) {
  NABLA_RETURN_IF_ERROR(PrepareBatch(count, batch, feeds));
  rows->resize(count);
  if (!SameOrder(order, order_) || windows_.empty()) {
    SetOrder(order);
    current_ = Window();
  }
  for (int64_t i = 0; i < count;) {
    const Slot at = Locate(begin + i);
    if (current_.epoch != order.epoch || current_.slot != at.slot) {
      NABLA_RETURN_IF_ERROR(MoveTo(order, at.slot));
    }
    // The batch's samples in this window.
    const int64_t run = std::min(count - i, current_.count - at.offset);
    for (int64_t k = 0; k < run; ++k, ++i) {
      const int64_t within = current_.order[at.offset + k];
      if (!current_.wanted[within]) {
        return absl::InternalError(absl::StrCat(
            "the stream did not read position ", begin + i, " of epoch ",
            order.epoch, ": this rank's shards were said to lie elsewhere"));
      }
      (*rows)[i] = current_.first + within;
      CopyRecord(current_.bytes.data() + within * record_bytes_, i, *batch);
    }
  }
  return absl::OkStatus();
}

absl::Status StreamedData::FillFirst(int64_t count, std::vector<Tensor>* batch,
                                     std::vector<Feed>* feeds) {
  count = std::min(count, samples_);
  NABLA_RETURN_IF_ERROR(PrepareBatch(count, batch, feeds));
  std::string record;
  for (int64_t i = 0; i < count; ++i) {
    NABLA_RETURN_IF_ERROR(ReadRecord(i, &record));
    CopyRecord(record.data(), i, *batch);
  }
  return absl::OkStatus();
}

absl::Status StreamedData::ReadRecord(int64_t sample,
                                      std::string* record) const {
  record->resize(record_bytes_);
  return ReadSamples(sample, *record);
}

absl::Status StreamedData::WithSampleOrigin(
    absl::Status status, absl::Span<const int64_t> rows) const {
  const std::optional<BadSample> bad =
      FindBadSample(status, placeholders_, rows);
  if (!bad.has_value()) return status;
  std::string record;
  if (!ReadRecord(bad->row, &record).ok()) return status;
  int64_t line = -1;
  std::memcpy(&line, record.data(), kLineBytes);
  const std::string where = origin_.DescribeAtLine(bad->row, line);
  if (where.empty()) return status;
  const Column& c = columns_[bad->column];
  double value = -1;
  if (c.sample_shape.num_elements() == 1) {
    Tensor one(c.dtype, Shape{1});
    std::memcpy(one.raw_data(), record.data() + c.offset, c.bytes);
    value = one.ValueAt(0);
  }
  return WithSampleWhere(status, *bad, where, value, c.class_names);
}

}  // namespace nabla
