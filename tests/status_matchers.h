// Status assertions for tests. Debian's Abseil (20220623) ships no status
// matchers, and gtest alone has no HasSubstr, so these use absl::StrContains.
//
//   EXPECT_OK(op.Register(def));
//   ASSERT_OK_AND_ASSIGN(auto shapes, RunOpShape(...));   // declares shapes
//   EXPECT_STATUS(RunOpShape(...), absl::StatusCode::kInvalidArgument,
//                 "inner dimensions differ");
#ifndef NABLA_TESTS_STATUS_MATCHERS_H_
#define NABLA_TESTS_STATUS_MATCHERS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace nabla {
namespace testing_internal {

inline const absl::Status& AsStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& AsStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Success when `status` has `code` and its message contains `substr`.
inline ::testing::AssertionResult StatusIs(const absl::Status& status,
                                           absl::StatusCode code,
                                           absl::string_view substr) {
  if (status.code() == code && absl::StrContains(status.message(), substr)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected " << absl::StatusCodeToString(code) << " containing \""
         << substr << "\", got " << status;
}

}  // namespace testing_internal
}  // namespace nabla

#define NABLA_STATUS_MATCHERS_CONCAT_INNER_(a, b) a##b
#define NABLA_STATUS_MATCHERS_CONCAT_(a, b) \
  NABLA_STATUS_MATCHERS_CONCAT_INNER_(a, b)

#define EXPECT_OK(expr)                                     \
  do {                                                      \
    const ::absl::Status nabla_expect_ok_ =                 \
        ::nabla::testing_internal::AsStatus(expr);          \
    EXPECT_TRUE(nabla_expect_ok_.ok()) << nabla_expect_ok_; \
  } while (false)

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    const ::absl::Status nabla_assert_ok_ =                 \
        ::nabla::testing_internal::AsStatus(expr);          \
    ASSERT_TRUE(nabla_assert_ok_.ok()) << nabla_assert_ok_; \
  } while (false)

// `ASSERT_OK_AND_ASSIGN(auto x, F());` declares x from an OK StatusOr, or
// fails the test.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(           \
      NABLA_STATUS_MATCHERS_CONCAT_(nabla_statusor_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  ASSERT_TRUE(statusor.ok()) << statusor.status();      \
  lhs = std::move(statusor).value()

// The status of `expr` has `code` and a message containing `substr`.
#define EXPECT_STATUS(expr, code, substr)          \
  EXPECT_TRUE(::nabla::testing_internal::StatusIs( \
      ::nabla::testing_internal::AsStatus(expr), code, substr))

#endif  // NABLA_TESTS_STATUS_MATCHERS_H_
