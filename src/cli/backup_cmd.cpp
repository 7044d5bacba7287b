// `changeledger backup` and `changeledger restore`: a consistent online
// copy (the server may keep running), checked page by page and audit chain
// by audit chain; a restore refuses a backup that does not verify and
// verifies what it restored (storage/db_admin.h does the work, for either
// backend; docs/operations.md).
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "crypto/crypto.h"
#include "server/system.h"
#include "storage/db_admin.h"
#include "storage/open_store.h"

namespace cl::cli {
namespace {

nlohmann::json Summary(const std::string& path, const sql::CheckedCopy& c) {
  return {{"path", path},
          {"bytes", c.bytes},
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
        "custom format), then check it: integrity and the audit chain. The audit signing key is not part of the "
        "database; keep it "
        "with your secrets.");
    cmd->add_option("--db", o->db, "The database to back up")->required();
    cmd->add_option("out", o->out, "The backup file to write")->required();
    cmd->add_flag("--force", o->force, "Replace an existing backup file");
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      Result<sql::CheckedCopy> done = sql::BackUpDb(o->db, o->out, o->force, SystemClock());
      if (!done.ok()) {
        exit = Fail(done.status());
        return;
      }
      Print(Summary(o->out, *done), "Backed up to", o->output);
      // A faithful copy of a tampered log is still a copy; say so loudly.
      exit = done->audit.ok ? kExitOk : kExitRefused;
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
      Result<sql::Restored> restored = sql::RestoreDb(o->backup, o->db, o->force, SystemClock());
      if (!restored.ok()) {
        exit = Fail(restored.status());
        return;
      }
      Print(Summary(sql::DescribeDb(o->db), restored->copy), "Restored", o->output);
      exit = restored->copy.audit.ok && restored->matches_backup ? kExitOk : kExitRefused;
    });
  }
}

}  // namespace cl::cli
