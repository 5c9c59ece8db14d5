#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace gov::core {

// Canonical error categories. The API layer maps each to one HTTP status.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // 400: bad input; `field` names the offending field
  kUnauthenticated,     // 401
  kPermissionDenied,    // 403
  kNotFound,            // 404
  kAlreadyExists,       // 409
  kConflict,            // 409: optimistic-concurrency version mismatch, in-use
  kPayloadTooLarge,     // 413
  kResourceExhausted,   // 429
  kFailedPrecondition,  // 412/400 depending on context
  kUnavailable,         // 503: dependency down (database, metrics source)
  kDeadlineExceeded,    // 504
  kInternal,            // 500
};

// Stable lowercase name, e.g. "invalid_argument"; used in JSON error bodies.
std::string_view StatusCodeName(StatusCode code);

// The result of a fallible operation: OK, or a code with a message and optionally the
// path of the input field at fault (e.g. "target.maxReplicas").
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }

  // Returns a copy whose field is `prefix` joined with this status's field.
  Status WithFieldPrefix(std::string_view prefix) const;
  // "invalid_argument: message (field)".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

inline Status InvalidArgument(std::string message, std::string field = {}) {
  return Status(StatusCode::kInvalidArgument, std::move(message), std::move(field));
}
inline Status NotFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status Conflict(std::string message) {
  return Status(StatusCode::kConflict, std::move(message));
}
inline Status AlreadyExists(std::string message) {
  return Status(StatusCode::kAlreadyExists, std::move(message));
}
inline Status Unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}
inline Status Internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}
inline Status Unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}
inline Status PermissionDenied(std::string message) {
  return Status(StatusCode::kPermissionDenied, std::move(message));
}
inline Status FailedPrecondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message));
}

namespace internal {
// Prints "StatusOr accessed without a value: <status>" to stderr and aborts.
[[noreturn]] void DieOnStatusOrError(const Status& status);
}  // namespace internal

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Internal("StatusOr constructed from OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // The value. On an error these print the status to stderr and abort (a broken invariant:
  // check ok() first), as absl::StatusOr does.
  T& value() & {
    EnsureOk();
    return *value_;
  }
  const T& value() const& {
    EnsureOk();
    return *value_;
  }
  T&& value() && {
    EnsureOk();
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void EnsureOk() const {
    if (!value_.has_value()) internal::DieOnStatusOrError(status_);
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace gov::core

#define GOV_CONCAT_INNER(a, b) a##b
#define GOV_CONCAT(a, b) GOV_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::gov::core::Status gov_status_ = (expr);  \
    if (!gov_status_.ok()) return gov_status_; \
  } while (0)

#define GOV_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// `ASSIGN_OR_RETURN(auto x, Fallible());` declares x or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  GOV_ASSIGN_OR_RETURN_IMPL(GOV_CONCAT(gov_statusor_, __LINE__), lhs, expr)
