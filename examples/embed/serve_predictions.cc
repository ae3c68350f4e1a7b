// Classifies Fashion-MNIST test images from many threads at once with one
// trained model, one image per request, as a server would; checks that
// every answer equals the one a single thread computed.
//
//   bazel-bin/tools/train_graph examples/fashion_mnist_mlp.pbtxt
//       --save fashion.ckpt
//   bazel-bin/examples/embed/serve_predictions
//       examples/fashion_mnist_mlp.pbtxt fashion.ckpt 8
// (each command on one line)
#include <nabla/nabla.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "serve_predictions: %s\n",
               std::string(status.message()).c_str());
  return 1;
}

// Rows [first, first + count) of `values`.
nabla::Values Rows(const nabla::Values& values, int64_t first, int64_t count) {
  std::vector<int64_t> shape = values.shape;
  shape[0] = count;
  const int64_t size = values.row_size();
  return nabla::Values(
      std::move(shape),
      std::vector<double>(values.data.begin() + first * size,
                          values.data.begin() + (first + count) * size));
}

// The class the model gives each image, computed by one thread in batches.
absl::StatusOr<std::vector<int64_t>> ClassifyAll(const nabla::Model& model,
                                                 const nabla::Values& images) {
  constexpr int64_t kBatch = 500;
  std::vector<int64_t> labels;
  for (int64_t first = 0; first < images.rows(); first += kBatch) {
    const int64_t count = std::min(kBatch, images.rows() - first);
    absl::StatusOr<std::vector<nabla::Classification>> classes =
        model.Classify(Rows(images, first, count));
    if (!classes.ok()) return classes.status();
    for (const nabla::Classification& c : *classes) labels.push_back(c.label);
  }
  return labels;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr,
                 "usage: serve_predictions MODEL.pbtxt CHECKPOINT [THREADS]\n");
    return 2;
  }
  const int threads = argc == 4 ? std::atoi(argv[3]) : 8;
  if (threads < 1) {
    std::fprintf(stderr, "serve_predictions: THREADS must be at least 1\n");
    return 2;
  }
  // The data is read for its test images.
  absl::StatusOr<std::unique_ptr<nabla::Model>> loaded =
      nabla::Model::FromFile(argv[1]);
  if (!loaded.ok()) return Fail(loaded.status());
  const nabla::Model& model = **loaded;
  if (absl::Status restored = (*loaded)->Restore(argv[2]); !restored.ok()) {
    return Fail(restored);
  }
  absl::StatusOr<std::vector<nabla::NamedValues>> test =
      model.Data(nabla::Split::kTest);
  if (!test.ok()) return Fail(test.status());
  const std::string input = model.prediction_input();
  const nabla::Values* images = nullptr;
  const nabla::Values* truth = nullptr;
  for (const nabla::NamedValues& column : *test) {
    (column.name == input ? images : truth) = &column.values;
  }
  if (images == nullptr || truth == nullptr) {
    return Fail(absl::InvalidArgumentError(
        "the test data needs the input images and their labels"));
  }
  absl::StatusOr<std::vector<int64_t>> expected = ClassifyAll(model, *images);
  if (!expected.ok()) return Fail(expected.status());

  // Each thread serves every threads-th request, one image at a time.
  std::atomic<int64_t> correct{0}, differing{0}, failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> servers;
  for (int t = 0; t < threads; ++t) {
    servers.emplace_back([&, t] {
      for (int64_t r = t; r < images->rows(); r += threads) {
        absl::StatusOr<std::vector<nabla::Classification>> answer =
            model.Classify(Rows(*images, r, 1));
        if (!answer.ok()) {
          ++failed;
          continue;
        }
        const int64_t label = (*answer)[0].label;
        if (label != (*expected)[r]) ++differing;
        if (label == static_cast<int64_t>(truth->data[r])) ++correct;
      }
    });
  }
  for (std::thread& server : servers) server.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const int64_t n = images->rows();
  std::printf(
      "served %lld test images, one request each, from %d threads: "
      "%.0f requests/s\n",
      static_cast<long long>(n), threads, n / seconds);
  std::printf(
      "accuracy %.4f; %lld answers differ from the single-threaded "
      "ones; %lld requests failed\n",
      static_cast<double>(correct) / n,
      static_cast<long long>(differing.load()),
      static_cast<long long>(failed.load()));
  return differing == 0 && failed == 0 ? 0 : 1;
}
