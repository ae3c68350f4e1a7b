#include "core/run/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nabla {
namespace {

void AppendSplit(std::vector<std::string>* parts, const char* prefix,
                 const std::optional<double>& loss,
                 const std::vector<NamedMetric>& metrics) {
  if (loss.has_value()) {
    parts->push_back(absl::StrFormat("%sloss %.4g", prefix, *loss));
  }
  for (const NamedMetric& m : metrics) {
    parts->push_back(absl::StrFormat("%s%s %.4g", prefix, m.name, m.value));
  }
}

std::string FormatDuration(double seconds) {
  if (seconds < 1) return absl::StrFormat("%.1f ms", seconds * 1e3);
  return absl::StrFormat("%.1f s", seconds);
}

std::string FormatEta(double seconds) {
  const int64_t s = static_cast<int64_t>(std::ceil(seconds));
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm", s / 3600, s % 3600 / 60);
}

}  // namespace

bool StdoutIsTerminal() { return isatty(fileno(stdout)) != 0; }

int TerminalColumns() {
  struct winsize size;
  if (ioctl(fileno(stdout), TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

std::string FormatEpochSummary(const EpochRecord& record, int64_t total_epochs,
                               size_t width) {
  std::vector<std::string> parts = {
      absl::StrCat("epoch ", record.epoch, "/", total_epochs)};
  AppendSplit(&parts, "", record.loss, record.metrics);
  AppendSplit(&parts, "val_", record.val_loss, record.val_metrics);
  AppendSplit(&parts, "test_", record.test_loss, record.test_metrics);
  if (record.lr.has_value()) {
    parts.push_back(absl::StrFormat("lr %g", *record.lr));
  }
  // The speed and the times stay together.
  parts.push_back(absl::StrFormat(
      "%.0f samples/s  %s  (%s elapsed)", record.samples_per_sec,
      FormatDuration(record.epoch_seconds), FormatDuration(record.seconds)));
  // Two blanks between parts; a part that would pass `width` starts an
  // indented continuation line.
  constexpr absl::string_view kIndent = "    ";
  std::string out = parts[0];
  size_t line_start = 0;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (out.size() - line_start + 2 + parts[i].size() > width) {
      absl::StrAppend(&out, "\n");
      line_start = out.size();
      absl::StrAppend(&out, kIndent, parts[i]);
    } else {
      absl::StrAppend(&out, "  ", parts[i]);
    }
  }
  return out;
}

std::string FormatProgressBar(int64_t epoch, int64_t total_epochs, int64_t done,
                              int64_t total, double samples_per_sec,
                              int bar_width, const BarFigures& figures) {
  // Integer arithmetic, so 27000/60000 is 45% and not 44%.
  const int64_t filled = total > 0 ? done * bar_width / total : bar_width;
  const int64_t percent = total > 0 ? done * 100 / total : 100;
  std::string bar(filled, '=');
  if (filled < bar_width) bar += '>';
  bar.resize(bar_width, ' ');
  std::string out = absl::StrFormat("epoch %d/%d [%s] %d%% %d/%d", epoch,
                                    total_epochs, bar, percent, done, total);
  if (figures.loss.has_value()) {
    absl::StrAppendFormat(&out, "  loss %.4g", *figures.loss);
  }
  if (figures.metric_name != nullptr) {
    absl::StrAppendFormat(&out, "  %s %.4g", figures.metric_name,
                          figures.metric);
  }
  if (!figures.status.empty()) {
    absl::StrAppend(&out, "  ", figures.status);
    return out;
  }
  if (samples_per_sec > 0 && std::isfinite(samples_per_sec)) {
    absl::StrAppendFormat(&out, "  %.0f samples/s  ETA %s", samples_per_sec,
                          FormatEta((total - done) / samples_per_sec));
  } else {
    out += "  ? samples/s  ETA ?";
  }
  if (figures.run_seconds_left.has_value() &&
      std::isfinite(*figures.run_seconds_left)) {
    absl::StrAppend(&out, "  run ", FormatEta(*figures.run_seconds_left));
  }
  return out;
}

Progress::Progress(ProgressOptions options, int64_t total_epochs)
    : options_(std::move(options)), total_epochs_(total_epochs) {}

double Progress::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Progress::StartEpoch(int64_t epoch, int64_t total_samples, int64_t done) {
  EndEvaluation();
  epoch_ = epoch;
  total_samples_ = total_samples;
  start_done_ = done;
  epoch_start_ = Now();
  last_figures_ = {};
  if (options_.is_terminal) Draw(done, epoch_start_, {});
}

void Progress::Update(int64_t done, const BarFigures& figures) {
  if (!options_.is_terminal) return;
  last_done_ = done;
  last_figures_ = figures;
  const double now = Now();
  if (now - last_draw_ < options_.min_redraw_seconds) return;
  Draw(done, now, figures);
}

void Progress::StartEvaluation(const std::string& what) {
  evaluation_start_ = Now();
  if (!options_.is_terminal) return;
  BarFigures figures = last_figures_;
  figures.status = what;
  Draw(last_done_, evaluation_start_, figures);
}

void Progress::EndEvaluation() {
  if (evaluation_start_ < 0) return;
  evaluation_seconds_ = Now() - evaluation_start_;
  evaluation_start_ = -1;
}

void Progress::Draw(int64_t done, double now, BarFigures figures) {
  const double elapsed = now - epoch_start_;
  const double rate = elapsed > 0 ? (done - start_done_) / elapsed : 0;
  // Later epochs at this rate, each with an evaluation like the last.
  if (rate > 0 && epoch_ < total_epochs_) {
    const double epoch_seconds = total_samples_ / rate + evaluation_seconds_;
    figures.run_seconds_left = (total_samples_ - done) / rate +
                               evaluation_seconds_ +
                               (total_epochs_ - epoch_) * epoch_seconds;
  }
  done = std::clamp<int64_t>(done, 0, total_samples_);
  std::string line;
  // Narrower bars until the line fits the width.
  for (int bar = options_.bar_width;; --bar) {
    line = FormatProgressBar(epoch_, total_epochs_, done, total_samples_, rate,
                             bar, figures);
    if (line.size() <= options_.width || bar <= 5) break;
  }
  // Blanks over the rest of a longer earlier bar.
  const size_t pad =
      drawn_width_ > line.size() ? drawn_width_ - line.size() : 0;
  Write(absl::StrCat("\r", line, std::string(pad, ' ')));
  drawn_width_ = line.size();
  last_draw_ = now;
}

void Progress::EndEpoch(const EpochRecord& record) {
  EndEvaluation();
  std::string text;
  if (options_.is_terminal && drawn_width_ > 0) {
    text = absl::StrCat("\r", std::string(drawn_width_, ' '), "\r");
    drawn_width_ = 0;
  }
  absl::StrAppend(
      &text, FormatEpochSummary(record, total_epochs_, options_.width), "\n");
  Write(text);
}

void Progress::Write(const std::string& text) {
  if (options_.out == nullptr) return;
  std::fwrite(text.data(), 1, text.size(), options_.out);
  std::fflush(options_.out);
}

}  // namespace nabla
