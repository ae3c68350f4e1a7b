#include "tests/model_test_util.h"

#include "absl/strings/str_cat.h"
#include "core/model_parser.h"
#include "gtest/gtest.h"

namespace nabla {
namespace {

std::unique_ptr<Session> SessionOn(absl::StatusOr<Graph> graph,
                                   const SessionOptions& options) {
  EXPECT_TRUE(graph.ok()) << graph.status();
  if (!graph.ok()) return nullptr;
  auto session = Session::Create(
      std::make_shared<const Graph>(*std::move(graph)), options);
  EXPECT_TRUE(session.ok()) << session.status();
  return session.ok() ? *std::move(session) : nullptr;
}

}  // namespace

absl::StatusOr<Graph> GraphFromModelText(absl::string_view model_text,
                                         absl::string_view source) {
  auto parsed = ParseModelText(model_text, source);
  if (!parsed.ok()) {
    ADD_FAILURE() << "the test's model does not parse: " << parsed.status();
    return parsed.status();
  }
  return Graph::Build(parsed->model.graph(), parsed->source);
}

absl::StatusOr<Graph> GraphFromBody(absl::string_view graph_body,
                                    absl::string_view source) {
  return GraphFromModelText(absl::StrCat("graph {\n", graph_body, "}\n"),
                            source);
}

std::unique_ptr<Session> SessionFromModelText(absl::string_view model_text,
                                              const SessionOptions& options) {
  return SessionOn(GraphFromModelText(model_text, "model.pbtxt"), options);
}

std::unique_ptr<Session> SessionFromBody(absl::string_view graph_body,
                                         absl::string_view source,
                                         const SessionOptions& options) {
  return SessionOn(GraphFromBody(graph_body, source), options);
}

UpdateRule Sgd(double learning_rate) {
  OptimizerConfig config;
  config.set_name("SGD");
  (*config.mutable_attr())["learning_rate"].set_f(learning_rate);
  // SGD is built in, so only a bug in nabla makes this fail: value() then
  // stops the test with the status.
  return MakeUpdateRule(config).value();
}

std::vector<std::string> VariableBytesOf(const Session& session) {
  std::vector<std::string> out;
  for (int v : session.variable_nodes()) {
    const Tensor& t = session.variable(v);
    out.emplace_back(static_cast<const char*>(t.raw_data()), t.num_bytes());
  }
  return out;
}

}  // namespace nabla
