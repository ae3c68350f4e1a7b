// Early-return helpers for absl::Status and absl::StatusOr. Debian's Abseil
// (20220623) ships neither RETURN_IF_ERROR nor ASSIGN_OR_RETURN.
#ifndef NABLA_CORE_STATUS_MACROS_H_
#define NABLA_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function when `expr` is not OK.
#define NABLA_RETURN_IF_ERROR(expr)                \
  do {                                             \
    const ::absl::Status nabla_status_ = (expr);   \
    if (!nabla_status_.ok()) return nabla_status_; \
  } while (false)

#define NABLA_STATUS_CONCAT_INNER_(a, b) a##b
#define NABLA_STATUS_CONCAT_(a, b) NABLA_STATUS_CONCAT_INNER_(a, b)

// `NABLA_ASSIGN_OR_RETURN(auto x, F());` declares or assigns the value of an
// OK StatusOr, or returns its status from the enclosing function.
#define NABLA_ASSIGN_OR_RETURN(lhs, expr) \
  NABLA_ASSIGN_OR_RETURN_IMPL_(           \
      NABLA_STATUS_CONCAT_(nabla_statusor_, __LINE__), lhs, expr)

#define NABLA_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (!statusor.ok()) return statusor.status();           \
  lhs = std::move(statusor).value()

#endif  // NABLA_CORE_STATUS_MACROS_H_
