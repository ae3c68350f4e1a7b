// An app built outside Bazel against the installed libnabla.so, with only
// `pkg-config --cflags --libs nabla`: the registry holds every kind of
// built-in entry (the linker dropped no registration), a plugin built
// against the installed headers loads, and a model trains from a string.
//
//   installed_app [PLUGIN.so]
#include <nabla/nabla.h>

#include <cstdio>
#include <map>
#include <string>

namespace {

constexpr char kModel[] = R"(
graph {
  node { name: "x" op: "Placeholder"
         attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "y" op: "Placeholder"
         attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "fit" op: "Dense" input: "x"
         attr { key: "units" value { i: 1 } } }
  node { name: "loss" op: "MeanSquaredError" input: "fit" input: "y" }
}
training {
  loss: "loss"
  optimizer { name: "SGD" attr { key: "learning_rate" value { f: 0.1 } } }
  epochs: 200
}
prediction { input: "x" output: "fit" }
data {
  feed { placeholder: "x" tensor { shape { dim: 4 dim: 1 } value: [0, 1, 2, 3] } }
  feed { placeholder: "y" tensor { shape { dim: 4 dim: 1 } value: [1, 3, 5, 7] } }
}
)";

int Fail(const std::string& what) {
  std::fprintf(stderr, "installed_app: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, int> kinds;
  for (const nabla::RegistryEntry& entry : nabla::ListRegistry()) {
    ++kinds[entry.kind];
  }
  for (const char* kind : {"op", "activation", "loss", "layer", "optimizer",
                           "schedule", "data source"}) {
    std::printf("%s: %d\n", kind, kinds[kind]);
    if (kinds[kind] == 0)
      return Fail(std::string("no ") + kind + " registered");
  }
  if (argc == 2) {
    if (absl::Status loaded = nabla::LoadPlugin(argv[1]); !loaded.ok()) {
      return Fail(std::string(loaded.message()));
    }
    bool found = false;
    for (const nabla::RegistryEntry& entry : nabla::ListRegistry()) {
      found = found || (entry.name == "PReLU" && entry.origin == argv[1]);
    }
    if (!found) return Fail("the plugin registered no PReLU");
    std::printf("plugin PReLU loaded\n");
  }
  auto model = nabla::Model::FromString(kModel);
  if (!model.ok()) return Fail(std::string(model.status().message()));
  auto trained = (*model)->Train();
  if (!trained.ok()) return Fail(std::string(trained.status().message()));
  auto y = (*model)->Predict(nabla::Values({1, 1}, {10}));
  if (!y.ok()) return Fail(std::string(y.status().message()));
  // y = 2x + 1, learnt.
  std::printf("fit(10) = %.3f\n", y->data[0]);
  return 0;
}
