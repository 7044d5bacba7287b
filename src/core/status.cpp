#include "core/status.h"

namespace cl {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kPasswordChangeRequired:
      return "password_change_required";
    case ErrorCode::kCsrfFailed:
      return "csrf_failed";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kHeadersTooLarge:
      return "headers_too_large";
    case ErrorCode::kUnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorCode::kNotAcceptable:
      return "not_acceptable";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kDataLoss:
      return "data_loss";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kSodViolation:
      return "sod_violation";
    case ErrorCode::kInvalidDocument:
      return "invalid_document";
    case ErrorCode::kPreconditionRequired:
      return "precondition_required";
    case ErrorCode::kWritesRefused:
      return "writes_refused";
  }
  return "internal";
}

}  // namespace cl
