#include "tests/ops/torch_cases.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/attrs.h"
#include "core/op_registry.h"
#include "gtest/gtest.h"

namespace nabla {
namespace {

// "name d0 d1 ... | v0 v1 ..." as a float64 tensor.
Tensor ReadTensor(const std::string& line, const std::string& name) {
  const size_t bar = line.find('|');
  const std::vector<int64_t> dims =
      Ints(line.substr(name.size(), bar - name.size()));
  std::istringstream in(line.substr(bar + 1));
  std::vector<double> values;
  // strtod, unlike >>, reads Python's "nan" and "inf" too.
  for (std::string v; in >> v;)
    values.push_back(std::strtod(v.c_str(), nullptr));
  return Tensor::FromValues(DType::kFloat64, Shape(dims), values);
}

}  // namespace

std::vector<int64_t> Ints(const std::string& text) {
  std::istringstream in(text);
  std::vector<int64_t> values;
  for (int64_t v; in >> v;) values.push_back(v);
  return values;
}

std::vector<TorchCase> ReadTorchCases(const std::string& path) {
  std::ifstream file(path);
  std::vector<TorchCase> cases;
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("case ", 0) == 0) {
      cases.emplace_back();
      cases.back().name = line.substr(5);
      continue;
    }
    if (cases.empty()) continue;
    TorchCase& c = cases.back();
    const std::string key = line.substr(0, line.find(' '));
    if (key == "attrs") {
      std::istringstream in(line.substr(6));
      for (std::string field; std::getline(in, field, '|');) {
        c.attrs.push_back(field);
      }
    } else {
      c.tensors[key] = ReadTensor(line, key);
    }
  }
  return cases;
}

void ExpectTensorsClose(const Tensor& got, const Tensor& want,
                        double tolerance) {
  ASSERT_EQ(got.shape(), want.shape())
      << got.shape().ToString() << " vs " << want.shape().ToString();
  for (int64_t i = 0; i < got.num_elements(); ++i) {
    ASSERT_NEAR(got.ValueAt(i), want.ValueAt(i), tolerance) << "element " << i;
  }
}

std::string OpOf(const TorchCase& c) {
  return c.attrs.empty() ? ""
                         : std::string(absl::StripAsciiWhitespace(c.attrs[0]));
}

AttrMap AttrsOf(const TorchCase& c) {
  AttrMap attrs;
  const absl::StatusOr<const OpDef*> op = OpRegistry::Global().Find(OpOf(c));
  if (!op.ok() || c.attrs.size() < 2) return attrs;
  for (absl::string_view pair :
       absl::StrSplit(c.attrs[1], ' ', absl::SkipEmpty())) {
    const std::vector<std::string> kv = absl::StrSplit(pair, '=');
    const AttrDef* def = nullptr;
    for (const AttrDef& d : (*op)->attrs()) {
      if (d.name == kv[0]) def = &d;
    }
    if (def == nullptr || kv.size() != 2) {
      ADD_FAILURE() << "case " << c.name << ": attribute " << pair;
      continue;
    }
    const std::string& value = kv[1];
    switch (def->type) {
      case AttrType::kInt:
        attrs[kv[0]] = MakeAttr(static_cast<int64_t>(std::stoll(value)));
        break;
      case AttrType::kBool:
        attrs[kv[0]] = MakeAttr(value == "1" || value == "true");
        break;
      case AttrType::kString:
        attrs[kv[0]] = MakeAttr(value);
        break;
      case AttrType::kIntList: {
        std::vector<int64_t> values;
        for (absl::string_view v : absl::StrSplit(value, ',')) {
          int64_t n = 0;
          EXPECT_TRUE(absl::SimpleAtoi(v, &n)) << c.name << ": " << v;
          values.push_back(n);
        }
        attrs[kv[0]] = MakeIntListAttr(values);
        break;
      }
      default:
        attrs[kv[0]] = MakeAttr(std::strtod(value.c_str(), nullptr));
    }
  }
  return attrs;
}

}  // namespace nabla
