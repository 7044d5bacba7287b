// The IaC classifier on Terraform plans (Kubernetes manifests:
// k8s_classify_test.cpp): security categories per resource out. The expected categories below were written by
// reading each file, not produced by the classifier. Files from ../shared/data
// are real fixtures from public projects; tests that need them skip on a
// clone without ../shared, and tests/fixtures/iac keeps our own cases.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ingest/kubernetes.h"
#include "ingest/terraform_plan.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/iac_test_helpers.h"

namespace cl::ingest {
namespace {

Result<IacReport> ClassifyPlan(std::string_view bytes) {
  PlanClassifier classifier(DefaultClassificationRules());
  return classifier.Classify(bytes);
}

std::string Utf16Le(std::string_view ascii, bool bom = true) {
  std::string out = bom ? std::string("\xFF\xFE") : std::string();
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

TEST(IacRules, BuiltInRulesLoadAndEveryCategoryIsUsed) {
  auto rules = DefaultClassificationRules();
  ASSERT_GE(rules->categories.size(), 7u);
  ASSERT_GT(rules->terraform.size(), 30u);
  ASSERT_GT(rules->kubernetes.size(), 10u);
  for (size_t i = 0; i < rules->categories.size(); ++i) {
    bool used = false;
    for (const auto& r : rules->terraform) used |= r.category == static_cast<int>(i);
    for (const auto& r : rules->kubernetes) used |= r.category == static_cast<int>(i);
    EXPECT_TRUE(used) << rules->categories[i].id;
  }
}

TEST(IacRules, ProblemsInARulesFileAreListedWithLineAndColumn) {
  auto r = ParseClassificationRules(R"(format: 1
categories:
  identity: {title: Identity, impact: [identity_access]}
terraform:
  - id: one
    category: nowhere
    types: [aws_iam_*]
    reason: x
  - id: two
    category: identity
    types: [aws_x]
    actions: [explode]
    when:
      - {path: a.b, in: [1], present: true}
kubernetes:
  - id: three
    category: identity
    kinds: [Role]
    color: blue
)");
  ASSERT_FALSE(r.ok());
  std::string all;
  for (const FieldError& e : r.status().field_errors()) all += e.field + " " + e.message + "\n";
  EXPECT_NE(all.find("/terraform/0/category line 5"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown category 'nowhere'"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown action 'explode'"), std::string::npos) << all;
  EXPECT_NE(all.find("exactly one test"), std::string::npos) << all;
  EXPECT_NE(all.find("/kubernetes/0/color"), std::string::npos) << all;
  EXPECT_NE(all.find("/kubernetes/0/reason"), std::string::npos) << all;
}

TEST(IacRules, GlobMatching) {
  EXPECT_TRUE(GlobMatch("aws_iam_*", "aws_iam_role"));
  EXPECT_FALSE(GlobMatch("aws_iam_*", "aws_s3_bucket"));
  EXPECT_TRUE(GlobMatch("google_*_iam_member", "google_project_iam_member"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("azurerm_*_firewall_rule", "azurerm_sql_server"));
  EXPECT_TRUE(GlobMatch("*password*", "DB_PASSWORD", true));
  EXPECT_FALSE(GlobMatch("*password*", "DB_PASSWORD", false));
}

TEST(TerraformPlan, ClassifiesEachResourceChangeIntoCategories) {
  auto r = ClassifyPlan(Fixture("payments-iam-sg.plan.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->format_version, "1.2");
  EXPECT_EQ(r->tool_version, "1.6.6");
  EXPECT_EQ(r->resources_total, 8);
  EXPECT_EQ(r->resources_changed, 6);  // no-op and data read are not changes
  EXPECT_EQ(CategoriesOf(*r), (Cats{"identity", "network_exposure", "storage_exposure", "destructive"}));
  EXPECT_EQ(ResourceCats(*r, "aws_iam_role.deployer"), Cats{"identity"});
  EXPECT_EQ(ResourceCats(*r, "aws_security_group.api"), Cats{"network_exposure"});
  EXPECT_TRUE(Internet(*r, "aws_security_group.api"));
  EXPECT_EQ(ResourceCats(*r, "module.storage.aws_s3_bucket_public_access_block.exports"),
            (Cats{"storage_exposure", "destructive"}));
  EXPECT_TRUE(Internet(*r, "module.storage.aws_s3_bucket_public_access_block.exports"));
  const ClassifiedResource* db = Find(*r, "aws_db_instance.ledger");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->action, "replace");
  EXPECT_EQ(ResourceCats(*r, "aws_db_instance.ledger"), Cats{"destructive"});
  EXPECT_EQ(Find(*r, "aws_cloudtrail.main"), nullptr);  // no-op
  EXPECT_EQ(Find(*r, "aws_instance.worker"), nullptr);  // private instance resized

  // Reasons name the rule: the IAM policy string is parsed to spot Action "*"
  // even when Statement is a single object rather than a list.
  const nlohmann::json j = r->ToJson(*DefaultClassificationRules());
  bool wildcard = false;
  for (const auto& res : j["resources"]) {
    for (const auto& f : res["findings"]) wildcard |= f["rule"] == "aws-iam-wildcard-action";
  }
  EXPECT_TRUE(wildcard) << j.dump(2);
  EXPECT_EQ(j["summary"]["identity"], 2);
  const IacUpload upload = ToUpload(*r, *DefaultClassificationRules(), Fixture("payments-iam-sg.plan.json"), "p.json");
  EXPECT_EQ(upload.digest, DocumentDigest(Fixture("payments-iam-sg.plan.json")));
  EXPECT_EQ(upload.report["digest"], upload.digest);
  EXPECT_TRUE(upload.impact & Bit(ImpactArea::kIdentityAccess));
  EXPECT_NE(upload.reasons[static_cast<size_t>(ImpactArea::kInternetExposure)].find("aws_security_group.api"),
            std::string::npos);
  std::vector<std::string> impact = j["impact"];
  EXPECT_NE(std::find(impact.begin(), impact.end(), "internet_exposure"), impact.end());
  EXPECT_NE(std::find(impact.begin(), impact.end(), "availability"), impact.end());
}

TEST(TerraformPlan, QuietPlanHasNoCategories) {
  auto r = ClassifyPlan(Fixture("quiet.plan.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(CategoriesOf(*r).empty());
  EXPECT_EQ(r->resources_changed, 1);
}

TEST(TerraformPlan, Utf16WithBomAndUtf8BomReadTheSameAsUtf8) {
  const std::string utf8 = Fixture("payments-iam-sg.plan.json");
  auto plain = ClassifyPlan(utf8);
  auto wide = ClassifyPlan(Utf16Le(utf8));
  auto bom8 = ClassifyPlan("\xEF\xBB\xBF" + utf8);
  ASSERT_TRUE(plain.ok() && wide.ok() && bom8.ok()) << wide.status().message() << bom8.status().message();
  EXPECT_EQ(wide->encoding, "utf-16le");
  EXPECT_EQ(bom8->encoding, "utf-8-bom");
  EXPECT_EQ(CategoriesOf(*plain), CategoriesOf(*wide));
  EXPECT_EQ(plain->resources.size(), wide->resources.size());
  // The digest is of the bytes as uploaded.
  EXPECT_NE(ToUpload(*plain, *DefaultClassificationRules(), utf8, "").digest,
            ToUpload(*wide, *DefaultClassificationRules(), Utf16Le(utf8), "").digest);
}

TEST(TerraformPlan, BadInputIsRefusedNamingTheProblem) {
  struct Case {
    std::string body;
    std::string expect;
  };
  const std::string good = Fixture("payments-iam-sg.plan.json");
  const std::vector<Case> cases = {
      {"", "empty"},
      {"{\"format_version\": \"1.2\", \"resource_changes\": [", "not valid JSON: parse error at line 1"},
      {good.substr(0, good.size() / 2), "not valid JSON"},
      {"[1,2,3]", "must be a JSON object"},
      {"{\"name\": \"not a plan\"}", "no format_version"},
      {"{\"format_version\": \"1.0\", \"values\": {}}", "Terraform state, not a plan"},
      {"{\"format_version\": \"1.0\", \"resource_changes\": {}}", "resource_changes is not a list"},
      {"{\"format_version\": \"1.0\", \"resource_changes\": [{\"address\": \"a.b\"}]}", "resource_changes[0]"},
      {"{\"format_version\":\"1.0\",\"resource_changes\":[{\"address\":\"a.b\",\"type\":\"a\",\"change\":"
       "{\"actions\":[\"explode\"]}}]}",
       "not a known Terraform action"},
      {"\xFF\xFE{\x00", "odd number of bytes"},
      {"{\"format_version\": \"1.0\", \"x\": \"\xC3\x28\"}", "not valid JSON"},
      // Found by the fuzzer: simdjson refuses 1e999, and the JSON library used to
      // explain where then threw instead of explaining.
      {"{\"format_version\": 1e999, \"resource_changes\": []", "not valid JSON"},
  };
  for (const Case& c : cases) {
    auto r = ClassifyPlan(c.body);
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidDocument) << c.expect;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
  }
}

TEST(TerraformPlan, PlanWithNothingToChangeIsValid) {
  auto r = ClassifyPlan(R"({"format_version":"1.2","planned_values":{"root_module":{}}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->resources_total, 0);
}

// Every plan in ../shared/data/terraform with the categories a reviewer
// would expect from reading it.
TEST(TerraformPlan, SharedPlansClassifyAsAReviewerWould) {
  const std::string dir = testing::SharedData("terraform");
  if (dir.empty()) GTEST_SKIP() << "../shared/data is not in this clone";
  const std::map<std::string, Cats> expected = {
      {"aws-55-resources-rds-eks-es-unencrypted.plan.json",
       {"identity", "network_exposure", "storage_exposure", "encryption", "logging", "secrets"}},
      {"aws-acm-certificate-lifecycle.utf16le-bom.plan.json", {"encryption"}},
      {"aws-cloudtrail-log-file-validation.plan.json", {"logging", "storage_exposure"}},
      {"aws-cloudtrail-noop-with-prior-state.plan.json", {}},
      {"aws-ebs-volume-encrypted.plan.json", {"encryption"}},
      {"aws-iam-admin-policy.plan.json", {"identity"}},
      {"aws-iam-github-oidc-trust-role.plan.json", {"identity"}},
      {"aws-iam-policies-all-kinds.plan.json", {"identity"}},
      {"aws-iam-role-policy.utf16le-bom-crlf.plan.json", {"identity"}},
      {"aws-iam-user-attached-policy.plan.json", {"identity"}},
      {"aws-kms-key-rotation-disabled.plan.json", {"encryption"}},
      {"aws-kms-key-rotation.plan.json", {"encryption"}},
      {"aws-mixed-delete-update-noop-create.plan.json", {"destructive", "identity", "network_exposure"}},
      {"aws-rds-cluster.plan.json", {"encryption"}},
      {"aws-rds-instance-publicly-accessible.plan.json", {"network_exposure", "encryption"}},
      {"aws-s3-bucket-policy-allowlist.plan.json", {"storage_exposure"}},
      {"aws-s3-bucket-policy-from-iam-data-source.plan.json", {"storage_exposure"}},
      {"aws-s3-bucket-sse-kms.plan.json", {"encryption"}},
      {"aws-s3-bucket.utf16le-bom-crlf.plan.json", {}},
      {"aws-s3-public-access-block-nested-modules.plan.json", {"storage_exposure"}},
      {"aws-s3-sse-and-sg-0.0.0.0-port80.plan.json", {"encryption", "network_exposure"}},
      {"aws-secretsmanager-replace-create-before-destroy.plan.json", {"secrets", "destructive"}},
      {"aws-sg-db-elasticache-redshift-0.0.0.0.plan.json", {"network_exposure"}},
      {"aws-sg-ingress-anywhere-rdp.plan.json", {"network_exposure"}},
      {"aws-sg-ingress-anywhere-ssh.plan.json", {"network_exposure"}},
      {"aws-sg-ingress-anywhere.plan.json", {"network_exposure"}},
      {"aws-sg-rule-update-in-place.plan.json", {"network_exposure"}},
      {"aws-update-noop-create.plan.json", {"network_exposure"}},
      {"aws-vpc-flow-log.plan.json", {"logging", "identity", "network_exposure"}},
      {"azurerm-nsg-inbound-22.plan.json", {"network_exposure"}},
      {"azurerm-nsg-rules-with-references.plan.json", {"network_exposure"}},
      {"azurerm-sql-firewall-inbound-all.plan.json", {"network_exposure"}},
      {"azurerm-storage-container-private-access.plan.json", {"storage_exposure"}},
      {"datadog-monitor-update-noop.plan.json", {"logging"}},
      {"edge-empty-resource-changes.plan.json", {}},
      {"google-compute-default-sa-full-access.plan.json", {"identity"}},
      {"google-kms-cryptokey-rotation.plan.json", {"encryption"}},
      {"google-subnet-flow-log.plan.json", {"network_exposure", "logging"}},
      {"multi-cloud-aws-google-tags.plan.json", {"network_exposure"}},
      {"null-replace-delete-create.plan.json", {"destructive"}},
      {"null-replace-tainted-action-reason.plan.json", {"destructive"}},
  };
  PlanClassifier classifier(DefaultClassificationRules());
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".json")) continue;
    ++seen;
    auto r = classifier.Classify(ReadBytes(entry.path().string()));
    if (name == "invalid-malformed-json.plan.json") {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidDocument);
      EXPECT_NE(r.status().message().find("line 6"), std::string::npos) << r.status().message();
      continue;
    }
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().message();
    auto it = expected.find(name);
    ASSERT_NE(it, expected.end()) << "no expectation written for " << name;
    EXPECT_EQ(CategoriesOf(*r), it->second) << name;
  }
  EXPECT_EQ(seen, static_cast<int>(expected.size()) + 1);
}

// Good and bad resources side by side inside one shared plan.
TEST(TerraformPlan, SharedPlansTellGoodFromBadResources) {
  const std::string dir = testing::SharedData("terraform");
  if (dir.empty()) GTEST_SKIP() << "../shared/data is not in this clone";
  PlanClassifier classifier(DefaultClassificationRules());
  auto load = [&](const std::string& name) {
    auto r = classifier.Classify(ReadBytes(dir + "/" + name));
    EXPECT_TRUE(r.ok()) << name << ": " << r.status().message();
    return r.ok() ? *r : IacReport{};
  };
  IacReport ssh = load("aws-sg-ingress-anywhere-ssh.plan.json");
  EXPECT_TRUE(Internet(ssh, "aws_security_group.invalid_sg_1"));
  EXPECT_TRUE(Internet(ssh, "aws_security_group.invalid_sg_2"));
  // valid_sg_1 passes an SSH-only check but still opens 443 to the world.
  EXPECT_TRUE(Internet(ssh, "aws_security_group.valid_sg_1"));
  EXPECT_FALSE(Internet(ssh, "aws_security_group.valid_sg_2"));  // 10.10.0.0/16 only

  IacReport sql = load("azurerm-sql-firewall-inbound-all.plan.json");
  EXPECT_TRUE(Internet(sql, "azurerm_sql_firewall_rule.invalidrule3"));
  EXPECT_FALSE(Internet(sql, "azurerm_sql_firewall_rule.validrule1"));

  IacReport container = load("azurerm-storage-container-private-access.plan.json");
  EXPECT_EQ(ResourceCats(container, "azurerm_storage_container.invalidcontainer1"), Cats{"storage_exposure"});
  EXPECT_EQ(Find(container, "azurerm_storage_container.validcontainer1"), nullptr);

  IacReport ebs = load("aws-ebs-volume-encrypted.plan.json");
  EXPECT_NE(Find(ebs, "aws_ebs_volume.bad"), nullptr);
  EXPECT_NE(Find(ebs, "aws_ebs_volume.missing"), nullptr);
  EXPECT_EQ(Find(ebs, "aws_ebs_volume.good"), nullptr);

  IacReport kms = load("aws-kms-key-rotation.plan.json");
  const auto rotation_off = [&](const std::string& address) {
    const ClassifiedResource* c = Find(kms, address);
    if (!c) return false;
    for (int i : c->rules) {
      if (DefaultClassificationRules()->terraform[static_cast<size_t>(i)].id == "aws-kms-rotation-off") return true;
    }
    return false;
  };
  EXPECT_TRUE(rotation_off("aws_kms_key.invalid"));
  EXPECT_FALSE(rotation_off("aws_kms_key.valid"));

  IacReport mixed = load("aws-mixed-delete-update-noop-create.plan.json");
  EXPECT_EQ(ResourceCats(mixed, "aws_cloudwatch_event_rule.Metricos_custom_alert_schedule_frequent[0]"),
            Cats{"destructive"});
  EXPECT_EQ(mixed.resources_changed, 8);

  IacReport nsg = load("azurerm-nsg-inbound-22.plan.json");
  EXPECT_TRUE(Internet(nsg, "azurerm_network_security_rule.invalidrule1"));  // source_address_prefixes ["*", ..]
  EXPECT_TRUE(Internet(nsg, "azurerm_network_security_rule.invalidrule2"));  // source "Any"
  EXPECT_FALSE(Internet(nsg, "azurerm_network_security_rule.validrule2"));   // one /32 source
}

}  // namespace
}  // namespace cl::ingest
