// The C++ API's side of predict_modes_test: loads a model, then either
// trains it (Model::Train, as train_graph would) or restores a checkpoint,
// and prints its prediction for one sample with 9 significant digits, as
// train_graph --predict does, and the running mean of BatchNorm layer
// `bn`.
//
//   api_predict MODEL.pbtxt train SAVE.ckpt "0.2,3.1,1.7"
//   api_predict MODEL.pbtxt restore CHECKPOINT "0.2,3.1,1.7"
#include <nabla/nabla.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "api_predict: %s\n",
               std::string(status.message()).c_str());
  return 1;
}

std::vector<double> ParseSample(const std::string& text) {
  std::vector<double> values;
  std::stringstream in(text);
  std::string field;
  while (std::getline(in, field, ',')) values.push_back(std::stod(field));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr,
                 "usage: api_predict MODEL.pbtxt train|restore CKPT SAMPLE\n");
    return 2;
  }
  const std::string mode = argv[2], checkpoint = argv[3];
  absl::StatusOr<std::unique_ptr<nabla::Model>> model =
      nabla::Model::FromFile(argv[1]);
  if (!model.ok()) return Fail(model.status());
  if (mode == "train") {
    nabla::TrainingOptions options;
    options.save = checkpoint;
    absl::StatusOr<nabla::TrainingResult> trained = (*model)->Train(options);
    if (!trained.ok()) return Fail(trained.status());
  } else if (absl::Status restored = (*model)->Restore(checkpoint);
             !restored.ok()) {
    return Fail(restored);
  }
  const std::vector<double> sample = ParseSample(argv[4]);
  const int64_t columns = static_cast<int64_t>(sample.size());
  absl::StatusOr<nabla::Values> predicted =
      (*model)->Predict(nabla::Values({1, columns}, sample));
  if (!predicted.ok()) return Fail(predicted.status());
  std::printf("predict -> [%.9g]\n", predicted->data[0]);
  absl::StatusOr<nabla::Values> mean = (*model)->Variable("bn/mean");
  if (!mean.ok()) return Fail(mean.status());
  std::printf("bn/mean");
  for (double v : mean->data) std::printf(" %.9g", v);
  std::printf("\n");
  return 0;
}
