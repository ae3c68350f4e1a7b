// Builds the XOR network in C++ with GraphBuilder (no model file), trains
// it, prints its four outputs, and saves it: the model as a .pbtxt that
// train_graph reads, and its checkpoint.
//
//   bazel-bin/examples/embed/train_xor xor_model.pbtxt xor.ckpt
//   bazel-bin/tools/train_graph xor_model.pbtxt --resume xor.ckpt
//       --predict "0,1"
// (the second command on one line)
#include <nabla/nabla.h>

#include <cstdio>
#include <string>

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "train_xor: %s\n",
               std::string(status.message()).c_str());
  return 1;
}

// 2 inputs, 4 sigmoid hidden units, 1 sigmoid output, squared error, plain
// SGD on the four cases at once.
// The model file's text, validated.
absl::StatusOr<std::string> XorModel() {
  nabla::GraphBuilder b;
  const std::string x = b.Placeholder("x", {-1, 2});
  const std::string target = b.Placeholder("target", {-1, 1});
  const std::string hidden =
      b.Dense("hidden", x, 4, "Sigmoid",
              {{"initializer", "uniform"}, {"minval", -1.0}, {"maxval", 1.0}});
  const std::string output = b.Dense("output", hidden, 1, "Sigmoid");
  nabla::TrainingSpec training;
  training.optimizer = "SGD";
  training.optimizer_attrs = {{"learning_rate", 4.0}};
  training.epochs = 3000;
  training.batch_size = 4;
  training.seed = 1;
  b.Train(b.Op("MeanSquaredError", "loss", {output, target}), training);
  b.Feed(x, nabla::Values({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1}));
  b.Feed(target, nabla::Values({4, 1}, {0, 1, 1, 0}));
  b.Predict(x, output);
  return b.Build();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: train_xor OUT_MODEL.pbtxt OUT_CHECKPOINT\n");
    return 2;
  }
  absl::StatusOr<std::string> definition = XorModel();
  if (!definition.ok()) return Fail(definition.status());
  absl::StatusOr<std::unique_ptr<nabla::Model>> model =
      nabla::Model::FromString(*definition);
  if (!model.ok()) return Fail(model.status());

  nabla::TrainingOptions options;
  options.log_every = 1000;
  options.progress = stdout;  // epoch lines, as train_graph prints them
  absl::StatusOr<nabla::TrainingResult> trained = (*model)->Train(options);
  if (!trained.ok()) return Fail(trained.status());

  const nabla::Values cases({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  absl::StatusOr<nabla::Values> outputs = (*model)->Predict(cases);
  if (!outputs.ok()) return Fail(outputs.status());
  for (int64_t i = 0; i < cases.rows(); ++i) {
    std::printf("xor(%g, %g) = %.6f\n", cases.at(i, 0), cases.at(i, 1),
                outputs->data[i]);
  }
  if (absl::Status saved = (*model)->Export(argv[1]); !saved.ok()) {
    return Fail(saved);
  }
  if (absl::Status saved = (*model)->Save(argv[2]); !saved.ok()) {
    return Fail(saved);
  }
  std::printf("saved the model to %s and its checkpoint to %s\n", argv[1],
              argv[2]);
  return 0;
}
