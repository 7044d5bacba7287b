// Loading the change policy from YAML (B-05) and running its test cases.
// Every problem in a policy file is reported at once, each with its line
// and column, so a compliance lead can fix a file in one pass. Pure
// functions over text; thread-safe.
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

// YAML text as JSON (scalars: integers, true/false and null are typed; the
// rest, including yes/no, stay strings). For test cases and templates.
Result<nlohmann::json> YamlToJson(std::string_view yaml);

struct PolicyCaseResult {
  std::string name;
  int line = 0;
  std::vector<std::string> failures;  // empty: passed
  nlohmann::json actual;             // the assessment
  bool passed() const { return failures.empty(); }
};

// Runs the cases of a policy test file:
//   cases:
//     - name: IAM change needs security
//       change: {type: normal, category: technical, security_impact: {identity_access: yes}}
//       expect: {risk: high, approvers: [security, service_owner], decision: needs_approval,
//                rules: [iam], missing_fields: [test_plan]}
// `approvers` and `missing_fields` are exact sets; `rules` must all have fired.
Result<std::vector<PolicyCaseResult>> RunPolicyCases(const Policy& policy, std::string_view cases_yaml);

}  // namespace cl
