// Shared set-up for change control tests: a scenario policy with named
// service owners, security and CAB members, the people who act in the
// scenarios, a complete normal change, and audit-chain checks.
#pragma once

#include <memory>
#include <string>

#include "tests/support/test_server.h"

namespace cl::testing {

// payments is owned by bob and ivan; sam is security; carol is the CAB.
extern const char* const kScenarioPolicy;

struct ChangePeople {
  explicit ChangePeople(TestServer& server);
  TestUser admin;
  TestUser alice;  // requestor (implementer role: writes changes, adds evidence)
  TestUser bob;    // approver, payments owner
  TestUser sam;    // approver, security
  TestUser carol;  // approver, CAB
  TestUser ivan;   // approver + implementer, payments owner
};

// A normal change to payments that has every field the scenario policy
// requires, implemented by ivan; `iam` answers identity_access yes.
nlohmann::json NormalChange(const std::string& environment, bool iam);

// A verify action body with every checklist item confirmed.
nlohmann::json VerificationChecklist();

// Every audit action so far, space-separated, in order.
std::string AuditActions(TestServer& server);
// Fails the test unless the server's audit verification passes.
void ExpectAuditIntact(TestServer& server);

std::string Base64(const std::string& bytes);

}  // namespace cl::testing
