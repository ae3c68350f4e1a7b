// "idx": samples in the IDX format of MNIST and Fashion-MNIST, as
// published (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz).
//
//   data { source { name: "idx"
//     attr { key: "images" value { s: "train-images-idx3-ubyte.gz" } }
//     attr { key: "labels" value { s: "train-labels-idx1-ubyte.gz" } }
//     attr { key: "scale" value { f: 0.00392156862745098 } } } }  # 1/255
//
// Attributes:
//   images (string, required): the IDX file of samples, along its first
//       dimension. A relative path is resolved against the model file's
//       directory; a gzip-compressed file (found by its magic bytes 1f 8b)
//       is decompressed (read whole, or with data.stream a chunk of
//       samples at a time). A glob pattern ("img-*.idx") names shards: every
//       matching file in sorted order, with the same sample dimensions.
//   labels (string, ""): an IDX file of one dimension, one label (a class
//       index) per sample; empty: no labels are fed. With shards, a pattern
//       that matches as many files, paired with the images' in sorted order.
//   images_placeholder (string, "x"): the placeholder fed the samples.
//   labels_placeholder (string, "y"): the placeholder fed the labels, as
//       [N] class indices.
//   flatten (bool, true): samples as [N, rows * cols] rather than
//       [N, rows, cols] (in general [N, d1 * d2 * ...] or [N, d1, d2, ...]).
//   scale (float, 1.0): every sample value is multiplied by it (1/255 maps
//       bytes to [0, 1]); labels are not scaled. Must be finite and not 0.
//   limit (int, 0): only the first `limit` samples (and labels) are fed,
//       for quick runs; 0 or more than the file holds: all of them. The
//       files are still checked whole.
//   dtype (string, "float32"): "float32" or "float64", of both columns.
//
// An IDX file is a header and the data, every number big-endian:
//   bytes 0-1: 00 00; byte 2: the element type: 08 unsigned byte, 09 signed
//   byte, 0b short (2 bytes), 0c int (4), 0d float (4), 0e double (8);
//   byte 3: the number of dimensions D; then D sizes as 4-byte unsigned
//   integers; then the elements, row-major, exactly as many as the sizes say.
// Errors name the file and the byte where the problem is (counted in the
// decompressed data for a gzip file) and what was expected:
//
//   images.idx: truncated at byte 1016: the header promises 47040000 bytes
//   of data, the file has 1000
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "core/attrs.h"
#include "core/data_source.h"
#include "core/file_read.h"
#include "core/status_macros.h"
#include "plugins/data_sources/data_file.h"

namespace nabla {
namespace {

struct ElementType {
  uint8_t code;
  int size;  // bytes
};

// Unsigned byte, signed byte, short, int, float, double.
constexpr ElementType kElementTypes[] = {
    {0x08, 1}, {0x09, 1}, {0x0B, 2}, {0x0C, 4}, {0x0D, 4}, {0x0E, 8},
};

// Sizes beyond this (4 exbibytes) are refused before they overflow.
constexpr uint64_t kMaxDataBytes = uint64_t{1} << 62;

uint32_t BigEndian32(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 |
         uint32_t{p[3]};
}

uint64_t BigEndian64(const unsigned char* p) {
  return uint64_t{BigEndian32(p)} << 32 | BigEndian32(p + 4);
}

// One IDX file, read and checked: its header describes exactly its data.
struct IdxArray {
  std::string file;
  bool gzipped = false;
  const ElementType* type = nullptr;
  std::vector<int64_t> dims;
  size_t header_bytes = 0;
  std::string bytes;  // the (decompressed) file, or the part read
  // A gzip file was inflated only as far as the samples asked for (and
  // one byte past the data, to catch more).
  bool cut_short = false;
  // Where bytes[0] is in the (decompressed) file: 0, or for a chunk of a
  // file read in pieces (IdxStream), its offset.
  uint64_t base = 0;

  int64_t count() const { return dims[0]; }
  // Elements per sample: the product of every dimension but the first.
  int64_t sample_elements() const {
    int64_t n = 1;
    for (size_t i = 1; i < dims.size(); ++i) n *= dims[i];
    return n;
  }
  const unsigned char* data() const {
    return reinterpret_cast<const unsigned char*>(bytes.data()) + header_bytes;
  }

  // "images.idx: byte 12: " or, in a gzip file, "... decompressed byte 12".
  std::string At(uint64_t offset) const {
    return absl::StrCat(file, ": ", Byte(offset), ": ");
  }
  std::string Byte(uint64_t offset) const {
    return absl::StrCat(gzipped ? "decompressed byte " : "byte ",
                        base + offset);
  }
  std::string DimsText() const {
    return absl::StrCat("[", absl::StrJoin(dims, ", "), "]");
  }
};

std::string Hex(absl::string_view bytes) {
  std::vector<std::string> parts;
  for (char c : bytes) {
    parts.push_back(absl::StrFormat("%02x", static_cast<unsigned char>(c)));
  }
  return absl::StrJoin(parts, " ");
}

[[nodiscard]] absl::Status Invalid(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

// Bytes 0-3: 00 00, the element type, the number of dimensions.
[[nodiscard]] absl::Status ParseMagic(IdxArray* a) {
  const absl::string_view bytes = a->bytes;
  if (bytes.empty()) {
    return Invalid(absl::StrCat(a->file, ": the file is empty",
                                a->gzipped ? " (decompressed)" : ""));
  }
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0) {
    return Invalid(absl::StrCat(
        a->file, ": wrong magic number at ", a->Byte(0), ": found ",
        Hex(bytes.substr(0, 4)),
        "; an IDX file starts with 00 00, the element type (08, 09, 0b, 0c, "
        "0d or 0e) and the number of dimensions"));
  }
  const auto code = static_cast<uint8_t>(bytes[2]);
  for (const ElementType& type : kElementTypes) {
    if (type.code == code) a->type = &type;
  }
  if (a->type == nullptr) {
    return Invalid(absl::StrCat(
        a->At(2), "unknown element type ", Hex(bytes.substr(2, 1)),
        " (08 unsigned byte, 09 signed byte, 0b short, 0c int, 0d float or 0e "
        "double)"));
  }
  if (bytes[3] == 0) {
    return Invalid(absl::StrCat(a->At(3), "the number of dimensions is 0"));
  }
  return absl::OkStatus();
}

// The dimensions after the magic number, and the size of the data.
[[nodiscard]] absl::Status ParseDims(IdxArray* a) {
  const size_t rank = static_cast<unsigned char>(a->bytes[3]);
  a->header_bytes = 4 + 4 * rank;
  if (a->bytes.size() < a->header_bytes) {
    return Invalid(absl::StrCat(a->file, ": truncated at ",
                                a->Byte(a->bytes.size()), ": the header of ",
                                rank, " dimensions needs ", a->header_bytes,
                                " bytes"));
  }
  const auto* p = reinterpret_cast<const unsigned char*>(a->bytes.data());
  for (size_t i = 0; i < rank; ++i) {
    a->dims.push_back(BigEndian32(p + 4 + 4 * i));
  }
  uint64_t elements = 1;
  for (size_t i = 0; i < rank; ++i) {
    const uint64_t dim = static_cast<uint64_t>(a->dims[i]);
    if (dim == 0) {
      return Invalid(absl::StrCat(a->At(4 + 4 * i), "dimension ", i + 1, " of ",
                                  a->DimsText(), " is 0"));
    }
    if (elements > kMaxDataBytes / dim) {
      return Invalid(absl::StrCat(a->At(4), "the dimensions ", a->DimsText(),
                                  " describe more than 2^62 elements"));
    }
    elements *= dim;
  }
  if (elements > kMaxDataBytes / a->type->size) {
    return Invalid(absl::StrCat(a->At(4), "the dimensions ", a->DimsText(),
                                " describe more than 2^62 bytes"));
  }
  return absl::OkStatus();
}

// The data must be exactly as long as the header says.
// The decompressed bytes a reader of `samples` samples (0: all) needs, from
// the header once `prefix` holds it; one more than the data when all are
// read, so that a file holding more than its header says is caught without
// inflating the rest. UINT64_MAX until the header is there or if it is bad
// (the checks that follow say why).
uint64_t WantedIdxBytes(absl::string_view prefix, int64_t samples) {
  if (prefix.size() < 4) return UINT64_MAX;
  const size_t rank = static_cast<unsigned char>(prefix[3]);
  const size_t header = 4 + 4 * rank;
  if (rank == 0 || prefix.size() < header) return UINT64_MAX;
  uint64_t size = 0;
  for (const ElementType& type : kElementTypes) {
    if (type.code == static_cast<uint8_t>(prefix[2])) size = type.size;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(prefix.data());
  const uint64_t declared = BigEndian32(p + 4);
  const bool all = samples <= 0 || static_cast<uint64_t>(samples) >= declared;
  const uint64_t count = all ? declared : static_cast<uint64_t>(samples);
  uint64_t bytes = size * count;
  for (size_t i = 1; i < rank; ++i) {
    const uint64_t dim = BigEndian32(p + 4 + 4 * i);
    if (dim != 0 && bytes > kMaxDataBytes / dim) return UINT64_MAX;
    bytes *= dim;
  }
  if (size == 0 || bytes > kMaxDataBytes) return UINT64_MAX;
  return header + bytes + (all ? 1 : 0);
}

// The data of `a` ends at (decompressed) byte `end`, `has` bytes of the
// `promised` ones: a file read whole or in pieces says it alike.
[[nodiscard]] absl::Status TruncatedError(const IdxArray& a, uint64_t end,
                                          uint64_t promised, uint64_t has) {
  return Invalid(absl::StrCat(a.file, ": truncated at ", a.Byte(end),
                              ": the header promises ", promised,
                              " bytes of data, the file has ", has));
}

// `how_many` ("3 bytes", "more bytes") follow the data, at `at`.
[[nodiscard]] absl::Status TrailingBytesError(const IdxArray& a, uint64_t at,
                                              absl::string_view how_many,
                                              uint64_t promised) {
  return Invalid(absl::StrCat(a.At(at), how_many,
                              " after the end of the data (the header "
                              "promises ",
                              promised, " bytes of data)"));
}

std::string ByteCount(uint64_t n) {
  return absl::StrCat(n, n == 1 ? " byte" : " bytes");
}

// `samples` > 0: only that many are read (a limit).
[[nodiscard]] absl::Status CheckDataSize(const IdxArray& a, int64_t samples) {
  const int64_t count =
      samples > 0 && samples < a.count() && a.cut_short ? samples : a.count();
  const uint64_t promised =
      static_cast<uint64_t>(count) * a.sample_elements() * a.type->size;
  const uint64_t has = a.bytes.size() - a.header_bytes;
  if (has < promised) return TruncatedError(a, a.bytes.size(), promised, has);
  if (has > promised) {
    // Inflation stopped one byte past the data: there are more.
    return TrailingBytesError(
        a, a.header_bytes + promised,
        a.cut_short ? "more bytes" : ByteCount(has - promised), promised);
  }
  return absl::OkStatus();
}

// Reads `file`, of which only the first `samples` samples (0: all) are
// needed: a gzip file is inflated no further.
[[nodiscard]] absl::StatusOr<IdxArray> ReadIdx(std::string file,
                                               int64_t samples) {
  NABLA_ASSIGN_OR_RETURN(
      data_file::Contents contents,
      data_file::Read(file, [samples](absl::string_view prefix) {
        return WantedIdxBytes(prefix, samples);
      }));
  IdxArray a;
  a.file = std::move(file);
  a.gzipped = contents.gzipped;
  a.cut_short = contents.cut_short;
  a.bytes = std::move(contents.bytes);
  NABLA_RETURN_IF_ERROR(ParseMagic(&a));
  NABLA_RETURN_IF_ERROR(ParseDims(&a));
  NABLA_RETURN_IF_ERROR(CheckDataSize(a, samples));
  return a;
}

// Element `i` of the data as a double. Reading through a type known at
// compile time keeps the conversion loops free of branches.
template <uint8_t kCode>
double ElementAt(const unsigned char* data, size_t i) {
  if constexpr (kCode == 0x08) {
    return data[i];
  } else if constexpr (kCode == 0x09) {
    return static_cast<int8_t>(data[i]);
  } else if constexpr (kCode == 0x0B) {
    const unsigned char* p = data + 2 * i;
    return static_cast<int16_t>(static_cast<uint16_t>(p[0] << 8 | p[1]));
  } else if constexpr (kCode == 0x0C) {
    return static_cast<int32_t>(BigEndian32(data + 4 * i));
  } else if constexpr (kCode == 0x0D) {
    const uint32_t bits = BigEndian32(data + 4 * i);
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  } else {
    const uint64_t bits = BigEndian64(data + 8 * i);
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }
}

// What to do with each element on the way into the tensor.
struct Conversion {
  double scale = 1;
  bool labels = false;  // class indices: whole numbers >= 0, not scaled
};

template <uint8_t kCode, typename T>
[[nodiscard]] absl::Status Convert(const IdxArray& a, size_t n,
                                   const Conversion& how, T* out) {
  const unsigned char* data = a.data();
  for (size_t i = 0; i < n; ++i) {
    const double raw = ElementAt<kCode>(data, i);
    const T value = static_cast<T>(how.labels ? raw : raw * how.scale);
    if (std::isfinite(value) &&
        (!how.labels || (raw >= 0 && raw == std::floor(raw)))) {
      out[i] = value;
      continue;
    }
    const std::string where = a.At(a.header_bytes + i * a.type->size);
    if (how.labels) {
      return Invalid(absl::StrCat(where, "label ", raw,
                                  " is not a class index (a whole number >= "
                                  "0)"));
    }
    if (!std::isfinite(raw)) {
      return Invalid(absl::StrCat(where, "value ", raw, " is not finite"));
    }
    return Invalid(absl::StrCat(where, "value ", raw, " times scale ",
                                how.scale, " does not fit in ",
                                DTypeName(DTypeOf<T>::value)));
  }
  return absl::OkStatus();
}

// The first `n` elements of `a`, converted into `out`.
[[nodiscard]] absl::Status ConvertInto(const IdxArray& a, size_t n,
                                       const Conversion& how, Tensor* out) {
  return DispatchFloat(out->dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* to = out->data<T>();
    switch (a.type->code) {
      case 0x08:
        return Convert<0x08>(a, n, how, to);
      case 0x09:
        return Convert<0x09>(a, n, how, to);
      case 0x0B:
        return Convert<0x0B>(a, n, how, to);
      case 0x0C:
        return Convert<0x0C>(a, n, how, to);
      case 0x0D:
        return Convert<0x0D>(a, n, how, to);
      default:
        return Convert<0x0E>(a, n, how, to);
    }
  });
}

// An IDX file read in pieces, for data larger than memory (data.stream):
// the header, then a number of samples at a time, checked as ReadIdx
// checks the whole (the data as long as the header says), gzip-compressed
// or not.
class IdxStream {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<IdxStream>> Open(
      std::string file) {
    NABLA_RETURN_IF_ERROR(CheckRegularFile(file));
    gzFile gz = gzopen(file.c_str(), "rb");
    if (gz == nullptr) {
      return absl::NotFoundError(absl::StrCat(file, ": cannot open"));
    }
    std::unique_ptr<IdxStream> stream(new IdxStream(gz));
    IdxArray& h = stream->header_;
    h.file = std::move(file);
    NABLA_RETURN_IF_ERROR(stream->Read(4, &h.bytes));
    h.gzipped = gzdirect(gz) == 0;
    NABLA_RETURN_IF_ERROR(ParseMagic(&h));
    std::string dims;
    NABLA_RETURN_IF_ERROR(
        stream->Read(4 * static_cast<unsigned char>(h.bytes[3]), &dims));
    h.bytes += dims;
    NABLA_RETURN_IF_ERROR(ParseDims(&h));
    return stream;
  }
  ~IdxStream() { gzclose(file_); }

  // The header, without data.
  const IdxArray& header() const { return header_; }

  // The next `count` samples (the header must promise them).
  [[nodiscard]] absl::StatusOr<IdxArray> Next(int64_t count) {
    IdxArray chunk = header_;
    chunk.header_bytes = 0;
    chunk.base = header_.header_bytes + data_read_;
    chunk.dims[0] = count;
    chunk.bytes.clear();
    const uint64_t bytes = static_cast<uint64_t>(count) *
                           header_.sample_elements() * header_.type->size;
    NABLA_RETURN_IF_ERROR(Read(bytes, &chunk.bytes));
    data_read_ += bytes;
    if (chunk.bytes.size() < bytes) {
      const uint64_t has = data_read_ - bytes + chunk.bytes.size();
      return TruncatedError(header_, header_.header_bytes + has, Promised(),
                            has);
    }
    return chunk;
  }

  // After all the samples the header promises: nothing may follow.
  [[nodiscard]] absl::Status CheckEnd() {
    std::string extra;
    NABLA_RETURN_IF_ERROR(Read(kExtraCounted + 1, &extra));
    if (extra.empty()) return absl::OkStatus();
    return TrailingBytesError(
        header_, header_.header_bytes + data_read_,
        extra.size() > kExtraCounted ? "more bytes" : ByteCount(extra.size()),
        Promised());
  }

 private:
  // Extra bytes after the data are counted up to this many.
  static constexpr size_t kExtraCounted = size_t{1} << 20;

  explicit IdxStream(gzFile file) : file_(file) {}

  uint64_t Promised() const {
    return static_cast<uint64_t>(header_.count()) * header_.sample_elements() *
           header_.type->size;
  }

  // Up to `bytes` more (fewer only at the end of the file) into `out`.
  [[nodiscard]] absl::Status Read(uint64_t bytes, std::string* out) {
    const size_t had = out->size();
    out->resize(had + bytes);
    uint64_t done = 0;
    while (done < bytes) {
      const unsigned piece = static_cast<unsigned>(
          std::min<uint64_t>(bytes - done, uint64_t{1} << 30));
      const int got = gzread(file_, out->data() + had + done, piece);
      if (got < 0) {
        int code = 0;
        return Invalid(absl::StrCat(header_.file,
                                    ": cannot read: ", gzerror(file_, &code)));
      }
      if (got == 0) break;
      done += static_cast<uint64_t>(got);
    }
    out->resize(had + done);
    return absl::OkStatus();
  }

  gzFile file_;
  IdxArray header_;
  uint64_t data_read_ = 0;
};

struct IdxOptions {
  std::string images, labels;
  std::string images_placeholder, labels_placeholder;
  bool flatten = true;
  double scale = 1;
  int64_t limit = 0;
  DType dtype = DType::kFloat32;
};

class IdxSource : public DataSource {
 public:
  explicit IdxSource(IdxOptions options) : options_(std::move(options)) {}

  [[nodiscard]] absl::StatusOr<std::vector<DataColumn>> Load(
      const DataSourceContext& context) const override {
    NABLA_ASSIGN_OR_RETURN(const Files files, ExpandFiles(context));
    const std::vector<std::string>& image_files = files.images;
    const std::vector<std::string>& label_files = files.labels;
    DataColumn images{options_.images_placeholder};
    DataColumn labels{options_.labels_placeholder};
    std::vector<Tensor> image_parts, label_parts;
    std::vector<int64_t> first_dims;  // of a sample of the first file
    int64_t n = 0;
    for (size_t f = 0; f < image_files.size(); ++f) {
      // With a limit, only the samples still wanted are read.
      const int64_t wanted = options_.limit > 0 ? options_.limit - n : 0;
      if (options_.limit > 0 && wanted == 0) break;
      NABLA_ASSIGN_OR_RETURN(const IdxArray image_file,
                             ReadIdx(image_files[f], wanted));
      NABLA_RETURN_IF_ERROR(
          CheckSampleDims(image_file, image_files[0], f, first_dims));
      // Both files are checked before either is converted.
      IdxArray label_file;
      if (!label_files.empty()) {
        NABLA_ASSIGN_OR_RETURN(label_file, ReadIdx(label_files[f], wanted));
        NABLA_RETURN_IF_ERROR(CheckLabels(label_file, image_file));
      }
      const int64_t count = wanted > 0 ? std::min(wanted, image_file.count())
                                       : image_file.count();
      NABLA_ASSIGN_OR_RETURN(
          std::vector<DataColumn> part,
          ConvertSamples(image_file,
                         label_files.empty() ? nullptr : &label_file, count));
      image_parts.push_back(std::move(part[0].samples));
      images.origin.files.push_back({image_files[f], n});
      if (!label_files.empty()) {
        label_parts.push_back(std::move(part[1].samples));
        labels.origin.files.push_back({label_files[f], n});
      }
      n += count;
    }
    images.samples = ConcatenateSamples(std::move(image_parts));
    std::vector<DataColumn> columns;
    columns.push_back(std::move(images));
    if (label_files.empty()) return columns;
    labels.samples = ConcatenateSamples(std::move(label_parts));
    columns.push_back(std::move(labels));
    return columns;
  }

  // Each pair of files read `chunk_samples` samples at a time (IdxStream).
  [[nodiscard]] absl::Status Stream(
      const DataSourceContext& context, int64_t chunk_samples,
      const ChunkConsumer& consume) const override {
    NABLA_ASSIGN_OR_RETURN(const Files files, ExpandFiles(context));
    chunk_samples = std::max<int64_t>(1, chunk_samples);
    std::vector<int64_t> first_dims;
    int64_t n = 0;
    for (size_t f = 0; f < files.images.size(); ++f) {
      const int64_t wanted = options_.limit > 0 ? options_.limit - n : 0;
      if (options_.limit > 0 && wanted == 0) break;
      NABLA_ASSIGN_OR_RETURN(std::unique_ptr<IdxStream> images,
                             IdxStream::Open(files.images[f]));
      NABLA_RETURN_IF_ERROR(
          CheckSampleDims(images->header(), files.images[0], f, first_dims));
      std::unique_ptr<IdxStream> labels;
      if (!files.labels.empty()) {
        NABLA_ASSIGN_OR_RETURN(labels, IdxStream::Open(files.labels[f]));
        NABLA_RETURN_IF_ERROR(CheckLabels(labels->header(), images->header()));
      }
      const int64_t total = images->header().count();
      const int64_t count = wanted > 0 ? std::min(wanted, total) : total;
      for (int64_t done = 0; done < count; done += chunk_samples) {
        const int64_t k = std::min(chunk_samples, count - done);
        NABLA_ASSIGN_OR_RETURN(const IdxArray image_chunk, images->Next(k));
        IdxArray label_chunk;
        if (labels != nullptr) {
          NABLA_ASSIGN_OR_RETURN(label_chunk, labels->Next(k));
        }
        NABLA_ASSIGN_OR_RETURN(
            std::vector<DataColumn> chunk,
            ConvertSamples(image_chunk,
                           labels != nullptr ? &label_chunk : nullptr, k));
        // Samples are counted in their file: this chunk starts at `done`.
        chunk[0].origin.files.push_back({files.images[f], -done});
        if (labels != nullptr) {
          chunk[1].origin.files.push_back({files.labels[f], -done});
        }
        NABLA_RETURN_IF_ERROR(consume(std::move(chunk)));
      }
      // Without a limit (or one past this file), the whole file was read.
      if (count == total) {
        NABLA_RETURN_IF_ERROR(images->CheckEnd());
        if (labels != nullptr) NABLA_RETURN_IF_ERROR(labels->CheckEnd());
      }
      n += count;
    }
    return absl::OkStatus();
  }

 private:
  struct Files {
    std::vector<std::string> images, labels;
  };

  // The first `count` samples of `images`, and of `labels` when given, as
  // the source's columns (without origins).
  [[nodiscard]] absl::StatusOr<std::vector<DataColumn>> ConvertSamples(
      const IdxArray& images, const IdxArray* labels, int64_t count) const {
    std::vector<DataColumn> columns(labels != nullptr ? 2 : 1);
    columns[0].placeholder = options_.images_placeholder;
    columns[0].samples = Tensor(options_.dtype, SampleShape(images, count));
    NABLA_RETURN_IF_ERROR(ConvertInto(images, columns[0].samples.num_elements(),
                                      {options_.scale, false},
                                      &columns[0].samples));
    if (labels == nullptr) return columns;
    columns[1].placeholder = options_.labels_placeholder;
    columns[1].samples = Tensor(options_.dtype, {count});
    NABLA_RETURN_IF_ERROR(
        ConvertInto(*labels, count, {1, true}, &columns[1].samples));
    return columns;
  }

  // The images and labels files the patterns name, paired.
  [[nodiscard]] absl::StatusOr<Files> ExpandFiles(
      const DataSourceContext& context) const {
    Files files;
    NABLA_ASSIGN_OR_RETURN(files.images,
                           data_file::ExpandPaths(context, options_.images));
    if (!options_.labels.empty()) {
      NABLA_ASSIGN_OR_RETURN(files.labels,
                             data_file::ExpandPaths(context, options_.labels));
      if (files.labels.size() != files.images.size()) {
        return Invalid(absl::StrCat(
            "images names ", files.images.size(), " file(s) but labels ",
            files.labels.size(),
            ": each images file needs its labels file (paired in sorted "
            "order)"));
      }
    }
    return files;
  }

  // File `f`'s samples must be shaped as those of the first.
  [[nodiscard]] static absl::Status CheckSampleDims(
      const IdxArray& file, const std::string& first_file, size_t f,
      std::vector<int64_t>& first_dims) {
    // As the files hold them, not as flattened.
    const std::vector<int64_t> sample_dims(file.dims.begin() + 1,
                                           file.dims.end());
    if (f == 0) first_dims = sample_dims;
    if (sample_dims == first_dims) return absl::OkStatus();
    return Invalid(absl::StrCat(
        file.file, ": samples of ", file.DimsText(),
        " are not shaped as those of ", first_file,
        "; the files of one source must have the same sample shape"));
  }

  // The parts one after another along axis 0 (the samples).
  static Tensor ConcatenateSamples(std::vector<Tensor> parts) {
    if (parts.size() == 1) return std::move(parts[0]);
    Shape shape = parts[0].shape();
    int64_t total = 0;
    for (const Tensor& part : parts) total += part.shape().dim(0);
    shape.set_dim(0, total);
    Tensor all(parts[0].dtype(), shape);
    char* to = static_cast<char*>(all.raw_data());
    for (const Tensor& part : parts) {
      std::memcpy(to, part.raw_data(), part.num_bytes());
      to += part.num_bytes();
    }
    return all;
  }

  // [n, d1 * d2 * ...] flattened, else [n, d1, d2, ...].
  Shape SampleShape(const IdxArray& images, int64_t n) const {
    Shape shape{n};
    if (options_.flatten) {
      shape.AddDim(images.sample_elements());
      return shape;
    }
    for (size_t i = 1; i < images.dims.size(); ++i) {
      shape.AddDim(images.dims[i]);
    }
    return shape;
  }

  [[nodiscard]] static absl::Status CheckLabels(const IdxArray& labels,
                                                const IdxArray& images) {
    if (labels.dims.size() != 1) {
      return Invalid(absl::StrCat(labels.At(3),
                                  "labels must have 1 dimension, the header "
                                  "gives ",
                                  labels.dims.size(), ": ", labels.DimsText()));
    }
    if (labels.count() != images.count()) {
      return Invalid(absl::StrCat(labels.At(4), labels.count(), " labels, but ",
                                  images.file, " has ", images.count(),
                                  " images"));
    }
    return absl::OkStatus();
  }

  IdxOptions options_;
};

[[nodiscard]] absl::Status CheckPlaceholders(const IdxOptions& options) {
  if (options.images_placeholder.empty()) {
    return Invalid("images_placeholder is empty");
  }
  if (options.labels_placeholder.empty()) {
    return Invalid("labels_placeholder is empty");
  }
  if (!options.labels.empty() &&
      options.images_placeholder == options.labels_placeholder) {
    return Invalid(
        absl::StrCat("images_placeholder and labels_placeholder are both \"",
                     options.images_placeholder, "\""));
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::StatusOr<std::unique_ptr<DataSource>> MakeIdxSource(
    const ResolvedAttrs& attrs) {
  IdxOptions options;
  options.images = attrs.GetString("images");
  options.labels = attrs.GetString("labels");
  options.images_placeholder = attrs.GetString("images_placeholder");
  options.labels_placeholder = attrs.GetString("labels_placeholder");
  options.flatten = attrs.GetBool("flatten");
  options.scale = attrs.GetFloat("scale");
  options.limit = attrs.GetInt("limit");
  if (options.images.empty()) return Invalid("images is empty");
  if (!std::isfinite(options.scale) || options.scale == 0) {
    return Invalid(
        absl::StrCat("scale must be finite and not 0, got ", options.scale));
  }
  if (options.limit < 0) {
    return Invalid(absl::StrCat("limit must be >= 0 (0: all samples), got ",
                                options.limit));
  }
  NABLA_RETURN_IF_ERROR(CheckPlaceholders(options));
  NABLA_ASSIGN_OR_RETURN(options.dtype,
                         DTypeFromName(attrs.GetString("dtype")));
  return std::make_unique<IdxSource>(std::move(options));
}

NABLA_REGISTER_DATA_SOURCE("idx")
    .RequiredAttr("images", AttrType::kString)
    .Attr("labels", "")
    .Attr("images_placeholder", "x")
    .Attr("labels_placeholder", "y")
    .Attr("flatten", true)
    .Attr("scale", 1.0)
    .Attr("limit", int64_t{0})
    .Attr("dtype", "float32")
    .Factory(MakeIdxSource)
    .Doc(
        "IDX files (MNIST, Fashion-MNIST), gzipped or not: images feed "
        "images_placeholder, labels feed labels_placeholder as [N] class "
        "indices.");

}  // namespace
}  // namespace nabla
