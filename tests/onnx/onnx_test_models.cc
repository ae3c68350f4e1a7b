#include "tests/onnx/onnx_test_models.h"

#include <algorithm>

namespace nabla {

const float kW1[12] = {0.5f,  -1.0f, 0.25f, 2.0f, -0.5f,  1.5f,
                       0.75f, -2.0f, 1.0f,  0.5f, -0.25f, 0.125f};
const float kB1[4] = {0.1f, -0.2f, 0.3f, -0.4f};
const float kW2[4] = {1.0f, -0.5f, 2.0f, 0.25f};
const float kB2[1] = {0.05f};

OnnxModelBuilder::OnnxModelBuilder(int64_t opset) {
  model_.set_ir_version(8);
  model_.set_producer_name("nabla tests");
  onnx::OperatorSetIdProto* set = model_.add_opset_import();
  set->set_domain("");
  set->set_version(opset);
  model_.mutable_graph()->set_name("test");
}

OnnxModelBuilder& OnnxModelBuilder::Input(const std::string& name,
                                          std::vector<int64_t> dims,
                                          int32_t elem_type) {
  onnx::ValueInfoProto* input = model_.mutable_graph()->add_input();
  input->set_name(name);
  onnx::TypeProto::Tensor* type = input->mutable_type()->mutable_tensor_type();
  type->set_elem_type(elem_type);
  for (int64_t d : dims) {
    onnx::TensorShapeProto::Dimension* dim = type->mutable_shape()->add_dim();
    if (d < 0) {
      dim->set_dim_param("batch");
    } else {
      dim->set_dim_value(d);
    }
  }
  return *this;
}

OnnxModelBuilder& OnnxModelBuilder::Output(const std::string& name) {
  model_.mutable_graph()->add_output()->set_name(name);
  return *this;
}

OnnxModelBuilder& OnnxModelBuilder::Initializer(const std::string& name,
                                                std::vector<int64_t> dims,
                                                std::vector<float> values) {
  onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
  return *this;
}

onnx::NodeProto& OnnxModelBuilder::Node(const std::string& op_type,
                                        std::vector<std::string> inputs,
                                        std::vector<std::string> outputs,
                                        const std::string& name) {
  onnx::NodeProto* node = model_.mutable_graph()->add_node();
  node->set_op_type(op_type);
  node->set_name(name);
  for (const std::string& i : inputs) node->add_input(i);
  for (const std::string& o : outputs) node->add_output(o);
  return *node;
}

std::string OnnxModelBuilder::Bytes() const {
  return model_.SerializeAsString();
}

void SetIntAttr(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* attr = node.add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto::INT);
  attr->set_i(value);
}

void SetFloatAttr(onnx::NodeProto& node, const std::string& name, float value) {
  onnx::AttributeProto* attr = node.add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto::FLOAT);
  attr->set_f(value);
}

onnx::ModelProto MlpModel() {
  OnnxModelBuilder b;
  b.Input("x", {-1, 3}).Output("y");
  b.Initializer("W1", {3, 4}, std::vector<float>(kW1, kW1 + 12));
  b.Initializer("b1", {4}, std::vector<float>(kB1, kB1 + 4));
  b.Initializer("W2", {4, 1}, std::vector<float>(kW2, kW2 + 4));
  b.Initializer("b2", {1}, std::vector<float>(kB2, kB2 + 1));
  b.Node("Gemm", {"x", "W1", "b1"}, {"h"}, "fc1");
  b.Node("Relu", {"h"}, {"r"}, "relu");
  b.Node("Gemm", {"r", "W2", "b2"}, {"y"}, "fc2");
  return b.model();
}

double MlpOutput(const double x[3]) {
  double y = kB2[0];
  for (int j = 0; j < 4; ++j) {
    double h = kB1[j];
    for (int i = 0; i < 3; ++i) h += x[i] * kW1[i * 4 + j];
    y += std::max(h, 0.0) * kW2[j];
  }
  return y;
}

}  // namespace nabla
