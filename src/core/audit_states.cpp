#include "core/audit_states.h"

#include "crypto/crypto.h"

namespace cl {

nlohmann::json ChangeAuditState(const Change& c, nlohmann::json content) {
  return {{"key", c.Key()},
          {"state", Name(c.state)},
          {"type", Name(c.content.type)},
          {"risk", Name(c.risk)},
          {"content_version", c.content_version},
          {"material_sha256", c.material_hash},
          {"policy_version", c.policy_version},
          {"requestor", c.requestor},
          {"requestor_id", c.requestor_id},
          {"implementer", c.implementer},
          {"implementer_id", c.implementer_id},
          {"verification", c.verification},
          {"needs_independent_review", c.needs_independent_review},
          // What the rules read (required roles, pre-approval, evidence): an
          // edit of it outside the log is as material as one of the content.
          {"assessment", c.assessment ? c.assessment->ToJson(c.content.type) : nlohmann::json(nullptr)},
          {"content", std::move(content)}};
}

nlohmann::json ChangeAuditState(const Change& c) { return ChangeAuditState(c, ContentToJson(c.content)); }

nlohmann::json ApprovalAuditState(const Approval& a, std::string_view change_key) {
  return {{"change", change_key},
          {"approver", a.approver},
          {"approver_id", a.approver_id},
          {"role", a.role},
          {"approve", a.approve},
          {"content_version", a.content_version},
          {"material_sha256", a.material_hash},
          {"retrospective", a.retrospective},
          {"compensating", a.compensating},
          {"comment", a.comment},
          {"voided", a.voided_at.has_value()},
          {"voided_reason", a.voided_reason}};
}

nlohmann::json EvidenceAuditState(const Evidence& e, std::string_view change_key) {
  nlohmann::json j = {{"change", change_key},
                      {"kind", Name(e.kind)},
                      {"url", e.url},
                      {"sha256", e.sha256},
                      {"size", e.size},
                      {"filename", e.filename},
                      {"content_type", e.content_type},
                      {"note", e.note},
                      {"added_by", e.added_by},
                      {"status", Name(e.status)},
                      {"status_reason", e.status_reason},
                      {"outcome", Name(e.outcome)}};
  // Only snapshots state it, so earlier evidence keeps the state it had.
  if (e.snapshot_at) j["snapshot_at"] = FormatRfc3339(*e.snapshot_at);
  return j;
}

nlohmann::json ReviewAuditState(const Review& r, std::string_view change_key) {
  return {{"change", change_key},   {"kind", Name(r.kind)},         {"outcome", r.outcome},
          {"reviewer", r.reviewer}, {"reviewer_id", r.reviewer_id}, {"notes", r.notes}};
}

std::string CredentialDigest(std::span<const uint8_t> stored) {
  // Domain-separated, so the digest is never the token lookup hash itself.
  crypto::Sha256Stream h;
  h.Update("changeledger credential state v1\n");
  h.Update(std::string_view(reinterpret_cast<const char*>(stored.data()), stored.size()));
  return crypto::ToHex(h.Final());
}

nlohmann::json WebhookSettings(const Webhook& w) {
  nlohmann::json j = {{"id", w.id},         {"url", w.url},
                      {"events", w.events}, {"description", w.description},
                      {"active", w.active}, {"created_by", w.created_by}};
  // Only chat formats are stated, so the states of webhooks from before
  // formats existed are unchanged.
  if (w.format != "changeledger") j["format"] = w.format;
  return j;
}

nlohmann::json WebhookAuditState(const Webhook& w) {
  nlohmann::json state = WebhookSettings(w);
  state["secret_digest"] = CredentialDigest({reinterpret_cast<const uint8_t*>(w.secret.data()), w.secret.size()});
  return state;
}

nlohmann::json PolicyAuditState(const PolicyVersion& v) {
  return {{"version", v.version}, {"sha256", v.sha256}, {"name", v.name}, {"origin", v.origin}};
}

}  // namespace cl
