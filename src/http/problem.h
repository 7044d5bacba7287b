// RFC 9457 problem details: the one table mapping error codes to HTTP
// statuses and stable problem types, and the builders for problem+json
// responses. Every non-2xx reply of the API goes through here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/message.h"

namespace cl::http {

struct ProblemType {
  ErrorCode code;
  int status;
  std::string_view slug;  // the type is "/problems/<slug>"
  std::string_view title;
  std::string_view description;  // served at /problems/<slug>
};

const std::vector<ProblemType>& ProblemTypes();
const ProblemType& ProblemFor(ErrorCode code);
const ProblemType* ProblemBySlug(std::string_view slug);
const ProblemType* ProblemByStatus(int status);

inline constexpr std::string_view kProblemJson = "application/problem+json";

// Builds the response for a failed status. Internal errors get a generic
// detail (the real message is for the log, not the client).
Response ProblemResponse(const Status& status, const Request& request);

}  // namespace cl::http
