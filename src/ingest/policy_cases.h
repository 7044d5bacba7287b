// Running a policy's test cases (`changeledger policy test`): each case is a
// change and what the policy must decide for it. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"

namespace cl {

struct PolicyCaseResult {
  std::string name;
  int line = 0;
  std::vector<std::string> failures;  // empty: passed
  nlohmann::json actual;              // the assessment
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
