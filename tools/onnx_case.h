// One case of ONNX's backend conformance data (libonnx-testdata): a
// model.onnx and test_data_set_*/{input,output}_k.pb, run through nabla's
// import and compared with ONNX's expected outputs.
#ifndef NABLA_TOOLS_ONNX_CASE_H_
#define NABLA_TOOLS_ONNX_CASE_H_

#include <string>
#include <vector>

namespace nabla {

struct OnnxCaseResult {
  enum class Outcome { kPassed, kFailed, kNotSupported };
  Outcome outcome = Outcome::kFailed;
  // Why it failed or is not supported (the first line of the error, or
  // the first output element that differs).
  std::string reason;
  // The op types of the case's model, sorted.
  std::vector<std::string> op_types;
};

// Float outputs must agree within atol + rtol * |expected| (ONNX's own
// runner: rtol 1e-3, atol 1e-7); integer and bool outputs exactly.
struct OnnxTolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

// Imports `dir`/model.onnx and runs every test_data_set_* in it. Not
// supported: the import says Unimplemented (an op, attribute or input form
// nabla lacks). Failed: any other error, or an output that differs.
// Cases that feed as graph inputs what nabla must know when the model is
// loaded (Reshape's shape, OneHot's values) run with those inputs made
// initializers holding the data set's values, as a user would write them.
OnnxCaseResult RunOnnxCase(const std::string& dir,
                           const OnnxTolerance& tolerance = {});

}  // namespace nabla

#endif  // NABLA_TOOLS_ONNX_CASE_H_
