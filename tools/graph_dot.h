// A built graph as a Graphviz drawing (`train_graph --dot PATH`).
//
//   NABLA_ASSIGN_OR_RETURN(Graph graph, Graph::Build(def, source));
//   NABLA_RETURN_IF_ERROR(WriteDot(graph, "model.svg"));  // + model.dot
//
// The drawing shows the graph after composite expansion: one box per node,
// labelled with its name and op (placeholders, variables, constants and
// losses drawn distinctly), the nodes of one composite (a Dense layer)
// grouped in a cluster, and each edge labelled with the dtype and shape of
// the tensor it carries ("float32[?, 256]"; ? is a size known only when
// data is fed).
#ifndef NABLA_TOOLS_GRAPH_DOT_H_
#define NABLA_TOOLS_GRAPH_DOT_H_

#include <string>

#include "absl/status/status.h"
#include "core/graph.h"

namespace nabla {

// The DOT text of `graph`. Nodes appear in the graph's topological order,
// then the edges in the order of their consumers' inputs, so the text is
// the same for the same graph.
std::string GraphToDot(const Graph& graph);

// Writes GraphToDot(graph) to `path`. When `path` ends in ".svg" or ".png",
// the DOT text goes to the same path with the extension ".dot" instead and
// Graphviz's `dot` (found on PATH, run without a shell) renders it to
// `path`. Errors: NotFound or PermissionDenied naming the file when it
// cannot be written; NotFound saying so when `dot` is not installed (the
// .dot file is written all the same); Internal with dot's message when dot
// fails.
[[nodiscard]] absl::Status WriteDot(const Graph& graph,
                                    const std::string& path);

// Where WriteDot writes the DOT text for `path`: `path` itself, or for
// .svg and .png the same path with the extension ".dot".
std::string DotTextPath(const std::string& path);

}  // namespace nabla

#endif  // NABLA_TOOLS_GRAPH_DOT_H_
