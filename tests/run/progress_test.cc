#include "core/run/progress.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace nabla {
namespace {

// Collects what a Progress writes, through a real FILE*.
class Capture {
 public:
  Capture() : file_(open_memstream(&buffer_, &size_)) {}
  ~Capture() {
    std::fclose(file_);
    std::free(buffer_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

EpochRecord SummaryRecord() {
  EpochRecord r;
  r.epoch = 3;
  r.loss = 0.412;
  r.metrics = {{"accuracy", 0.853}};
  r.val_loss = 0.45;
  r.val_metrics = {{"accuracy", 0.84}};
  r.lr = 0.001;
  r.samples_per_sec = 5312;
  r.epoch_seconds = 12.3;
  r.seconds = 36.9;
  return r;
}

TEST(FormatEpochSummaryTest, ClassificationWithValidation) {
  EXPECT_EQ(FormatEpochSummary(SummaryRecord(), 10, 200),
            "epoch 3/10  loss 0.412  accuracy 0.853  val_loss 0.45  "
            "val_accuracy 0.84  lr 0.001  5312 samples/s  12.3 s  (36.9 s "
            "elapsed)");
}

TEST(FormatEpochSummaryTest, RegressionWithTestNoLrUnderASecond) {
  EpochRecord r;
  r.epoch = 1;
  r.loss = 1.23456;
  r.metrics = {{"mse", 1.23456}, {"mae", 0.9}};
  r.test_loss = 2;
  r.test_metrics = {{"mse", 2}, {"mae", 1}};
  r.samples_per_sec = 123.4;
  r.epoch_seconds = 0.0452;
  r.seconds = 0.0452;
  EXPECT_EQ(
      FormatEpochSummary(r, 1, 200),
      "epoch 1/1  loss 1.235  mse 1.235  mae 0.9  test_loss 2  "
      "test_mse 2  test_mae 1  123 samples/s  45.2 ms  (45.2 ms elapsed)");
}

// At the default 100 columns the speed and times go on a continuation
// line; every line fits.
TEST(FormatEpochSummaryTest, LongLinesWrapAtTheWidth) {
  EpochRecord r = SummaryRecord();
  r.test_loss = 0.5;
  r.test_metrics = {{"accuracy", 0.8}};
  const std::string text = FormatEpochSummary(r, 10);
  EXPECT_EQ(text,
            "epoch 3/10  loss 0.412  accuracy 0.853  val_loss 0.45  "
            "val_accuracy 0.84  test_loss 0.5\n"
            "    test_accuracy 0.8  lr 0.001  5312 samples/s  12.3 s  (36.9 s "
            "elapsed)");
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    EXPECT_LE(line.size(), 100u) << line;
  }
  EXPECT_EQ(FormatEpochSummary(r, 10, 60),
            "epoch 3/10  loss 0.412  accuracy 0.853  val_loss 0.45\n"
            "    val_accuracy 0.84  test_loss 0.5  test_accuracy 0.8\n"
            "    lr 0.001  5312 samples/s  12.3 s  (36.9 s elapsed)");
}

TEST(FormatProgressBarTest, TheExampleLine) {
  EXPECT_EQ(FormatProgressBar(3, 10, 27000, 60000, 12345, 20),
            "epoch 3/10 [=========>          ] 45% 27000/60000  12345 "
            "samples/s  ETA 3s");
}

TEST(FormatProgressBarTest, StartEndAndLongEtas) {
  EXPECT_EQ(FormatProgressBar(1, 2, 0, 100, 0, 10),
            "epoch 1/2 [>         ] 0% 0/100  ? samples/s  ETA ?");
  EXPECT_EQ(FormatProgressBar(1, 2, 100, 100, 50, 4),
            "epoch 1/2 [====] 100% 100/100  50 samples/s  ETA 0s");
  EXPECT_EQ(FormatProgressBar(1, 1, 0, 1000, 8, 1),
            "epoch 1/1 [>] 0% 0/1000  8 samples/s  ETA 2m05s");
  EXPECT_EQ(FormatProgressBar(1, 1, 0, 3725, 1, 1),
            "epoch 1/1 [>] 0% 0/3725  1 samples/s  ETA 1h02m");
}

TEST(FormatProgressBarTest, RunningFiguresRunEtaAndStatus) {
  BarFigures figures;
  figures.loss = 0.41234;
  figures.metric_name = "accuracy";
  figures.metric = 0.853;
  figures.run_seconds_left = 80;
  EXPECT_EQ(FormatProgressBar(3, 10, 27000, 60000, 12345, 10, figures),
            "epoch 3/10 [====>     ] 45% 27000/60000  loss 0.4123  accuracy "
            "0.853  12345 samples/s  ETA 3s  run 1m20s");
  figures.status = "validating 5000 samples";
  EXPECT_EQ(FormatProgressBar(3, 10, 60000, 60000, 12345, 10, figures),
            "epoch 3/10 [==========] 100% 60000/60000  loss 0.4123  accuracy "
            "0.853  validating 5000 samples");
}

// The run's time left: the rest of this epoch and each later one at this
// epoch's rate, each with an evaluation as long as the last.
TEST(ProgressTest, RunEtaCountsLaterEpochsAndEvaluations) {
  Capture out;
  double now = 0;
  ProgressOptions options;
  options.out = out.file();
  options.is_terminal = true;
  options.clock = [&] { return now; };
  Progress progress(options, 3);
  progress.StartEpoch(1, 100);
  now = 1;
  BarFigures figures;
  figures.loss = 0.5;
  progress.Update(50, figures);  // 50 samples/s: 1 s + 2 epochs of 2 s
  EXPECT_TRUE(absl::EndsWith(out.text(),
                             "50/100  loss 0.5  50 samples/s  ETA 1s  run 5s"))
      << out.text();
  now = 2;
  progress.StartEvaluation("validating 10 samples");
  // Blanks cover the rest of the longer bar before it.
  EXPECT_TRUE(absl::EndsWith(
      out.text(),
      "50/100  loss 0.5  validating 10 samples" + std::string(7, ' ')))
      << out.text();
  now = 3;  // the validation took 1 s
  progress.StartEpoch(2, 100);
  now = 3.5;
  progress.Update(50);  // 100 samples/s: 0.5 + 1 + (1 + 1) s
  EXPECT_TRUE(
      absl::EndsWith(out.text(), "50/100  100 samples/s  ETA 1s  run 4s"))
      << out.text();
}

TEST(ProgressTest, BarNarrowsToFitTheWidth) {
  Capture out;
  double now = 0;
  ProgressOptions options;
  options.out = out.file();
  options.is_terminal = true;
  options.clock = [&] { return now; };
  options.width = 60;
  Progress progress(options, 1);
  progress.StartEpoch(1, 100);
  // The 20-wide bar narrows to 19, and the line is 60 columns.
  EXPECT_EQ(out.text(),
            "\repoch 1/1 [>                  ] 0% 0/100  ? samples/s  ETA ?");
}

TEST(ProgressTest, NotATerminalWritesOnlySummaries) {
  Capture out;
  double now = 0;
  ProgressOptions options;
  options.out = out.file();
  options.is_terminal = false;
  options.clock = [&] { return now; };
  Progress progress(options, 10);
  progress.StartEpoch(3, 60000);
  now = 1;
  progress.Update(27000);
  now = 2;
  progress.Update(60000);
  EXPECT_EQ(out.text(), "");
  progress.EndEpoch(SummaryRecord());
  // 100 columns by default.
  EXPECT_EQ(out.text(),
            "epoch 3/10  loss 0.412  accuracy 0.853  val_loss 0.45  "
            "val_accuracy 0.84  lr 0.001\n"
            "    5312 samples/s  12.3 s  (36.9 s elapsed)\n");
}

TEST(ProgressTest, TerminalRedrawsInPlaceAtMostEveryTenthOfASecond) {
  Capture out;
  double now = 0;
  ProgressOptions options;
  options.out = out.file();
  options.is_terminal = true;
  options.clock = [&] { return now; };
  Progress progress(options, 2);
  progress.StartEpoch(1, 100);
  std::string expected =
      "\repoch 1/2 [>                   ] 0% 0/100  ? samples/s  ETA ?";
  EXPECT_EQ(out.text(), expected);
  now = 0.05;
  progress.Update(10);  // too soon: no redraw
  EXPECT_EQ(out.text(), expected);
  now = 0.5;
  progress.Update(50);
  expected +=
      "\repoch 1/2 [==========>         ] 50% 50/100  100 samples/s  ETA 1s  "
      "run 2s";
  EXPECT_EQ(out.text(), expected);
  now = 0.55;
  progress.Update(60);
  now = 0.8;
  progress.Update(100);
  expected +=
      "\repoch 1/2 [====================] 100% 100/100  125 samples/s  "
      "ETA 0s  run 1s";
  EXPECT_EQ(out.text(), expected);
  EpochRecord r;
  r.epoch = 1;
  r.loss = 0.5;
  r.samples_per_sec = 125;
  r.epoch_seconds = 0.8;
  progress.EndEpoch(r);
  // The 76-character bar is blanked before the summary.
  expected +=
      "\r" + std::string(76, ' ') + "\r" +
      "epoch 1/2  loss 0.5  125 samples/s  800.0 ms  (0.0 ms elapsed)\n";
  EXPECT_EQ(out.text(), expected);
}

TEST(ProgressTest, TerminalBlanksTheTailOfALongerBar) {
  Capture out;
  double now = 0;
  ProgressOptions options;
  options.out = out.file();
  options.is_terminal = true;
  options.clock = [&] { return now; };
  Progress progress(options, 1);
  progress.StartEpoch(1, 1000);
  now = 0.1;
  progress.Update(999);
  now = 1000;
  progress.Update(1000);
  const std::string text = out.text();
  const std::string tail =
      "\repoch 1/1 [===================>] 99% 999/1000  9990 samples/s  "
      "ETA 1s"
      "\repoch 1/1 [====================] 100% 1000/1000  1 samples/s  "
      "ETA 0s ";
  ASSERT_GE(text.size(), tail.size());
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail);
}

TEST(ProgressTest, ResumedEpochRateCountsOnlyNewSamples) {
  Capture out;
  double now = 0;
  ProgressOptions options;
  options.out = out.file();
  options.is_terminal = true;
  options.clock = [&] { return now; };
  Progress progress(options, 2);
  progress.StartEpoch(2, 100, 40);
  now = 2;
  progress.Update(60);
  EXPECT_EQ(out.text(),
            "\repoch 2/2 [========>           ] 40% 40/100  ? samples/s  ETA ?"
            "\repoch 2/2 [============>       ] 60% 60/100  10 samples/s  "
            "ETA 4s");
}

}  // namespace
}  // namespace nabla
