// GraphBuilder: a model written in C++ instead of a .pbtxt file. It fills
// the same ModelDef the file format describes, so Model::FromProto() trains
// it and Model::ToText() (or ModelToText()) writes a .pbtxt that
// train_graph reads.
//
//   nabla::GraphBuilder b;
//   std::string x = b.Placeholder("x", {-1, 2});
//   std::string y = b.Placeholder("y", {-1, 1});
//   std::string h = b.Dense("hidden", x, 4, "Sigmoid");
//   std::string out = b.Dense("out", h, 1, "Sigmoid");
//   b.Train(b.Op("MeanSquaredError", "loss", {out, y}),
//           {.optimizer = "SGD", .optimizer_attrs = {{"learning_rate", 4.0}},
//            .epochs = 3000, .batch_size = 4});
//   b.Feed("x", nabla::Values({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1}));
//   b.Feed("y", nabla::Values({4, 1}, {0, 1, 1, 0}));
//   b.Predict(x, out);
//   absl::StatusOr<nabla::ModelDef> model = b.Build();
//
// Each node method returns the node's name, to use as another node's
// input ("name", or "name:k" for output k). Mistakes (a Values whose
// data does not fit its shape, two nodes of one name) are remembered and
// returned by Build(), which also validates the whole graph as a model
// file is validated: unknown ops, attributes, input counts and shapes.
// Not thread-safe; a plain value otherwise.
#ifndef NABLA_GRAPH_BUILDER_H_
#define NABLA_GRAPH_BUILDER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nabla/values.h"
#include "proto/model.pb.h"

namespace nabla {

// An attribute value: a number, a bool, a string, or (through the named
// constructors) a shape or a list.
class Attr {
 public:
  Attr(int value) { value_.set_i(value); }
  Attr(int64_t value) { value_.set_i(value); }
  Attr(double value) { value_.set_f(value); }
  Attr(bool value) { value_.set_b(value); }
  Attr(const char* value) { value_.set_s(value); }
  Attr(std::string value) { value_.set_s(std::move(value)); }
  static Attr Shape(const std::vector<int64_t>& dims);
  static Attr Ints(const std::vector<int64_t>& values);
  static Attr Floats(const std::vector<double>& values);
  static Attr Strings(const std::vector<std::string>& values);

  const AttrValue& proto() const { return value_; }

 private:
  Attr() = default;
  AttrValue value_;
};

using Attrs = std::vector<std::pair<std::string, Attr>>;

// The training section: what Train() writes.
struct TrainingSpec {
  std::string optimizer = "SGD";
  Attrs optimizer_attrs;  // e.g. {{"learning_rate", 0.5}}
  int64_t epochs = 1;
  int64_t batch_size = 0;  // 0: the whole data set per step
  bool shuffle = false;
  uint64_t seed = 0;
};

class GraphBuilder {
 public:
  GraphBuilder();

  // A value fed from data; -1 dimensions (the batch) are known then.
  // dtype "float32" or "float64".
  std::string Placeholder(const std::string& name,
                          const std::vector<int64_t>& shape,
                          const std::string& dtype = "float32");
  // A trained tensor. `attrs` as a model file's Variable: initializer
  // ("glorot_uniform" by default, "zeros", "uniform", ...), minval, ...
  std::string Variable(const std::string& name,
                       const std::vector<int64_t>& shape,
                       const Attrs& attrs = {});
  // A constant tensor.
  std::string Const(const std::string& name, const Values& value);
  // Any registered op (activations and losses included) or layer.
  std::string Op(const std::string& op, const std::string& name,
                 const std::vector<std::string>& inputs,
                 const Attrs& attrs = {});
  // The Dense layer: input · weights + bias, then `activation` (none when
  // empty). `attrs` adds initializer, use_bias, ...
  std::string Dense(const std::string& name, const std::string& input,
                    int64_t units, const std::string& activation = "",
                    const Attrs& attrs = {});

  // The training section: minimise `loss` (a scalar node).
  void Train(const std::string& loss, const TrainingSpec& spec);
  // Inline training data for a placeholder: [samples, ...].
  void Feed(const std::string& placeholder, const Values& samples);
  // What Model::Predict() feeds and returns.
  void Predict(const std::string& input, const std::string& output);

  // Everything else a model file can say (validation data, normalisation,
  // data sources, a schedule, ...), written directly.
  ModelDef& model() { return model_; }

  // The model, validated; the first mistake or every graph error
  // (InvalidArgument, NotFound for an unknown op) otherwise.
  absl::StatusOr<ModelDef> Build() const;

 private:
  NodeDef* AddNode(const std::string& op, const std::string& name);
  // Records the first mistake for Build().
  void Fail(absl::Status status);

  ModelDef model_;
  absl::Status first_error_;
};

// The .pbtxt text of a model, as train_graph reads it.
std::string ModelToText(const ModelDef& model);

}  // namespace nabla

#endif  // NABLA_GRAPH_BUILDER_H_
