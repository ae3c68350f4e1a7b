// ONNX export against nabla itself: every op export covers, in models
// trained a few steps, is exported, imported back and must give the
// outputs the original gives for the same inputs; normalisation folds in;
// what has no ONNX form is refused by name.
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "nabla/model.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"
#include "tests/status_matchers.h"
#include "tests/test_files.h"

namespace nabla {
namespace {

using absl::StatusCode;

// Model-file text for a node: N("h", "ReLU", {"x"}, I("axis", 1)).
std::string N(const std::string& name, const std::string& op,
              const std::vector<std::string>& inputs,
              const std::string& attrs = "") {
  std::string text =
      absl::StrCat("node { name: \"", name, "\" op: \"", op, "\"");
  for (const std::string& input : inputs) {
    absl::StrAppend(&text, " input: \"", input, "\"");
  }
  return absl::StrCat(text, " ", attrs, " }\n");
}
std::string I(const std::string& key, int64_t v) {
  return absl::StrCat("attr { key: \"", key, "\" value { i: ", v, " } } ");
}
std::string F(const std::string& key, double v) {
  return absl::StrCat("attr { key: \"", key, "\" value { f: ", v, " } } ");
}
std::string S(const std::string& key, const std::string& v) {
  return absl::StrCat("attr { key: \"", key, "\" value { s: \"", v, "\" } } ");
}
std::string B(const std::string& key, bool v) {
  return absl::StrCat("attr { key: \"", key,
                      "\" value { b: ", v ? "true" : "false", " } } ");
}
std::string L(const std::string& key, const std::vector<int64_t>& v) {
  return absl::StrCat("attr { key: \"", key, "\" value { list { i: [",
                      absl::StrJoin(v, ", "), "] } } } ");
}
std::string Sh(const std::string& key, const std::vector<int64_t>& v) {
  std::string dims;
  for (int64_t d : v) absl::StrAppend(&dims, "dim: ", d, " ");
  return absl::StrCat("attr { key: \"", key, "\" value { shape { ", dims,
                      "} } } ");
}
std::string Input(const std::string& name, const std::vector<int64_t>& dims) {
  return N(name, "Placeholder", {}, Sh("shape", dims));
}

// Deterministic values in [-2, 2).
Values Rows(std::vector<int64_t> shape, int seed) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<double> data(n);
  uint32_t state = 12345u + 7919u * seed;
  for (double& v : data) {
    state = state * 1664525u + 1013904223u;
    v = (state >> 8) / double(1 << 24) * 4 - 2;
  }
  return Values(std::move(shape), std::move(data));
}

// ONNX's checker and strict shape inference with type checks, as
// onnx.checker.check_model(model, full_check=True).
void ExpectOnnxAccepts(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromIstream(&in)) << path;
  try {
    onnx::checker::check_model(model);
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(),
        onnx::ShapeInferenceOptions(/*check_type_val=*/true,
                                    /*strict_mode_val=*/1));
  } catch (const std::exception& e) {
    FAIL() << path << ": " << e.what();
  }
}

// Exports `model` (its `outputs`), imports the file back and checks that
// both give the same values for `feeds` (relative 1e-5: the ONNX forms of
// some ops compute in another order, GELU through Erf).
void ExpectRoundTrip(const Model& model, const std::vector<NamedValues>& feeds,
                     const std::vector<std::string>& outputs,
                     const std::string& file) {
  const std::string path = TestPath(file);
  ASSERT_OK(model.ExportOnnx(path, outputs));
  ExpectOnnxAccepts(path);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> imported, Model::FromOnnx(path));
  ASSERT_OK_AND_ASSIGN(std::vector<Values> expected, model.Run(feeds, outputs));
  std::vector<std::string> names;
  for (const std::string& o : outputs) {
    std::string name = o;
    for (char& c : name) c = c == ':' ? '_' : c;
    names.push_back(name);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Values> actual, imported->Run(feeds, names));
  for (size_t k = 0; k < outputs.size(); ++k) {
    SCOPED_TRACE(outputs[k]);
    ASSERT_EQ(actual[k].shape, expected[k].shape);
    for (size_t i = 0; i < expected[k].data.size(); ++i) {
      const double e = expected[k].data[i];
      ASSERT_NEAR(actual[k].data[i], e, 1e-5 * std::max(1.0, std::abs(e)))
          << "element " << i;
    }
  }
}

TEST(OnnxExportTest, TrainedCnnWithBatchNormAndDropout) {
  const std::string text = absl::StrCat(
      "graph {\n", Input("image", {-1, 1, 6, 6}), Input("label", {-1}),
      N("conv", "Conv2DLayer", {"image"},
        I("filters", 3) + L("kernel_size", {3, 3}) + S("padding", "same")),
      N("norm", "BatchNormLayer", {"conv"}, S("activation", "ReLU")),
      N("pool", "MaxPool2D", {"norm"}, L("kernel_shape", {2, 2})),
      N("avg", "AvgPool2D", {"pool"},
        L("kernel_shape", {2, 2}) + L("strides", {1, 1}) +
            L("pads", {1, 1, 0, 0}) + B("count_include_pad", false)),
      N("up", "Conv2DLayer", {"avg"},
        I("filters", 2) + L("kernel_size", {1, 1}) + I("group", 1)),
      N("global", "GlobalAvgPool", {"up"}), N("gmax", "GlobalMaxPool", {"up"}),
      N("both", "Concat", {"global", "gmax"}, I("axis", 1)),
      N("flat", "Flatten", {"both"}), N("drop", "Dropout", {"flat"}),
      N("logits", "Dense", {"drop"}, I("units", 3)),
      N("probs", "Softmax", {"logits"}),
      N("loss", "SparseSoftmaxCrossEntropy", {"logits", "label"}), "}\n",
      "training { loss: \"loss\" optimizer { name: \"Adam\" } seed: 4 }\n",
      "prediction { input: \"image\" output: \"probs\" }\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model, Model::FromString(text));
  const Values images = Rows({4, 1, 6, 6}, 1);
  for (int step = 0; step < 3; ++step) {
    ASSERT_OK(model
                  ->TrainStep(
                      {{"image", images}, {"label", Values({4}, {0, 2, 1, 2})}})
                  .status());
  }
  ExpectRoundTrip(*model, {{"image", Rows({3, 1, 6, 6}, 2)}},
                  {"probs", "logits"}, "cnn.onnx");
}

TEST(OnnxExportTest, ActivationsAndArithmetic) {
  std::string graph = Input("x", {-1, 4}) + Input("z", {-1, 4});
  const std::vector<std::pair<std::string, std::string>> unary = {
      {"Sigmoid", ""},
      {"Tanh", ""},
      {"ReLU", ""},
      {"Softplus", ""},
      {"Softsign", ""},
      {"SELU", ""},
      {"SiLU", ""},
      {"Mish", ""},
      {"GELU", ""},
      {"HardSigmoid", ""},
      {"Abs", ""},
      {"Neg", ""},
      {"Exp", ""},
      {"Square", ""},
      {"Erf", ""},
      {"Floor", ""},
      {"Ceil", ""},
      {"Round", ""},
      {"Trunc", ""},
      {"Identity", ""},
      {"Softmax", ""},
      {"LogSoftmax", ""},
      {"ELU", F("alpha", 0.7)},
      {"LeakyReLU", F("alpha", 0.2)},
      {"Swish", F("beta", 1.5)},
      {"Clip", F("min", -0.5) + F("max", 0.75)}};
  std::vector<std::string> outputs;
  for (const auto& [op, attrs] : unary) {
    graph += N("u_" + op, op, {"x"}, attrs);
    outputs.push_back("u_" + op);
  }
  graph += N("gelu_tanh", "GELU", {"x"}, S("approximate", "tanh"));
  graph += N("abs_z", "Abs", {"z"});
  graph += N("positive", "Add", {"abs_z", "one"});
  graph += N("one", "Const", {},
             "attr { key: \"value\" value { tensor { value: 1 } } }");
  graph += N("log", "Log", {"positive"}) + N("sqrt", "Sqrt", {"positive"});
  graph += N("pow", "Pow", {"positive", "x"});
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Min"}) {
    graph += N(absl::StrCat("b_", op), op, {"x", "positive"});
    outputs.push_back(absl::StrCat("b_", op));
  }
  for (const char* op :
       {"Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual"}) {
    graph += N(absl::StrCat("c_", op), op, {"x", "z"});
    outputs.push_back(absl::StrCat("c_", op));
  }
  graph += N("where", "Where", {"c_Greater", "x", "z"});
  outputs.insert(outputs.end(), {"gelu_tanh", "log", "sqrt", "pow", "where"});
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model,
                       Model::FromString("graph {\n" + graph + "}\n"));
  Values z = Rows({3, 4}, 4);
  z.data[0] = Rows({3, 4}, 3).data[0];  // one tie for Equal
  ExpectRoundTrip(*model, {{"x", Rows({3, 4}, 3)}, {"z", z}}, outputs,
                  "activations.onnx");
}

TEST(OnnxExportTest, ShapesReductionsAndIndices) {
  const std::string graph = absl::StrCat(
      Input("x", {-1, 3, 4}), Input("i", {-1}),
      N("t", "Transpose", {"x"}, L("perm", {0, 2, 1})),
      N("r", "Reshape", {"t"}, Sh("shape", {-1, 12})),
      N("s", "Slice", {"r"},
        L("starts", {1}) + L("ends", {11}) + L("axes", {1}) + L("steps", {2})),
      N("p", "Pad", {"s"}, L("pads", {0, 1, 0, 2}) + F("value", 0.5)),
      N("pe", "Pad", {"s"}, L("pads", {0, 1, 0, 1}) + S("mode", "edge")),
      N("parts", "Split", {"x"}, I("axis", 2) + L("split", {1, 3})),
      N("j", "Concat", {"parts:1", "parts"}, I("axis", 2)),
      N("g", "Gather", {"x", "i"}, I("axis", 1)),
      N("rs", "ReduceSum", {"x"}, L("axes", {1}) + B("keep_dims", true)),
      N("rm", "ReduceMean", {"x"}, L("axes", {2})), N("rx", "ReduceMax", {"x"}),
      N("rn", "ReduceMin", {"x"}, L("axes", {1})),
      N("am", "ArgMax", {"x"}, I("axis", 2)),
      N("an", "ArgMin", {"x"}, I("axis", 1) + B("keep_dims", true)),
      N("oh", "OneHot", {"i"}, I("depth", 3)),
      N("w", "Variable", {},
        Sh("shape", {4, 3}) + S("initializer", "uniform") + F("minval", -1) +
            F("maxval", 1)),
      N("mm", "MatMul", {"x", "w"}, B("transpose_a", false)),
      N("mt", "MatMul", {"w", "x"},
        B("transpose_a", true) + B("transpose_b", true)),
      N("bias", "Variable", {},
        Sh("shape", {3}) + S("initializer", "uniform") + F("minval", -1) +
            F("maxval", 1)),
      N("ba", "BiasAdd", {"x", "bias"}, I("axis", 1)),
      N("scale", "Variable", {}, Sh("shape", {4}) + S("initializer", "ones")),
      N("shift", "Variable", {}, Sh("shape", {4}) + S("initializer", "zeros")),
      N("ln", "LayerNorm", {"x", "scale", "shift"}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model,
                       Model::FromString("graph {\n" + graph + "}\n"));
  ExpectRoundTrip(*model,
                  {{"x", Rows({2, 3, 4}, 5)}, {"i", Values({2}, {2, 0})}},
                  {"p", "pe", "parts", "parts:1", "j", "g", "rs", "rm", "rx",
                   "rn", "am", "an", "oh", "mm", "mt", "ba", "ln"},
                  "shapes.onnx");
}

TEST(OnnxExportTest, NormalisationIsFoldedIn) {
  // y = 2 x0 - x1 + 1, fitted on standardised inputs and target.
  const std::string text = absl::StrCat(
      "graph {\n", Input("x", {-1, 2}), Input("y", {-1, 1}),
      N("out", "Dense", {"x"}, I("units", 1)),
      N("loss", "MeanSquaredError", {"out", "y"}), "}\n",
      R"(training { loss: "loss" optimizer { name: "Adam" attr { key: "learning_rate" value { f: 0.05 } } } epochs: 40 batch_size: 4 seed: 2 }
prediction { input: "x" output: "out" output_units_of: "y" }
data {
  feed { placeholder: "x" tensor { shape { dim: 6 dim: 2 } value: [1, 2, 3, 1, 5, 9, 2, 2, 8, 1, 0, 4] } }
  feed { placeholder: "y" tensor { shape { dim: 6 dim: 1 } value: [1, 6, 2, 3, 16, -3] } }
  normalize { placeholder: "x" method: STANDARDIZE }
  normalize { placeholder: "y" method: STANDARDIZE }
})");
  // Without its data, the model has no statistics to fold in.
  ModelOptions no_data;
  no_data.load_data = false;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> unfitted,
                       Model::FromString(text, no_data));
  EXPECT_STATUS(unfitted->ExportOnnx(TestPath("unfitted.onnx")),
                StatusCode::kFailedPrecondition,
                "normalizes 'x' but has no statistics fitted to its data");

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model, Model::FromString(text));
  ASSERT_OK(model->Train().status());
  const std::string path = TestPath("normalised.onnx");
  ASSERT_OK(model->ExportOnnx(path));
  ExpectOnnxAccepts(path);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> imported, Model::FromOnnx(path));
  const Values raw({2, 2}, {4, 3, -1, 0.5});
  ASSERT_OK_AND_ASSIGN(Values expected, model->Predict(raw));
  ASSERT_OK_AND_ASSIGN(Values actual, imported->Predict(raw));
  for (int r = 0; r < 2; ++r) {
    EXPECT_NEAR(actual.data[r], expected.data[r],
                1e-5 * std::max(1.0, std::abs(expected.data[r])));
  }
  // In the data's units, near the line it learned.
  EXPECT_NEAR(actual.data[0], 2 * 4 - 3 + 1, 0.5);
}

TEST(OnnxExportTest, WhatHasNoOnnxFormIsRefusedByName) {
  const std::string text =
      absl::StrCat("graph {\n", Input("x", {-1, 2}), Input("y", {-1, 2}),
                   N("loss", "MeanSquaredError", {"x", "y"}), "}\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model, Model::FromString(text));
  const std::string path = TestPath("loss.onnx");
  EXPECT_STATUS(model->ExportOnnx(path, {"loss"}), StatusCode::kInvalidArgument,
                "node 'loss' (MeanSquaredError)");
  EXPECT_STATUS(model->ExportOnnx(path), StatusCode::kInvalidArgument,
                "ONNX export needs an output");
  EXPECT_EQ(model->ExportOnnx(path, {"nothere"}).code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::ifstream(path).good());
  EXPECT_EQ(model->ExportOnnx(TestPath("no/such/dir/m.onnx"), {"x"}).code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace nabla
