// ONNX import through the embedding API: a model's numbers against ones
// computed directly, fine-tuning from a model file that names an ONNX
// graph, and every class of bad input with the message that names it.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nabla/model.h"
#include "tests/onnx/onnx_test_models.h"
#include "tests/status_matchers.h"
#include "tests/test_files.h"

namespace nabla {
namespace {

using absl::StatusCode;

std::string WriteModel(const std::string& name, const onnx::ModelProto& model) {
  const std::string path = TestPath(name);
  WriteFile(path, model.SerializeAsString());
  return path;
}

TEST(OnnxImportTest, MlpPredictsWhatItsWeightsCompute) {
  const std::string path = WriteModel("mlp.onnx", MlpModel());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model, Model::FromOnnx(path));
  EXPECT_EQ(model->prediction_input(), "x");
  EXPECT_EQ(model->prediction_output(), "y");
  const std::vector<double> rows = {0.5, -1, 2, 3, 0.25, -0.75};
  ASSERT_OK_AND_ASSIGN(Values y, model->Predict(Values({2, 3}, rows)));
  ASSERT_EQ(y.shape, (std::vector<int64_t>{2, 1}));
  for (int r = 0; r < 2; ++r) {
    EXPECT_NEAR(y.data[r], MlpOutput(&rows[3 * r]), 1e-6) << "row " << r;
  }
  ASSERT_OK_AND_ASSIGN(Values w1, model->Variable("W1"));
  EXPECT_EQ(w1.data[3], 2.0);
  // FromFile imports a .onnx path too.
  EXPECT_OK(Model::FromFile(path).status());
}

TEST(OnnxImportTest, UnsupportedNodesAreListedAllAtOnce) {
  OnnxModelBuilder b;
  b.Input("x", {2, 2}).Output("z");
  b.Node("Relu", {"x"}, {"r"});
  b.Node("Det", {"r"}, {"d"}, "determinant");
  b.Node("Cos", {"d"}, {"z"});
  const std::string path = WriteModel("unsupported.onnx", b.model());
  const absl::Status status = Model::FromOnnx(path).status();
  EXPECT_STATUS(status, StatusCode::kUnimplemented,
                "2 nodes with an op nabla does not import");
  EXPECT_STATUS(status, StatusCode::kUnimplemented,
                "node 'determinant' (Det, opset 13)");
  EXPECT_STATUS(status, StatusCode::kUnimplemented, "node 'z' (Cos, opset 13)");
}

TEST(OnnxImportTest, OtherDomainsAndOpsetsAreRefusedByName) {
  OnnxModelBuilder future(18);
  future.Input("x", {2}).Output("y").Node("Relu", {"x"}, {"y"});
  EXPECT_STATUS(
      Model::FromOnnx(WriteModel("future.onnx", future.model())).status(),
      StatusCode::kUnimplemented,
      "opset 18 of the default ONNX domain is not supported "
      "(nabla imports 1 to 17)");
  OnnxModelBuilder ml;
  ml.Input("x", {2}).Output("y");
  ml.Node("Scaler", {"x"}, {"y"}, "scale").set_domain("ai.onnx.ml");
  EXPECT_STATUS(Model::FromOnnx(WriteModel("ml.onnx", ml.model())).status(),
                StatusCode::kUnimplemented,
                "node 'scale' (Scaler, domain 'ai.onnx.ml')");
}

TEST(OnnxImportTest, FilesThatAreNotModelsAreRefused) {
  const std::string text = TestPath("text.onnx");
  WriteFile(text, "this is not a protobuf message at all");
  EXPECT_STATUS(Model::FromOnnx(text).status(), StatusCode::kInvalidArgument,
                "text.onnx: not an ONNX model");
  const std::string empty = TestPath("empty.onnx");
  WriteFile(empty, "");
  EXPECT_STATUS(Model::FromOnnx(empty).status(), StatusCode::kInvalidArgument,
                "empty.onnx: not an ONNX model (it has no graph)");
  EXPECT_EQ(Model::FromOnnx(TestPath("missing.onnx")).status().code(),
            StatusCode::kNotFound);
}

// An initializer whose values live in a file beside the model.
onnx::ModelProto ExternalWeights(const std::string& location) {
  OnnxModelBuilder b;
  b.Input("x", {1, 2}).Output("y");
  b.Node("MatMul", {"x", "w"}, {"y"});
  onnx::TensorProto* w = b.model().mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->add_dims(1);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  onnx::StringStringEntryProto* entry = w->add_external_data();
  entry->set_key("location");
  entry->set_value(location);
  entry = w->add_external_data();
  entry->set_key("offset");
  entry->set_value("4");
  return b.model();
}

TEST(OnnxImportTest, ExternalDataIsReadBesideTheModel) {
  const float values[3] = {99.0f, 1.5f, -2.0f};  // the first is skipped
  WriteFile(TestPath("weights.bin"),
            std::string(reinterpret_cast<const char*>(values), sizeof(values)));
  const std::string path =
      WriteModel("external.onnx", ExternalWeights("weights.bin"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model, Model::FromOnnx(path));
  ASSERT_OK_AND_ASSIGN(Values y, model->Predict(Values({1, 2}, {2, 1})));
  EXPECT_EQ(y.data[0], 2 * 1.5 - 2.0);

  EXPECT_STATUS(
      Model::FromOnnx(WriteModel("gone.onnx", ExternalWeights("gone.bin")))
          .status(),
      StatusCode::kNotFound, "initializer 'w': external data");
  EXPECT_STATUS(
      Model::FromOnnx(WriteModel("escape.onnx", ExternalWeights("../w.bin")))
          .status(),
      StatusCode::kInvalidArgument,
      "external data location '../w.bin' must be a relative path");
  WriteFile(TestPath("short.bin"), std::string(6, '\0'));
  EXPECT_STATUS(
      Model::FromOnnx(WriteModel("short.onnx", ExternalWeights("short.bin")))
          .status(),
      StatusCode::kInvalidArgument, "2 bytes of data for 2 elements of float");
}

TEST(OnnxImportTest, BadAttributesAndShapesNameTheNode) {
  onnx::ModelProto typed = MlpModel();
  SetFloatAttr(*typed.mutable_graph()->mutable_node(0), "transA", 1.0f);
  EXPECT_STATUS(Model::FromOnnx(WriteModel("typed.onnx", typed)).status(),
                StatusCode::kInvalidArgument,
                "node 'fc1' (Gemm, opset 13): attribute 'transA' is FLOAT, "
                "expected INT");

  OnnxModelBuilder shapes;
  shapes.Input("a", {2, 3}).Input("b", {4}).Output("c");
  shapes.Node("Add", {"a", "b"}, {"c"}, "sum");
  EXPECT_STATUS(
      Model::FromOnnx(WriteModel("shapes.onnx", shapes.model())).status(),
      StatusCode::kInvalidArgument, "node 'sum' (Add, opset 13): shapes");

  OnnxModelBuilder order;
  order.Input("a", {2}).Output("c");
  order.Node("Relu", {"b"}, {"c"}, "first");
  order.Node("Relu", {"a"}, {"b"}, "second");
  EXPECT_STATUS(
      Model::FromOnnx(WriteModel("order.onnx", order.model())).status(),
      StatusCode::kInvalidArgument,
      "node 'first' (Relu, opset 13): input 'b' is not defined before the "
      "node");

  OnnxModelBuilder axis;
  axis.Input("a", {2, 3}).Output("s");
  SetIntAttr(axis.Node("Softmax", {"a"}, {"s"}, "soft"), "axis", 5);
  EXPECT_STATUS(Model::FromOnnx(WriteModel("axis.onnx", axis.model())).status(),
                StatusCode::kInvalidArgument,
                "node 'soft' (Softmax, opset 13): axis 5 is out of range for "
                "rank 2");
}

TEST(OnnxImportTest, ShapesFedAtRunTimeAreNotSupported) {
  OnnxModelBuilder b;
  b.Input("x", {2, 3}).Input("shape", {2}, onnx::TensorProto::INT64);
  b.Output("y").Node("Reshape", {"x", "shape"}, {"y"}, "reshape");
  EXPECT_STATUS(Model::FromOnnx(WriteModel("fed.onnx", b.model())).status(),
                StatusCode::kUnimplemented,
                "node 'reshape' (Reshape, opset 13): input 1 (shape, 'shape') "
                "must be known when the model is loaded");
}

// A model file that starts from the MLP and trains it on y = x0 + x1.
std::string FineTuneModel(bool freeze) {
  return absl::StrCat(R"(
onnx { path: "mlp.onnx" freeze: )",
                      freeze ? "true" : "false", R"( }
graph {
  node { name: "target" op: "Placeholder"
         attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "out" op: "Dense" input: "y"
         attr { key: "units" value { i: 1 } } }
  node { name: "loss" op: "MeanSquaredError" input: "out" input: "target" }
}
training {
  loss: "loss"
  optimizer { name: "SGD" attr { key: "learning_rate" value { f: 0.01 } } }
  epochs: 30
  batch_size: 4
  seed: 3
}
data {
  feed { placeholder: "x" tensor { shape { dim: 4 dim: 3 }
         value: [1, 0, 0, 0, 1, 0, 1, 1, 1, 0.5, 0.5, 2] } }
  feed { placeholder: "target" tensor { shape { dim: 4 dim: 1 }
         value: [1, 1, 2, 1] } }
}
)");
}

TEST(OnnxImportTest, ModelFileFineTunesAnImportedGraph) {
  WriteModel("mlp.onnx", MlpModel());
  for (const bool freeze : {false, true}) {
    SCOPED_TRACE(freeze ? "frozen" : "trainable");
    ModelOptions options;
    options.base_dir = std::getenv("TEST_TMPDIR");
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model,
                         Model::FromString(FineTuneModel(freeze), options));
    ASSERT_OK_AND_ASSIGN(TrainingResult result, model->Train());
    ASSERT_EQ(result.epochs.size(), 30u);
    EXPECT_LT(result.epochs.back().loss, 0.5 * result.epochs.front().loss);
    ASSERT_OK_AND_ASSIGN(Values w1, model->Variable("W1"));
    const bool unchanged = std::equal(w1.data.begin(), w1.data.end(), kW1);
    EXPECT_EQ(unchanged, freeze);
  }
}

TEST(OnnxImportTest, ModelFileNodeNamedLikeAnOnnxNodeIsRefused) {
  WriteModel("mlp.onnx", MlpModel());
  ModelOptions options;
  options.base_dir = std::getenv("TEST_TMPDIR");
  EXPECT_STATUS(Model::FromString(R"(onnx { path: "mlp.onnx" }
graph { node { name: "r" op: "Identity" input: "x" } })",
                                  options)
                    .status(),
                StatusCode::kInvalidArgument,
                "node 'r' has the name of a node of");
  EXPECT_STATUS(
      Model::FromString(R"(onnx { path: "nothere.onnx" })", options).status(),
      StatusCode::kNotFound, "nothere.onnx");
}

}  // namespace
}  // namespace nabla
