// changeledger: the one binary. `serve` runs the API; everything else is
// the CLI people and pipelines use. See `changeledger --help`.
#include <curl/curl.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "crypto/crypto.h"

int main(int argc, char** argv) {
  if (!cl::crypto::InitCrypto()) return cl::cli::kExitError;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CLI::App app{"Changeledger: configuration and change management with proof for auditors"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  int exit = cl::cli::kExitOk;
  cl::cli::AddServeCommand(app, exit);
  cl::cli::AddMigrateCommand(app, exit);
  cl::cli::AddLoginCommands(app, exit);
  cl::cli::AddUserCommand(app, exit);
  cl::cli::AddTokenCommand(app, exit);
  cl::cli::AddAuditCommand(app, exit);
  cl::cli::AddInfoCommands(app, exit);
  cl::cli::AddChangeCommand(app, exit);
  cl::cli::AddEvidenceCommand(app, exit);
  cl::cli::AddPolicyCommand(app, exit);
  cl::cli::AddPipelineCommands(app, exit);
  cl::cli::AddBackupCommands(app, exit);
  cl::cli::AddWitnessCommand(app, exit);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the usage error
    curl_global_cleanup();
    return code == 0 ? cl::cli::kExitOk : cl::cli::kExitError;
  }
  curl_global_cleanup();
  return exit;
}
