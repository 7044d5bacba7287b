#include "server/audit_admin.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "core/audit_keys.h"
#include "core/principal.h"
#include "server/local_app.h"
#include "server/signing_key.h"
#include "storage/db_admin.h"
#include "storage/db_lock.h"
#include "storage/open_store.h"

namespace cl {

Result<std::optional<AuditExportSeal>> ExportFromDb(const std::string& db, const std::string& key_file,
                                                    AuditExportWriter& w) {
  std::string key_path = key_file;
  if (key_path.empty() && !sql::IsPostgresDb(db)) key_path = DefaultSigningKeyPath(sql::SqlitePathOf(db));
  if (key_path.empty() || !std::filesystem::exists(key_path)) {
    return FailedPrecondition(fmt::format(
        "no audit signing key {}to seal the export with: pass the server's key file with --signing-key (it must "
        "be readable), or export from the server (--server), which seals it",
        key_path.empty() ? "" : "at " + key_path + " "));
  }
  CL_ASSIGN_OR_RETURN(std::unique_ptr<FileSigner> signer, FileSigner::LoadOrCreate(key_path));
  CL_ASSIGN_OR_RETURN(std::unique_ptr<LocalApp> app, OpenExistingReadOnly(db));
  CL_RETURN_IF_ERROR(app->store().Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::vector<AuditKeyStatus> registered, RegisteredAuditKeys(tx, {}));
    const auto own = std::ranges::find(registered, signer->KeyId(), &AuditKeyStatus::key_id);
    if (own == registered.end()) {
      return FailedPrecondition(
          fmt::format("the key in {} ({}) is not registered in this log: it cannot seal its "
                      "export",
                      key_path, signer->KeyId()));
    }
    if (own->retired_seq) {
      return FailedPrecondition(fmt::format("the key in {} ({}) was retired at seq {}: use the current key file",
                                            key_path, signer->KeyId(), *own->retired_seq));
    }
    CL_ASSIGN_OR_RETURN(std::vector<AuditKey> keys, tx.Audit().Keys());
    for (const AuditKey& k : keys) w.AddKey(k);
    CL_ASSIGN_OR_RETURN(std::vector<AuditCheckpoint> cps, tx.Audit().Checkpoints(0, 0));
    for (const AuditCheckpoint& cp : cps) CL_RETURN_IF_ERROR(w.AddCheckpoint(cp));
    Status write = Status::Ok();
    CL_RETURN_IF_ERROR(tx.Audit().Scan(1, 0, [&](const StoredAuditEvent& e) {
      write = w.AddEvent(e);
      return write.ok();
    }));
    return write;
  }));
  return std::optional<AuditExportSeal>(SignExportSeal(*signer, app->clock().Now(), w.head_seq(), w.head_hash()));
}

Result<Rotation> RotateSigningKey(const std::string& db, const std::string& signing_key) {
  std::optional<DbUseLock> in_use;
  if (const std::string file = sql::SqlitePathOf(db); !file.empty()) {
    // A server holds the old key in memory and would go on signing with it.
    auto lock = DbUseLock::Acquire(file, DbUseLock::Mode::kExclusive);
    if (!lock.ok()) return Conflict("stop the server first: " + lock.status().message());
    in_use.emplace(std::move(lock).value());
  }
  LocalAppOptions lo;
  lo.db_path = db;
  lo.signing_key_path = signing_key;
  lo.migrate = false;
  CL_ASSIGN_OR_RETURN(std::unique_ptr<LocalApp> app, LocalApp::Open(lo));
  const std::string path = app->signing_key_path();
  // A rotation cut short after creating the new key reuses it.
  CL_ASSIGN_OR_RETURN(std::unique_ptr<FileSigner> next, FileSigner::LoadOrCreate(path + ".new"));
  if (next->KeyId() == app->signer()->KeyId()) return Internal("the new signing key equals the old one");
  Rotation r{app->signer()->KeyId(), next->KeyId(), {}, 0};
  const AuditLog next_log(app->clock(), next.get());
  const AuditContext ctx = ContextFor(LocalPrincipal(OsUserName()), "cli", "local");
  CL_RETURN_IF_ERROR(app->store().Write([&](Tx& tx) -> Status {
    CL_RETURN_IF_ERROR(next_log.RegisterSigningKey(tx, ctx, app->signer()));
    CL_RETURN_IF_ERROR(next_log.Checkpoint(tx).status());
    CL_ASSIGN_OR_RETURN(AuditHead head, tx.Audit().Head());
    r.seq = head.seq;
    return Status::Ok();
  }));
  r.retired_path = fmt::format("{}.retired-{}", path, FormatRfc3339(app->clock().Now()));
  std::error_code ec;
  std::filesystem::rename(path, r.retired_path, ec);
  if (!ec) std::filesystem::rename(path + ".new", path, ec);
  if (ec) {
    return Unavailable(
        fmt::format("the log now trusts key {} (in {}.new), but moving the key files failed: {}; "
                    "move {}.new to {} by hand",
                    r.new_id, path, ec.message(), path, path));
  }
  return r;
}

}  // namespace cl
