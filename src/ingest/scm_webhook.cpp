#include "ingest/scm_webhook.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "core/json_input.h"
#include "crypto/crypto.h"

namespace cl::ingest {
namespace {

using nlohmann::json;

// The value at a key path, or null when any step is missing or not an object.
const json& At(const json& j, std::initializer_list<std::string_view> path) {
  static const json kNull;
  const json* cur = &j;
  for (std::string_view key : path) {
    if (!cur->is_object()) return kNull;
    auto it = cur->find(key);
    if (it == cur->end()) return kNull;
    cur = &*it;
  }
  return *cur;
}

// Strings as they are, numbers as text, anything else empty.
std::string Str(const json& j, std::initializer_list<std::string_view> path) {
  const json& v = At(j, path);
  // Text from another system: control characters become U+FFFD rather than
  // refusing a signed delivery (text fields never hold them, core/json_input.h).
  if (v.is_string()) return ReplaceControlCharacters(v.get_ref<const std::string&>());
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  return "";
}

void AddKeys(ScmEvent& e, std::string_view text) {
  for (int64_t n : FindChangeKeys(text)) {
    if (std::find(e.change_numbers.begin(), e.change_numbers.end(), n) == e.change_numbers.end()) {
      e.change_numbers.push_back(n);
    }
  }
}

// Keys named in a push's commit messages (GitHub and GitLab alike).
void AddCommitKeys(ScmEvent& e, const json& push) {
  if (const json& commits = At(push, {"commits"}); commits.is_array()) {
    for (const json& c : commits) AddKeys(e, Str(c, {"message"}));
  }
}

// GitHub caps payloads at 25 MB; a push with thousands of commits stays far
// below a million values and a few levels of nesting.
constexpr JsonLimits kWebhookJsonLimits{.max_depth = 64, .max_values = 1'000'000, .refuse_control_characters = false};

Result<json> ParseBody(std::string_view body) {
  Result<json> j = ParseJsonInput(body, kWebhookJsonLimits);
  if (!j.ok()) return Malformed("the webhook body: " + j.status().message());
  if (!j->is_object()) return Malformed("the webhook body is not a JSON object");
  return j;
}

// What the signature covers: the body. A captured delivery re-sent with a
// new delivery id (not signed) has the same digest and is a replay.
std::string ContentDigest(std::string_view body) { return crypto::ToHex(crypto::Sha256(body)); }

std::string RepoName(const std::string& full) {
  const size_t slash = full.rfind('/');
  return slash == std::string::npos ? full : full.substr(slash + 1);
}

void GitHubPullRequest(const json& pr, ScmEvent& e) {
  e.number = Str(pr, {"number"});
  e.title = Str(pr, {"title"});
  e.url = Str(pr, {"html_url"});
  e.author = Str(pr, {"user", "login"});
  e.head_sha = Str(pr, {"head", "sha"});
  e.merge_sha = Str(pr, {"merge_commit_sha"});
  e.merged = At(pr, {"merged"}).is_boolean() && At(pr, {"merged"}).get<bool>();
  AddKeys(e, Str(pr, {"head", "ref"}));
  AddKeys(e, e.title);
  AddKeys(e, Str(pr, {"body"}));
}

// What every event carries, whatever its source: where it came from and the
// digest of the exact bytes received.
ScmEvent StartEvent(std::string_view source, std::string_view delivery_id, std::string_view body) {
  ScmEvent e;
  e.source = std::string(source);
  e.delivery_id = std::string(delivery_id);
  e.content_digest = ContentDigest(body);
  return e;
}

}  // namespace

bool VerifyGitHubSignature(std::string_view secret, std::string_view body, std::string_view header) {
  if (secret.empty() || !header.starts_with("sha256=")) return false;
  const crypto::Sha256Digest mac = crypto::HmacSha256(secret, body);
  const std::string expected = crypto::ToHex(mac);
  std::string given(header.substr(7));
  std::transform(given.begin(), given.end(), given.begin(), [](unsigned char c) { return std::tolower(c); });
  return crypto::ConstantTimeEquals(expected, given);
}

bool VerifyGitLabToken(std::string_view secret, std::string_view header) {
  if (secret.empty() || header.empty()) return false;
  // Compare digests so the comparison's time does not depend on the length either.
  const crypto::Sha256Digest a = crypto::Sha256(secret);
  const crypto::Sha256Digest b = crypto::Sha256(header);
  return crypto::ConstantTimeEquals(std::span<const uint8_t>(a), std::span<const uint8_t>(b));
}

std::vector<int64_t> FindChangeKeys(std::string_view text) {
  std::vector<int64_t> out;
  for (size_t i = 0; i + 4 < text.size(); ++i) {
    const bool boundary = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    if (!boundary || std::toupper(static_cast<unsigned char>(text[i])) != 'C' ||
        std::toupper(static_cast<unsigned char>(text[i + 1])) != 'H' ||
        std::toupper(static_cast<unsigned char>(text[i + 2])) != 'G' || (text[i + 3] != '-' && text[i + 3] != '_')) {
      continue;
    }
    size_t j = i + 4;
    int64_t n = 0;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])) && j - i - 4 < 12) {
      n = n * 10 + (text[j] - '0');
      ++j;
    }
    const bool ends = j == text.size() || !std::isalnum(static_cast<unsigned char>(text[j]));
    if (j > i + 4 && ends && n > 0 && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    i = j - 1;
  }
  return out;
}

Result<ScmEvent> ParseGitHubEvent(std::string_view event, std::string_view delivery_id, std::string_view body) {
  CL_ASSIGN_OR_RETURN(json j, ParseBody(body));
  ScmEvent e = StartEvent("github", delivery_id, body);
  e.event = std::string(event);
  e.action = Str(j, {"action"});
  e.repository = Str(j, {"repository", "full_name"});
  e.service = Str(j, {"repository", "name"});
  e.actor = Str(j, {"sender", "login"});
  if (event == "pull_request") {
    GitHubPullRequest(At(j, {"pull_request"}), e);
    if (e.merged) e.actor = Str(j, {"pull_request", "merged_by", "login"});
  } else if (event == "pull_request_review") {
    GitHubPullRequest(At(j, {"pull_request"}), e);
    e.review_state = Str(j, {"review", "state"});
    e.actor = Str(j, {"review", "user", "login"});
    e.by_author = !e.actor.empty() && e.actor == e.author;
    if (const std::string u = Str(j, {"review", "html_url"}); !u.empty()) e.url = u;
  } else if (event == "push") {
    const std::string ref = Str(j, {"ref"});
    AddKeys(e, ref);
    if (!(At(j, {"deleted"}).is_boolean() && At(j, {"deleted"}).get<bool>())) e.head_sha = Str(j, {"after"});
    e.url = Str(j, {"compare"});
    e.title = ref;
    AddCommitKeys(e, j);
  } else if (event == "workflow_run" || event == "check_suite") {
    const json& run = At(j, {event == "workflow_run" ? "workflow_run" : "check_suite"});
    e.conclusion = Str(run, {"conclusion"});
    e.head_sha = Str(run, {"head_sha"});
    e.number = Str(run, {"id"});
    e.title = event == "workflow_run" ? Str(run, {"name"}) : Str(run, {"app", "name"});
    e.url = event == "workflow_run" ? Str(run, {"html_url"}) : Str(run, {"url"});
    AddKeys(e, Str(run, {"head_branch"}));
    AddKeys(e, Str(run, {"display_title"}));
    AddKeys(e, Str(run, {"head_commit", "message"}));
  } else if (event == "deployment" || event == "deployment_status") {
    const json& d = At(j, {"deployment"});
    e.environment = Str(d, {"environment"});
    e.head_sha = Str(d, {"sha"});
    e.number = Str(d, {"id"});
    e.title = Str(d, {"description"});
    AddKeys(e, Str(d, {"ref"}));
    AddKeys(e, e.title);
    if (const std::string svc = Str(d, {"payload", "service"}); !svc.empty()) e.service = svc;
    if (const std::string key = Str(d, {"payload", "change"}); !key.empty()) AddKeys(e, key);
    if (event == "deployment_status") {
      e.conclusion = Str(j, {"deployment_status", "state"});
      e.url = Str(j, {"deployment_status", "target_url"});
      if (e.url.empty()) e.url = Str(j, {"deployment_status", "log_url"});
    } else {
      e.url = Str(d, {"url"});
    }
    if (e.url.empty()) e.url = Str(j, {"repository", "html_url"}) + "/deployments";
  }
  return e;
}

Result<ScmEvent> ParseGitLabEvent(std::string_view event, std::string_view delivery_id, std::string_view body) {
  CL_ASSIGN_OR_RETURN(json j, ParseBody(body));
  ScmEvent e = StartEvent("gitlab", delivery_id, body);
  e.repository = Str(j, {"project", "path_with_namespace"});
  e.service = Str(j, {"project", "name"});
  e.actor = Str(j, {"user", "username"});
  const std::string kind = Str(j, {"object_kind"});
  if (event == "Merge Request Hook" || kind == "merge_request") {
    e.event = "merge_request";
    const json& mr = At(j, {"object_attributes"});
    e.action = Str(mr, {"action"});
    e.number = Str(mr, {"iid"});
    e.title = Str(mr, {"title"});
    e.url = Str(mr, {"url"});
    e.head_sha = Str(mr, {"last_commit", "id"});
    e.merge_sha = Str(mr, {"merge_commit_sha"});
    e.merged = e.action == "merge" || Str(mr, {"state"}) == "merged";
    // GitLab sends the author as an id; the acting user is named.
    e.author = Str(mr, {"author_id"});
    AddKeys(e, Str(mr, {"source_branch"}));
    AddKeys(e, e.title);
    AddKeys(e, Str(mr, {"description"}));
    if (e.action == "approved" || e.action == "approval") e.review_state = "approved";
    const std::string approver_id = Str(j, {"user", "id"});
    e.by_author = !approver_id.empty() && approver_id == e.author;
  } else if (event == "Pipeline Hook" || kind == "pipeline") {
    e.event = "pipeline";
    const json& p = At(j, {"object_attributes"});
    e.action = Str(p, {"status"});
    e.conclusion = e.action;
    e.head_sha = Str(p, {"sha"});
    e.number = Str(p, {"id"});
    e.url = Str(p, {"url"});
    if (e.url.empty() && !e.number.empty()) e.url = Str(j, {"project", "web_url"}) + "/-/pipelines/" + e.number;
    AddKeys(e, Str(p, {"ref"}));
    AddKeys(e, Str(j, {"commit", "message"}));
    AddKeys(e, Str(j, {"merge_request", "title"}));
  } else if (event == "Deployment Hook" || kind == "deployment") {
    e.event = "deployment_status";
    e.action = Str(j, {"status"});
    e.conclusion = e.action;
    e.environment = Str(j, {"environment"});
    const std::string commit_url = Str(j, {"commit_url"});
    const size_t slash = commit_url.rfind('/');
    e.head_sha = slash == std::string::npos ? Str(j, {"short_sha"}) : commit_url.substr(slash + 1);
    e.url = Str(j, {"deployable_url"});
    e.number = Str(j, {"deployment_id"});
    e.title = Str(j, {"commit_title"});
    AddKeys(e, Str(j, {"ref"}));
    AddKeys(e, e.title);
  } else if (event == "Push Hook" || kind == "push") {
    e.event = "push";
    const std::string ref = Str(j, {"ref"});
    e.title = ref;
    AddKeys(e, ref);
    const std::string after = Str(j, {"after"});
    if (after.find_first_not_of('0') != std::string::npos) e.head_sha = after;
    AddCommitKeys(e, j);
  } else {
    e.event = kind.empty() ? std::string(event) : kind;
  }
  if (e.service.empty()) e.service = RepoName(e.repository);
  return e;
}

}  // namespace cl::ingest
