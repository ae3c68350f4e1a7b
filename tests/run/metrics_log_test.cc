#include "core/run/metrics_log.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

EpochRecord ClassificationRecord() {
  EpochRecord r;
  r.epoch = 3;
  r.step = 300;
  r.loss = 0.412;
  r.metrics = {{"accuracy", 0.853}};
  r.val_loss = 0.45;
  r.val_metrics = {{"accuracy", 0.84}};
  r.lr = 0.001;
  r.samples_per_sec = 5312;
  r.seconds = 36.9;
  r.epoch_seconds = 12.3;
  return r;
}

TEST(JsonNumberTest, ShortestRoundTripForm) {
  EXPECT_EQ(JsonNumber(0.1), "0.1");
  EXPECT_EQ(JsonNumber(3), "3");
  EXPECT_EQ(JsonNumber(-2.5), "-2.5");
  EXPECT_EQ(JsonNumber(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(JsonNumber(1e6), "1000000");
  EXPECT_EQ(JsonNumber(-0.0), "-0");
  EXPECT_EQ(JsonNumber(1e20), "1e+20");
  EXPECT_EQ(JsonNumber(123456.5), "123456.5");
  EXPECT_EQ(JsonNumber(5e-324), "5e-324");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::max()),
            "1.7976931348623157e+308");
}

TEST(JsonNumberTest, NonFiniteIsNull) {
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(JsonNumber(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonNumberTest, RandomValuesReadBack) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> mantissa(-1, 1);
  std::uniform_int_distribution<int> exponent(-300, 300);
  for (int i = 0; i < 10000; ++i) {
    const double v = std::ldexp(mantissa(rng), exponent(rng));
    const std::string text = JsonNumber(v);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
}

TEST(FormatMetricsJsonTest, ClassificationWithValidation) {
  EXPECT_EQ(FormatMetricsJson(ClassificationRecord()),
            "{\"epoch\":3,\"step\":300,\"loss\":0.412,\"accuracy\":0.853,"
            "\"val_loss\":0.45,\"val_accuracy\":0.84,\"lr\":0.001,"
            "\"samples_per_sec\":5312,\"seconds\":36.9,"
            "\"epoch_seconds\":12.3}");
}

TEST(FormatMetricsJsonTest, RegressionWithTestAndUnknowns) {
  EpochRecord r;
  r.epoch = 1;
  r.step = 10;
  r.loss = std::numeric_limits<double>::infinity();
  r.metrics = {{"mse", 0.25}, {"mae", 0.5}};
  r.test_loss = 0.125;
  r.test_metrics = {{"mse", 0.125}, {"mae", std::nan("")}};
  r.samples_per_sec = 1e6;
  r.seconds = 0.75;
  r.epoch_seconds = 0.75;
  EXPECT_EQ(FormatMetricsJson(r),
            "{\"epoch\":1,\"step\":10,\"loss\":null,\"mse\":0.25,\"mae\":0.5,"
            "\"test_loss\":0.125,\"test_mse\":0.125,\"test_mae\":null,"
            "\"lr\":null,\"samples_per_sec\":1000000,\"seconds\":0.75,"
            "\"epoch_seconds\":0.75}");
}

TEST(FormatMetricsJsonTest, EscapesMetricNames) {
  EpochRecord r;
  r.metrics = {{"a\"b\\c\n", 1}};
  EXPECT_NE(FormatMetricsJson(r).find("\"a\\\"b\\\\c\\u000a\":1"),
            std::string::npos)
      << FormatMetricsJson(r);
}

TEST(MetricsLogTest, EachLineIsOnDiskBeforeClose) {
  const std::string path = ::testing::TempDir() + "/metrics.jsonl";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetricsLog> log, MetricsLog::Open(path));
  EpochRecord r = ClassificationRecord();
  ASSERT_OK(log->Append(r));
  const std::string first = FormatMetricsJson(r) + "\n";
  EXPECT_EQ(ReadFile(path), first);
  r.epoch = 4;
  ASSERT_OK(log->Append(r));
  EXPECT_EQ(ReadFile(path), first + FormatMetricsJson(r) + "\n");
  ASSERT_OK(log->Close());
  EXPECT_STATUS(log->Append(r), absl::StatusCode::kFailedPrecondition,
                path + " is closed");
}

TEST(MetricsLogTest, OpenTruncates) {
  const std::string path = ::testing::TempDir() + "/truncated.jsonl";
  {
    std::ofstream out(path);
    out << "old run\n";
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetricsLog> log, MetricsLog::Open(path));
  EXPECT_EQ(ReadFile(path), "");
}

TEST(MetricsLogTest, OpenErrorNamesThePath) {
  const std::string path = ::testing::TempDir() + "/no/such/dir/m.jsonl";
  EXPECT_STATUS(MetricsLog::Open(path), absl::StatusCode::kNotFound,
                "--metrics_out: cannot open " + path);
}

TEST(MetricsLogTest, WriteErrorNamesThePath) {
  std::FILE* probe = std::fopen("/dev/full", "w");
  if (probe == nullptr) GTEST_SKIP() << "no /dev/full";
  std::fclose(probe);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetricsLog> log,
                       MetricsLog::Open("/dev/full"));
  EXPECT_STATUS(log->Append(ClassificationRecord()),
                absl::StatusCode::kResourceExhausted,
                "--metrics_out: cannot write /dev/full");
}

}  // namespace
}  // namespace nabla
