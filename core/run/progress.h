// Console progress of a training run: on a terminal, a bar for the current
// epoch redrawn in place with '\r', with the epoch's running loss and
// metric and, before the last epoch, the time left of the whole run,
//
//   epoch 3/10 [====>     ] 45% 27000/60000  loss 0.4123  accuracy 0.8532
//   12345 samples/s  ETA 3s  run 41s            (on one line)
//
// then "validating 5000 samples" while the validation runs,
// and, on a terminal or not, one summary line per finished epoch:
//
//   epoch 3/10  loss 0.412  accuracy 0.853  val_loss 0.45  val_accuracy 0.84
//   lr 0.001  5312 samples/s  12.3 s  (36.9 s elapsed)
//
//   ProgressOptions options;
//   options.out = stdout;
//   options.is_terminal = StdoutIsTerminal();
//   Progress progress(options, /*total_epochs=*/10);
//   progress.StartEpoch(3, data.num_samples());
//   ... after each batch: progress.Update(samples_done_this_epoch);
//   progress.EndEpoch(record);
#ifndef NABLA_CORE_RUN_PROGRESS_H_
#define NABLA_CORE_RUN_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "core/run/epoch_record.h"

namespace nabla {

// Whether stdout is a terminal (isatty).
bool StdoutIsTerminal();

// The columns of the terminal on stdout, or 0 when it is not one.
int TerminalColumns();

// The summary of a finished epoch, without a final newline: loss and
// metrics with 4 significant digits, lr with 6, samples/s rounded, the
// epoch's time ("12.3 s", or "45.2 ms" under a second) and the run's time
// so far. Absent splits and an unknown lr are left out. Parts that would
// pass `width` columns go on indented continuation lines.
std::string FormatEpochSummary(const EpochRecord& record, int64_t total_epochs,
                               size_t width = 100);

// What the bar shows besides the epoch's progress, when known.
struct BarFigures {
  // The mean loss of the epoch's batches so far.
  std::optional<double> loss;
  // The epoch's primary metric so far ("accuracy", "mse"); null: none.
  const char* metric_name = nullptr;
  double metric = 0;
  // Seconds until the whole run ends ("run 41s").
  std::optional<double> run_seconds_left;
  // Shown instead of the rate and the ETAs ("validating 5000 samples").
  std::string status;
};

// The bar line, without '\r' or a newline. `samples_per_sec` <= 0 (or not
// finite) means the rate is not known yet: "? samples/s  ETA ?". The ETA is
// "3s", "2m05s" or "1h02m". REQUIRES: 0 <= done <= total, bar_width >= 1.
std::string FormatProgressBar(int64_t epoch, int64_t total_epochs, int64_t done,
                              int64_t total, double samples_per_sec,
                              int bar_width, const BarFigures& figures = {});

struct ProgressOptions {
  // Not owned; must outlive the Progress. Null writes nothing.
  std::FILE* out = stdout;
  // Draw the bar; otherwise only the summary lines are written.
  bool is_terminal = false;
  // Seconds on a monotonic clock; empty means std::chrono::steady_clock.
  std::function<double()> clock;
  // Redraw the bar at most this often.
  double min_redraw_seconds = 0.1;
  // The bar's width, narrowed (to 5 at least) to keep the line within
  // `width`.
  int bar_width = 20;
  // Epoch summaries wrap at this many columns.
  size_t width = 100;
};

// Writes progress to options.out, flushing after each write. Not
// thread-safe.
class Progress {
 public:
  Progress(ProgressOptions options, int64_t total_epochs);

  // Starts timing an epoch of `total_samples`, of which `done` are already
  // trained on (a resumed run; the rate counts only the rest); on a
  // terminal, draws the bar.
  void StartEpoch(int64_t epoch, int64_t total_samples, int64_t done = 0);
  // `done` samples of the epoch are finished. On a terminal, redraws the
  // bar unless the last draw was under min_redraw_seconds ago. The run's
  // time left counts the epochs to come at this epoch's rate, each with
  // the time the last evaluation took.
  void Update(int64_t done, const BarFigures& figures = {});
  // The epoch's training is done and `what` (e.g. "validating 5000
  // samples") runs: on a terminal, says so after the bar. Timed until
  // EndEpoch() or the next StartEpoch().
  void StartEvaluation(const std::string& what);
  // On a terminal, erases the bar; then writes the summary line and '\n'.
  void EndEpoch(const EpochRecord& record);

 private:
  double Now() const;
  void Draw(int64_t done, double now, BarFigures figures);
  // Ends the timing of an evaluation, if one runs.
  void EndEvaluation();
  void Write(const std::string& text);

  ProgressOptions options_;
  int64_t total_epochs_;
  int64_t epoch_ = 0;
  int64_t total_samples_ = 0;
  double epoch_start_ = 0;
  int64_t start_done_ = 0;
  double last_draw_ = 0;
  // Characters of the bar on screen, to erase a longer earlier one.
  size_t drawn_width_ = 0;
  int64_t last_done_ = 0;
  BarFigures last_figures_;
  // When the running evaluation started (< 0: none), and how long the
  // last one took.
  double evaluation_start_ = -1;
  double evaluation_seconds_ = 0;
};

}  // namespace nabla

#endif  // NABLA_CORE_RUN_PROGRESS_H_
