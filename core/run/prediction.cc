#include "core/run/prediction.h"

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/model_parser.h"
#include "core/op_registry.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

// Values per sample of the placeholder, or an error when they are unknown.
[[nodiscard]] absl::StatusOr<int64_t> ValuesPerRow(const Graph& graph,
                                                   int placeholder,
                                                   absl::string_view what) {
  const Shape& declared = graph.node(placeholder).output_shapes[0];
  bool known = declared.rank() >= 1;
  int64_t per_row = 1;
  for (int d = 1; d < declared.rank(); ++d) {
    known = known && declared.dim(d) >= 0;
    if (known) per_row *= declared.dim(d);  // bounded by kMaxTensorElements
  }
  if (!known) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", graph.Describe(placeholder), " has shape ",
        declared.ToString(), "; rows need a known size per sample"));
  }
  return per_row;
}

Tensor RowsTensor(const Graph& graph, int placeholder, int64_t rows,
                  const std::vector<double>& values) {
  Shape shape = graph.node(placeholder).output_shapes[0];
  shape.set_dim(0, rows);
  return Tensor::FromValues(graph.node(placeholder).output_dtypes[0], shape,
                            values);
}

// Parses one row's fields; `where` prefixes errors. Values follow the CSV
// source's rule: finite, and within float32's range for a float32 input.
[[nodiscard]] absl::Status ParseFields(absl::string_view row, char delimiter,
                                       int64_t per_row, DType dtype,
                                       const std::string& where,
                                       absl::string_view takes,
                                       std::vector<double>* values) {
  int64_t count = 0;
  for (absl::string_view field : absl::StrSplit(row, delimiter)) {
    field = absl::StripAsciiWhitespace(field);
    double v;
    if (!absl::SimpleAtod(field, &v)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": '", field, "' is not a number"));
    }
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": '", field, "' is not a finite number"));
    }
    if (dtype == DType::kFloat32 && std::fabs(v) > FLT_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": '", field,
                       "' is beyond float32's range, which ", takes, " holds"));
    }
    values->push_back(v);
    ++count;
  }
  if (count != per_row) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " has ", count, " values, but ", takes, " takes ",
                     per_row, " per sample"));
  }
  return absl::OkStatus();
}

// A header names columns: none of its fields is a number. (A data row
// with a typo in one field is reported, not skipped as a header.)
bool IsHeader(absl::string_view row) {
  for (absl::string_view field : absl::StrSplit(row, ',')) {
    double v;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(field), &v)) return false;
  }
  return true;
}

std::string ClassLabel(int64_t index, const std::vector<std::string>& names) {
  if (index < static_cast<int64_t>(names.size())) {
    return absl::StrCat("class ", index, " (", names[index], ")");
  }
  return absl::StrCat("class ", index);
}

// Probabilities of the classes of one output row: the values themselves
// after a Softmax, e^v after a LogSoftmax, else the softmax of the row.
void ClassProbabilities(absl::string_view output_op, const double* row,
                        int64_t width, std::vector<double>* p) {
  p->assign(row, row + width);
  if (output_op == "Softmax") return;
  if (output_op == "LogSoftmax") {
    for (double& v : *p) v = std::exp(v);
    return;
  }
  const double top = *std::max_element(p->begin(), p->end());
  double sum = 0;
  for (double& v : *p) sum += (v = std::exp(v - top));
  for (double& v : *p) v /= sum;
}

}  // namespace

ClassChoice ChooseClass(absl::string_view output_op, const double* row,
                        int64_t width) {
  if (width == 1) {
    // One column: a probability after a Sigmoid, else a logit.
    const double p =
        output_op == "Sigmoid" ? row[0] : 1 / (1 + std::exp(-row[0]));
    return p > 0.5 ? ClassChoice{1, p} : ClassChoice{0, 1 - p};
  }
  std::vector<double> probabilities;
  ClassProbabilities(output_op, row, width, &probabilities);
  const int64_t best =
      std::max_element(probabilities.begin(), probabilities.end()) -
      probabilities.begin();
  return {best, probabilities[best]};
}

[[nodiscard]] absl::StatusOr<Tensor> RowsFromText(absl::string_view text,
                                                  const Graph& graph,
                                                  int placeholder,
                                                  absl::string_view what) {
  NABLA_ASSIGN_OR_RETURN(const int64_t per_row,
                         ValuesPerRow(graph, placeholder, what));
  std::vector<double> values;
  int64_t rows = 0;
  for (absl::string_view row :
       absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    ++rows;
    NABLA_RETURN_IF_ERROR(ParseFields(row, ',', per_row,
                                      graph.node(placeholder).output_dtypes[0],
                                      absl::StrCat(what, ": row ", rows),
                                      graph.Describe(placeholder), &values));
  }
  if (rows == 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": no rows given"));
  }
  return RowsTensor(graph, placeholder, rows, values);
}

[[nodiscard]] absl::StatusOr<Tensor> RowsFromCsvFile(const std::string& path,
                                                     const Graph& graph,
                                                     int placeholder,
                                                     uint64_t max_bytes) {
  NABLA_ASSIGN_OR_RETURN(const int64_t per_row,
                         ValuesPerRow(graph, placeholder, "--predict_file"));
  NABLA_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, max_bytes));
  std::vector<double> values;
  int64_t rows = 0;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (line_number == 1 && IsHeader(line)) continue;
    ++rows;
    NABLA_RETURN_IF_ERROR(ParseFields(line, ',', per_row,
                                      graph.node(placeholder).output_dtypes[0],
                                      absl::StrCat(path, ":", line_number),
                                      graph.Describe(placeholder), &values));
  }
  if (rows == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no rows"));
  }
  return RowsTensor(graph, placeholder, rows, values);
}

[[nodiscard]] absl::StatusOr<Tensor> PredictRows(const ForwardRunner& run,
                                                 const PredictionSetup& setup,
                                                 const Tensor& rows) {
  Tensor normalized = rows;
  if (setup.normalizer != nullptr) {
    NABLA_RETURN_IF_ERROR(setup.normalizer->Apply(setup.input, normalized));
  }
  const Feed feeds[] = {{setup.input, &normalized}};
  const std::string fetches[] = {setup.output};
  NABLA_ASSIGN_OR_RETURN(std::vector<Tensor> results, run(feeds, fetches));
  Tensor& result = results[0];
  const int64_t n = rows.shape().dim(0);
  if (result.shape().rank() < 1 || result.shape().dim(0) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(setup.output_label, ": node '", setup.output,
                     "' has shape ", result.shape().ToString(), " for ", n,
                     " input rows, not one row per input row"));
  }
  if (setup.normalizer != nullptr && !setup.output_units_of.empty()) {
    NABLA_RETURN_IF_ERROR(
        setup.normalizer->Invert(setup.output_units_of, result));
  }
  return std::move(result);
}

std::string RoundTripText(double value, DType dtype) {
  // float32: 9 significant digits always read back the same float.
  if (dtype == DType::kFloat32) return absl::StrFormat("%.9g", value);
  // float64: std::to_chars without a precision gives the shortest text
  // that reads back the same double.
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string FormatPredictions(const PredictionSetup& setup, const Tensor& rows,
                              const Tensor& outputs) {
  const int64_t n = rows.shape().dim(0);
  if (n == 0) return "";
  const int64_t in_width = rows.num_elements() / n;
  const int64_t out_width = outputs.num_elements() / n;
  const std::vector<double> values = outputs.ToDoubles();
  std::string text;
  for (int64_t r = 0; r < n; ++r) {
    std::vector<std::string> in;
    for (int64_t j = 0; j < in_width; ++j) {
      in.push_back(absl::StrFormat("%g", rows.ValueAt(r * in_width + j)));
    }
    const double* row = values.data() + r * out_width;
    std::string shown;
    if (setup.classifier) {
      const ClassChoice choice = ChooseClass(setup.output_op, row, out_width);
      shown = absl::StrFormat("%s  p=%.3f",
                              ClassLabel(choice.index, setup.class_names),
                              choice.probability);
    } else {
      std::vector<std::string> out;
      for (int64_t j = 0; j < out_width; ++j) {
        out.push_back(RoundTripText(row[j], outputs.dtype()));
      }
      shown = absl::StrCat("[", absl::StrJoin(out, ", "), "]");
    }
    absl::StrAppend(&text, "predict [", absl::StrJoin(in, ", "), "] -> ", shown,
                    "\n");
  }
  return text;
}

}  // namespace nabla
