#include "server/local_app.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/audit_reconcile.h"
#include "crypto/crypto.h"
#include "ingest/policy_yaml.h"
#include "storage/db_admin.h"
#include "storage/open_store.h"

namespace cl {

std::string OsUserName() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "uid" + std::to_string(::geteuid());
}

bool DbExists(const std::string& db) { return sql::IsPostgresDb(db) || std::filesystem::exists(sql::SqlitePathOf(db)); }

Result<std::unique_ptr<LocalApp>> OpenExistingReadOnly(const std::string& db) {
  if (!DbExists(db)) return NotFound("no database at " + db);
  LocalAppOptions lo;
  lo.db_path = db;
  lo.migrate = false;
  lo.read_only = true;  // a backup keeps its digest
  lo.need_signer = false;
  return LocalApp::Open(lo);
}

Result<std::unique_ptr<LocalApp>> LocalApp::Open(const LocalAppOptions& o) {
  if (!crypto::InitCrypto()) return Internal("libsodium could not be initialized");
  std::unique_ptr<LocalApp> app(new LocalApp());
  app->witness_client_ = std::make_unique<OutboundHttp>(OutboundHttp::ForOperatorUrls());
  if (o.clock != nullptr) app->clock_ = o.clock;
  const bool postgres = sql::IsPostgresDb(o.db_path);
  const std::string sqlite_path = sql::SqlitePathOf(o.db_path);
  const std::filesystem::path db(sqlite_path);
  if (!postgres && db.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(db.parent_path(), ec);
    if (ec) {
      return Unavailable("cannot create directory " + db.parent_path().string() + ": " + ec.message());
    }
  }
  app->ids_ = std::make_unique<SecureIdGenerator>(*app->clock_);
  app->key_path_ = o.signing_key_path;
  if (app->key_path_.empty()) {
    if (const char* env = std::getenv("CHANGELEDGER_SIGNING_KEY"); env != nullptr) app->key_path_ = env;
  }
  if (app->key_path_.empty()) {
    if (postgres && o.need_signer) {
      return InvalidArgument(
          "a PostgreSQL database needs --signing-key FILE (or CHANGELEDGER_SIGNING_KEY): each "
          "server signs audit checkpoints with a key file of its own");
    }
    if (!postgres) app->key_path_ = DefaultSigningKeyPath(sqlite_path);
  }
  CL_ASSIGN_OR_RETURN(
      app->store_,
      sql::OpenStore({.db = o.db_path, .migrate = o.migrate, .read_only = o.read_only, .pool_size = o.pool_size},
                     *app->clock_));
  if (o.need_signer) {
    CL_ASSIGN_OR_RETURN(app->signer_, FileSigner::LoadOrCreate(app->key_path_, &app->created_key_));
  }
  bool fresh_log = false;
  if (app->signer_ && !o.read_only) {
    // Before this process extends or signs the log: a tampered tail signed
    // now would look genuine afterwards.
    for (const std::string& where : o.witnesses) {
      CL_ASSIGN_OR_RETURN(std::unique_ptr<AuditWitness> w,
                          OpenAuditWitness(where, o.witness_token, *app->witness_client_));
      app->witnesses_.push_back(std::move(w));
    }
    CL_RETURN_IF_ERROR(app->store_->Read([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(AuditHead head, tx.Audit().Head());
      fresh_log = head.seq == 0;
      app->startup_check_ = VerifyAuditTail(tx, o.trusted_key_ids);
      for (const auto& w : app->witnesses_) {
        if (!app->startup_check_.ok) break;
        if (auto problem = w->Contradiction(tx)) {
          app->startup_check_.ok = false;
          app->startup_check_.problem = std::move(*problem);
        }
      }
      return Status::Ok();
    }));
    if (!app->startup_check_.ok) {
      const AuditVerifyResult& r = app->startup_check_;
      const std::string why = fmt::format(
          "the audit log failed verification{}: {} (run `changeledger audit verify --db ...` and restore a "
          "verified backup)",
          r.first_bad_seq ? fmt::format(" at seq {}", *r.first_bad_seq) : "", r.problem);
      if (o.on_tampered_log == LocalAppOptions::OnTamperedLog::kRefuse) return Status(ErrorCode::kDataLoss, why);
      app->store_->RefuseWrites(Status(ErrorCode::kWritesRefused, why));
      app->signer_.reset();  // nothing this process does signs the log
    }
  }
  app->trust_.pinned_key_ids = o.trusted_key_ids;
  app->trust_.tsa_anchors = o.tsa_anchors;
  if (!o.tsa_url.empty()) {
    if (!o.tsa_anchors) return InvalidArgument("a time-stamp authority needs its certificate (--audit-tsa-ca)");
    CL_RETURN_IF_ERROR(app->witness_client_->CheckUrl(o.tsa_url));
    app->timestamper_ = std::make_unique<AuditTimestamper>(o.tsa_url, *o.tsa_anchors, *app->witness_client_);
  }
  if (!o.witnesses.empty()) {
    app->trust_.read_witnesses = [app = app.get(), names = o.witnesses]() -> Result<std::vector<WitnessedCheckpoint>> {
      std::vector<WitnessedCheckpoint> all;
      for (const std::string& where : names) {
        CL_ASSIGN_OR_RETURN(std::vector<WitnessedCheckpoint> held, ReadWitness(where, *app->witness_client_));
        all.insert(all.end(), held.begin(), held.end());
      }
      return all;
    };
  }
  app->audit_ = std::make_unique<AuditLog>(*app->clock_, app->signer_.get(), o.checkpoint_interval);
  app->deps_ = std::unique_ptr<Deps>(
      new Deps{*app->store_, *app->clock_, *app->ids_, *app->audit_, app->hasher_, &app->credentials_});
  app->throttle_ = std::make_unique<LoginThrottle>(*app->clock_);
  app->users_ = std::make_unique<UserService>(*app->deps_);
  app->tokens_ = std::make_unique<TokenService>(*app->deps_);
  app->sessions_ = std::make_unique<SessionService>(*app->deps_, *app->throttle_);
  app->policies_ = std::make_unique<PolicyService>(*app->deps_, ParsePolicy);
  if (std::string problem = o.smtp.Problem(); !problem.empty()) return InvalidArgument(problem);
  if (o.smtp.enabled()) app->mailer_ = std::make_unique<SmtpMailer>(o.smtp);
  app->outbound_ = std::make_unique<OutboundHttp>(o.webhook_allowed_networks);
  if (o.snapshots.enabled()) app->snapshots_ = std::make_unique<SourceSnapshots>(o.snapshots, *app->outbound_);
  app->changes_ = std::make_unique<ChangeService>(*app->deps_, *app->policies_,
                                                  NotifySettings{.email = o.smtp.enabled()}, app->snapshots_.get());
  app->inbox_ = std::make_unique<NotificationInbox>(*app->deps_);
  app->webhooks_ = std::make_unique<WebhookService>(*app->deps_, app->outbound_.get());
  app->gate_ = std::make_unique<DeployGate>(*app->deps_, *app->policies_);
  app->integrations_ = std::make_unique<IntegrationService>(*app->deps_, *app->gate_);
  if (app->signer_) {
    AuditContext ctx{SystemPrincipal().ToActor(), "startup", ""};
    // Before registering: an unendorsed key has no business in a pinned log.
    CL_RETURN_IF_ERROR(app->CheckOwnKeyTrusted(o.trusted_key_ids));
    CL_RETURN_IF_ERROR(app->store_->Write([&](Tx& tx) -> Status {
      // A new log is reconciled strictly from its start (a log from an
      // earlier release is baselined by the server's first reconciliation).
      if (fresh_log) CL_RETURN_IF_ERROR(RecordReconcileBaseline(tx, *app->audit_, ctx).status());
      return app->audit_->RegisterSigningKey(tx, ctx);
    }));
    const bool given = !o.policy_yaml.empty();
    Status s = app->policies_->Initialize(ctx, given ? std::string_view(o.policy_yaml) : DefaultPolicyYaml(),
                                          given ? o.policy_origin : "default", given);
    if (!s.ok()) {
      std::string detail;
      for (const FieldError& e : s.field_errors()) detail += "\n  " + e.field + ": " + e.message;
      return Status(s.code(), "change policy: " + s.message() + detail, s.field_errors());
    }
  }
  return app;
}

Status LocalApp::CheckOwnKeyTrusted(const std::vector<std::string>& pinned) {
  std::vector<AuditKeyStatus> keys;
  CL_RETURN_IF_ERROR(store_->Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(keys, RegisteredAuditKeys(tx, pinned));
    return Status::Ok();
  }));
  for (const AuditKeyStatus& k : keys) {
    if (k.key_id != signer_->KeyId()) continue;
    if (k.retired_seq) {
      // Whatever it signed from now on would fail verification.
      return FailedPrecondition(fmt::format(
          "this process's audit signing key {} ({}) was retired by a key rotation at seq {}: use the current "
          "key file",
          k.key_id, key_path_, *k.retired_seq));
    }
    if (k.trusted) return Status::Ok();
  }
  // Unpinned, a new key is registered as the log's first or as another
  // server's; pinned, it would need an endorsement (rotate-key).
  const bool registered =
      std::ranges::any_of(keys, [&](const AuditKeyStatus& k) { return k.key_id == signer_->KeyId(); });
  if (!registered && (pinned.empty() || std::ranges::find(pinned, signer_->KeyId()) != pinned.end())) {
    return Status::Ok();
  }
  return FailedPrecondition(fmt::format(
      "this process's audit signing key {} ({}) is not among the pinned audit keys ({}) nor endorsed by one: "
      "pin it, or rotate from a pinned key with `changeledger audit rotate-key`",
      signer_->KeyId(), key_path_, fmt::join(pinned, ", ")));
}

http::ApiServices ApiServicesOf(LocalApp& a) {
  return http::ApiServices{a.store(),  a.clock(),    a.audit(),        a.signer(),     a.users(),
                           a.tokens(), a.sessions(), a.policies(),     a.changes(),    a.webhooks(),
                           a.inbox(),  a.gate(),     a.integrations(), a.audit_trust()};
}

LocalApp::~LocalApp() {
  // Sign whatever the log gained since the last checkpoint before closing.
  if (store_ && signer_ && audit_) {
    store_->Write([this](Tx& tx) { return audit_->Checkpoint(tx).status(); }).IgnoreError();
  }
}

}  // namespace cl
