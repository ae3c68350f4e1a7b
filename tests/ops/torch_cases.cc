#include "tests/ops/torch_cases.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

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

}  // namespace nabla
