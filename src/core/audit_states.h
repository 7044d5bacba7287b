// The state of each audited record as the audit log records it: every event
// that creates, changes or removes one of these rows carries these objects
// as its before/after (so its after_digest is the digest of the row as it
// then was), and reconciliation (core/audit_reconcile.h) recomputes them
// from the current rows. One function per record kind; no secrets, no
// fields that change without an event (timestamps of use, row versions).
// A field added to a state raises its kind's state_version
// (audit_reconcile_events.h), so logs written before are re-baselined.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/change.h"
#include "core/store.h"

namespace cl {

nlohmann::json ChangeAuditState(const Change& c);
// `content` is ContentToJson(c.content), passed in where it is already built.
nlohmann::json ChangeAuditState(const Change& c, nlohmann::json content);
nlohmann::json ApprovalAuditState(const Approval& a, std::string_view change_key);
nlohmann::json EvidenceAuditState(const Evidence& e, std::string_view change_key);
nlohmann::json ReviewAuditState(const Review& r, std::string_view change_key);
// A webhook's settings (never its secret): what both its audit state and its
// API representation show.
nlohmann::json WebhookSettings(const Webhook& w);
// A webhook's state is its settings and a digest of its signing secret (never
// the secret), so a secret swapped in the database shows.
nlohmann::json WebhookAuditState(const Webhook& w);
// A policy version as stored; reconciliation also re-hashes its source.
nlohmann::json PolicyAuditState(const PolicyVersion& v);
// A digest naming a stored credential (a webhook's secret, an API token's
// lookup hash) in a state, from which neither can be recovered or used.
std::string CredentialDigest(std::span<const uint8_t> stored);

}  // namespace cl
