// Model: a nabla model (a .pbtxt model file, or its text) with its
// variables: train it, predict, evaluate, save and restore
// checkpoints.
//
//   #include <nabla/nabla.h>
//
//   absl::StatusOr<std::unique_ptr<nabla::Model>> model =
//       nabla::Model::FromFile("examples/test_score.pbtxt");
//   if (!model.ok()) return Fail(model.status());
//   absl::Status restored = (*model)->Restore("score.ckpt");
//   absl::StatusOr<nabla::Values> score =
//       (*model)->Predict(nabla::Values({1, 2}, {4, 8}));   // [[89.7]]
//
// Ownership. The caller owns the Model that FromFile() and FromString()
// return; Values passed in are copied, Values returned are the
// caller's.
//
// Errors. Every call returns absl::Status or absl::StatusOr, with a message
// naming the file, line, node or flag at fault; none aborts or throws on a
// bad model, data file, checkpoint or argument. A call that fails changes
// nothing, except Train() and TrainStep(), whose finished steps stay
// applied (a run that fails in epoch 3 keeps epochs 1 and 2).
//
// Thread-safety. Predict(), Classify() and Run() are const and may be
// called from any number of threads at once, and return what sequential
// calls return: each concurrent call runs on its own replica of the
// variables, made on first need and kept for reuse. Every other call needs
// the model to itself: no other call on the same Model may run meanwhile.
// Two Models share nothing but the registry of ops and plugins.
//
// Units. Values given to and returned by a Model are in the data's own
// units: inputs to placeholders that the model's `data { normalize }`
// rescales are rescaled with the statistics fitted on the training data
// (or restored from a checkpoint), and Predict() maps the output back when
// `prediction { output_units_of }` says so.
#ifndef NABLA_MODEL_H_
#define NABLA_MODEL_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nabla/communicator.h"
#include "nabla/values.h"

namespace nabla {

namespace internal {
struct ModelState;  // core/api/model_state.h
}  // namespace internal

struct ModelOptions {
  // Threads of the model's TBB arena (and of each Predict replica's); at
  // least 1. Results are bit-identical for any count.
  int threads = 1;
  // With threads > 1, time each kind of step on all threads and on one,
  // and run it the faster way: one thread wins for small models and when
  // other processes keep the cores busy. False keeps all threads on every
  // step (as train_graph --fixed_threads). Results are the same either way.
  bool adapt_threads = true;
  // Read and write denormal floats (below 1.2e-38 in float) as zero on
  // every thread of a step: a network whose numbers have become tiny then
  // runs as fast as any other. False keeps IEEE semantics (as train_graph
  // --keep_denormals). Results are the same for any thread count either way.
  bool flush_denormals = true;
  // Seeds the variables' initialisers and the data order; unset uses the
  // model's training.seed (as train_graph --seed).
  std::optional<uint64_t> seed;
  // The most bytes of tensors the model may hold at once (variables,
  // optimizer slots and the buffers it plans); more is refused with
  // ResourceExhausted, naming the size, before it is allocated. 0: no
  // limit. Each concurrent Predict replica counts on its own.
  size_t memory_limit_bytes = 0;
  // Scan every training step for NaN and infinities and stop at the
  // first, naming its node and the step (as train_graph --check_numerics).
  // Off, training still stops when the loss becomes NaN or infinite.
  bool check_numerics = false;
  // Read the data section (data files, splits, normalisation statistics)
  // when the model is loaded, as train_graph does. False suits an app that
  // only predicts with a restored checkpoint: Train(), Evaluate() and
  // Data() then fail with FailedPrecondition.
  bool load_data = true;
  // Resolves the data section's relative paths. FromFile() uses the model
  // file's directory when this is empty; FromString() uses ".".
  std::string base_dir;
  // Names the model in messages. FromFile() uses the path when empty;
  // FromString() "<string>".
  std::string source_name;
  // The most bytes FromFile() reads as a .pbtxt model file
  // (ResourceExhausted naming the file beyond it), as train_graph
  // --max_text_size. ONNX files may hold protobuf's limit, 2 GiB.
  uint64_t max_model_file_bytes = uint64_t{1} << 30;
  // Replaces the model's training.metrics (as train_graph --metrics): the
  // classification metrics reported after accuracy, "precision", "recall",
  // "f1", "auc", "top<k>".
  std::optional<std::vector<std::string>> metrics;
  // Train data-parallel with these ranks (not owned; it must outlive the
  // model): each rank (a process under mpirun, or a thread) makes its own
  // Model of the same model file with the same options; Train() then cuts
  // every batch into one shard per rank and sums the gradients over the
  // ranks, so that every rank applies the one-process update; Evaluate()
  // measures the whole split over all ranks; Save() writes on rank 0 only,
  // after the ranks have gathered their parts of the optimizer's state.
  // Every rank must make the same calls with the same arguments. Loading
  // checks that the ranks have the same model, settings and data, and
  // fails naming what differs. Null, or a single rank: alone.
  // (<nabla/communicator.h>, docs/distributed.md)
  Communicator* communicator = nullptr;
  // Data-parallel: sum the gradients on a thread of their own while the
  // backward pass runs; unset: when the machine has more cores than its
  // ranks' threads. The same results either way.
  std::optional<bool> overlap_exchange;
};

// The settings of a whole training run, as train_graph's flags; unset
// fields keep the model's training section.
struct TrainingOptions {
  // Epochs finished when the run ends, counting those a restored
  // checkpoint had finished.
  std::optional<int64_t> epochs;
  std::optional<int64_t> batch_size;
  std::optional<double> learning_rate;
  // An epoch line every N epochs (and the first and last).
  std::optional<int64_t> log_every;
  // Score the test data after every epoch, not only the last (the model's
  // training.test_every_epoch when unset).
  std::optional<bool> test_every_epoch;
  // Non-empty: a checkpoint of the run is written here at the end (and
  // every `checkpoint_every` epochs when that is > 0).
  std::string save;
  int64_t checkpoint_every = 0;
  // Non-empty: the metrics of every epoch as JSON Lines, and an SVG plot.
  std::string metrics_out;
  std::string plot;
  // Early stopping and the best checkpoint (the model's training.monitor,
  // training.patience and training.save_best when unset; as train_graph
  // --monitor, --min_delta, --patience, --save_best): the validation figure
  // watched ("loss", "accuracy", "f1", ...), the improvement that counts,
  // the epochs without one that end the run (0: never), and where the
  // best epoch's checkpoint is written. Both need validation data.
  std::optional<std::string> monitor;
  std::optional<double> min_delta;
  std::optional<int64_t> patience;
  std::string save_best;
  // The progress bar (when this is stdout on a terminal) and epoch lines;
  // null prints nothing. Not owned.
  std::FILE* progress = nullptr;
  // Asked after every step: true ends the run there, ready to continue
  // with another Train() (or from a checkpoint saved now).
  std::function<bool()> stop_requested;
};

// One epoch of a run. Metrics are "accuracy" (and those of
// ModelOptions::metrics or training.metrics) for classifiers, "mse" and
// "mae" for regression; val_ and test_ fields are empty without those
// splits, and test_ fields are set for the run's last epoch only unless
// TrainingOptions::test_every_epoch.
struct EpochResult {
  int64_t epoch = 0;  // 1-based
  int64_t step = 0;   // optimizer steps taken so far
  double loss = 0;    // mean training loss over the epoch's samples
  std::map<std::string, double> metrics;
  std::optional<double> val_loss;
  std::map<std::string, double> val_metrics;
  std::optional<double> test_loss;
  std::map<std::string, double> test_metrics;
  double seconds = 0;  // this epoch's time
};

struct TrainingResult {
  std::vector<EpochResult> epochs;  // those this run finished
  bool stopped = false;             // stop_requested ended the run
  // The validation stopped improving for `patience` epochs.
  bool stopped_early = false;
  // The best epoch by the monitored figure and its value; 0 and unset
  // when nothing is monitored (no patience, no save_best).
  int64_t best_epoch = 0;
  std::optional<double> best_value;
};

enum class Split { kTraining, kValidation, kTest };

struct EvaluationResult {
  int64_t samples = 0;
  double loss = 0;  // mean over samples
  std::map<std::string, double> metrics;
  // Classifiers: confusion_matrix[true][predicted] counts; else empty.
  std::vector<std::vector<int64_t>> confusion_matrix;
  // Classifiers: each class's precision (correct / predicted as it),
  // recall (correct / support), F1 and support, 0 where a denominator is
  // 0 (scikit-learn's classification_report); else empty.
  struct ClassScores {
    double precision = 0, recall = 0, f1 = 0;
    int64_t support = 0;
  };
  std::vector<ClassScores> per_class;
};

struct Classification {
  int64_t label = 0;       // the most probable class
  std::string name;        // its name, when the model or data gives one
  double probability = 0;  // its probability
};

class Model {
 public:
  // Loads, validates (ops, attributes, shapes, training section) and
  // initialises the variables from the seed; with options.load_data, also
  // reads the data section. InvalidArgument / NotFound naming the file,
  // line and node otherwise. A path ending in ".onnx" is imported as
  // FromOnnx() does.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Model>> FromFile(
      const std::string& path, const ModelOptions& options = {});
  // Imports an ONNX model (docs/onnx.md): its initializers become
  // variables, its inputs placeholders and its outputs nodes, named as in
  // the file (':' as '_'); with one input and one output, Predict() maps
  // them. Unimplemented listing every node nabla cannot import;
  // InvalidArgument naming the node for a model that is wrong.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Model>> FromOnnx(
      const std::string& path, const ModelOptions& options = {});
  // The text of a model file, as GraphBuilder::Build() returns it.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Model>> FromString(
      absl::string_view text, const ModelOptions& options = {});

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Trains on the model's data, as train_graph does: from the position a
  // restored checkpoint holds (or the start) until `epochs` epochs are
  // finished. REQUIRES: the model has a training section and its data.
  [[nodiscard]] absl::StatusOr<TrainingResult> Train(
      const TrainingOptions& options = {});

  // One optimizer step on `feeds` (each a placeholder the loss needs and
  // its [batch, ...] values); returns the loss before the update.
  // Data-parallel, every rank calls it with its own rows of the batch; the
  // update and the loss returned are the whole batch's.
  [[nodiscard]] absl::StatusOr<double> TrainStep(
      const std::vector<NamedValues>& feeds);

  // The output of prediction.output for `inputs` ([rows, ...]) fed to
  // prediction.input; one output row per input row.
  [[nodiscard]] absl::StatusOr<Values> Predict(const Values& inputs) const;
  // Predict(), then the most probable class of each row.
  [[nodiscard]] absl::StatusOr<std::vector<Classification>> Classify(
      const Values& inputs) const;
  // Any outputs ("node" or "node:k") from any feeds, in fetch order.
  [[nodiscard]] absl::StatusOr<std::vector<Values>> Run(
      const std::vector<NamedValues>& feeds,
      const std::vector<std::string>& fetches) const;

  // Loss and metrics of a split of the model's data.
  [[nodiscard]] absl::StatusOr<EvaluationResult> Evaluate(
      Split split = Split::kTest);
  // The samples of a split, per placeholder, in the data's own units.
  [[nodiscard]] absl::StatusOr<std::vector<NamedValues>> Data(
      Split split) const;

  // Writes a checkpoint (atomically): variables, optimizer slots and step,
  // normalisation statistics and the data position, as train_graph --save.
  [[nodiscard]] absl::Status Save(const std::string& path) const;
  // Restores one written by Save() or train_graph for this model; a
  // checkpoint of another model is refused and changes nothing.
  [[nodiscard]] absl::Status Restore(const std::string& path);

  // What Predict() feeds and returns: the prediction section's input
  // placeholder and output node; empty when the model has none.
  std::string prediction_input() const;
  std::string prediction_output() const;

  // The Variable nodes, in graph order (a layer's as "hidden/weights").
  std::vector<std::string> VariableNames() const;
  // A variable's value, or replaces it (same shape).
  [[nodiscard]] absl::StatusOr<Values> Variable(const std::string& name) const;
  [[nodiscard]] absl::Status SetVariable(const std::string& name,
                                         const Values& value);

  // The model as loaded (composite layers not expanded), as .pbtxt text
  // that train_graph and FromString() read back.
  std::string ToText() const;
  [[nodiscard]] absl::Status Export(const std::string& path) const;
  // Writes the model for inference as an ONNX file (opset 17,
  // docs/onnx.md): the nodes `outputs` need (default: prediction.output),
  // the current variables as initializers, Dropout as the identity,
  // BatchNorm with its running statistics, the data's normalisation
  // folded in. InvalidArgument listing the nodes without an ONNX form
  // (losses).
  [[nodiscard]] absl::Status ExportOnnx(
      const std::string& path,
      const std::vector<std::string>& outputs = {}) const;

  int64_t step() const;  // optimizer steps taken
  int64_t epochs_finished() const;
  int threads() const;

 private:
  explicit Model(std::unique_ptr<internal::ModelState> state);
  std::unique_ptr<internal::ModelState> state_;
};

}  // namespace nabla

#endif  // NABLA_MODEL_H_
