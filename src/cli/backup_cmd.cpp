// `changeledger backup` and `changeledger restore`: a consistent online
// copy (the server may keep running), checked page by page and audit chain
// by audit chain; a restore refuses a backup that does not verify and
// verifies what it restored. PostgreSQL goes through pg_dump/pg_restore on an
// exported snapshot (cli/pg_backup.h, docs/operations.md).
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <limits>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/pg_backup.h"
#include "core/audit_verify.h"
#include "crypto/crypto.h"
#include "platform/db_lock.h"
#include "platform/log.h"
#include "platform/system.h"
#include "storage/migrations.h"
#include "storage/postgres/pg_connection.h"
#include "storage/sqlite/sqlite_backup.h"
#include "storage/sqlite/sqlite_store.h"

namespace cl::cli {
namespace {

namespace fs = std::filesystem;

// A sibling path for the copy in progress, renamed into place when checked.
std::string Partial(const std::string& path) { return fmt::format("{}.partial-{}", path, ::getpid()); }

bool LooksPartial(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const size_t at = name.rfind(".partial-");
  return at != std::string::npos && at + 9 < name.size() &&
         std::isdigit(static_cast<unsigned char>(name[at + 9]));
}

struct Checked {
  int64_t schema_version = 0;
  AuditVerifyResult audit;
};

// Opens `path` without migrating or writing anything and verifies its audit
// chain against the keys it holds. Fails if the schema is not this binary's.
Result<Checked> Check(const std::string& path) {
  const SystemClock clock;
  sql::SqliteStoreOptions so;
  so.path = path;
  so.migrate = false;
  so.read_only = true;  // verification changes nothing in the file
  CL_ASSIGN_OR_RETURN(std::unique_ptr<sql::SqliteStore> store, sql::SqliteStore::Open(so, clock));
  Checked out;
  out.schema_version = sql::SqliteMigrations().empty() ? 0 : sql::SqliteMigrations().back().version;
  CL_RETURN_IF_ERROR(store->Read([&](Tx& tx) -> Status {
    out.audit = VerifyAuditLog(tx);
    return Status::Ok();
  }));
  return out;
}

struct Copied {
  sql::SqliteCopyStats copy;
  Checked checked;
};

Copied FromPg(const PgChecked& c) { return Copied{{0, c.bytes}, Checked{c.schema_version, c.audit}}; }

// Copies `from` to `to`, then opens and checks the copy.
Result<Copied> CopyAndCheck(const std::string& from, const std::string& to) {
  CL_ASSIGN_OR_RETURN(sql::SqliteCopyStats copy, sql::CopySqliteDatabase(from, to));
  CL_ASSIGN_OR_RETURN(Checked checked, Check(to));
  return Copied{copy, std::move(checked)};
}

// A backup file checked where it lies (read-only: its bytes stay as they
// are): integrity, schema, audit chain. A file an interrupted backup left
// is named as such.
Result<Copied> CheckInPlace(const std::string& path) {
  if (LooksPartial(path)) {
    return Status(ErrorCode::kInvalidDocument,
                  fmt::format("{} is the partial file of a backup that did not finish (backup writes "
                              "<file>.partial-<pid> and renames it when checked); use a finished backup",
                              path));
  }
  CL_RETURN_IF_ERROR(sql::CheckSqliteIntegrity(path));
  CL_ASSIGN_OR_RETURN(Checked checked, Check(path));
  std::error_code ec;
  const auto bytes = static_cast<int64_t>(fs::file_size(path, ec));
  return Copied{{0, ec ? 0 : bytes}, std::move(checked)};
}

// Backs `db` up into `file` and checks what was written.
Result<Copied> BackUp(const std::string& db, const std::string& file) {
  if (sql::IsPostgresUrl(db)) {
    CL_ASSIGN_OR_RETURN(PgChecked pg, PgBackup(db, file));
    return FromPg(pg);
  }
  CL_ASSIGN_OR_RETURN(Copied done, CopyAndCheck(db, file));
  CL_RETURN_IF_ERROR(sql::MakeSelfContained(file));
  return done;
}

nlohmann::json Summary(const std::string& path, const Copied& done) {
  const Checked& c = done.checked;
  return {{"path", path},
          {"bytes", done.copy.bytes},
          {"schema_version", c.schema_version},
          {"audit_ok", c.audit.ok},
          {"audit_events", c.audit.events_checked},
          {"audit_head_seq", c.audit.head_seq},
          {"audit_head_hash", crypto::ToHex(c.audit.head_hash)},
          {"audit_problem", c.audit.ok ? nlohmann::json(nullptr) : nlohmann::json(c.audit.problem)}};
}

void Print(const nlohmann::json& s, const std::string& verb, const std::string& format) {
  if (format == "json") {
    PrintJson(s);
    return;
  }
  std::cout << fmt::format("{} {} ({} bytes, schema version {})\n", verb, s["path"].get<std::string>(),
                           s["bytes"].get<int64_t>(), s["schema_version"].get<int64_t>());
  if (s["audit_ok"].get<bool>()) {
    std::cout << fmt::format("audit log: OK, {} events, head seq {} hash {}\n", s["audit_events"].get<int64_t>(),
                             s["audit_head_seq"].get<int64_t>(), s["audit_head_hash"].get<std::string>());
  } else {
    std::cout << "audit log: TAMPERED: " << s["audit_problem"].get<std::string>() << "\n";
  }
}

void RemoveDb(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
}

// Removes what backups of `path` that were killed left behind (their
// process is gone); the partial files of a backup still running stay.
void RemoveStalePartials(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".partial-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string rest = name.substr(prefix.size());
    const std::string pid_text = rest.substr(0, rest.find_first_not_of("0123456789"));
    const std::optional<int64_t> pid = ParsePositiveNumber(pid_text);
    if (!pid || *pid > std::numeric_limits<pid_t>::max()) continue;
    if (::kill(static_cast<pid_t>(*pid), 0) == 0 || errno != ESRCH) continue;  // still running
    std::error_code rm;
    if (fs::remove(entry.path(), rm)) {
      log::Info("removed the partial file of an interrupted backup", {{"path", entry.path().string()}});
    }
  }
}

}  // namespace

void AddBackupCommands(CLI::App& app, int& exit) {
  {
    struct Opts {
      std::string db, out, output = "table";
      bool force = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "backup",
        "Copy a database to a file while the servers keep running (one consistent snapshot; PostgreSQL: pg_dump "
        "custom format), then check it: integrity and the audit chain. The audit signing key is not part of the database; keep it "
        "with your secrets.");
    cmd->add_option("--db", o->db, "The database to back up")->required();
    cmd->add_option("out", o->out, "The backup file to write")->required();
    cmd->add_flag("--force", o->force, "Replace an existing backup file");
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      if (fs::exists(o->out) && !o->force) {
        exit = Fail(Status(ErrorCode::kAlreadyExists, fmt::format("{} exists; pass --force to replace it", o->out)));
        return;
      }
      RemoveStalePartials(o->out);
      const std::string partial = Partial(o->out);
      Result<Copied> done = BackUp(o->db, partial);
      if (!done.ok()) {
        RemoveDb(partial);
        exit = Fail(done.status());
        return;
      }
      RemoveDb(o->out);
      std::error_code ec;
      fs::rename(partial, o->out, ec);
      RemoveDb(partial);
      if (ec) {
        exit = Fail(Unavailable(fmt::format("cannot move the backup to {}: {}", o->out, ec.message())));
        return;
      }
      Print(Summary(o->out, *done), "Backed up to", o->output);
      // A faithful copy of a tampered log is still a copy; say so loudly.
      exit = done->checked.audit.ok ? kExitOk : kExitRefused;
    });
  }
  {
    struct Opts {
      std::string backup, db, output = "table";
      bool force = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "restore",
        "Restore a backup into a database: the backup is verified first (integrity, schema version, audit "
        "chain) and refused if it fails; the restored database is verified again. Stop the servers that use the "
        "database before restoring over it. PostgreSQL: pg_restore of a `backup` dump into an empty database "
        "(or --force), in one transaction, then verified.");
    cmd->add_option("backup", o->backup, "The backup file")->required();
    cmd->add_option("--db", o->db, "The database to restore into")->required();
    cmd->add_flag("--force", o->force, "Replace an existing database");
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      if (sql::IsPostgresUrl(o->db)) {
        Result<PgChecked> pg = PgRestore(o->db, o->backup, o->force);
        if (!pg.ok()) {
          exit = Fail(pg.status());
          return;
        }
        Print(Summary(sql::RedactPostgresUrl(o->db), FromPg(*pg)), "Restored", o->output);
        exit = pg->audit.ok ? kExitOk : kExitRefused;
        return;
      }
      if (fs::exists(o->db) && !o->force) {
        exit = Fail(Status(ErrorCode::kAlreadyExists,
                           fmt::format("{} exists; stop its servers and pass --force to replace it", o->db)));
        return;
      }
      // The backup is checked where it lies, opened read-only: not a byte of it changes.
      Result<Copied> before = CheckInPlace(o->backup);
      if (!before.ok()) {
        exit = Fail(Status(before.status().code(),
                           fmt::format("{} cannot be restored: {}", o->backup, before.status().message())));
        return;
      }
      if (!before->checked.audit.ok) {
        exit = Fail(Status(ErrorCode::kDataLoss, fmt::format("{} cannot be restored: its audit log fails "
                                                             "verification: {}",
                                                             o->backup, before->checked.audit.problem)));
        return;
      }
      // Not under a running server, and no server starts meanwhile.
      auto exclusive = DbUseLock::Acquire(o->db, DbUseLock::Mode::kExclusive);
      if (!exclusive.ok()) {
        exit = Fail(exclusive.status());
        return;
      }
      // Through the destination's own pager: its WAL is replaced atomically.
      Result<Copied> after = CopyAndCheck(o->backup, o->db);
      if (!after.ok()) {
        exit = Fail(after.status());
        return;
      }
      Print(Summary(o->db, *after), "Restored", o->output);
      const AuditVerifyResult& restored = after->checked.audit;
      exit = restored.ok && restored.head_hash == before->checked.audit.head_hash ? kExitOk : kExitRefused;
    });
  }
}

}  // namespace cl::cli
