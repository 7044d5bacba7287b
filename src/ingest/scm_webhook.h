// GitHub and GitLab webhook deliveries: verification of the signature or
// token over the raw body (constant time, before anything is parsed) and
// parsing of the events change control uses into ScmEvent. Tolerates older
// payload shapes with missing keys. Stateless; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "core/pipeline.h"
#include "core/status.h"

namespace cl::ingest {

// X-Hub-Signature-256: "sha256=<hex HMAC-SHA256(secret, body)>".
bool VerifyGitHubSignature(std::string_view secret, std::string_view body, std::string_view header);
// X-Gitlab-Token: the shared secret itself.
bool VerifyGitLabToken(std::string_view secret, std::string_view header);

// Change keys (CHG-42, chg-42) in free text, distinct, in order of appearance.
std::vector<int64_t> FindChangeKeys(std::string_view text);

// `event` is X-GitHub-Event; unknown events parse to an ScmEvent with only
// source, delivery and event set. Errors: kMalformed for a body that is not
// a JSON object.
Result<ScmEvent> ParseGitHubEvent(std::string_view event, std::string_view delivery_id, std::string_view body);
// `event` is X-Gitlab-Event ("Merge Request Hook", ...).
Result<ScmEvent> ParseGitLabEvent(std::string_view event, std::string_view delivery_id, std::string_view body);

}  // namespace cl::ingest
