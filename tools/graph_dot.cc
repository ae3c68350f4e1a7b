#include "tools/graph_dot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace nabla {
namespace {

// The text of a DOT double-quoted string: quotes and backslashes escaped,
// line breaks as \n.
std::string Escape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Quoted(absl::string_view text) {
  return absl::StrCat("\"", Escape(text), "\"");
}

// Shape and colour by what the node is: data comes in through ellipses,
// trained state sits in orange boxes, the loss is red.
std::string NodeStyle(const OpDef& op) {
  switch (op.role()) {
    case OpRole::kPlaceholder:
      return "shape=ellipse, style=filled, fillcolor=\"#d9ead3\"";
    case OpRole::kVariable:
      return "shape=box, style=filled, fillcolor=\"#fce5cd\"";
    case OpRole::kConstant:
      return "shape=box, style=filled, fillcolor=\"#eeeeee\"";
    case OpRole::kCompute:
      break;
  }
  if (op.category() == OpCategory::kLoss) {
    return "shape=box, style=\"rounded,filled\", fillcolor=\"#f4cccc\"";
  }
  return "shape=box, style=rounded";
}

std::string NodeLine(const Node& node, absl::string_view indent) {
  return absl::StrCat(indent, Quoted(node.name), " [label=\"",
                      Escape(node.name), "\\n", Escape(node.op->name()), "\", ",
                      NodeStyle(*node.op), "];\n");
}

// The nodes Dense 'h' expanded into, as "subgraph cluster_h".
std::string Cluster(const Graph& graph, const std::string& composite) {
  std::string out;
  for (const Node& node : graph.nodes()) {
    if (node.expanded_from != composite) continue;
    if (out.empty()) {
      absl::StrAppend(
          &out, "  subgraph ", Quoted("cluster_" + composite), " {\n    label=",
          Quoted(absl::StrCat(composite, " (", node.expanded_from_op, ")")),
          ";\n    style=\"rounded,dashed\";\n");
    }
    absl::StrAppend(&out, NodeLine(node, "    "));
  }
  return absl::StrCat(out, "  }\n");
}

std::string EdgeLabel(const Graph& graph, const Endpoint& from) {
  const Node& producer = graph.node(from.node);
  std::string label =
      absl::StrCat(DTypeName(producer.output_dtypes[from.output]),
                   producer.output_shapes[from.output].ToString());
  if (producer.output_shapes.size() > 1) {
    label = absl::StrCat(producer.op->output_name(from.output), " ",
                         from.output, ": ", label);
  }
  return label;
}

[[nodiscard]] absl::Status WriteFile(const std::string& path,
                                     const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    const int error = errno;
    const std::string message =
        absl::StrCat(path, ": cannot write: ", std::strerror(error));
    return error == EACCES ? absl::PermissionDeniedError(message)
                           : absl::NotFoundError(message);
  }
  out << text;
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

// Everything the child writes to `fd` until it closes it.
std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, n);
    } else if (n == 0 || errno != EINTR) {
      return text;
    }
  }
}

// Runs `dot -T<format> -o <out> <dot_path>` without a shell, its standard
// error captured for the message.
[[nodiscard]] absl::Status RunDot(const std::string& format,
                                  const std::string& dot_path,
                                  const std::string& out) {
  std::vector<std::string> args = {"dot", "-T" + format, "-o", out, dot_path};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot run dot: pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = -1;
  const int spawned =
      posix_spawnp(&pid, "dot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(err_pipe[0]);
    if (spawned == ENOENT) {
      return absl::NotFoundError(absl::StrCat(
          "cannot render ", out,
          ": Graphviz's `dot` is not installed (not "
          "found on PATH); the graph was written to ",
          dot_path, ". Install graphviz, or render it elsewhere with: dot -T",
          format, " -o ", out, " ", dot_path));
    }
    return absl::InternalError(absl::StrCat("cannot run dot to render ", out,
                                            ": ", std::strerror(spawned)));
  }
  const std::string errors = ReadAll(err_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      "dot -T", format, " failed rendering ", dot_path, " to ", out,
      WIFEXITED(status)
          ? absl::StrCat(" (exit status ", WEXITSTATUS(status), ")")
          : " (killed by a signal)",
      errors.empty() ? "" : ": ", absl::StripTrailingAsciiWhitespace(errors)));
}

}  // namespace

std::string GraphToDot(const Graph& graph) {
  std::string out =
      "digraph nabla {\n"
      "  node [fontname=\"Helvetica\", fontsize=11];\n"
      "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  absl::flat_hash_set<std::string> clustered;
  for (const Node& node : graph.nodes()) {
    if (node.expanded_from.empty()) {
      absl::StrAppend(&out, NodeLine(node, "  "));
    } else if (clustered.insert(node.expanded_from).second) {
      absl::StrAppend(&out, Cluster(graph, node.expanded_from));
    }
  }
  for (const Node& node : graph.nodes()) {
    for (const Endpoint& from : node.inputs) {
      absl::StrAppend(&out, "  ", Quoted(graph.node(from.node).name), " -> ",
                      Quoted(node.name),
                      " [label=", Quoted(EdgeLabel(graph, from)), "];\n");
    }
  }
  return absl::StrCat(out, "}\n");
}

namespace {

// "svg" or "png" for a path that asks Graphviz to render, else "".
std::string RenderedFormat(const std::string& path) {
  if (absl::EndsWith(path, ".svg")) return "svg";
  if (absl::EndsWith(path, ".png")) return "png";
  return "";
}

}  // namespace

std::string DotTextPath(const std::string& path) {
  const std::string format = RenderedFormat(path);
  if (format.empty()) return path;
  return absl::StrCat(path.substr(0, path.size() - format.size() - 1), ".dot");
}

[[nodiscard]] absl::Status WriteDot(const Graph& graph,
                                    const std::string& path) {
  const std::string format = RenderedFormat(path);
  if (format.empty()) return WriteFile(path, GraphToDot(graph));
  const std::string dot_path = DotTextPath(path);
  absl::Status written = WriteFile(dot_path, GraphToDot(graph));
  if (!written.ok()) return written;
  return RunDot(format, dot_path, path);
}

}  // namespace nabla
