// `changeledger audit verify|export`: check the hash chain and signed
// checkpoints of a database, an export directory or a server; write an
// offline export a third party can verify alone.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/audit_reconcile.h"
#include "core/principal.h"
#include "crypto/crypto.h"
#include "server/audit_admin.h"
#include "server/audit_export.h"
#include "server/audit_timestamper.h"
#include "server/audit_witness.h"
#include "server/local_app.h"
#include "server/outbound_http.h"
#include "storage/db_admin.h"
#include "storage/db_lock.h"
#include "storage/open_store.h"

namespace cl::cli {
namespace {

struct Source {
  std::string db;
  std::string export_dir;
  ClientOptions client;
  bool remote() const { return db.empty() && export_dir.empty(); }
};

Result<crypto::Sha256Digest> Digest(const nlohmann::json& hex) {
  auto bytes = crypto::FromHex(hex.is_string() ? hex.get<std::string>() : "");
  crypto::Sha256Digest d{};
  if (!bytes || bytes->size() != d.size()) return Malformed("the server sent a malformed hash");
  std::copy(bytes->begin(), bytes->end(), d.begin());
  return d;
}

// Fetches the whole log; with `seal`, has the server seal its head.
Result<std::optional<AuditExportSeal>> ExportFromServer(const ClientOptions& o, AuditExportWriter& w, bool seal) {
  CL_ASSIGN_OR_RETURN(ApiClient c, ApiClient::FromOptions(o));
  CL_ASSIGN_OR_RETURN(nlohmann::json keys, c.Call("GET", "/api/v1/audit/keys"));
  for (const auto& k : keys["items"]) {
    auto pk = crypto::FromBase64(k.value("public_key", ""));
    auto at = ParseRfc3339(k.value("created_at", ""));
    if (!pk || !at) return Malformed("the server sent a malformed key");
    w.AddKey({k.value("key_id", ""), *pk, *at});
  }
  for (int64_t after = 0;;) {
    CL_ASSIGN_OR_RETURN(nlohmann::json page,
                        c.Call("GET", fmt::format("/api/v1/audit/checkpoints?after={}&limit=10000", after)));
    for (const auto& j : page["items"]) {
      CL_ASSIGN_OR_RETURN(AuditCheckpoint cp, ParseCheckpointJson(j));
      CL_RETURN_IF_ERROR(w.AddCheckpoint(cp));
    }
    if (!page["next_after"].is_number_integer()) break;
    after = page["next_after"].get<int64_t>();
  }
  for (int64_t after = 0;;) {
    CL_ASSIGN_OR_RETURN(nlohmann::json page,
                        c.Call("GET", fmt::format("/api/v1/audit/export?after={}&limit=10000", after)));
    for (const auto& j : page["items"]) {
      StoredAuditEvent e;
      e.seq = j.value("seq", int64_t{0});
      CL_ASSIGN_OR_RETURN(e.hash, Digest(j["hash"]));
      e.body = j.value("body", "");
      CL_RETURN_IF_ERROR(w.AddEvent(e));
    }
    if (!page["next_after"].is_number_integer()) break;
    after = page["next_after"].get<int64_t>();
  }
  if (!seal) return std::optional<AuditExportSeal>();
  CL_ASSIGN_OR_RETURN(nlohmann::json sealed,
                      c.Call("POST", "/api/v1/audit/export/seal",
                             {{"head_seq", w.head_seq()}, {"head_hash", crypto::ToHex(w.head_hash())}}));
  CL_ASSIGN_OR_RETURN(AuditExportSeal parsed, ParseExportSealJson(sealed));
  return std::optional<AuditExportSeal>(std::move(parsed));
}

// What `audit verify` requires of time-stamps.
struct TimestampArgs {
  std::string ca_file;  // --tsa-ca
  int64_t max_delay_seconds = kDefaultTimestampMaxDelaySeconds;
  std::string since;  // RFC 3339
};

Result<VerifyOptions> MakeVerifyOptions(const std::vector<std::string>& trusted,
                                        const std::vector<std::string>& witness_files, const std::string& expected_head,
                                        const TimestampArgs& tsa) {
  VerifyOptions vo;
  vo.trusted_key_ids = trusted;
  if (!tsa.ca_file.empty()) {
    CL_ASSIGN_OR_RETURN(crypto::TimestampAnchors anchors, ReadTimestampAnchors(tsa.ca_file));
    AuditTimestampPolicy policy;
    policy.anchors = std::move(anchors);
    policy.max_delay_micros = tsa.max_delay_seconds * kMicrosPerSecond;
    policy.now = SystemClock().Now();
    if (!tsa.since.empty()) {
      policy.required_since = ParseRfc3339(tsa.since);
      if (!policy.required_since)
        return InvalidArgument("--tsa-since must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z");
    }
    vo.timestamps = std::move(policy);
  } else if (!tsa.since.empty()) {
    return InvalidArgument("--tsa-since needs --tsa-ca (the authority's certificate)");
  }
  const OutboundHttp client = OutboundHttp::ForOperatorUrls();  // the verifier names its witnesses itself
  for (const std::string& where : witness_files) {
    CL_ASSIGN_OR_RETURN(std::vector<WitnessedCheckpoint> held, ReadWitness(where, client));
    vo.witnessed.insert(vo.witnessed.end(), held.begin(), held.end());
  }
  if (!expected_head.empty()) {
    CL_ASSIGN_OR_RETURN(vo.expected_hash,
                        ParseSeqAndDigest(expected_head,
                                          "--expected-head must be SEQ:HASH, the seq and 64-digit hex "
                                          "chain hash `audit verify` prints"));
  }
  return vo;
}

nlohmann::json ResultJson(const AuditVerifyResult& r, double seconds, bool pinned) {
  nlohmann::json j = AuditVerifyResultJson(r, pinned);
  j["seconds"] = seconds;
  return j;
}

// The reconciliation part of `audit verify --reconcile`, after the chain's.
void PrintReconcile(const ReconcileReport& rec) {
  if (rec.baseline_seq == 0) {
    std::cout << "reconciliation baseline: none (the log predates reconciliation until a server records one; "
                 "rows written before then may differ)\n";
  } else if (!rec.unbaselined.empty()) {
    std::cout << fmt::format(
        "reconciliation baseline: none yet for {} (reconciled since a later release; the "
        "server's next reconciliation accepts their rows as found, openly)\n",
        fmt::join(rec.unbaselined, ", "));
  }
  if (rec.ok()) {
    std::cout << fmt::format("reconciled: {} rows and {} evidence files match what {} events recorded\n", rec.rows,
                             rec.files, rec.events);
    return;
  }
  std::cout << fmt::format("RECORDS EDITED OUTSIDE THE LOG: {} problem(s) in {} rows and {} files\n", rec.problem_count,
                           rec.rows, rec.files);
  for (const ReconcileProblem& p : rec.problems) {
    std::cout << fmt::format("  {} {}{}: {}\n", p.table, p.id, p.field.empty() ? "" : " ." + p.field, p.what);
  }
  if (rec.problem_count > static_cast<int64_t>(rec.problems.size())) {
    std::cout << fmt::format("  ... and {} more\n", rec.problem_count - static_cast<int64_t>(rec.problems.size()));
  }
}

int Report(const AuditVerifyResult& r, double seconds, const std::string& format, bool pinned,
           const std::optional<ReconcileReport>& rec) {
  const bool reconciled = !rec || rec->ok();
  if (format == "json") {
    nlohmann::json j = ResultJson(r, seconds, pinned);
    if (rec) {
      j["reconcile"] = ReconcileReportJson(*rec);
      j["ok"] = r.ok && reconciled;
    }
    PrintJson(j);
    return r.ok && reconciled ? kExitOk : kExitRefused;
  }
  if (r.ok) {
    std::cout << fmt::format("OK: {} events and {} signed checkpoints verified in {:.2f}s ({:.0f} events/s)\n",
                             r.events_checked, r.checkpoints_verified, seconds,
                             seconds > 0 ? static_cast<double>(r.events_checked) / seconds : 0.0)
              << fmt::format("head: seq {} hash {}\n", r.head_seq, crypto::ToHex(r.head_hash))
              << fmt::format("tree head: size {} root {}\n", r.head_seq, crypto::ToHex(r.head_root));
    for (const AuditKeyStatus& k : r.keys) {
      std::string how = k.pinned ? "pinned" : k.first ? "first key, trusted on first use (pin it)" : "";
      if (!k.endorsed_by.empty()) how += fmt::format("{}endorsed by {}", how.empty() ? "" : ", ", k.endorsed_by);
      if (how.empty()) how = "NOT endorsed by an earlier key: pin it if it is yours";
      if (k.retired_seq) how += fmt::format(", retired at seq {}", *k.retired_seq);
      std::cout << fmt::format("key: {} registered at seq {}: {}\n", k.key_id, k.registered_seq, how);
    }
    if (r.sealed_at) {
      std::cout << fmt::format("sealed: the export's head was signed by key {} at {}\n", r.sealed_by,
                               FormatRfc3339(*r.sealed_at));
    }
    if (r.witnessed_checkpoints > 0) {
      std::cout << fmt::format("witnessed: all {} checkpoints the witnesses hold are in the log, unchanged\n",
                               r.witnessed_checkpoints);
    }
    if (r.timestamps > 0 || r.timestamps_checked) {
      std::cout << fmt::format("time-stamped: {} token(s), the newest over the checkpoint at seq {}{}; {}\n",
                               r.timestamps, r.timestamped_seq,
                               r.timestamped_at ? " at " + FormatRfc3339(*r.timestamped_at) : "",
                               r.timestamps_checked ? "every token verified and every checkpoint time-stamped in time"
                                                    : "not checked (give the authority's certificate with --tsa-ca)");
    }
    if (r.head_seq > r.last_signed_seq) {
      std::cout << fmt::format(
          "note: the newest {} event(s) after seq {} are protected by the hash "
          "chain only until the next checkpoint is signed\n",
          r.head_seq - r.last_signed_seq, r.last_signed_seq);
    }
  } else {
    std::cout << "TAMPERED: ";
    if (r.first_bad_seq) std::cout << "first bad sequence number " << *r.first_bad_seq << ": ";
    std::cout << r.problem << "\n";
  }
  if (rec) PrintReconcile(*rec);
  return r.ok && reconciled ? kExitOk : kExitRefused;
}

}  // namespace

void AddAuditCommand(CLI::App& app, int& exit) {
  CLI::App* audit = app.add_subcommand("audit", "Verify and export the tamper-evident audit log");
  audit->require_subcommand(1);

  {
    struct Opts {
      Source src;
      std::vector<std::string> trusted, witness_files;
      std::string expected_head, output = "table";
      bool reconcile = false;
      TimestampArgs tsa;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd =
        audit->add_subcommand("verify",
                              "Check every event's hash chain and every signed checkpoint; exit 1 and name the first "
                              "bad sequence number if anything was altered, deleted, reordered or truncated");
    auto* db = cmd->add_option("--db", o->src.db, "Verify this database (SQLite file or postgres:// URL)");
    auto* dir = cmd->add_option("--export", o->src.export_dir, "Verify an export directory (offline)");
    db->excludes(dir);
    AddClientOptions(cmd, o->src.client);
    cmd->add_option("--trusted-key-id", o->trusted,
                    "Trust only checkpoints signed by this key id (pin it out of band); repeat");
    cmd->add_option("--witness", o->witness_files,
                    "A witness the server published checkpoints to (serve --audit-witness): its file or its "
                    "service's URL; the log must hold every checkpoint it holds, unchanged; repeat");
    cmd->add_option("--expected-head", o->expected_head,
                    "SEQ:HASH from an earlier verification (its \"head\" line): the log must still hold that "
                    "event with that chain hash");
    cmd->add_option("--tsa-ca", o->tsa.ca_file,
                    "The certificate (PEM) of the time-stamp authority the server used (serve --audit-tsa): "
                    "check every time-stamp token, and require every checkpoint to be time-stamped within "
                    "--tsa-max-delay of its signing time (else the log was re-signed after the fact)");
    cmd->add_option("--tsa-max-delay", o->tsa.max_delay_seconds, "Seconds a checkpoint may wait for its time-stamp")
        ->check(CLI::Range(int64_t{1}, int64_t{30} * 86400))
        ->capture_default_str();
    cmd->add_option("--tsa-since", o->tsa.since,
                    "Require time-stamps for checkpoints signed from this time (RFC 3339; default: from the "
                    "first time-stamped checkpoint)");
    cmd->add_flag("--reconcile", o->reconcile,
                  "With --db: also compare every change, approval, evidence item (and its file), review and user "
                  "with the state the log last recorded for it, naming each row edited, inserted or deleted "
                  "outside the log")
        ->needs(db);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      const auto t0 = std::chrono::steady_clock::now();
      auto vo_or = MakeVerifyOptions(o->trusted, o->witness_files, o->expected_head, o->tsa);
      if (!vo_or.ok()) {
        Fail(vo_or.status());
        exit = kExitError;  // for verify, 1 means tampered: an unusable option or witness is not that
        return;
      }
      VerifyOptions& vo = *vo_or;
      Result<AuditVerifyResult> result = Internal("unreachable");
      std::optional<ReconcileReport> reconciled;
      std::string tmp;
      if (!o->src.db.empty()) {
        auto app = OpenExistingReadOnly(o->src.db);
        if (!app.ok()) {
          exit = Fail(app.status());
          return;
        }
        AuditVerifyResult r;
        Status s = (*app)->store().Read([&](Tx& tx) -> Status {
          r = VerifyAuditLog(tx, vo.Core());
          if (o->reconcile) {
            // The same snapshot as the chain just verified.
            CL_ASSIGN_OR_RETURN(reconciled, ReconcileRecords(tx));
          }
          return Status::Ok();
        });
        result = s.ok() ? Result<AuditVerifyResult>(r) : Result<AuditVerifyResult>(s);
      } else if (!o->src.export_dir.empty()) {
        result = VerifyExport(o->src.export_dir, vo);
      } else {
        // Fetch everything, then verify it here: the server is not trusted to verify itself.
        tmp = (std::filesystem::temp_directory_path() / fmt::format("changeledger-verify-{}", ::getpid())).string();
        std::filesystem::remove_all(tmp);
        auto w = AuditExportWriter::Create(tmp);
        // Read only: what this process fetched itself needs no seal.
        Status s = w.ok() ? ExportFromServer(o->src.client, **w, /*seal=*/false).status() : w.status();
        if (s.ok()) s = (*w)->Finish("server", nullptr).status();
        vo.require_seal = false;
        result = s.ok() ? VerifyExport(tmp, vo) : Result<AuditVerifyResult>(s);
      }
      if (!tmp.empty()) std::filesystem::remove_all(tmp);
      if (!result.ok()) {
        exit = Fail(result.status());
        return;
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      exit = Report(*result, secs, o->output, !o->trusted.empty(), reconciled);
    });
  }
  AddAuditProofCommands(audit, exit);

  {
    struct Opts {
      std::string db, signing_key, output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = audit->add_subcommand(
        "rotate-key",
        "Replace the audit signing key: the new key is registered in the log endorsed by the old one, "
        "which is retired (checkpoints it signs afterwards fail verification). Stop the server that uses "
        "the key first and restart it after. Keep the old key id pinned: it trusts the new key through its "
        "endorsement (pinning only the new id leaves the checkpoints before the rotation untrusted)");
    cmd->add_option("--db", o->db, "The database (SQLite file or postgres:// URL)")->required();
    cmd->add_option("--signing-key", o->signing_key,
                    "The key file to rotate (default for SQLite: <db>.signing-key; required for PostgreSQL)")
        ->envname("CHANGELEDGER_SIGNING_KEY");
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      if (!DbExists(o->db)) {
        exit = Fail(NotFound("no database at " + o->db));
        return;
      }
      auto r = RotateSigningKey(o->db, o->signing_key);
      if (!r.ok()) {
        exit = Fail(r.status());
        return;
      }
      if (o->output == "json") {
        PrintJson({{"old_key_id", r->old_id},
                   {"new_key_id", r->new_id},
                   {"seq", r->seq},
                   {"retired_key_file", r->retired_path}});
      } else {
        std::cout << fmt::format(
            "Rotated the audit signing key at seq {}.\n  retired: {} (file kept as {})\n  "
            "new:     {}\nPins of the old key id (serve --trusted-audit-key, audit verify "
            "--trusted-key-id) now trust the new key through its endorsement; keep them, "
            "add the new id if you like, and restart the server.\n",
            r->seq, r->old_id, r->retired_path, r->new_id);
      }
      exit = kExitOk;
    });
  }

  {
    struct Opts {
      Source src;
      std::string out, signing_key, output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = audit->add_subcommand("export",
                                          "Write events, checkpoints and public keys to a directory that a third party "
                                          "can verify offline (see VERIFY.md inside)");
    cmd->add_option("--out", o->out, "New directory to write")->required();
    cmd->add_option("--db", o->src.db, "Export from this database (SQLite file or postgres:// URL)");
    cmd->add_option("--signing-key", o->signing_key,
                    "With --db: the server's audit key file, to seal the export (default for SQLite: "
                    "<db>.signing-key); from a server, the server seals it")
        ->envname("CHANGELEDGER_SIGNING_KEY");
    AddClientOptions(cmd, o->src.client);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      auto w = AuditExportWriter::Create(o->out);
      if (!w.ok()) {
        exit = Fail(w.status());
        return;
      }
      Result<std::optional<AuditExportSeal>> seal = o->src.db.empty()
                                                        ? ExportFromServer(o->src.client, **w, /*seal=*/true)
                                                        : ExportFromDb(o->src.db, o->signing_key, **w);
      auto manifest = seal.ok() ? (*w)->Finish(o->src.db.empty() ? "server" : "database", &**seal)
                                : Result<nlohmann::json>(seal.status());
      if (!manifest.ok()) {
        exit = Fail(manifest.status());
        return;
      }
      if (o->output == "json") {
        PrintJson(*manifest);
      } else {
        std::cout << fmt::format("Exported {} events and {} checkpoints to {} (head seq {})\n",
                                 (*manifest)["events"].get<int64_t>(), (*manifest)["checkpoints"].get<int64_t>(),
                                 o->out, (*manifest)["head_seq"].get<int64_t>());
      }
      exit = kExitOk;
    });
  }
}

}  // namespace cl::cli
