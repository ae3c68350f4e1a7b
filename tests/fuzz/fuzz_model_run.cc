// The part of the model fuzzer that runs a parsed model (fuzz_model_run.h).
#include "tests/fuzz/fuzz_model_run.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "core/kernel_context.h"
#include "core/model_data.h"
#include "core/session.h"
#include "core/tensor.h"
#include "core/update_rule.h"
#include "proto/model.pb.h"
#include "tests/fuzz/fuzz_util.h"

namespace nabla {
namespace {

constexpr int64_t kMaxLiteralElements = int64_t{1} << 16;
// Values, gradients and optimizer slots take a few times this.
constexpr int64_t kMaxModelBytes = int64_t{4} << 20;
constexpr int64_t kUnknownDimFed = 2;
// Samples of the model's own data fed in one batch.
constexpr int64_t kMaxBatch = 4;

// The number of elements of a literal, or -1 when its shape is invalid
// (which nabla reports itself).
int64_t LiteralElements(const TensorProto& tensor) {
  int64_t n = 1;
  for (int64_t d : tensor.shape().dim()) {
    if (d < 0) return -1;
    if (d > 0 && n > kMaxLiteralElements / d) return kMaxLiteralElements + 1;
    n *= d;
  }
  return n;
}

bool LiteralsAreSmall(const ModelDef& model) {
  for (const NodeDef& node : model.graph().node()) {
    for (const auto& [name, value] : node.attr()) {
      if (value.has_tensor() &&
          LiteralElements(value.tensor()) > kMaxLiteralElements) {
        return false;
      }
    }
  }
  for (const auto* feeds :
       {&model.data().feed(), &model.data().validation().feed(),
        &model.data().test().feed()}) {
    for (const FeedDef& feed : *feeds) {
      if (LiteralElements(feed.tensor()) > kMaxLiteralElements) return false;
    }
  }
  return true;
}

// Adds the bytes of `shape` to `*total` when it is fully defined (an
// unknown shape is refused by the plan before it allocates); false when
// the total passes the limit.
bool AddBytes(const Shape& shape, DType dtype, int64_t* total) {
  int64_t n = 1;
  for (int64_t d : shape.dims()) {
    if (d < 0) return true;
    if (d > 0 && n > kMaxModelBytes / d) return false;
    n *= d;
  }
  *total += n * static_cast<int64_t>(DTypeSize(dtype));
  return *total <= kMaxModelBytes;
}

// Infers every output's shape at the fed shapes, as Plan::Build will, and
// adds up their bytes; false when they pass kMaxModelBytes. Where a shape
// function refuses (nabla reports that itself) the graph's shapes stand in.
bool FitsInMemory(const Graph& graph,
                  const std::vector<std::pair<int, Shape>>& fed) {
  std::vector<std::vector<Shape>> shapes(graph.num_nodes());
  int64_t total = 0;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    shapes[i] = node.output_shapes;
    if (node.op->role() == OpRole::kPlaceholder) {
      for (const auto& [index, shape] : fed) {
        if (index == i) shapes[i] = {shape};
      }
    } else if (node.op->role() != OpRole::kVariable) {
      std::vector<DType> dtypes;
      std::vector<Shape> inputs;
      for (const Endpoint& e : node.inputs) {
        dtypes.push_back(graph.node(e.node).output_dtypes[e.output]);
        inputs.push_back(shapes[e.node][e.output]);
      }
      ShapeContext context(std::move(dtypes), std::move(inputs), &node.attrs,
                           static_cast<int>(node.output_shapes.size()));
      if (node.op->shape_fn()(context).ok() &&
          context.output_shapes().size() == shapes[i].size()) {
        shapes[i] = context.output_shapes();
      }
    }
    for (size_t o = 0; o < shapes[i].size(); ++o) {
      if (!AddBytes(shapes[i][o], node.output_dtypes[o], &total)) return false;
    }
  }
  return true;
}

// Small made-up values: 0 and 1 alternating, so that class labels and
// binary targets are valid and every kernel gets past its input checks.
Tensor MadeUpTensor(DType dtype, Shape shape) {
  for (int i = 0; i < shape.rank(); ++i) {
    if (shape.dim(i) < 0) shape.set_dim(i, kUnknownDimFed);
  }
  std::vector<double> values(shape.num_elements());
  for (size_t i = 0; i < values.size(); ++i) values[i] = i % 2;
  return Tensor::FromValues(dtype, shape, values);
}

// Feeds for every placeholder: from the model's inline data when it loads,
// else made up.
void MakeFeeds(const ParsedModel& parsed, const Graph& graph,
               std::vector<Tensor>* tensors, std::vector<std::string>* names) {
  DataConfig inline_data = parsed.model.data();
  inline_data.clear_source();
  inline_data.mutable_validation()->clear_source();
  inline_data.mutable_test()->clear_source();
  if (inline_data.feed_size() > 0) {
    auto data = LoadModelData(graph, inline_data, parsed.source.name, {});
    fuzz::Trace("data", data.status());
    if (data.ok() && !data->training.empty()) {
      std::vector<int64_t> rows;
      for (int64_t r = 0; r < data->training.num_samples() && r < kMaxBatch;
           ++r) {
        rows.push_back(r);
      }
      std::vector<Feed> feeds;
      data->training.FillBatch(rows, tensors, &feeds);
      for (const Feed& feed : feeds) names->emplace_back(feed.placeholder);
      return;
    }
  }
  for (const Node& node : graph.nodes()) {
    if (node.op->role() != OpRole::kPlaceholder) continue;
    tensors->push_back(
        MadeUpTensor(node.output_dtypes[0], node.output_shapes[0]));
    names->push_back(node.name);
  }
}

void Train(const ParsedModel& parsed, Session& session,
           absl::Span<const Feed> feeds) {
  auto rule = MakeUpdateRule(parsed.model.training().optimizer());
  fuzz::Trace("update rule", rule.status());
  if (!rule.ok()) return;
  absl::Status status =
      session.SetTraining(parsed.model.training().loss(), *std::move(rule));
  fuzz::Trace("set training", status);
  for (int step = 0; step < 2 && status.ok(); ++step) {
    status = session.TrainStep(feeds).status();
    fuzz::Trace("train step", status);
  }
}

}  // namespace

void RunParsedModel(const ParsedModel& parsed) {
  if (!LiteralsAreSmall(parsed.model)) {
    fuzz::Trace("literals", absl::ResourceExhaustedError("too large"));
    return;
  }
  auto graph = Graph::Build(parsed.model.graph(), parsed.source);
  fuzz::Trace("graph", graph.status());
  if (!graph.ok()) return;

  std::vector<Tensor> tensors;
  std::vector<std::string> names;
  MakeFeeds(parsed, *graph, &tensors, &names);
  std::vector<Feed> feeds;
  std::vector<std::pair<int, Shape>> fed;
  for (size_t i = 0; i < tensors.size(); ++i) {
    feeds.push_back({names[i], &tensors[i]});
    auto index = graph->FindNode(names[i]);
    if (index.ok()) fed.emplace_back(*index, tensors[i].shape());
  }
  if (!FitsInMemory(*graph, fed)) {
    fuzz::Trace("memory", absl::ResourceExhaustedError("too large"));
    return;
  }

  SessionOptions options;
  options.seed = parsed.model.training().seed();
  auto session = Session::Create(
      std::make_shared<const Graph>(*std::move(graph)), options);
  fuzz::Trace("session", session.status());
  if (!session.ok()) return;
  if (!parsed.model.training().loss().empty()) {
    Train(parsed, **session, feeds);
  }
  const std::string& output = parsed.model.prediction().output();
  if (!output.empty()) {
    const std::string fetches[] = {output};
    fuzz::Trace("predict", (*session)->Run(feeds, fetches).status());
  }
}

}  // namespace nabla
