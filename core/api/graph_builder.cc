#include "nabla/graph_builder.h"

#include "absl/strings/str_cat.h"
#include "core/api/tensor_values.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"

namespace nabla {
namespace {

void SetShape(const std::vector<int64_t>& dims, ShapeProto* shape) {
  for (int64_t dim : dims) shape->add_dim(dim);
}

// `values` as a TensorProto of `dtype`, after the checks a feed gets.
absl::Status FillTensor(const Values& values, DType dtype,
                        absl::string_view what, TensorProto* tensor) {
  NABLA_RETURN_IF_ERROR(ToTensor(values, dtype, what).status());
  tensor->set_dtype(dtype == DType::kFloat64 ? DT_FLOAT64 : DT_FLOAT32);
  SetShape(values.shape, tensor->mutable_shape());
  for (double v : values.data) tensor->add_value(v);
  return absl::OkStatus();
}

void AddAttrs(const Attrs& attrs,
              google::protobuf::Map<std::string, AttrValue>* out) {
  for (const auto& [name, value] : attrs) (*out)[name] = value.proto();
}

}  // namespace

Attr Attr::Shape(const std::vector<int64_t>& dims) {
  Attr attr;
  SetShape(dims, attr.value_.mutable_shape());
  return attr;
}

Attr Attr::Ints(const std::vector<int64_t>& values) {
  Attr attr;
  for (int64_t v : values) attr.value_.mutable_list()->add_i(v);
  return attr;
}

Attr Attr::Floats(const std::vector<double>& values) {
  Attr attr;
  for (double v : values) attr.value_.mutable_list()->add_f(v);
  return attr;
}

Attr Attr::Strings(const std::vector<std::string>& values) {
  Attr attr;
  for (const std::string& v : values) attr.value_.mutable_list()->add_s(v);
  return attr;
}

GraphBuilder::GraphBuilder() { model_.set_format_version(kModelFormatVersion); }

void GraphBuilder::Fail(absl::Status status) {
  if (first_error_.ok()) first_error_ = std::move(status);
}

NodeDef* GraphBuilder::AddNode(const std::string& op,
                               const std::string& name) {
  NodeDef* node = model_.mutable_graph()->add_node();
  node->set_op(op);
  node->set_name(name);
  return node;
}

std::string GraphBuilder::Placeholder(const std::string& name,
                                      const std::vector<int64_t>& shape,
                                      const std::string& dtype) {
  NodeDef* node = AddNode("Placeholder", name);
  AddAttrs({{"shape", Attr::Shape(shape)}, {"dtype", dtype}},
           node->mutable_attr());
  return name;
}

std::string GraphBuilder::Variable(const std::string& name,
                                   const std::vector<int64_t>& shape,
                                   const Attrs& attrs) {
  NodeDef* node = AddNode("Variable", name);
  AddAttrs({{"shape", Attr::Shape(shape)}}, node->mutable_attr());
  AddAttrs(attrs, node->mutable_attr());
  return name;
}

std::string GraphBuilder::Const(const std::string& name,
                                const Values& value) {
  NodeDef* node = AddNode("Const", name);
  TensorProto* tensor = (*node->mutable_attr())["value"].mutable_tensor();
  Fail(FillTensor(value, DType::kFloat32,
                  absl::StrCat("Const '", name, "'"), tensor));
  return name;
}

std::string GraphBuilder::Op(const std::string& op, const std::string& name,
                             const std::vector<std::string>& inputs,
                             const Attrs& attrs) {
  NodeDef* node = AddNode(op, name);
  for (const std::string& input : inputs) node->add_input(input);
  AddAttrs(attrs, node->mutable_attr());
  return name;
}

std::string GraphBuilder::Dense(const std::string& name,
                                const std::string& input, int64_t units,
                                const std::string& activation,
                                const Attrs& attrs) {
  Attrs all = {{"units", units}};
  if (!activation.empty()) all.push_back({"activation", activation});
  all.insert(all.end(), attrs.begin(), attrs.end());
  return Op("Dense", name, {input}, all);
}

void GraphBuilder::Train(const std::string& loss, const TrainingSpec& spec) {
  TrainingConfig* training = model_.mutable_training();
  training->set_loss(loss);
  training->mutable_optimizer()->set_name(spec.optimizer);
  AddAttrs(spec.optimizer_attrs, training->mutable_optimizer()->mutable_attr());
  training->set_epochs(spec.epochs);
  training->set_batch_size(spec.batch_size);
  training->set_shuffle(spec.shuffle);
  training->set_seed(spec.seed);
}

void GraphBuilder::Feed(const std::string& placeholder,
                        const Values& samples) {
  FeedDef* feed = model_.mutable_data()->add_feed();
  feed->set_placeholder(placeholder);
  // Stored as float64 so no value is rounded; the data set converts it to
  // the placeholder's dtype.
  Fail(FillTensor(samples, DType::kFloat64,
                  absl::StrCat("feed '", placeholder, "'"),
                  feed->mutable_tensor()));
}

void GraphBuilder::Predict(const std::string& input,
                           const std::string& output) {
  model_.mutable_prediction()->set_input(input);
  model_.mutable_prediction()->set_output(output);
}

absl::StatusOr<ModelDef> GraphBuilder::Build() const {
  NABLA_RETURN_IF_ERROR(first_error_);
  SourceInfo source;
  source.name = "<GraphBuilder>";
  NABLA_RETURN_IF_ERROR(Graph::Build(model_.graph(), source).status());
  return model_;
}

std::string ModelToText(const ModelDef& model) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(model, &text);
  return text;
}

}  // namespace nabla
