// GraphBuilder: a model written in C++ instead of a .pbtxt file. Build()
// returns the model file's text, validated as a file is: Model::FromString()
// trains it, and written to disk it is a .pbtxt that train_graph reads.
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
//   absl::StatusOr<std::string> model = b.Build();
//   auto trained = nabla::Model::FromString(*model);
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
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nabla/values.h"

namespace nabla {

// An attribute value: a number, a bool, a string, or (through the named
// constructors) a shape or a list.
class Attr {
 public:
  enum class Kind {
    kInt,
    kFloat,
    kBool,
    kString,
    kShape,
    kInts,
    kFloats,
    kStrings
  };

  Attr(int value) : Attr(Kind::kInt) { ints_ = {value}; }
  Attr(int64_t value) : Attr(Kind::kInt) { ints_ = {value}; }
  Attr(double value) : Attr(Kind::kFloat) { floats_ = {value}; }
  Attr(bool value) : Attr(Kind::kBool) { ints_ = {value ? 1 : 0}; }
  Attr(const char* value) : Attr(Kind::kString) { strings_ = {value}; }
  Attr(std::string value) : Attr(Kind::kString) {
    strings_ = {std::move(value)};
  }
  static Attr Shape(const std::vector<int64_t>& dims);
  static Attr Ints(const std::vector<int64_t>& values);
  static Attr Floats(const std::vector<double>& values);
  static Attr Strings(const std::vector<std::string>& values);

  // What it holds: one value (kInt, kFloat, kBool as 0 or 1, kString) or a
  // list (kShape's dimensions and the lists) in the matching vector.
  Kind kind() const { return kind_; }
  const std::vector<int64_t>& ints() const { return ints_; }
  const std::vector<double>& floats() const { return floats_; }
  const std::vector<std::string>& strings() const { return strings_; }

 private:
  explicit Attr(Kind kind) : kind_(kind) {}
  Kind kind_;
  std::vector<int64_t> ints_;
  std::vector<double> floats_;
  std::vector<std::string> strings_;
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
  ~GraphBuilder();
  GraphBuilder(const GraphBuilder& other);
  GraphBuilder& operator=(const GraphBuilder& other);

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
  // data sources, a schedule, ...), written as model-file text and merged
  // into the model:
  //   b.AddText("data { validation_fraction: 0.25 }");
  // Fields merge as the text format merges them: a repeated field adds to
  // what is there, a single value replaces it.
  // Text that does not parse is a mistake Build() reports.
  void AddText(absl::string_view model_text);

  // The model file's text, validated; the first mistake or every graph
  // error (InvalidArgument, NotFound for an unknown op) otherwise.
  [[nodiscard]] absl::StatusOr<std::string> Build() const;

 private:
  // The model as the file format's message (private: no protobuf type
  // reaches an app).
  struct Definition;
  // Records the first mistake for Build().
  void Fail(absl::Status status);

  std::unique_ptr<Definition> definition_;
  absl::Status first_error_;
};

}  // namespace nabla

#endif  // NABLA_GRAPH_BUILDER_H_
