// Reads the cases that tests/ops/testdata/make_*_cases.py write with
// PyTorch, for op tests to compare with:
//
//   case <name>
//   attrs <fields separated by '|'>
//   <tensor name> <dims> | <values>      (float64, row-major)
//   ...
#ifndef NABLA_TESTS_OPS_TORCH_CASES_H_
#define NABLA_TESTS_OPS_TORCH_CASES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/gradient_check.h"
#include "core/tensor.h"

namespace nabla {

struct TorchCase {
  std::string name;
  // The text of each '|'-separated field of the attrs line.
  std::vector<std::string> attrs;
  std::map<std::string, Tensor> tensors;
};

// The cases of `path`; empty when the file cannot be read.
std::vector<TorchCase> ReadTorchCases(const std::string& path);

// The integers of `text`, e.g. of an attrs field "1 2".
std::vector<int64_t> Ints(const std::string& text);

// The op named by field 0 of a case's attrs line ("attrs Max | ...").
std::string OpOf(const TorchCase& c);

// The attributes of field 1, "key=value ..." (lists as "0,2"), each read
// as the type `op` declares for it.
AttrMap AttrsOf(const TorchCase& c);

// got and want have one shape, and each element of got is within
// `tolerance` of want's.
void ExpectTensorsClose(const Tensor& got, const Tensor& want,
                        double tolerance = 1e-12);

}  // namespace nabla

#endif  // NABLA_TESTS_OPS_TORCH_CASES_H_
