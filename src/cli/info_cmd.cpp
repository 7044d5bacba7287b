// `changeledger version|migrate|openapi`.
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sodium.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "platform/build_info.h"
#include "server/process.h"
#include "server/system.h"
#include "storage/db_admin.h"
#include "storage/open_store.h"

namespace cl::cli {
namespace {

int Migrate(const std::string& url, bool status_only, const std::string& app_role, const std::string& format) {
  const std::string db = sql::DescribeDb(url);
  auto report = sql::MigrateDb(url, {.status_only = status_only, .app_role = app_role}, SystemClock().Now());
  if (!report.ok()) return Fail(report.status());
  const sql::SchemaReport& r = *report;
  if (!app_role.empty() && format != "json") {
    std::cout << fmt::format("{}: granted role {} what serve needs\n", db, app_role);
  }
  if (format == "json") {
    PrintJson({{"database", db},
               {"version_before", r.version_before},
               {"version", r.version_after},
               {"latest", r.latest},
               {"pending", r.pending}});
  } else if (status_only) {
    std::cout << fmt::format("{}: schema version {} (this binary: {}), {} pending\n", db, r.version_before, r.latest,
                             r.pending.size());
    for (const auto& p : r.pending) std::cout << "  pending: " << p << "\n";
  } else if (r.version_before == r.version_after) {
    std::cout << fmt::format("{}: already at schema version {}\n", db, r.version_after);
  } else {
    std::cout << fmt::format("{}: migrated from schema version {} to {}\n", db, r.version_before, r.version_after);
    for (const auto& p : r.pending) std::cout << "  applied: " << p << "\n";
  }
  return r.version_before > r.latest ? Fail(Conflict("the database is newer than this binary")) : kExitOk;
}

int PrintOpenApi() {
  auto doc = OpenApiDocument();
  if (!doc.ok()) return Fail(doc.status());
  std::cout << doc->dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void AddMigrateCommand(CLI::App& app, int& exit) {
  struct Opts {
    std::string db = "var/changeledger.db";
    std::string app_role;
    bool status = false;
    std::string output = "table";
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("migrate", "Create or upgrade the database schema");
  cmd->add_option("--db", o->db, "SQLite database file or postgres:// URL (connect as the schema owner)")
      ->envname("CHANGELEDGER_DB")
      ->capture_default_str();
  cmd->add_option("--app-role", o->app_role,
                  "PostgreSQL: grant this role what `serve` needs (no UPDATE/DELETE/TRUNCATE on the "
                  "audit tables); serve then connects as it");
  cmd->add_flag("--status", o->status, "Only show the current and pending versions");
  AddOutputOption(cmd, o->output);
  cmd->callback([o, &exit] { exit = Migrate(o->db, o->status, o->app_role, o->output); });
}

void AddInfoCommands(CLI::App& app, int& exit) {
  {
    auto format = std::make_shared<std::string>("table");
    CLI::App* cmd = app.add_subcommand("version", "Print the version and the libraries in use");
    AddOutputOption(cmd, *format);
    cmd->callback([format, &exit] {
      const nlohmann::json v = {{"version", kVersion},
                                {"commit", kGitCommit},
                                {"schema_version", sql::LatestSchemaVersion()},
                                {"sqlite", sql::SqliteLibraryVersion()},
                                {"openssl", OpenSSL_version(OPENSSL_VERSION)},
                                {"libsodium", sodium_version_string()}};
      if (*format == "json") {
        PrintJson(v);
      } else {
        std::cout << fmt::format("changeledger {} (commit {}, schema {})\nsqlite {}, {}, libsodium {}\n", kVersion,
                                 kGitCommit, v["schema_version"].get<int>(), sql::SqliteLibraryVersion(),
                                 OpenSSL_version(OPENSSL_VERSION), sodium_version_string());
      }
      exit = kExitOk;
    });
  }
  {
    CLI::App* cmd = app.add_subcommand("openapi", "Print the OpenAPI 3.1 document of the REST API");
    cmd->callback([&exit] { exit = PrintOpenApi(); });
  }
}

}  // namespace cl::cli
