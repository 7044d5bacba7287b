// Loading the change policy from YAML (B-05) into the typed Policy core
// evaluates. Every problem in a policy file is reported at once, each with
// its line and column, so a compliance lead can fix a file in one pass. A
// pure function over text; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"

namespace cl {

// Parses and validates a policy. Errors are InvalidArgument with one
// FieldError per problem: field = JSON-pointer-like path in the file,
// message starting "line L, column C: ...".
Result<std::shared_ptr<const Policy>> ParsePolicy(std::string_view yaml);

}  // namespace cl
