// libFuzzer target: GitHub and GitLab webhook verification and parsing. The
// first byte picks the event; the rest is the body. The body is verified
// against a signature computed over it (as a real delivery is) and against a
// forged one, then parsed as every event the receivers understand.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/crypto.h"
#include "ingest/scm_webhook.h"

namespace {
constexpr std::string_view kGitHubEvents[] = {"pull_request",      "pull_request_review", "push",        "deployment",
                                              "deployment_status", "workflow_run",        "check_suite", "ping"};
constexpr std::string_view kGitLabEvents[] = {"Merge Request Hook", "Pipeline Hook", "Deployment Hook", "Push Hook",
                                              "Note Hook"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t pick = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr std::string_view kSecret = "fuzz-secret-0123456789";
  const std::string good = "sha256=" + cl::crypto::ToHex(cl::crypto::HmacSha256(kSecret, body));
  if (!cl::ingest::VerifyGitHubSignature(kSecret, body, good)) __builtin_trap();
  if (cl::ingest::VerifyGitHubSignature(kSecret, body, body)) __builtin_trap();
  (void)cl::ingest::VerifyGitLabToken(kSecret, body);
  (void)cl::ingest::FindChangeKeys(body);
  auto gh = cl::ingest::ParseGitHubEvent(kGitHubEvents[pick % std::size(kGitHubEvents)], "fuzz", body);
  auto gl = cl::ingest::ParseGitLabEvent(kGitLabEvents[pick % std::size(kGitLabEvents)], "fuzz", body);
  (void)gh;
  (void)gl;
  return 0;
}
