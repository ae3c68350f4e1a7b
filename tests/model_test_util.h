// Building graphs, sessions and optimizers from model text in tests.
//
// Each helper reports a failure to GoogleTest when the test's own model does
// not build (a bug in the test, not in what it checks) and returns an error
// status or null.
#ifndef NABLA_TESTS_MODEL_TEST_UTIL_H_
#define NABLA_TESTS_MODEL_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/graph.h"
#include "core/session.h"
#include "core/update_rule.h"

namespace nabla {

// Parses a whole model file's text, named `source` in messages, and builds
// its graph. A parse error is a test failure; graph errors are returned.
absl::StatusOr<Graph> GraphFromModelText(absl::string_view model_text,
                                         absl::string_view source);

// The same for the lines inside "graph { ... }": the first of them is line 2.
absl::StatusOr<Graph> GraphFromBody(absl::string_view graph_body,
                                    absl::string_view source);

// A session on the graph of `model_text` / `graph_body`; null (and a test
// failure) when it does not build.
std::unique_ptr<Session> SessionFromModelText(absl::string_view model_text,
                                              const SessionOptions& options);
std::unique_ptr<Session> SessionFromBody(absl::string_view graph_body,
                                         absl::string_view source,
                                         const SessionOptions& options);

// The registry's SGD with the given learning rate, constant.
UpdateRule Sgd(double learning_rate = 0.01);

// The bytes of every variable of `session`, in node order: two sessions
// hold the same variables, bit for bit, when these are equal.
std::vector<std::string> VariableBytesOf(const Session& session);

}  // namespace nabla

#endif  // NABLA_TESTS_MODEL_TEST_UTIL_H_
