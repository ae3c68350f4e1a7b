#include "core/onnx/onnx_tensor.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/file_read.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

using onnx::TensorProto;

// Bytes per element in raw_data; 0 for a type nabla does not read.
size_t ElementBytes(int32_t elem_type) {
  switch (elem_type) {
    case TensorProto::UINT8:
    case TensorProto::INT8:
    case TensorProto::BOOL:
      return 1;
    case TensorProto::UINT16:
    case TensorProto::INT16:
      return 2;
    case TensorProto::FLOAT:
    case TensorProto::INT32:
    case TensorProto::UINT32:
      return 4;
    case TensorProto::INT64:
    case TensorProto::UINT64:
    case TensorProto::DOUBLE:
      return 8;
    default:
      return 0;
  }
}

template <typename T>
T LoadLittleEndian(const char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));  // x86-64 and ONNX: little-endian
  return value;
}

// One little-endian element at `p`: a float type's into *value, an integer
// type's into *integer and (as a double) *value.
void DecodeRaw(int32_t elem_type, const char* p, double* value,
               int64_t* integer) {
  switch (elem_type) {
    case TensorProto::FLOAT:
      *value = LoadLittleEndian<float>(p);
      return;
    case TensorProto::DOUBLE:
      *value = LoadLittleEndian<double>(p);
      return;
    case TensorProto::UINT8:
      *integer = LoadLittleEndian<uint8_t>(p);
      break;
    case TensorProto::INT8:
      *integer = LoadLittleEndian<int8_t>(p);
      break;
    case TensorProto::BOOL:
      *integer = LoadLittleEndian<uint8_t>(p) != 0;
      break;
    case TensorProto::UINT16:
      *integer = LoadLittleEndian<uint16_t>(p);
      break;
    case TensorProto::INT16:
      *integer = LoadLittleEndian<int16_t>(p);
      break;
    case TensorProto::INT32:
      *integer = LoadLittleEndian<int32_t>(p);
      break;
    case TensorProto::UINT32:
      *integer = LoadLittleEndian<uint32_t>(p);
      break;
    case TensorProto::INT64:
      *integer = LoadLittleEndian<int64_t>(p);
      break;
    case TensorProto::UINT64:
      // Above INT64_MAX wraps to negative numbers (no model holds such
      // sizes or indices).
      *integer = static_cast<int64_t>(LoadLittleEndian<uint64_t>(p));
      break;
  }
  *value = static_cast<double>(*integer);
}

[[nodiscard]] absl::Status DecodeBytes(absl::string_view bytes, int64_t count,
                                       absl::string_view what,
                                       OnnxValues* out) {
  const size_t size = ElementBytes(out->elem_type);
  if (bytes.size() != static_cast<uint64_t>(count) * size) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", bytes.size(), " bytes of data for ", count,
                     " elements of ", OnnxTypeName(out->elem_type)));
  }
  out->values.resize(count);
  if (out->is_integer()) out->ints.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    int64_t integer = 0;
    DecodeRaw(out->elem_type, bytes.data() + i * size, &out->values[i],
              &integer);
    if (out->is_integer()) out->ints[i] = integer;
  }
  return absl::OkStatus();
}

// The typed repeated field that holds `elem_type`'s elements.
template <typename Field>
[[nodiscard]] absl::Status CopyTyped(const Field& field, int64_t count,
                                     absl::string_view what, OnnxValues* out) {
  if (field.size() != count) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", field.size(), " values for ", count, " elements (dims [",
        absl::StrJoin(out->dims, ", "), "])"));
  }
  out->values.assign(field.begin(), field.end());
  if (out->is_integer()) {
    out->ints.reserve(count);
    for (const auto v : field) {
      out->ints.push_back(out->elem_type == TensorProto::BOOL
                              ? int64_t{v != 0}
                              : static_cast<int64_t>(v));
    }
    if (out->elem_type == TensorProto::BOOL) {
      out->values.assign(out->ints.begin(), out->ints.end());
    }
  }
  return absl::OkStatus();
}

// A relative path inside the model's directory: no absolute paths and no
// "..", so a model cannot make nabla read files elsewhere.
[[nodiscard]] absl::Status CheckExternalLocation(absl::string_view location,
                                                 absl::string_view what) {
  bool escapes = location.empty() || location[0] == '/';
  for (absl::string_view part : absl::StrSplit(location, '/')) {
    if (part == "..") escapes = true;
  }
  if (escapes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": external data location '", location,
                     "' must be a relative path inside the model's "
                     "directory"));
  }
  return absl::OkStatus();
}

// The `bytes` bytes of `tensor`'s external data: from the file its
// "location" names (inside `model_dir`, after symbolic links too), at its
// "offset"; its "length", when given, must be `bytes`. Only that range is
// read.
[[nodiscard]] absl::StatusOr<std::string> ReadExternalData(
    const TensorProto& tensor, uint64_t bytes, absl::string_view what,
    const std::string& model_dir) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const onnx::StringStringEntryProto& entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      uint64_t number = 0;
      if (!absl::SimpleAtoi(entry.value(), &number)) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": external data ", entry.key(), " '",
                         entry.value(), "' is not a number"));
      }
      if (entry.key() == "offset") offset = number;
      if (entry.key() == "length") length = number;
    }
  }
  NABLA_RETURN_IF_ERROR(CheckExternalLocation(location, what));
  const std::filesystem::path path =
      std::filesystem::path(model_dir) / location;
  std::error_code dir_error, file_error;
  const std::filesystem::path dir =
      std::filesystem::weakly_canonical(model_dir, dir_error);
  const std::filesystem::path file =
      std::filesystem::weakly_canonical(path, file_error);
  // Component by component: `file` must lie below `dir`.
  const auto [in_dir, in_file] =
      std::mismatch(dir.begin(), dir.end(), file.begin(), file.end());
  if (dir_error || file_error || in_dir != dir.end() || in_file == file.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": external data location '", location,
                     "' leads outside the model's directory"));
  }
  const absl::Status regular = CheckRegularFile(file.string());
  if (!regular.ok()) {
    return absl::Status(
        regular.code(),
        absl::StrCat(what, ": external data: ", regular.message()));
  }
  std::error_code error;
  const uint64_t size = std::filesystem::file_size(file, error);
  if (length.has_value() && *length != bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": external data length ", *length, " for ", bytes,
                     " bytes of elements"));
  }
  if (error || offset > size || bytes > size - offset) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": external data file ", path.string(), " holds ", size,
        " bytes; the tensor needs ", bytes, " from offset ", offset));
  }
  std::ifstream in(file, std::ios::binary);
  std::string data(bytes, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(data.data(), static_cast<std::streamsize>(bytes));
  if (!in) {
    return absl::DataLossError(
        absl::StrCat(what, ": cannot read external data from ", path.string()));
  }
  return data;
}

}  // namespace

int64_t OnnxValues::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::vector<int64_t> DimsOf(const Shape& shape) {
  return std::vector<int64_t>(shape.dims().begin(), shape.dims().end());
}

bool OnnxValues::is_integer() const { return IsOnnxIntegerType(elem_type); }

void OnnxValues::TrimSymbols() {
  if (std::all_of(symbols.begin(), symbols.end(),
                  [](const std::string& s) { return s.empty(); })) {
    symbols.clear();
  }
}

std::string OnnxTypeName(int32_t elem_type) {
  if (!TensorProto::DataType_IsValid(elem_type)) {
    return absl::StrCat("type ", elem_type);
  }
  std::string name =
      TensorProto::DataType_Name(static_cast<TensorProto::DataType>(elem_type));
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  return name;
}

bool IsOnnxIntegerType(int32_t elem_type) {
  return ElementBytes(elem_type) != 0 && elem_type != TensorProto::FLOAT &&
         elem_type != TensorProto::DOUBLE;
}

bool IsSupportedOnnxType(int32_t elem_type) {
  return ElementBytes(elem_type) != 0;
}

[[nodiscard]] absl::StatusOr<OnnxValues> ReadOnnxTensor(
    const TensorProto& tensor, absl::string_view what,
    const std::string& model_dir) {
  OnnxValues out;
  out.elem_type = tensor.data_type();
  if (!IsSupportedOnnxType(out.elem_type)) {
    return absl::UnimplementedError(
        absl::StrCat(what, ": element type ", OnnxTypeName(out.elem_type),
                     " is not supported (nabla reads float, double, the "
                     "integer types and bool)"));
  }
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0 || (d > 0 && count > (int64_t{1} << 40) / d)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": dims [", absl::StrJoin(tensor.dims(), ", "),
                       "] are negative or too large"));
    }
    count *= d;
    out.dims.push_back(d);
  }
  if (tensor.data_location() == TensorProto::EXTERNAL) {
    NABLA_ASSIGN_OR_RETURN(
        std::string bytes,
        ReadExternalData(tensor, count * ElementBytes(out.elem_type), what,
                         model_dir));
    NABLA_RETURN_IF_ERROR(DecodeBytes(bytes, count, what, &out));
    return out;
  }
  if (tensor.has_raw_data()) {
    NABLA_RETURN_IF_ERROR(DecodeBytes(tensor.raw_data(), count, what, &out));
    return out;
  }
  switch (out.elem_type) {
    case TensorProto::FLOAT:
      NABLA_RETURN_IF_ERROR(CopyTyped(tensor.float_data(), count, what, &out));
      break;
    case TensorProto::DOUBLE:
      NABLA_RETURN_IF_ERROR(CopyTyped(tensor.double_data(), count, what, &out));
      break;
    case TensorProto::INT64:
      NABLA_RETURN_IF_ERROR(CopyTyped(tensor.int64_data(), count, what, &out));
      break;
    case TensorProto::UINT32:
    case TensorProto::UINT64:
      NABLA_RETURN_IF_ERROR(CopyTyped(tensor.uint64_data(), count, what, &out));
      break;
    default:  // int32, int16, int8, uint16, uint8, bool
      NABLA_RETURN_IF_ERROR(CopyTyped(tensor.int32_data(), count, what, &out));
      break;
  }
  return out;
}

void WriteOnnxTensor(const OnnxValues& values, TensorProto* tensor) {
  tensor->set_data_type(values.elem_type);
  for (int64_t d : values.dims) tensor->add_dims(d);
  if (values.elem_type == TensorProto::FLOAT) {
    std::string raw(values.values.size() * sizeof(float), '\0');
    for (size_t i = 0; i < values.values.size(); ++i) {
      const float f = static_cast<float>(values.values[i]);
      std::memcpy(&raw[i * sizeof(float)], &f, sizeof(float));
    }
    tensor->set_raw_data(std::move(raw));
  } else if (values.elem_type == TensorProto::DOUBLE) {
    std::string raw(values.values.size() * sizeof(double), '\0');
    std::memcpy(raw.data(), values.values.data(), raw.size());
    tensor->set_raw_data(std::move(raw));
  } else if (values.elem_type == TensorProto::INT64) {
    for (int64_t v : values.ints) tensor->add_int64_data(v);
  } else if (values.elem_type == TensorProto::UINT32 ||
             values.elem_type == TensorProto::UINT64) {
    for (int64_t v : values.ints) {
      tensor->add_uint64_data(static_cast<uint64_t>(v));
    }
  } else {
    for (int64_t v : values.ints) {
      tensor->add_int32_data(static_cast<int32_t>(v));
    }
  }
}

}  // namespace nabla
