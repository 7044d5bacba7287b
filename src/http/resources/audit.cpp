// The audit log over HTTP: events for people, the raw export for offline
// verification, checkpoints, signing keys, and a server-side verification.
#include <fmt/format.h>

#include "core/audit_reconcile.h"
#include "core/audit_verify.h"
#include "http/api.h"
#include "http/resources/representations.h"

namespace cl::http {
namespace {

Schema CheckpointSchema() {
  return Schema::Object("A signed statement of the chain head at `seq`.")
      .Field("seq", Schema::Integer(), true)
      .Field("hash", Schema::String("Hex SHA-256 chain hash of event `seq`."), true)
      .Field("signed_at", Schema::String().Format("date-time"), true)
      .Field("key_id", Schema::String(), true)
      .Field("signature",
             Schema::String("Base64 Ed25519 signature over the checkpoint message "
                            "(docs/audit.md)."),
             true)
      .Field("version", Schema::Integer("2 for checkpoints that also sign `root` and `prev`; absent for "
                                        "version 1."))
      .Field("root", Schema::String("Hex RFC 9162 Merkle tree head over the event hashes 1..seq (version 2)."))
      .Field("prev", Schema::String("Hex SHA-256 of the previous checkpoint's signed message, zeros for the "
                                    "first (version 2)."));
}

std::vector<QueryParam> PageParams(int64_t max_limit) {
  return {{"after", Schema::Integer().Min(0), "Return entries with seq greater than this."},
          {"limit", Schema::Integer().Min(1).Max(max_limit), "Page size."}};
}

nlohmann::json NextAfter(int64_t last_seq, size_t got, int64_t limit) {
  return static_cast<int64_t>(got) == limit ? nlohmann::json(last_seq) : nlohmann::json(nullptr);
}

}  // namespace

void AddAuditRoutes(Api& api, Router& router) {
  std::vector<QueryParam> event_params = PageParams(1000);
  event_params.push_back({"object_type", Schema::String().Max(64), "e.g. user, api_token, change."});
  event_params.push_back({"object_id", Schema::String().Max(128), ""});
  event_params.push_back({"actor_id", Schema::String().Max(128), "User id of whoever acted."});
  event_params.push_back({"action", Schema::String().Max(64), "e.g. user.create."});
  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/audit/events",
                   .permission = Permission::kAuditRead,
                   .operation_id = "listAuditEvents",
                   .tag = "audit",
                   .summary = "Audit events, oldest first, with filters",
                   .query = event_params,
                   .response = PageSchema(
                       Schema::Object()
                           .Field("seq", Schema::Integer(), true)
                           .Field("hash", Schema::String(), true)
                           .Field("event", Schema::Object("The event (docs/audit.md).").Values(Schema::Any()), true),
                       Schema::Integer()),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     AuditQuery q;
                     q.after_seq = ctx.IntArg("after", 0);
                     q.limit = ctx.IntArg("limit", 100);
                     q.object_type = ctx.Arg("object_type");
                     q.object_id = ctx.Arg("object_id");
                     q.actor_id = ctx.Arg("actor_id");
                     q.action = ctx.Arg("action");
                     std::vector<StoredAuditEvent> events;
                     CL_RETURN_IF_ERROR(api.services().store.Read([&](Tx& tx) -> Status {
                       CL_ASSIGN_OR_RETURN(events, tx.Audit().List(q));
                       return Status::Ok();
                     }));
                     nlohmann::json items = nlohmann::json::array();
                     for (const StoredAuditEvent& e : events) {
                       items.push_back({{"seq", e.seq},
                                        {"hash", crypto::ToHex(e.hash)},
                                        {"event", nlohmann::json::parse(e.body, nullptr, false)}});
                     }
                     return JsonResponse(
                         200,
                         {{"items", items},
                          {"next_after", NextAfter(events.empty() ? 0 : events.back().seq, events.size(), q.limit)}});
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/audit/export",
                   .permission = Permission::kAuditExport,
                   .offload = true,
                   .operation_id = "exportAuditEvents",
                   .tag = "audit",
                   .summary = "Raw audit events for offline verification",
                   .description = "Each event's body is returned as the exact string that was hashed, so a "
                                  "verifier can recompute hash_n = SHA-256(hash_{n-1} || body_n). "
                                  "`changeledger audit export --server` pages through this.",
                   .query = PageParams(10000),
                   .response = PageSchema(Schema::Object()
                                              .Field("seq", Schema::Integer(), true)
                                              .Field("hash", Schema::String(), true)
                                              .Field("body", Schema::String("Canonical JSON, verbatim."), true),
                                          Schema::Integer()),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     const int64_t after = ctx.IntArg("after", 0);
                     const int64_t limit = ctx.IntArg("limit", 1000);
                     nlohmann::json items = nlohmann::json::array();
                     int64_t last = after;
                     CL_RETURN_IF_ERROR(api.services().store.Read([&](Tx& tx) {
                       return tx.Audit().Scan(after + 1, after + limit, [&](const StoredAuditEvent& e) {
                         items.push_back({{"seq", e.seq}, {"hash", crypto::ToHex(e.hash)}, {"body", e.body}});
                         last = e.seq;
                         return static_cast<int64_t>(items.size()) < limit;
                       });
                     }));
                     return JsonResponse(200, {{"items", items}, {"next_after", NextAfter(last, items.size(), limit)}});
                   }});

  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/audit/export/seal",
      .permission = Permission::kAuditExport,
      .offload = true,
      .body_limit = 4 * 1024,
      .operation_id = "sealAuditExport",
      .tag = "audit",
      .summary = "Sign the head of an export",
      .description = "The server checks that its log holds event head_seq with chain hash head_hash and signs "
                     "{head_seq, head_hash, exported_at, key_id} with its audit key (VERIFY.md step 7); "
                     "`changeledger audit export --server` puts the seal in the manifest, so a tail cut from the "
                     "export with the manifest rewritten to match fails verification. Recorded in the log "
                     "(audit.export.seal).",
      .request = Schema::Object()
                     .Field("head_seq", Schema::Integer("The export's last event.").Min(0), true)
                     .Field("head_hash", Schema::String("Its chain hash, hex.").Min(64).Max(64), true),
      .response = Schema::Object()
                      .Field("type", Schema::String().Enum({std::string(kExportSealType)}), true)
                      .Field("head_seq", Schema::Integer(), true)
                      .Field("head_hash", Schema::String(), true)
                      .Field("exported_at", Schema::String().Format("date-time"), true)
                      .Field("key_id", Schema::String(), true)
                      .Field("signature", Schema::String("Base64 Ed25519 over the canonical seal message."), true),
      .errors = {409, 503},
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        const ApiServices& sv = api.services();
        if (Status refused = sv.store.WritesRefused(); !refused.ok()) return refused;  // sign nothing tampered
        auto hash = HexDigestField(ctx.body, "head_hash");
        if (!hash) return InvalidArgument("head_hash must be 64 hex digits", {{"/head_hash", "not a SHA-256 in hex"}});
        AuditExportSeal seal;
        CL_RETURN_IF_ERROR(sv.store.Write([&](Tx& tx) -> Status {
          CL_ASSIGN_OR_RETURN(seal, sv.audit.SealExport(tx, ctx.Audit(), ctx.body["head_seq"].get<int64_t>(), *hash));
          return Status::Ok();
        }));
        return JsonResponse(200, ExportSealJson(seal));
      }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/audit/checkpoints",
                   .permission = Permission::kAuditRead,
                   .operation_id = "listAuditCheckpoints",
                   .tag = "audit",
                   .summary = "Signed checkpoints over the chain",
                   .query = PageParams(10000),
                   .response = PageSchema(CheckpointSchema(), Schema::Integer()),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     const int64_t limit = ctx.IntArg("limit", 1000);
                     std::vector<AuditCheckpoint> cps;
                     CL_RETURN_IF_ERROR(api.services().store.Read([&](Tx& tx) -> Status {
                       CL_ASSIGN_OR_RETURN(cps, tx.Audit().Checkpoints(ctx.IntArg("after", 0), limit));
                       return Status::Ok();
                     }));
                     nlohmann::json items = nlohmann::json::array();
                     for (const AuditCheckpoint& cp : cps) items.push_back(CheckpointJson(cp));
                     return JsonResponse(
                         200, {{"items", items},
                               {"next_after", NextAfter(cps.empty() ? 0 : cps.back().seq, cps.size(), limit)}});
                   }});

  router.Add(Route{
      .method = "GET",
      .pattern = "/api/v1/audit/keys",
      .permission = Permission::kAuditRead,
      .operation_id = "listAuditKeys",
      .tag = "audit",
      .summary = "Public keys that sign checkpoints",
      .description = "Pin the key id out of band (it is printed at first start) so a verifier "
                     "does not have to trust the server's list. Each key shows where the log registers it, "
                     "which key endorsed it, whether it was retired by a rotation, and whether this server's "
                     "configuration pins it (serve --trusted-audit-key).",
      .response =
          Schema::Object()
              .Field("items",
                     Schema::Array(Schema::Object()
                                       .Field("key_id", Schema::String(), true)
                                       .Field("algorithm", Schema::String().Enum({"ed25519"}), true)
                                       .Field("public_key", Schema::String("Base64, 32 bytes."), true)
                                       .Field("public_key_pem", Schema::String("SubjectPublicKeyInfo PEM."), true)
                                       .Field("created_at", Schema::String().Format("date-time"), true)
                                       .Field("registered_seq", Schema::Integer().Nullable(), true)
                                       .Field("endorsed_by", Schema::String().Nullable(), true)
                                       .Field("retired_seq", Schema::Integer().Nullable(), true)
                                       .Field("pinned", Schema::Boolean(), true)
                                       .Field("trusted", Schema::Boolean(), true)),
                     true)
              .Field("pinning", Schema::Boolean("Whether the server's configuration pins keys."), true),
      .handler = [&api](Ctx&) -> Result<Response> {
        std::vector<AuditKey> keys;
        std::vector<AuditKeyStatus> registered;
        const AuditTrust& trust = api.services().audit_trust;
        CL_RETURN_IF_ERROR(api.services().store.Read([&](Tx& tx) -> Status {
          CL_ASSIGN_OR_RETURN(keys, tx.Audit().Keys());
          auto r = RegisteredAuditKeys(tx, trust.pinned_key_ids);
          if (r.ok()) registered = std::move(r).value();  // a bad registration: the verification names it
          return Status::Ok();
        }));
        nlohmann::json items = nlohmann::json::array();
        for (const AuditKey& k : keys) {
          const AuditKeyStatus* reg = nullptr;
          for (const AuditKeyStatus& r : registered) {
            if (r.key_id == k.key_id && r.public_key == k.public_key) reg = &r;
          }
          const auto nullable = [](bool has, auto value) {
            return has ? nlohmann::json(value) : nlohmann::json(nullptr);
          };
          items.push_back(
              {{"key_id", k.key_id},
               {"algorithm", "ed25519"},
               {"public_key", crypto::ToBase64(k.public_key)},
               {"public_key_pem", crypto::Ed25519PublicKeyPem(k.public_key)},
               {"created_at", FormatRfc3339(k.created_at)},
               {"registered_seq", nullable(reg != nullptr, reg ? reg->registered_seq : 0)},
               {"endorsed_by", nullable(reg && !reg->endorsed_by.empty(), reg ? reg->endorsed_by : "")},
               {"retired_seq", nullable(reg && reg->retired_seq, reg && reg->retired_seq ? *reg->retired_seq : 0)},
               {"pinned", std::find(trust.pinned_key_ids.begin(), trust.pinned_key_ids.end(), k.key_id) !=
                              trust.pinned_key_ids.end()},
               {"trusted", reg != nullptr && reg->trusted && !reg->retired_seq}});
        }
        return JsonResponse(200, {{"items", items}, {"pinning", !trust.pinned_key_ids.empty()}});
      }});

  router.Add(Route{
      .method = "GET",
      .pattern = "/api/v1/audit/verification",
      .permission = Permission::kAuditRead,
      .offload = true,
      .operation_id = "verifyAuditLog",
      .tag = "audit",
      .summary = "Verify the whole chain and every checkpoint now",
      .description = "Same check as `changeledger audit verify`, with the key ids this server's "
                     "configuration pins and the witness files it publishes to. 200 with ok=false names the "
                     "first bad sequence number. reconcile=true also compares every audited record (changes, "
                     "approvals, evidence and its files, reviews, users) with the state the log last recorded "
                     "for it, in the same snapshot, and names each row edited, inserted or deleted outside "
                     "the log; ok is false if any was.",
      .query = {{"reconcile", Schema::Boolean(), "Also reconcile the records with the log."}},
      .response =
          Schema::Object()
              .Field("ok", Schema::Boolean(), true)
              .Field("events_checked", Schema::Integer(), true)
              .Field("checkpoints_verified", Schema::Integer(), true)
              .Field("head_seq", Schema::Integer(), true)
              .Field("head_hash", Schema::String(), true)
              .Field("head_root", Schema::String("RFC 9162 Merkle tree head over events 1..head_seq."), true)
              .Field("last_signed_seq", Schema::Integer(), true)
              .Field("witnessed_checkpoints", Schema::Integer(), true)
              .Field("pinned",
                     Schema::Boolean("Whether keys were pinned by configuration; if not, the "
                                     "log's first key is trusted on first use."),
                     true)
              .Field("keys",
                     Schema::Array(Schema::Object()
                                       .Field("key_id", Schema::String(), true)
                                       .Field("registered_seq", Schema::Integer(), true)
                                       .Field("endorsed_by", Schema::String().Nullable(), true)
                                       .Field("retired_seq", Schema::Integer().Nullable(), true)
                                       .Field("pinned", Schema::Boolean(), true)
                                       .Field("first",
                                              Schema::Boolean("The log's first key (trusted on "
                                                              "first use when nothing is pinned)."),
                                              true)
                                       .Field("trusted", Schema::Boolean(), true)),
                     true)
              .Field("sealed", Schema::Object("An export's seal; always null here.").Nullable())
              .Field("timestamps",
                     Schema::Object("RFC 3161 time-stamps of checkpoints (audit.timestamp events).")
                         .Field("count", Schema::Integer(), true)
                         .Field("checked",
                                Schema::Boolean("Whether tokens were checked against the authority's "
                                                "certificate (serve --audit-tsa-ca) and every checkpoint "
                                                "required to be time-stamped in time."),
                                true)
                         .Field("latest_checkpoint_seq", Schema::Integer(), true)
                         .Field("latest_time", Schema::String().Nullable(), true),
                     true)
              .Field("first_bad_seq", Schema::Integer().Nullable(), true)
              .Field("problem", Schema::String().Nullable(), true)
              .Field("reconcile", Schema::Object("Present with reconcile=true.")
                                      .Field("ok", Schema::Boolean(), true)
                                      .Field("events", Schema::Integer(), true)
                                      .Field("rows", Schema::Integer(), true)
                                      .Field("files", Schema::Integer("Evidence files re-hashed."), true)
                                      .Field("baseline_seq",
                                             Schema::Integer("The event from which the log is reconciled strictly; "
                                                             "null: the log predates reconciliation.")
                                                 .Nullable(),
                                             true)
                                      .Field("unbaselined_kinds",
                                             Schema::Array(Schema::String(),
                                                           "Record kinds no baseline covers yet (reconciled since a "
                                                           "later release); the server's next reconciliation "
                                                           "baselines them."),
                                             true)
                                      .Field("problem_count", Schema::Integer(), true)
                                      .Field("problems",
                                             Schema::Array(Schema::Object()
                                                               .Field("table", Schema::String(), true)
                                                               .Field("id", Schema::String(), true)
                                                               .Field("field", Schema::String().Nullable(), true)
                                                               .Field("what", Schema::String(), true)
                                                               .Field("seq", Schema::Integer().Nullable(), true),
                                                           "The first 100."),
                                             true)),
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        const bool reconcile = ctx.BoolArg("reconcile", false);
        std::optional<ReconcileReport> reconciled;
        const AuditTrust& trust = api.services().audit_trust;
        AuditVerifyResult result;
        auto options = trust.Options(api.services().clock.Now());
        if (!options.ok()) {
          result.ok = false;  // an unreadable witness is a failed verification, not a server error
          result.problem = "cannot read a witness: " + options.status().message();
        } else {
          CL_RETURN_IF_ERROR(api.services().store.Read([&](Tx& tx) {
            result = VerifyAuditLog(tx, *options);
            if (reconcile) {
              CL_ASSIGN_OR_RETURN(reconciled, ReconcileRecords(tx));
            }
            return Status::Ok();
          }));
        }
        nlohmann::json body = AuditVerifyResultJson(result, !trust.pinned_key_ids.empty());
        if (reconciled) {
          body["reconcile"] = ReconcileReportJson(*reconciled);
          if (!reconciled->ok()) body["ok"] = false;
        }
        return JsonResponse(200, body);
      }});
}

}  // namespace cl::http
