// `changeledger witness`: the witness service, run on another machine than
// the database (server/witness_service.h says what it keeps and refuses).
#include <fmt/format.h>
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "platform/log.h"
#include "server/witness_service.h"

namespace cl::cli {
namespace {

struct WitnessOptions {
  std::string file;
  std::string listen = "127.0.0.1:9480";
  std::string token_file;
  std::string tls_cert, tls_key;
  std::string log_level = "info";
};

int RunWitness(const WitnessOptions& o) {
  sigset_t signals;  // as in serve: blocked before any thread starts
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  log::Init(o.log_level == "debug"   ? log::Level::kDebug
            : o.log_level == "warn"  ? log::Level::kWarn
            : o.log_level == "error" ? log::Level::kError
                                     : log::Level::kInfo);

  auto listen = ParseListen(o.listen);
  if (!listen.ok()) return Fail(listen.status());
  auto token = ReadSharedSecret(o.token_file, "CHANGELEDGER_WITNESS_TOKEN", "a witness token");
  if (!token.ok()) return Fail(token.status());
  if (token->size() < 16) {
    return Fail(
        InvalidArgument("the witness needs a token of at least 16 characters for publishers: --token-file FILE or "
                        "CHANGELEDGER_WITNESS_TOKEN (the servers' --audit-witness-token-file holds the same)"));
  }
  auto service = WitnessService::Start({.file = o.file,
                                        .address = listen->first,
                                        .port = listen->second,
                                        .token = *token,
                                        .tls_cert = o.tls_cert,
                                        .tls_key = o.tls_key});
  if (!service.ok()) return Fail(service.status());
  std::cout << fmt::format("Changeledger witness serving {} (file {}, {} checkpoints, newest seq {})\n",
                           (*service)->url(), o.file, (*service)->size(), (*service)->latest_seq())
            << std::flush;
  int sig = 0;
  sigwait(&signals, &sig);
  (*service)->Stop();
  log::Flush();
  return 0;
}

}  // namespace

void AddWitnessCommand(CLI::App& app, int& exit) {
  auto o = std::make_shared<WitnessOptions>();
  CLI::App* cmd = app.add_subcommand(
      "witness",
      "Run a witness service: keeps the audit checkpoints servers publish (serve --audit-witness URL) "
      "and refuses any that do not extend what it holds; run it where the database's writers cannot "
      "reach");
  cmd->add_option("--file", o->file, "The append-only file it keeps the checkpoints in (created if missing)")
      ->required();
  cmd->add_option("--listen", o->listen, "ADDRESS:PORT to serve on")->capture_default_str();
  cmd->add_option("--token-file", o->token_file,
                  "File holding the bearer token publishers must send (else CHANGELEDGER_WITNESS_TOKEN)");
  cmd->add_option("--tls-cert", o->tls_cert, "PEM certificate chain, to serve HTTPS");
  cmd->add_option("--tls-key", o->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--log-level", o->log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  cmd->callback([o, &exit] { exit = RunWitness(*o); });
}

}  // namespace cl::cli
