// train_graph's command line: every flag, its checks, and the usage text.
#ifndef NABLA_TOOLS_TRAIN_OPTIONS_H_
#define NABLA_TOOLS_TRAIN_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace nabla {

struct TrainOptions {
  std::string model_path;
  std::optional<int64_t> epochs, batch_size, threads, log_every;
  std::optional<int64_t> checkpoint_every, time_iterations, patience;
  std::optional<double> min_delta;
  std::optional<std::string> monitor, save_best;
  std::optional<uint64_t> seed;
  std::optional<double> learning_rate;
  std::optional<std::string> save, resume, predict, predict_file, input, output,
      metrics_out, plot, dot, export_onnx;
  // Metric names split at commas (training.metrics); empty: none.
  std::optional<std::vector<std::string>> metrics;
  std::vector<std::string> plugins;
  // Bytes the session may hold (SessionOptions::memory_limit_bytes): the
  // --memory_limit flag, else half of the machine's memory; 0 is no limit.
  uint64_t memory_limit = 0;
  // The most bytes the model file and --predict_file may hold: the
  // --max_text_size flag, else kMaxTextFileBytes.
  uint64_t max_text_bytes = 0;
  bool check_numerics = false;
  // Score the test data after every epoch (training.test_every_epoch).
  bool test_every_epoch = false;
  // Keep all threads on every step (SessionOptions::adapt_threads off).
  bool fixed_threads = false;
  // Keep denormal floats (SessionOptions::flush_denormals off).
  bool keep_denormals = false;
  bool list = false;
  bool summary = false;
  bool version = false;
  bool gradcheck = false;
  bool eval = false;
  bool time = false;
  bool help = false;
};

// Fills `options` from argv. A usage error (unknown flag, bad value, flags
// that do not go together) is InvalidArgument; `help` gets the usage text.
[[nodiscard]] absl::Status ParseTrainOptions(int argc, const char* const* argv,
                                             TrainOptions* options,
                                             std::string* help);

}  // namespace nabla

#endif  // NABLA_TOOLS_TRAIN_OPTIONS_H_
