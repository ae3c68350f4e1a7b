// Predicts a test score from hours studied and hours slept with the trained
// test-score model: the model file plus a checkpoint that train_graph (or
// Model::Save) wrote.
//
//   bazel-bin/tools/train_graph examples/test_score.pbtxt --save score.ckpt
//   bazel-bin/examples/embed/predict_score examples/test_score.pbtxt score.ckpt
//   4 hours studied, 8 hours slept: predicted score 89.7
#include <nabla/nabla.h>

#include <cstdio>
#include <string>

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "predict_score: %s\n",
               std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: predict_score MODEL.pbtxt CHECKPOINT\n");
    return 2;
  }
  // Only predicting: the checkpoint holds the variables and the statistics
  // that normalise hours and scores, so the data need not be read.
  nabla::ModelOptions options;
  options.load_data = false;
  absl::StatusOr<std::unique_ptr<nabla::Model>> model =
      nabla::Model::FromFile(argv[1], options);
  if (!model.ok()) return Fail(model.status());
  if (absl::Status restored = (*model)->Restore(argv[2]); !restored.ok()) {
    return Fail(restored);
  }
  // One row: [hours studied, hours slept], in hours.
  absl::StatusOr<nabla::Values> score =
      (*model)->Predict(nabla::Values({1, 2}, {4, 8}));
  if (!score.ok()) return Fail(score.status());
  std::printf("4 hours studied, 8 hours slept: predicted score %.1f\n",
              score->data[0]);
  return 0;
}
