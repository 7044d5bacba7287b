// `changeledger version|migrate|openapi`.
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "app/version.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/local_app.h"
#include "http/api.h"
#include "storage/migrations.h"
#include "storage/open_store.h"
#include "storage/postgres/pg_connection.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_connection.h"

namespace cl::cli {
namespace {

// The connection migrations run on, and the list that applies to it.
struct MigrationTarget {
  std::unique_ptr<sql::Connection> conn;
  std::span<const sql::Migration> all;
};

Result<MigrationTarget> OpenForMigration(const std::string& db, bool status_only) {
  if (sql::IsPostgresUrl(db)) {
    CL_ASSIGN_OR_RETURN(auto conn, sql::PgConnection::Open(db, sql::RedactPostgresUrl(db)));
    return MigrationTarget{std::move(conn), sql::PostgresMigrations()};
  }
  const std::string file = sql::SqlitePathOf(db);
  if (status_only && !std::filesystem::exists(file)) return NotFound("no database at " + file);
  if (!status_only) {
    std::error_code ec;
    const auto parent = std::filesystem::path(file).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }
  CL_ASSIGN_OR_RETURN(auto conn, sql::SqliteConnection::Open(file, {}));
  return MigrationTarget{std::move(conn), sql::SqliteMigrations()};
}

int Migrate(const std::string& url, bool status_only, const std::string& app_role,
            const std::string& format) {
  if (!app_role.empty() && !sql::IsPostgresUrl(url)) {
    return Fail(InvalidArgument("--app-role applies to PostgreSQL only (SQLite has no roles)"));
  }
  const std::string db = sql::DescribeDb(url);
  auto target = OpenForMigration(url, status_only);
  if (!target.ok()) return Fail(target.status());
  sql::Connection* conn = target->conn.get();
  const auto all = target->all;
  auto before = sql::GetMigrationStatus(*conn, all);
  if (!before.ok()) return Fail(before.status());
  Result<sql::MigrationStatus> after = *before;
  if (!status_only) {
    SystemClock clock;
    after = sql::Migrate(*conn, all, clock.Now().micros);
    if (!after.ok()) return Fail(after.status());
    if (!app_role.empty()) {
      if (Status g = sql::PgStore::GrantAppRole(*conn, app_role); !g.ok()) return Fail(g);
      if (format != "json") std::cout << fmt::format("{}: granted role {} what serve needs\n", db, app_role);
    }
  }
  if (format == "json") {
    PrintJson({{"database", db},
               {"version_before", before->current_version},
               {"version", after->current_version},
               {"latest", after->latest_version},
               {"pending", after->pending}});
  } else if (status_only) {
    std::cout << fmt::format("{}: schema version {} (this binary: {}), {} pending\n", db,
                             before->current_version, before->latest_version, before->pending.size());
    for (const auto& p : before->pending) std::cout << "  pending: " << p << "\n";
  } else if (before->current_version == after->current_version) {
    std::cout << fmt::format("{}: already at schema version {}\n", db, after->current_version);
  } else {
    std::cout << fmt::format("{}: migrated from schema version {} to {}\n", db,
                             before->current_version, after->current_version);
    for (const auto& p : before->pending) std::cout << "  applied: " << p << "\n";
  }
  return before->current_version > before->latest_version ? Fail(Conflict(
                                                                "the database is newer than this binary"))
                                                          : kExitOk;
}

int PrintOpenApi() {
  // The document comes from the route table, which needs a wired Api: build
  // one over a throw-away database.
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("changeledger-openapi-{}", ::getpid());
  std::filesystem::create_directories(dir);
  int code = kExitOk;
  {
    LocalAppOptions lo;
    lo.db_path = (dir / "scratch.db").string();
    auto app = LocalApp::Open(lo);
    if (!app.ok()) {
      code = Fail(app.status());
    } else {
      LocalApp& a = **app;
      http::Api api(ApiServicesOf(a),
                    http::ApiOptions{.worker_threads = 1});
      std::cout << api.OpenApi().dump(2) << "\n";
    }
  }
  std::filesystem::remove_all(dir);
  return code;
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
      const auto& migrations = sql::SqliteMigrations();
      const nlohmann::json v = {{"version", kVersion},
                                {"commit", kGitCommit},
                                {"schema_version", migrations.empty() ? 0 : migrations.back().version},
                                {"sqlite", sqlite3_libversion()},
                                {"openssl", OpenSSL_version(OPENSSL_VERSION)},
                                {"libsodium", sodium_version_string()}};
      if (*format == "json") {
        PrintJson(v);
      } else {
        std::cout << fmt::format("changeledger {} (commit {}, schema {})\nsqlite {}, {}, libsodium {}\n",
                                 kVersion, kGitCommit, v["schema_version"].get<int>(), sqlite3_libversion(),
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
