// ModelRun: everything a run of a model file is, in one place that
// train_graph and the embedding API (nabla::Model) both use: setting it up
// (graph, session, training section, data, a restored checkpoint), the
// training loop with its reports, evaluation, prediction, the diagnostics
// (gradient check, timing), and checkpoints of the whole run.
//
//   NABLA_ASSIGN_OR_RETURN(ParsedModel parsed, ReadModelFile(path));
//   NABLA_ASSIGN_OR_RETURN(std::unique_ptr<ModelRun> run,
//                          ModelRun::Open(std::move(parsed), {}));
//   NABLA_ASSIGN_OR_RETURN(TrainingOutcome outcome, run->Train({}));
//   NABLA_ASSIGN_OR_RETURN(Evaluation test, run->Evaluate(RunSplit::kTest));
//   NABLA_RETURN_IF_ERROR(run->Save("model.ckpt"));
//
// Errors name the model file (and the line, node or setting at fault).
// Not thread-safe: one call at a time. Prediction from several threads at
// once goes through sessions of the caller's (PredictionSetup() and
// PredictRows() in core/run/prediction.h).
#ifndef NABLA_CORE_RUN_MODEL_RUN_H_
#define NABLA_CORE_RUN_MODEL_RUN_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/graph.h"
#include "core/model_data.h"
#include "core/model_parser.h"
#include "core/profile.h"
#include "core/run/best_epoch.h"
#include "core/run/epoch_record.h"
#include "core/run/evaluation.h"
#include "core/run/model_gradcheck.h"
#include "core/run/prediction.h"
#include "core/run/replica_check.h"
#include "core/run/training_reports.h"
#include "core/session.h"
#include "core/trainer.h"

namespace nabla {

// How a run is set up. Unset overrides keep the model file's values.
struct RunOptions {
  // Threads of the session's TBB arena; >= 1. Results are bit-identical
  // for any count.
  int threads = 1;
  // With threads > 1, run each kind of step on all threads or one,
  // whichever is faster (SessionOptions::adapt_threads).
  bool adapt_threads = true;
  // Denormal floats read and written as zero (SessionOptions).
  bool flush_denormals = true;
  // Seeds the variables' initialisers and the data order.
  std::optional<uint64_t> seed;
  // SessionOptions::memory_limit_bytes; 0: no limit.
  size_t memory_limit_bytes = 0;
  bool check_numerics = false;
  // Overrides of the training section.
  std::optional<int64_t> epochs, batch_size;
  std::optional<double> learning_rate;
  // Replaces training.metrics; errors name it `metrics_name`.
  std::optional<std::vector<std::string>> metrics;
  std::string metrics_name = "--metrics";
  // Restore this checkpoint of a run before the data is loaded (the data
  // is then normalised with its statistics).
  std::optional<std::string> resume;
  // Read the data section. False: Train(), Evaluate() and the diagnostics
  // fail with FailedPrecondition.
  bool load_data = true;
  // Resolves the data section's relative paths; empty: the model file's
  // directory.
  std::string base_dir;
  // Trains data-parallel with these ranks (not owned; core/trainer.h and
  // docs/distributed.md): every rank opens the same model alike, Open()
  // checks that they do (the model, these settings, the data's file sizes
  // and sample counts, and replica_check), Train() splits every batch among
  // them, Evaluate() measures the whole split over all, and only rank 0
  // writes files (checkpoints, metrics, plots) and prints progress. Null,
  // or one rank: alone, as if unset.
  Communicator* communicator = nullptr;
  // Sum the gradients on a thread of their own while the backward pass
  // runs (core/gradient_exchange.h); unset: when this machine has a core
  // to spare for it (more cores than its ranks' threads). The same results
  // either way.
  std::optional<bool> overlap_exchange;
  // More parts every rank must have alike (train_graph's flags and
  // plugins).
  std::vector<ReplicaPart> replica_check;
};

enum class RunSplit { kTraining, kValidation, kTest };

// What a training run reports besides its epochs.
struct ReportOptions {
  // An epoch line every N epochs (and the first and last); unset: the
  // model's training.log_every.
  std::optional<int64_t> log_every;
  // Score the test data after every epoch, not only the last; unset: the
  // model's training.test_every_epoch.
  std::optional<bool> test_every_epoch;
  // The metrics of every epoch as JSON Lines, and an SVG plot.
  std::optional<std::string> metrics_out, plot;
  // A checkpoint of the run to `checkpoint` every `checkpoint_every`
  // epochs (0: never) before the last.
  std::optional<std::string> checkpoint;
  int64_t checkpoint_every = 0;
  // Overrides of training.monitor's metric and min_delta and of
  // training.patience and training.save_best (a path as given, not
  // resolved against the model's directory).
  std::optional<std::string> monitor;
  std::optional<double> min_delta;
  std::optional<int64_t> patience;
  std::optional<std::string> save_best;
  // The progress bar (on a terminal) and epoch lines; null prints nothing.
  // Not owned.
  std::FILE* out = stdout;
  // Asked after every step: true ends the run there, ready to continue.
  std::function<bool()> stop_requested;
};

struct TrainingOutcome {
  std::vector<EpochRecord> epochs;  // those this call finished
  bool stopped = false;             // stop_requested ended it early
  // The validation stopped improving for `patience` epochs.
  bool stopped_early = false;
  // The best epoch by the monitored figure (0: not watched, or none).
  BestEpoch best;
};

class ModelRun {
 public:
  // Validates the model (ops, attributes, shapes, training section),
  // initialises the variables from the seed, sets up training when the
  // model has a training section, restores options.resume and loads the
  // data. The first error, naming the file, otherwise.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ModelRun>> Open(
      ParsedModel parsed, const RunOptions& options);

  // --- training -----------------------------------------------------
  bool has_training() const { return targets_.has_value(); }
  // Changes the training overrides between runs. The optimizer's state
  // carries over a new learning rate. InvalidArgument for epochs < 1,
  // batch_size < 0 or a learning rate that is not positive.
  [[nodiscard]] absl::Status SetOverrides(std::optional<int64_t> epochs,
                                          std::optional<int64_t> batch_size,
                                          std::optional<double> learning_rate);
  // "training m.pbtxt: 3 samples, epochs 1 to 2000, batch size 3,
  // SGD(learning_rate=2), 1 thread".
  // Wrapped onto a second, indented line when longer than 100 columns.
  std::string DescribeTraining() const;
  // The memory of a training step on the first batch (its plan is built,
  // nothing runs); errors as Time().
  [[nodiscard]] absl::StatusOr<MemoryPlan> TrainingMemory();
  // Trains from the position a restored checkpoint holds (or the start)
  // until the epochs are finished, reports.stop_requested() says stop, or
  // (with a patience) the validation stops improving. Early stopping and
  // the best checkpoint need validation data (else InvalidArgument, as for
  // a monitored metric the validation does not report).
  // REQUIRES: a training section and data (else FailedPrecondition).
  [[nodiscard]] absl::StatusOr<TrainingOutcome> Train(
      const ReportOptions& reports);
  // One optimizer step on `feeds` (already normalised); the loss before
  // the update. Data-parallel, `feeds` are this rank's rows of the batch
  // (every rank calls it), weighted by their share of all ranks' rows, and
  // the loss is the whole batch's.
  [[nodiscard]] absl::StatusOr<double> TrainStep(absl::Span<const Feed> feeds);

  // --- evaluation, prediction, diagnostics ---------------------------
  // Loss and metrics of a split. FailedPrecondition without a training
  // section or data; NotFound when the split is empty.
  [[nodiscard]] absl::StatusOr<Evaluation> Evaluate(RunSplit split);
  // The samples of a split (normalised), or why there are none.
  [[nodiscard]] absl::StatusOr<const Dataset*> Data(RunSplit split) const;
  // The prediction section's input and output, or the overrides
  // (train_graph --input, --output, named so in errors), checked against
  // the graph, with how to read and show the outputs.
  [[nodiscard]] absl::StatusOr<PredictionSetup> Prediction(
      std::optional<std::string> input = std::nullopt,
      std::optional<std::string> output = std::nullopt) const;
  // Every op's gradient kernel against finite differences on the first
  // `samples` of the training data (train_graph --gradcheck).
  [[nodiscard]] absl::StatusOr<std::vector<NodeGradientReport>> Gradcheck(
      int64_t samples, const GradientCheckOptions& options);
  // Per-node times and the memory of `iterations` training steps on the
  // first batch, after `warmup` (train_graph --time). The steps train.
  [[nodiscard]] absl::StatusOr<std::string> Time(int iterations, int warmup);

  // --- checkpoints of the whole run ------------------------------------
  // Variables, optimizer slots and step, normalisation statistics, the
  // data position and seed; written atomically. Data-parallel, rank 0
  // alone writes (every rank holds the same run, once the ranks have
  // gathered their parts of the optimizer's slots: every rank calls it) and
  // the others return OK.
  [[nodiscard]] absl::Status Save(const std::string& path) const;
  // Restores one written by Save(); a checkpoint of another model changes
  // nothing. Loaded data is normalised again with its statistics.
  [[nodiscard]] absl::Status Restore(const std::string& path);
  // The inference graph of `outputs` (default: the prediction section's
  // output) as an ONNX model with the current variables, normalisation
  // folded in (core/onnx/onnx_export.h); written atomically. Data-parallel,
  // rank 0 alone writes.
  [[nodiscard]] absl::Status ExportOnnx(
      const std::string& path, std::vector<std::string> outputs = {}) const;

  const ParsedModel& parsed() const { return parsed_; }
  const std::string& source() const { return parsed_.source.name; }
  // The files the data sources read (the built-in ones report theirs).
  const std::vector<std::string>& data_files() const { return data_files_; }
  const std::shared_ptr<const Graph>& graph() const { return graph_; }
  Session& session() { return *session_; }
  const Session& session() const { return *session_; }
  const Normalizer& normalizer() const { return data_.normalizer; }
  const TrainingPosition& position() const { return position_; }
  // Where the best epoch's checkpoint goes: `override` as given, else the
  // model's training.save_best resolved against its directory; empty for
  // none.
  std::string SaveBestPath(const std::optional<std::string>& override) const;
  const TrainingSettings& settings() const { return settings_; }
  // The options the session was made with, for sessions made alike
  // (replicas that serve predictions at the same time).
  const SessionOptions& session_options() const { return session_options_; }
  // The class names of a classifier: the prediction section's, or those
  // its data source read; empty otherwise.
  std::vector<std::string> ClassNames() const;

 private:
  ModelRun(ParsedModel parsed, const RunOptions& options)
      : parsed_(std::move(parsed)), options_(options) {}
  [[nodiscard]] absl::Status SetUpTraining();
  // Writes a checkpoint of the run at `position`; data-parallel, every rank
  // gathers the slots (collective), then rank 0 alone writes and the others
  // return OK.
  [[nodiscard]] absl::Status SaveAt(const std::string& path,
                                    const TrainingPosition& position) const;
  // Alone, or rank 0 of the ranks.
  bool WritesFiles() const;
  // CheckReplicasAgree() over what Open() set up.
  [[nodiscard]] absl::Status CheckReplicas() const;
  // InvalidArgument naming the checkpoint `path` when its `position` is
  // past the loaded training data.
  [[nodiscard]] absl::Status CheckPositionFitsData(
      const std::string& path, const TrainingPosition& position) const;
  [[nodiscard]] absl::Status WatchBestEpoch(const ReportOptions& reports,
                                            TrainingReportOptions& options);
  // The metrics options_.metrics or training.metrics ask for, checked
  // against what `targets` measures.
  [[nodiscard]] absl::StatusOr<std::vector<MetricRequest>> RequestedMetrics(
      const MetricTargets& targets) const;
  // ReadData() into the run.
  [[nodiscard]] absl::Status LoadData(const Normalizer* restored);
  // Makes `data`, read from `files`, the run's.
  [[nodiscard]] absl::Status SetData(ModelData data,
                                     std::vector<std::string> files);
  // The model's data, normalised with `restored` when given; every file
  // read is added to `files`.
  [[nodiscard]] absl::StatusOr<ModelData> ReadData(
      const Normalizer* restored, std::vector<std::string>* files) const;
  [[nodiscard]] absl::Status CheckCanTrain(absl::string_view what) const;
  // The split's samples; errors start with `what` ("Train", "Evaluate").
  [[nodiscard]] absl::StatusOr<const Dataset*> SplitData(
      RunSplit split, absl::string_view what) const;
  // The rows of the first batch of the training data, as feeds.
  [[nodiscard]] absl::Status FirstBatch(int64_t samples,
                                        std::vector<Tensor>* batch,
                                        std::vector<Feed>* feeds) const;
  // FirstBatch of a training batch's size, once `what` may train.
  [[nodiscard]] absl::Status FirstTrainingBatch(absl::string_view what,
                                                std::vector<Tensor>* batch,
                                                std::vector<Feed>* feeds);

  ParsedModel parsed_;
  RunOptions options_;
  SessionOptions session_options_;
  std::shared_ptr<const Graph> graph_;
  std::unique_ptr<Session> session_;
  // Set when the model has a training section.
  std::optional<MetricTargets> targets_;
  // The files the data sources read.
  std::vector<std::string> data_files_;
  TrainingSettings settings_;
  TrainingPosition position_;
  // The best epoch so far, as checkpoints keep it.
  BestEpoch best_;
  bool data_loaded_ = false;
  // The splits when loaded; the normaliser in any case.
  ModelData data_;
};

// Whether the model's data section names any data.
bool HasData(const DataConfig& data);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_MODEL_RUN_H_
