// The IaC classifier: Terraform plans and Kubernetes manifests in, security
// categories per resource out. The expected categories below were written by
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

namespace cl::ingest {
namespace {

using Cats = std::set<std::string>;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Fixture(const std::string& name) {
  return ReadBytes(std::string(CL_SOURCE_DIR) + "/tests/fixtures/iac/" + name);
}

Cats CategoriesOf(const IacReport& r) {
  std::vector<std::string> ids = r.CategoryIds(*DefaultClassificationRules());
  return Cats(ids.begin(), ids.end());
}

const ClassifiedResource* Find(const IacReport& r, const std::string& address) {
  for (const ClassifiedResource& c : r.resources) {
    if (c.address == address) return &c;
  }
  return nullptr;
}

Cats ResourceCats(const IacReport& r, const std::string& address) {
  const ClassifiedResource* c = Find(r, address);
  Cats out;
  if (!c) return out;
  const auto& cats = DefaultClassificationRules()->categories;
  for (size_t i = 0; i < cats.size(); ++i) {
    if (c->categories & (1u << i)) out.insert(cats[i].id);
  }
  return out;
}

bool Internet(const IacReport& r, const std::string& address) {
  const ClassifiedResource* c = Find(r, address);
  return c && (c->impact & Bit(ImpactArea::kInternetExposure));
}

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

Result<IacReport> Manifests(std::string_view yaml, ManifestOperation op = ManifestOperation::kApply) {
  return ClassifyManifests(yaml, *DefaultClassificationRules(), op);
}

TEST(KubernetesManifest, ClassifiesEveryObjectOfAMultiDocumentStream) {
  auto r = Manifests(Fixture("payments-cluster.yaml"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->resources_total, 5);
  EXPECT_EQ(CategoriesOf(*r), (Cats{"identity", "network_exposure", "privileged_workload", "secrets"}));
  EXPECT_EQ(ResourceCats(*r, "ClusterRoleBinding/payments-ops-admin"), Cats{"identity"});
  EXPECT_TRUE(Internet(*r, "Service/payments/payments-api"));
  EXPECT_EQ(ResourceCats(*r, "DaemonSet/payments/log-shipper"), (Cats{"privileged_workload", "secrets"}));
  EXPECT_EQ(Find(*r, "ConfigMap/payments/payments-settings"), nullptr);
  const ClassifiedResource* np = Find(*r, "NetworkPolicy/payments/allow-everything");
  ASSERT_NE(np, nullptr);
  EXPECT_EQ(np->rules.size(), 2u);  // a NetworkPolicy, and one that allows everything
}

TEST(KubernetesManifest, DeletingANetworkPolicyIsDestructive) {
  auto r = Manifests(Fixture("payments-cluster.yaml"), ManifestOperation::kDelete);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(ResourceCats(*r, "NetworkPolicy/payments/allow-everything"), (Cats{"network_exposure", "destructive"}));
  EXPECT_EQ(ResourceCats(*r, "ConfigMap/payments/payments-settings"), Cats{"destructive"});
}

TEST(KubernetesManifest, BadInputIsRefusedNamingTheDocument) {
  struct Case {
    std::string body;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"", "no Kubernetes objects"},
      {"apiVersion: v1\nkind: [unclosed\n", "not valid YAML: line"},
      {"apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\njust text\n",
       "document 2 (line 4) is not a Kubernetes object"},
      {"kind: Service\nmetadata: {name: a}\n", "no apiVersion"},
      {"apiVersion: v1\nkind: Service\n", "no metadata.name"},
      {"apiVersion: v1\nkind: List\nitems: {}\n", "items must be a list"},
      // Found by the fuzzer: YAML accepts any bytes, the stored report is JSON.
      {"apiVersion: v1\nkind: Secret\nmetadata: {name: \"\xC3\x28\"}\n", "not valid UTF-8"},
      // Found by the fuzzer: these made yaml-cpp 0.7 loop forever (jbeder/yaml-cpp#1040).
      {",apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadaapiVtersion: v1a", "not valid YAML"},
      {", \"list\"]\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  veapiVersih\nstringData:\n", "not valid YAML"},
      {std::string(100, '[') + std::string(100, ']'), "nested deeper than 64"},
      // Found by the fuzzer: a kind that is not a string.
      {"apiVersion: v1\nkind: [List]\nitems: []\n", "no kind"},
      {"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
       "alias expansion"},
  };
  for (const Case& c : cases) {
    auto r = Manifests(c.body);
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidDocument) << c.expect;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
  }
}

TEST(KubernetesManifest, ListKindIsExpanded) {
  auto r = Manifests(R"({"apiVersion":"v1","kind":"List","items":[
      {"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"payments"}},
      {"apiVersion":"v1","kind":"Service","metadata":{"name":"db"},"spec":{"type":"NodePort"}}]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->resources_total, 2);
  EXPECT_EQ(CategoriesOf(*r), (Cats{"secrets", "network_exposure"}));
}

TEST(KubernetesManifest, SharedManifestsClassifyAsAReviewerWould) {
  const std::string dir = testing::SharedData("k8s");
  if (dir.empty()) GTEST_SKIP() << "../shared/data is not in this clone";
  const Cats none;
  const Cats net{"network_exposure"};
  const Cats priv{"privileged_workload"};
  const Cats id{"identity"};
  const Cats sec{"secrets"};
  const Cats id_sec{"identity", "secrets"};  // a role naming secrets or every resource ("*")
  const std::map<std::string, Cats> expected = {
      {"network/deployment-with-matching-netpol--kyverno-require-netpol--good.yaml", none},
      {"network/deployment-without-matching-netpol--kyverno-require-netpol--bad.yaml", none},
      {"network/ingress-default-backend--kyverno-restrict-ingress-defaultbackend--bad.yaml", net},
      {"network/ingress-http--gatekeeper-httpsonly--bad.yaml", net},
      {"network/ingress-http--kyverno-require-ingress-https--bad.yaml", net},
      {"network/ingress-https--gatekeeper-httpsonly--good.yaml", net},
      {"network/ingress-https--kyverno-require-ingress-https--good.yaml", net},
      {"network/ingress-no-tls--polaris-tlsSettingsMissing--bad.yaml", net},
      {"network/ingress-rules-only--kyverno-restrict-ingress-defaultbackend--good.yaml", net},
      {"network/ingress-tls--polaris-tlsSettingsMissing--good.yaml", net},
      {"network/networkpolicies-namespace--kyverno-require-netpol--fixture.yaml", net},
      {"network/pod-and-netpol-complete--polaris-missingNetworkPolicy--good.yaml", net},
      {"network/pod-and-netpol-missing-ingress-rules--polaris-missingNetworkPolicy--bad.yaml", net},
      {"network/service-clusterip--gatekeeper-block-loadbalancer-services--good.yaml", none},
      {"network/service-clusterip-and-loadbalancer--kyverno-restrict-node-port--good.yaml", net},
      {"network/service-external-ips--kyverno-restrict-service-external-ips--bad.yaml", net},
      {"network/service-loadbalancer--gatekeeper-block-loadbalancer-services--bad.yaml", net},
      {"network/service-loadbalancer--kyverno-restrict-loadbalancer--bad.yaml", net},
      {"network/service-no-external-ips--kyverno-restrict-service-external-ips--good.yaml", none},
      {"network/service-nodeport--gatekeeper-block-nodeport-services--bad.yaml", net},
      {"network/service-nodeport--kyverno-restrict-loadbalancer--good.yaml", net},
      {"network/service-nodeport--kyverno-restrict-node-port--bad.yaml", net},
      {"pod-security/pod-hostpath--polaris-hostPathSet--bad.yaml", priv},
      {"pod-security/pod-hostpath-allowed-prefix-readonly--gatekeeper-host-filesystem--good.yaml", priv},
      {"pod-security/pod-hostpath-outside-allowed-prefix--gatekeeper-host-filesystem--bad.yaml", priv},
      {"pod-security/pod-no-hostpath--polaris-hostPathSet--good.yaml", none},
      {"pod-security/pod-not-privileged--gatekeeper-privileged-containers--good.yaml", none},
      {"pod-security/pod-not-privileged--polaris-runAsPrivileged--good.yaml", none},
      {"pod-security/pod-privileged--gatekeeper-privileged-containers--bad.yaml", priv},
      {"pod-security/pod-privileged--polaris-runAsPrivileged--bad.yaml", priv},
      {"pod-security/podcontrollers-privileged--kyverno-disallow-privileged-containers--bad.yaml", priv},
      {"pod-security/pods-host-namespaces--kyverno-disallow-host-namespaces--bad.yaml", priv},
      {"pod-security/pods-hostpath--kyverno-disallow-host-path--bad.yaml", priv},
      {"pod-security/pods-no-host-namespaces--kyverno-disallow-host-namespaces--good.yaml", none},
      {"pod-security/pods-no-hostpath--kyverno-disallow-host-path--good.yaml", none},
      {"pod-security/pods-not-privileged--kyverno-disallow-privileged-containers--good.yaml", none},
      {"pod-security/pods-privileged--kyverno-disallow-privileged-containers--bad.yaml", priv},
      {"rbac/clusterrole-all-verbs-binding--polaris-clusterrolebindingClusterAdmin--bad.yaml", id_sec},
      {"rbac/clusterrole-escalate-bind-verbs--kyverno-restrict-escalation-verbs-roles--bad.yaml", id_sec},
      {"rbac/clusterrole-escalate-bind-verbs--kyverno-restrict-escalation-verbs-roles--good.yaml", id},
      {"rbac/clusterrole-explicit-verbs-binding--polaris-clusterrolebindingClusterAdmin--good.yaml", id_sec},
      {"rbac/clusterrole-secret-verbs--kyverno-restrict-secret-role-verbs--bad.yaml", id_sec},
      {"rbac/clusterrole-secret-verbs--kyverno-restrict-secret-role-verbs--good.yaml", id_sec},
      {"rbac/clusterrole-wildcard-resources--kyverno-restrict-wildcard-resources--bad.yaml", id_sec},
      {"rbac/clusterrole-wildcard-resources--kyverno-restrict-wildcard-resources--good.yaml", id_sec},
      {"rbac/clusterrole-wildcard-verbs--kyverno-restrict-wildcard-verbs--bad.yaml", id_sec},
      {"rbac/clusterrole-wildcard-verbs--kyverno-restrict-wildcard-verbs--good.yaml", id_sec},
      {"rbac/clusterrolebinding-anonymous--gatekeeper-disallowanonymous--bad.yaml", id},
      {"rbac/clusterrolebinding-anonymous-allowlisted-role--gatekeeper-disallowanonymous--good.yaml", id},
      {"rbac/clusterrolebinding-cluster-admin--kyverno-restrict-binding-clusteradmin--bad.yaml", id},
      {"rbac/clusterrolebinding-cluster-admin--kyverno-restrict-binding-clusteradmin--good.yaml", id},
      {"rbac/clusterrolebinding-default-cluster-admin--polaris-clusterrolebindingClusterAdmin--bad.yaml", id},
      {"rbac/role-wildcard-verbs--kyverno-restrict-wildcard-verbs--bad.yaml", id_sec},
      {"rbac/role-wildcard-verbs--kyverno-restrict-wildcard-verbs--good.yaml", id_sec},
      {"rbac/rolebinding-cluster-admin--kyverno-restrict-binding-clusteradmin--bad.yaml", id},
      {"rbac/rolebinding-cluster-admin--kyverno-restrict-binding-clusteradmin--good.yaml", id},
      {"secrets/configmap-benign--polaris-sensitiveConfigmapContent--good.yaml", none},
      {"secrets/configmap-password-key--polaris-sensitiveConfigmapContent--bad.yaml", sec},
      {"secrets/configmap-private-key-value--polaris-sensitiveConfigmapContent--bad.yaml", sec},
      {"secrets/pods-secret-env-vars--kyverno-disallow-secrets-from-env-vars--bad.yaml", sec},
      {"secrets/pods-secret-volumes--kyverno-disallow-secrets-from-env-vars--good.yaml", none},
      {"secrets/secret-basic-auth--kyverno-deny-secret-service-account-token-type--good.yaml", sec},
      {"secrets/secret-sa-token-type--kyverno-deny-secret-service-account-token-type--bad.yaml", sec},
  };
  int seen = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    ++seen;
    const std::string rel = std::filesystem::relative(entry.path(), dir).string();
    auto r = Manifests(ReadBytes(entry.path().string()));
    ASSERT_TRUE(r.ok()) << rel << ": " << r.status().message();
    auto it = expected.find(rel);
    ASSERT_NE(it, expected.end()) << "no expectation written for " << rel;
    EXPECT_EQ(CategoriesOf(*r), it->second) << rel;
  }
  EXPECT_EQ(seen, static_cast<int>(expected.size()));
}

TEST(KubernetesManifest, SharedManifestsTellGoodFromBadObjects) {
  const std::string dir = testing::SharedData("k8s");
  if (dir.empty()) GTEST_SKIP() << "../shared/data is not in this clone";
  auto rule_fired = [&](const std::string& file, const std::string& rule) {
    auto r = Manifests(ReadBytes(dir + "/" + file));
    EXPECT_TRUE(r.ok()) << file;
    if (!r.ok()) return false;
    for (const ClassifiedResource& c : r->resources) {
      for (int i : c.rules) {
        if (DefaultClassificationRules()->kubernetes[static_cast<size_t>(i)].id == rule) return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(rule_fired("rbac/clusterrolebinding-cluster-admin--kyverno-restrict-binding-clusteradmin--bad.yaml",
                         "k8s-binds-cluster-admin"));
  EXPECT_FALSE(rule_fired("rbac/clusterrolebinding-cluster-admin--kyverno-restrict-binding-clusteradmin--good.yaml",
                          "k8s-binds-cluster-admin"));
  EXPECT_TRUE(
      rule_fired("rbac/clusterrole-wildcard-verbs--kyverno-restrict-wildcard-verbs--bad.yaml", "k8s-wildcard-verbs"));
  EXPECT_FALSE(
      rule_fired("rbac/clusterrole-wildcard-verbs--kyverno-restrict-wildcard-verbs--good.yaml", "k8s-wildcard-verbs"));
  EXPECT_TRUE(rule_fired("rbac/clusterrole-wildcard-resources--kyverno-restrict-wildcard-resources--bad.yaml",
                         "k8s-wildcard-resources"));
  EXPECT_FALSE(rule_fired("rbac/clusterrole-wildcard-resources--kyverno-restrict-wildcard-resources--good.yaml",
                          "k8s-wildcard-resources"));
  EXPECT_TRUE(rule_fired("rbac/clusterrole-escalate-bind-verbs--kyverno-restrict-escalation-verbs-roles--bad.yaml",
                         "k8s-escalation-verbs"));
  EXPECT_FALSE(rule_fired("rbac/clusterrole-escalate-bind-verbs--kyverno-restrict-escalation-verbs-roles--good.yaml",
                          "k8s-escalation-verbs"));
  EXPECT_TRUE(
      rule_fired("rbac/clusterrolebinding-anonymous--gatekeeper-disallowanonymous--bad.yaml", "k8s-binds-anonymous"));
  EXPECT_TRUE(rule_fired("network/ingress-no-tls--polaris-tlsSettingsMissing--bad.yaml", "k8s-ingress-no-tls"));
  EXPECT_FALSE(rule_fired("network/ingress-tls--polaris-tlsSettingsMissing--good.yaml", "k8s-ingress-no-tls"));
  EXPECT_TRUE(rule_fired("network/ingress-default-backend--kyverno-restrict-ingress-defaultbackend--bad.yaml",
                         "k8s-ingress-default-backend"));
  EXPECT_FALSE(rule_fired("network/ingress-rules-only--kyverno-restrict-ingress-defaultbackend--good.yaml",
                          "k8s-ingress-default-backend"));
  EXPECT_TRUE(rule_fired("pod-security/pods-host-namespaces--kyverno-disallow-host-namespaces--bad.yaml",
                         "k8s-host-namespaces"));
}

}  // namespace
}  // namespace cl::ingest
