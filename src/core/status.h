// Status and Result<T>: errors as values for the whole code base.
// A Status is a code, a human message and, for validation failures, a list of
// field errors. Result<T> holds either a T or a non-OK Status. Both are plain
// values (copyable, movable) and safe to pass between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace cl {

// Stable error codes. The HTTP mapping lives in one table (http/problem.cpp);
// the CLI maps them to exit codes. Never renumber: codes are logged.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,         // well-formed input that breaks a rule (field errors attached)
  kMalformed,               // input that cannot be parsed at all (bad JSON, bad UTF-8)
  kUnauthenticated,         // no or bad credentials
  kPermissionDenied,        // authenticated, but not allowed
  kPasswordChangeRequired,  // one-time password must be changed first
  kCsrfFailed,              // cookie session without a matching CSRF token
  kNotFound,
  kMethodNotAllowed,
  kAlreadyExists,
  kConflict,  // optimistic concurrency or state conflict
  kPayloadTooLarge,
  kHeadersTooLarge,
  kUnsupportedMediaType,
  kNotAcceptable,
  kRateLimited,
  kTimeout,
  kUnavailable,  // dependency (database) not reachable; retry later
  kDataLoss,     // stored data failed an integrity check (audit chain)
  kInternal,
  kFailedPrecondition,    // a state or evidence rule refuses the action now (lists what is missing)
  kSodViolation,          // segregation of duties forbids this person doing this
  kInvalidDocument,       // an uploaded document (plan, manifest) cannot be used; message names why
  kPreconditionRequired,  // an edit without If-Match (it could overwrite someone else's)
  kWritesRefused,         // the audit log or the records failed verification; reads go on, writes wait for an operator
};

// One problem with one input field; `field` is a JSON pointer ("/roles/0").
struct FieldError {
  std::string field;
  std::string message;
  bool operator==(const FieldError&) const = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  Status(ErrorCode code, std::string message, std::vector<FieldError> errors)
      : code_(code), message_(std::move(message)), field_errors_(std::move(errors)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& field_errors() const { return field_errors_; }

  // Seconds a client should wait before retrying (rate limiting), if known.
  std::optional<int> retry_after_seconds() const { return retry_after_; }
  Status& WithRetryAfter(int seconds) {
    retry_after_ = seconds;
    return *this;
  }

  // Explicitly drops a status whose failure is acceptable at the call site.
  void IgnoreError() const {}

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::vector<FieldError> field_errors_;
  std::optional<int> retry_after_;
};

// Short constructors that read as English at call sites.
inline Status InvalidArgument(std::string m, std::vector<FieldError> e = {}) {
  return Status(ErrorCode::kInvalidArgument, std::move(m), std::move(e));
}
inline Status NotFound(std::string m) { return Status(ErrorCode::kNotFound, std::move(m)); }
inline Status Conflict(std::string m) { return Status(ErrorCode::kConflict, std::move(m)); }
inline Status AlreadyExists(std::string m) { return Status(ErrorCode::kAlreadyExists, std::move(m)); }
inline Status PermissionDenied(std::string m) { return Status(ErrorCode::kPermissionDenied, std::move(m)); }
inline Status Unauthenticated(std::string m) { return Status(ErrorCode::kUnauthenticated, std::move(m)); }
inline Status Internal(std::string m) { return Status(ErrorCode::kInternal, std::move(m)); }
inline Status Unavailable(std::string m) { return Status(ErrorCode::kUnavailable, std::move(m)); }
inline Status Malformed(std::string m) { return Status(ErrorCode::kMalformed, std::move(m)); }
inline Status FailedPrecondition(std::string m, std::vector<FieldError> e = {}) {
  return Status(ErrorCode::kFailedPrecondition, std::move(m), std::move(e));
}
inline Status SodViolation(std::string m) { return Status(ErrorCode::kSodViolation, std::move(m)); }
inline Status InvalidDocument(std::string m) { return Status(ErrorCode::kInvalidDocument, std::move(m)); }
inline Status PreconditionRequired(std::string m) { return Status(ErrorCode::kPreconditionRequired, std::move(m)); }

// Stable lower_snake name of a code ("invalid_argument"); used in logs and the CLI.
const char* ErrorCodeName(ErrorCode code);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cl

// Propagation helpers. CL_RETURN_IF_ERROR(expr) returns a non-OK Status;
// CL_ASSIGN_OR_RETURN(lhs, expr) unwraps a Result or returns its Status.
#define CL_CONCAT_INNER(a, b) a##b
#define CL_CONCAT(a, b) CL_CONCAT_INNER(a, b)

#define CL_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::cl::Status cl_status_ = (expr);        \
    if (!cl_status_.ok()) return cl_status_; \
  } while (0)

#define CL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#define CL_ASSIGN_OR_RETURN(lhs, expr) CL_ASSIGN_OR_RETURN_IMPL(CL_CONCAT(cl_result_, __LINE__), lhs, expr)
