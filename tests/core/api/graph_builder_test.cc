// GraphBuilder against the model file format: the same model written
// either way is the same model, and a built model trains.
#include "nabla/graph_builder.h"

#include "core/model_parser.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nabla/model.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

using google::protobuf::util::MessageDifferencer;

GraphBuilder XorBuilder() {
  GraphBuilder b;
  const std::string x = b.Placeholder("x", {-1, 2});
  const std::string y = b.Placeholder("y", {-1, 1});
  const std::string h =
      b.Dense("hidden", x, 4, "Sigmoid",
              {{"initializer", "uniform"}, {"minval", -1.0}, {"maxval", 1.0}});
  const std::string out = b.Dense("out", h, 1, "Sigmoid");
  TrainingSpec spec;
  spec.optimizer_attrs = {{"learning_rate", 4.0}};
  spec.epochs = 3000;
  spec.batch_size = 4;
  spec.seed = 1;
  b.Train(b.Op("MeanSquaredError", "loss", {out, y}), spec);
  b.Feed("x", Values({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1}));
  b.Feed("y", Values({4, 1}, {0, 1, 1, 0}));
  b.Predict(x, out);
  return b;
}

// The same model as a model file says it.
constexpr char kXorText[] = R"(
format_version: 1
graph {
  node { name: "x" op: "Placeholder"
         attr { key: "shape" value { shape { dim: -1 dim: 2 } } }
         attr { key: "dtype" value { s: "float32" } } }
  node { name: "y" op: "Placeholder"
         attr { key: "shape" value { shape { dim: -1 dim: 1 } } }
         attr { key: "dtype" value { s: "float32" } } }
  node { name: "hidden" op: "Dense" input: "x"
         attr { key: "units" value { i: 4 } }
         attr { key: "activation" value { s: "Sigmoid" } }
         attr { key: "initializer" value { s: "uniform" } }
         attr { key: "minval" value { f: -1 } }
         attr { key: "maxval" value { f: 1 } } }
  node { name: "out" op: "Dense" input: "hidden"
         attr { key: "units" value { i: 1 } }
         attr { key: "activation" value { s: "Sigmoid" } } }
  node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" }
}
training {
  loss: "loss"
  optimizer { name: "SGD" attr { key: "learning_rate" value { f: 4 } } }
  epochs: 3000 batch_size: 4 seed: 1
}
prediction { input: "x" output: "out" }
data {
  feed { placeholder: "x"
         tensor { dtype: DT_FLOAT64 shape { dim: 4 dim: 2 }
                  value: [0, 0, 0, 1, 1, 0, 1, 1] } }
  feed { placeholder: "y"
         tensor { dtype: DT_FLOAT64 shape { dim: 4 dim: 1 }
                  value: [0, 1, 1, 0] } }
}
)";

TEST(GraphBuilderTest, BuildsWhatTheModelFileSays) {
  ASSERT_OK_AND_ASSIGN(const std::string built, XorBuilder().Build());
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed, ParseModelText(kXorText, "xor"));
  ASSERT_OK_AND_ASSIGN(ParsedModel reread, ParseModelText(built, "built"));
  EXPECT_TRUE(MessageDifferencer::Equals(reread.model, parsed.model)) << built;
}

TEST(GraphBuilderTest, BuiltModelLearnsXor) {
  ASSERT_OK_AND_ASSIGN(const std::string built, XorBuilder().Build());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model, Model::FromString(built));
  ASSERT_OK_AND_ASSIGN(TrainingResult result, model->Train());
  EXPECT_LT(result.epochs.back().loss, 0.01);
  ASSERT_OK_AND_ASSIGN(
      Values out, model->Predict(Values({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1})));
  EXPECT_LT(out.data[0], 0.1);
  EXPECT_GT(out.data[1], 0.9);
  EXPECT_GT(out.data[2], 0.9);
  EXPECT_LT(out.data[3], 0.1);
}

TEST(GraphBuilderTest, VariablesConstsAndListAttrs) {
  GraphBuilder b;
  const std::string x = b.Placeholder("x", {-1, 3}, "float64");
  const std::string w = b.Variable(
      "w", {3},
      {{"initializer", "values"}, {"values", Attr::Floats({1, 2, 3})}});
  const std::string c = b.Const("c", Values({3}, {0.5, 0.5, 0.5}));
  const std::string sum = b.Op(
      "ReduceSum", "sum", {b.Op("Mul", "xw", {x, b.Op("Add", "wc", {w, c})})},
      {{"axes", Attr::Ints({1})}});
  b.Predict(x, sum);
  auto built = b.Build();
  // "values" is a tensor attribute, not a list: the graph check says so.
  EXPECT_STATUS(built, absl::StatusCode::kInvalidArgument, "values");
}

TEST(GraphBuilderTest, MistakesSurfaceAtBuild) {
  GraphBuilder bad_feed = XorBuilder();
  bad_feed.Feed("x", Values({4, 2}, {1, 2, 3}));
  EXPECT_STATUS(bad_feed.Build(), absl::StatusCode::kInvalidArgument,
                "feed 'x': shape [4, 2] holds 8 values, but 3 are given");

  GraphBuilder unknown_op = XorBuilder();
  unknown_op.Op("Sigmod", "s", {"x"});
  EXPECT_STATUS(unknown_op.Build(), absl::StatusCode::kInvalidArgument,
                "<GraphBuilder>: node 's' (Sigmod): unknown op 'Sigmod'; did "
                "you mean Sigmoid?");

  GraphBuilder duplicate = XorBuilder();
  duplicate.Placeholder("x", {-1, 2});
  EXPECT_STATUS(duplicate.Build(), absl::StatusCode::kInvalidArgument,
                "<GraphBuilder>");

  GraphBuilder bad_const;
  bad_const.Const("c", Values({-1}, {}));
  EXPECT_STATUS(bad_const.Build(), absl::StatusCode::kInvalidArgument,
                "Const 'c': shape [-1] has a negative dimension");
}

// AddText reaches the parts of the format the builder has no method for,
// merged as the text format merges: here a validation split and a
// normalisation, which a trained model then uses.
TEST(GraphBuilderTest, AddTextMergesTheRestOfTheFormat) {
  GraphBuilder b = XorBuilder();
  b.AddText(R"(data { normalize { placeholder: "x" method: STANDARDIZE } })");
  b.AddText("data { validation_fraction: 0.25 }");
  ASSERT_OK_AND_ASSIGN(const std::string built, b.Build());
  ASSERT_OK_AND_ASSIGN(ParsedModel parsed, ParseModelText(built, "built"));
  EXPECT_EQ(parsed.model.data().feed_size(), 2);
  EXPECT_EQ(parsed.model.data().validation_fraction(), 0.25);
  ASSERT_EQ(parsed.model.data().normalize_size(), 1);
  EXPECT_EQ(parsed.model.data().normalize(0).placeholder(), "x");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Model> model, Model::FromString(built));
  ASSERT_OK_AND_ASSIGN(std::vector<NamedValues> held_out,
                       model->Data(Split::kValidation));
  EXPECT_EQ(held_out[0].values.rows(), 1);
}

TEST(GraphBuilderTest, AddTextThatDoesNotParseIsAMistake) {
  GraphBuilder b = XorBuilder();
  b.AddText("data { validation_fraction: }");
  EXPECT_STATUS(b.Build(), absl::StatusCode::kInvalidArgument,
                "GraphBuilder::AddText:1:");
  GraphBuilder unknown = XorBuilder();
  unknown.AddText("trainin { epochs: 3 }");
  EXPECT_STATUS(unknown.Build(), absl::StatusCode::kInvalidArgument, "trainin");
}

}  // namespace
}  // namespace nabla
