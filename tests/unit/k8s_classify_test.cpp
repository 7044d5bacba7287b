// The IaC classifier on Kubernetes manifests: every object of a stream, List
// kinds, deletions, bad documents named, and the shared real-world manifests
// classified as a reviewer would. The expected categories were written by
// reading each file. Files from ../shared/data skip on a clone without it.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "ingest/kubernetes.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/iac_test_helpers.h"

namespace cl::ingest {
namespace {

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
