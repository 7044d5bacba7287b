// The `changeledger` subcommands. Each Add*Command registers one CLI11
// subcommand (with --help) whose callback stores its exit code in `exit`:
// 0 success, 1 refused or failed check (4xx, tampered log, bad input),
// 2 could not run (usage, unreachable server, 5xx, database error).
#pragma once

#include <CLI/CLI.hpp>

namespace cl::cli {

void AddServeCommand(CLI::App& app, int& exit);
void AddMigrateCommand(CLI::App& app, int& exit);
void AddLoginCommands(CLI::App& app, int& exit);
void AddUserCommand(CLI::App& app, int& exit);
void AddTokenCommand(CLI::App& app, int& exit);
void AddAuditCommand(CLI::App& app, int& exit);
// `audit prove`, `audit consistency`, `audit verify-proof` (Merkle proofs).
void AddAuditProofCommands(CLI::App* audit, int& exit);
void AddInfoCommands(CLI::App& app, int& exit);
void AddChangeCommand(CLI::App& app, int& exit);
void AddEvidenceCommand(CLI::App& app, int& exit);
void AddPolicyCommand(CLI::App& app, int& exit);
void AddPipelineCommands(CLI::App& app, int& exit);
void AddBackupCommands(CLI::App& app, int& exit);
// `witness`: the witness service for audit checkpoints (serve --audit-witness URL).
void AddWitnessCommand(CLI::App& app, int& exit);

}  // namespace cl::cli
