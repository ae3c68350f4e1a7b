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
      StatusCode::kInvalidArgument,
      "holds 6 bytes; the tensor needs 8 from offset 4");
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

TEST(OnnxImportTest, BadWindowsConstantsAndNamesAreRefused) {
  OnnxModelBuilder window;
  window.Input("x", {1, 1, 4, 4}).Output("y");
  onnx::NodeProto& pool = window.Node("MaxPool", {"x"}, {"y"}, "pool");
  onnx::AttributeProto* kernel = pool.add_attribute();
  kernel->set_name("kernel_shape");
  kernel->set_type(onnx::AttributeProto::INTS);
  kernel->add_ints(2);
  kernel->add_ints(2);
  onnx::AttributeProto* strides = pool.add_attribute();
  *strides = *kernel;
  strides->set_name("strides");
  strides->set_ints(0, 0);
  onnx::AttributeProto* pad = pool.add_attribute();
  pad->set_name("auto_pad");
  pad->set_type(onnx::AttributeProto::STRING);
  pad->set_s("SAME_LOWER");
  EXPECT_STATUS(
      Model::FromOnnx(WriteModel("window.onnx", window.model())).status(),
      StatusCode::kInvalidArgument,
      "node 'pool' (MaxPool, opset 13): attribute 'strides' holds 0");

  OnnxModelBuilder twice;
  twice.Input("x", {2}).Output("y");
  twice.Node("Relu", {"x"}, {"y"}, "first");
  twice.Node("Neg", {"x"}, {"y"}, "second");
  EXPECT_STATUS(
      Model::FromOnnx(WriteModel("twice.onnx", twice.model())).status(),
      StatusCode::kInvalidArgument,
      "node 'second' (Neg, opset 13): its output 'y' is already defined");
}

TEST(OnnxImportTest, ConstantsOfDifferentDimsDoNotConcatenate) {
  OnnxModelBuilder b;
  b.Input("x", {2, 3}).Output("y");
  onnx::TensorProto* a = b.model().mutable_graph()->add_initializer();
  a->set_name("a");
  a->set_data_type(onnx::TensorProto::INT64);
  a->add_dims(1);
  a->add_dims(2);
  a->add_int64_data(1);
  a->add_int64_data(2);
  onnx::TensorProto* c = b.model().mutable_graph()->add_initializer();
  *c = *a;
  c->set_name("c");
  c->set_dims(1, 1);
  c->mutable_int64_data()->RemoveLast();
  SetIntAttr(b.Node("Concat", {"a", "c"}, {"joined"}, "join"), "axis", 0);
  b.Node("Reshape", {"x", "joined"}, {"y"});
  EXPECT_STATUS(Model::FromOnnx(WriteModel("dims.onnx", b.model())).status(),
                StatusCode::kInvalidArgument,
                "node 'join' (Concat, opset 13): the inputs differ in element "
                "type or in a dimension other than axis 0: [1, 2] int64 and "
                "[1, 1] int64");
}

TEST(OnnxImportTest, FoldedCastsWrapAndNamesFollowTheOptions) {
  OnnxModelBuilder b;
  b.Output("y");
  onnx::NodeProto& constant = b.Node("Constant", {}, {"big"});
  onnx::AttributeProto* value = constant.add_attribute();
  value->set_name("value_ints");
  value->set_type(onnx::AttributeProto::INTS);
  value->add_ints(300);
  value->add_ints(-129);
  SetIntAttr(b.Node("Cast", {"big"}, {"y"}), "to", onnx::TensorProto::INT8);
  ModelOptions options;
  options.source_name = "casts";
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Model> model,
      Model::FromOnnx(WriteModel("cast.onnx", b.model()), options));
  ASSERT_OK_AND_ASSIGN(std::vector<Values> y, model->Run({}, {"y"}));
  EXPECT_EQ(y[0].data, (std::vector<double>{44, 127}));
  b.Node("Det", {"y"}, {"z"});
  EXPECT_STATUS(
      Model::FromOnnx(WriteModel("cast2.onnx", b.model()), options).status(),
      StatusCode::kUnimplemented, "casts: 1 node with an op");
}

TEST(OnnxImportTest, ConstantsOfDifferentTypesDoNotConcatenate) {
  OnnxModelBuilder b;
  b.Input("x", {2, 3}).Output("y");
  b.Node("Constant", {}, {"a"}).add_attribute()->CopyFrom([] {
    onnx::AttributeProto value;
    value.set_name("value_ints");
    value.set_type(onnx::AttributeProto::INTS);
    value.add_ints(2);
    return value;
  }());
  onnx::NodeProto& f = b.Node("Constant", {}, {"f"});
  SetFloatAttr(f, "value_float", 1.5f);
  b.Node("Unsqueeze", {"f", "axis"}, {"f1"});
  onnx::TensorProto* axis = b.model().mutable_graph()->add_initializer();
  axis->set_name("axis");
  axis->set_data_type(onnx::TensorProto::INT64);
  axis->add_dims(1);
  axis->add_int64_data(0);
  SetIntAttr(b.Node("Concat", {"a", "f1"}, {"shape"}, "join"), "axis", 0);
  b.Node("Reshape", {"x", "shape"}, {"y"});
  EXPECT_STATUS(Model::FromOnnx(WriteModel("concat.onnx", b.model())).status(),
                StatusCode::kInvalidArgument,
                "node 'join' (Concat, opset 13): the inputs differ in element "
                "type");
}

// x [batch, 2, 3] -> Relu -> Reshape to [batch, -1] (PyTorch's
// x.view(x.size(0), -1)), the batch size read with Shape from x, or with
// `between`:
//   "merged":   the Relu's output reshaped to [-1, 3] first (dimension 0
//               is 2 x the batch);
//   "flatten2": flattened from axis 2 first (dimension 0 is 2 x batch);
//   "own":      reshaped to [-1, 3] first, the size read from that tensor
//               itself.
onnx::ModelProto ViewModel(const std::string& between) {
  OnnxModelBuilder b;
  b.Input("x", {-1, 2, 3}).Output("y");
  b.Node("Relu", {"x"}, {"r"});
  onnx::TensorProto* ints = b.model().mutable_graph()->add_initializer();
  ints->set_name("zero");
  ints->set_data_type(onnx::TensorProto::INT64);
  ints->add_int64_data(0);
  onnx::TensorProto* rest = b.model().mutable_graph()->add_initializer();
  rest->set_name("rest");
  rest->set_data_type(onnx::TensorProto::INT64);
  rest->add_dims(1);
  rest->add_int64_data(-1);
  onnx::TensorProto* axes = b.model().mutable_graph()->add_initializer();
  *axes = *rest;
  axes->set_name("axes");
  axes->set_int64_data(0, 0);
  onnx::TensorProto* flat = b.model().mutable_graph()->add_initializer();
  flat->set_name("flat");
  flat->set_data_type(onnx::TensorProto::INT64);
  flat->add_dims(2);
  flat->add_int64_data(-1);
  flat->add_int64_data(3);
  std::string data = "r";
  if (between == "merged" || between == "own") {
    b.Node("Reshape", {"r", "flat"}, {"merged"});
    data = "merged";
  } else if (between == "flatten2") {
    SetIntAttr(b.Node("Flatten", {"r"}, {"flat2"}), "axis", 2);
    data = "flat2";
  }
  b.Node("Shape", {between == "own" ? data : "x"}, {"shape"});
  b.Node("Gather", {"shape", "zero"}, {"n"});
  b.Node("Unsqueeze", {"n", "axes"}, {"n1"});
  SetIntAttr(b.Node("Concat", {"n1", "rest"}, {"target"}), "axis", 0);
  b.Node("Reshape", {data, "target"}, {"y"}, "view");
  return b.model();
}

TEST(OnnxImportTest, ReshapeCopiesTheBatchSizeReadWithShape) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model,
                       Model::FromOnnx(WriteModel("view.onnx", ViewModel(""))));
  std::vector<double> rows(12);
  for (int i = 0; i < 12; ++i) rows[i] = i - 5;
  ASSERT_OK_AND_ASSIGN(Values y, model->Predict(Values({2, 2, 3}, rows)));
  ASSERT_EQ(y.shape, (std::vector<int64_t>{2, 6}));
  for (int i = 0; i < 12; ++i) EXPECT_EQ(y.data[i], std::max(rows[i], 0.0));
  // Dimension 0 of the merged tensor is 2 x the batch: the batch size
  // read from x is not its size, and nabla says so rather than guess.
  for (const std::string between : {"merged", "flatten2"}) {
    SCOPED_TRACE(between);
    EXPECT_STATUS(
        Model::FromOnnx(WriteModel(between + ".onnx", ViewModel(between)))
            .status(),
        StatusCode::kUnimplemented,
        "node 'view' (Reshape, opset 13): shape[0] is a size known only "
        "when data is fed that is not this tensor's own batch size");
  }
  // A tensor's own size, whatever made it, is its size.
  ASSERT_OK_AND_ASSIGN(
      model, Model::FromOnnx(WriteModel("own.onnx", ViewModel("own"))));
  ASSERT_OK_AND_ASSIGN(std::vector<Values> own,
                       model->Run({{"x", Values({2, 2, 3}, rows)}}, {"y"}));
  EXPECT_EQ(own[0].shape, (std::vector<int64_t>{4, 3}));
}

TEST(OnnxImportTest, WeightsThroughIdentityStayVariables) {
  OnnxModelBuilder b;
  b.Input("x", {-1, 2}).Output("y");
  b.Initializer("w", {2, 1}, {0.5f, -1.0f});
  b.Node("Identity", {"w"}, {"w_copy"});
  b.Node("MatMul", {"x", "w_copy"}, {"y"});
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model,
                       Model::FromOnnx(WriteModel("identity.onnx", b.model())));
  EXPECT_EQ(model->VariableNames(), std::vector<std::string>{"w"});
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
