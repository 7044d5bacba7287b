#include <gtest/gtest.h>

#include "core/authz.h"
#include "core/principal.h"

namespace cl {
namespace {

TEST(AuthzTest, NamesRoundTrip) {
  for (Role r : kAllRoles) EXPECT_EQ(ParseRole(RoleName(r)), r);
  for (Permission p : AllPermissions()) EXPECT_EQ(ParsePermission(PermissionName(p)), p);
  EXPECT_FALSE(ParseRole("root").has_value());
  EXPECT_FALSE(ParsePermission("users:*").has_value());
}

TEST(AuthzTest, AdminHoldsEveryPermission) { EXPECT_EQ(PermissionsOf(Role::kAdmin).count(), AllPermissions().size()); }

TEST(AuthzTest, AuditorReadsEverythingAndChangesNothingButOwnTokens) {
  const PermissionSet a = PermissionsOf(Role::kAuditor);
  for (Permission p : {Permission::kUsersRead, Permission::kAuditRead, Permission::kAuditExport,
                       Permission::kChangesRead, Permission::kSystemMetrics}) {
    EXPECT_TRUE(Has(a, p)) << PermissionName(p);
  }
  for (Permission p : {Permission::kUsersWrite, Permission::kTokensAdmin, Permission::kChangesWrite,
                       Permission::kChangesApprove, Permission::kChangesImplement, Permission::kChangesManage,
                       Permission::kPolicyWrite, Permission::kGateCheck, Permission::kEvidenceWrite}) {
    EXPECT_FALSE(Has(a, p)) << PermissionName(p);
  }
}

TEST(AuthzTest, CiCanOnlyAskTheGateAndAddEvidence) {
  EXPECT_EQ(PermissionNames(PermissionsOf(Role::kCi)), (std::vector<std::string>{"gate:check", "evidence:write"}));
}

TEST(AuthzTest, ApproversCannotImplementAndImplementersCannotApprove) {
  EXPECT_FALSE(Has(PermissionsOf(Role::kApprover), Permission::kChangesImplement));
  EXPECT_FALSE(Has(PermissionsOf(Role::kImplementer), Permission::kChangesApprove));
}

TEST(AuthzTest, RequireNamesTheMissingPermission) {
  Principal p;
  p.username = "carol";
  p.permissions = PermissionsOf(Role::kApprover);
  const Status s = Require(p, Permission::kUsersWrite);
  EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(s.message().find("users:write"), std::string::npos);
  EXPECT_TRUE(Require(p, Permission::kChangesApprove).ok());
}

}  // namespace
}  // namespace cl
