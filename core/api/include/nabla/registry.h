// The registry: every op, activation, loss, layer, optimizer, schedule and
// data source a model may name, built in or added by a plugin.
//
//   absl::Status loaded = nabla::LoadPlugin("/opt/nabla/libprelu.so");
//   for (const nabla::RegistryEntry& entry : nabla::ListRegistry()) {
//     if (entry.kind == "activation") std::cout << entry.name << "\n";
//   }
//   std::cout << nabla::DescribeRegistry();   // as train_graph --list
//
// The registry is the one state all Models in a process share. Built-in
// entries are registered when the library is loaded. Thread-safety:
// LoadPlugin() must not run while any other nabla call does; listing is
// safe from any thread otherwise.
#ifndef NABLA_REGISTRY_H_
#define NABLA_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace nabla {

// Opens a plugin library (a .so built against nabla's plugin headers,
// docs/plugins.md) and registers what it adds, all or nothing. Errors name
// the library: a missing file, not a library, no entry point, another API
// version or ABI, a registration that fails or takes a name already used.
[[nodiscard]] absl::Status LoadPlugin(const std::string& path);

struct RegistryEntry {
  // "op", "activation", "loss", "layer", "optimizer", "schedule" or
  // "data source".
  std::string kind;
  std::string name;
  // Inputs and outputs, for ops and layers: "Sigmoid(x) -> (y)".
  std::string signature;
  // Attributes with their defaults: "alpha=0.01, units: int (required)".
  std::string settings;
  // "built in", or the plugin library's path.
  std::string origin;
  std::string doc;
};

// Every entry, by kind (in the order above), then by name.
std::vector<RegistryEntry> ListRegistry();

// The listing train_graph --list prints.
std::string DescribeRegistry();

}  // namespace nabla

#endif  // NABLA_REGISTRY_H_
