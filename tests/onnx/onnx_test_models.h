// Small ONNX models built in C++ for the import tests (no Python needed).
#ifndef NABLA_TESTS_ONNX_ONNX_TEST_MODELS_H_
#define NABLA_TESTS_ONNX_ONNX_TEST_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace nabla {

// Builds a ModelProto of the default domain at `opset`.
class OnnxModelBuilder {
 public:
  explicit OnnxModelBuilder(int64_t opset = 13);

  // A float input; -1 dimensions are symbolic ("batch").
  OnnxModelBuilder& Input(const std::string& name, std::vector<int64_t> dims,
                          int32_t elem_type = onnx::TensorProto::FLOAT);
  OnnxModelBuilder& Output(const std::string& name);
  OnnxModelBuilder& Initializer(const std::string& name,
                                std::vector<int64_t> dims,
                                std::vector<float> values);
  // A node; attributes are added to the returned proto.
  onnx::NodeProto& Node(const std::string& op_type,
                        std::vector<std::string> inputs,
                        std::vector<std::string> outputs,
                        const std::string& name = "");

  onnx::ModelProto& model() { return model_; }
  std::string Bytes() const;

 private:
  onnx::ModelProto model_;
};

void SetIntAttr(onnx::NodeProto& node, const std::string& name, int64_t value);
void SetFloatAttr(onnx::NodeProto& node, const std::string& name, float value);

// x [batch, 3] -> Gemm(W1 [3, 4], b1) -> Relu -> Gemm(W2 [4, 1], b2) -> y,
// with the weights below.
onnx::ModelProto MlpModel();
extern const float kW1[12], kB1[4], kW2[4], kB2[1];
// The MLP's output for one row of 3, computed directly in double.
double MlpOutput(const double x[3]);

}  // namespace nabla

#endif  // NABLA_TESTS_ONNX_ONNX_TEST_MODELS_H_
