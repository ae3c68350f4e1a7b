#include "nabla/graph_builder.h"

#include "absl/strings/str_cat.h"
#include "core/api/tensor_values.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/status_macros.h"

namespace nabla {
namespace {

void SetShape(const std::vector<int64_t>& dims, ShapeProto* shape) {
  for (int64_t dim : dims) shape->add_dim(dim);
}

// `values` as a TensorProto of `dtype`, after the checks a feed gets.
[[nodiscard]] absl::Status FillTensor(const Values& values, DType dtype,
                                      absl::string_view what,
                                      TensorProto* tensor) {
  NABLA_RETURN_IF_ERROR(ToTensor(values, dtype, what).status());
  tensor->set_dtype(dtype == DType::kFloat64 ? DT_FLOAT64 : DT_FLOAT32);
  SetShape(values.shape, tensor->mutable_shape());
  for (double v : values.data) tensor->add_value(v);
  return absl::OkStatus();
}

AttrValue ToAttrValue(const Attr& attr) {
  AttrValue value;
  switch (attr.kind()) {
    case Attr::Kind::kInt:
      value.set_i(attr.ints()[0]);
      break;
    case Attr::Kind::kFloat:
      value.set_f(attr.floats()[0]);
      break;
    case Attr::Kind::kBool:
      value.set_b(attr.ints()[0] != 0);
      break;
    case Attr::Kind::kString:
      value.set_s(attr.strings()[0]);
      break;
    case Attr::Kind::kShape:
      SetShape(attr.ints(), value.mutable_shape());
      break;
    case Attr::Kind::kInts:
      for (int64_t v : attr.ints()) value.mutable_list()->add_i(v);
      break;
    case Attr::Kind::kFloats:
      for (double v : attr.floats()) value.mutable_list()->add_f(v);
      break;
    case Attr::Kind::kStrings:
      for (const std::string& v : attr.strings()) {
        value.mutable_list()->add_s(v);
      }
      break;
  }
  return value;
}

void AddAttrs(const Attrs& attrs,
              google::protobuf::Map<std::string, AttrValue>* out) {
  for (const auto& [name, value] : attrs) (*out)[name] = ToAttrValue(value);
}

}  // namespace

Attr Attr::Shape(const std::vector<int64_t>& dims) {
  Attr attr(Kind::kShape);
  attr.ints_ = dims;
  return attr;
}

Attr Attr::Ints(const std::vector<int64_t>& values) {
  Attr attr(Kind::kInts);
  attr.ints_ = values;
  return attr;
}

Attr Attr::Floats(const std::vector<double>& values) {
  Attr attr(Kind::kFloats);
  attr.floats_ = values;
  return attr;
}

Attr Attr::Strings(const std::vector<std::string>& values) {
  Attr attr(Kind::kStrings);
  attr.strings_ = values;
  return attr;
}

struct GraphBuilder::Definition {
  ModelDef model;
};

GraphBuilder::GraphBuilder() : definition_(std::make_unique<Definition>()) {
  definition_->model.set_format_version(kModelFormatVersion);
}

GraphBuilder::~GraphBuilder() = default;

GraphBuilder::GraphBuilder(const GraphBuilder& other)
    : definition_(std::make_unique<Definition>(*other.definition_)),
      first_error_(other.first_error_) {}

GraphBuilder& GraphBuilder::operator=(const GraphBuilder& other) {
  *definition_ = *other.definition_;
  first_error_ = other.first_error_;
  return *this;
}

void GraphBuilder::Fail(absl::Status status) {
  if (first_error_.ok()) first_error_ = std::move(status);
}

namespace {

NodeDef* AddNode(ModelDef& model, const std::string& op,
                 const std::string& name) {
  NodeDef* node = model.mutable_graph()->add_node();
  node->set_op(op);
  node->set_name(name);
  return node;
}

}  // namespace

std::string GraphBuilder::Placeholder(const std::string& name,
                                      const std::vector<int64_t>& shape,
                                      const std::string& dtype) {
  NodeDef* node = AddNode(definition_->model, "Placeholder", name);
  AddAttrs({{"shape", Attr::Shape(shape)}, {"dtype", dtype}},
           node->mutable_attr());
  return name;
}

std::string GraphBuilder::Variable(const std::string& name,
                                   const std::vector<int64_t>& shape,
                                   const Attrs& attrs) {
  NodeDef* node = AddNode(definition_->model, "Variable", name);
  AddAttrs({{"shape", Attr::Shape(shape)}}, node->mutable_attr());
  AddAttrs(attrs, node->mutable_attr());
  return name;
}

std::string GraphBuilder::Const(const std::string& name, const Values& value) {
  NodeDef* node = AddNode(definition_->model, "Const", name);
  TensorProto* tensor = (*node->mutable_attr())["value"].mutable_tensor();
  Fail(FillTensor(value, DType::kFloat32, absl::StrCat("Const '", name, "'"),
                  tensor));
  return name;
}

std::string GraphBuilder::Op(const std::string& op, const std::string& name,
                             const std::vector<std::string>& inputs,
                             const Attrs& attrs) {
  NodeDef* node = AddNode(definition_->model, op, name);
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
  TrainingConfig* training = definition_->model.mutable_training();
  training->set_loss(loss);
  training->mutable_optimizer()->set_name(spec.optimizer);
  AddAttrs(spec.optimizer_attrs, training->mutable_optimizer()->mutable_attr());
  training->set_epochs(spec.epochs);
  training->set_batch_size(spec.batch_size);
  training->set_shuffle(spec.shuffle);
  training->set_seed(spec.seed);
}

void GraphBuilder::Feed(const std::string& placeholder, const Values& samples) {
  FeedDef* feed = definition_->model.mutable_data()->add_feed();
  feed->set_placeholder(placeholder);
  // Stored as float64 so no value is rounded; the data set converts it to
  // the placeholder's dtype.
  Fail(FillTensor(samples, DType::kFloat64,
                  absl::StrCat("feed '", placeholder, "'"),
                  feed->mutable_tensor()));
}

void GraphBuilder::Predict(const std::string& input,
                           const std::string& output) {
  definition_->model.mutable_prediction()->set_input(input);
  definition_->model.mutable_prediction()->set_output(output);
}

void GraphBuilder::AddText(absl::string_view model_text) {
  absl::StatusOr<ParsedModel> parsed =
      ParseModelText(model_text, "GraphBuilder::AddText");
  if (!parsed.ok()) {
    Fail(parsed.status());
    return;
  }
  parsed->model.clear_format_version();
  definition_->model.MergeFrom(parsed->model);
}

absl::StatusOr<std::string> GraphBuilder::Build() const {
  NABLA_RETURN_IF_ERROR(first_error_);
  SourceInfo source;
  source.name = "<GraphBuilder>";
  NABLA_RETURN_IF_ERROR(
      Graph::Build(definition_->model.graph(), source).status());
  return ModelToText(definition_->model);
}

}  // namespace nabla
