// LocalApp: everything a process needs to work on a database directly —
// clock, IDs, the store, the audit signing key, password hashing and the
// core services — wired once and shared by `serve` and the CLI commands that
// take --db. Owns what it creates; the services are thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/audit_log.h"
#include "core/audit_verify.h"
#include "core/changes.h"
#include "core/deploy_gate.h"
#include "core/integrations.h"
#include "core/login_throttle.h"
#include "core/notification_inbox.h"
#include "core/notifications.h"
#include "core/policy_service.h"
#include "core/sessions.h"
#include "core/tokens.h"
#include "core/users.h"
#include "http/api.h"
#include "server/argon2_hasher.h"
#include "server/audit_timestamper.h"
#include "server/audit_witness.h"
#include "server/outbound_http.h"
#include "server/signing_key.h"
#include "server/smtp_mailer.h"
#include "server/source_snapshots.h"
#include "server/system.h"

namespace cl {

struct LocalAppOptions {
  std::string db_path;           // SQLite file, sqlite:///path or postgres://...
  int pool_size = 0;             // database read connections; 0: the backend's default
  std::string signing_key_path;  // empty: next to the database
  bool migrate = true;
  bool read_only = false;   // SQLite: open without changing the file (verify, export)
  bool need_signer = true;  // false for read-only tools (verify)
  int64_t checkpoint_interval = 1000;
  const Clock* clock = nullptr;  // tests inject a ManualClock; default: the system clock
  // Change policy YAML to load (becomes a new version if it differs from the
  // newest); empty: the built-in default, only if the database has none.
  std::string policy_yaml;
  std::string policy_origin;
  // A process that writes first checks the newest part of the audit log
  // (VerifyAuditTail). If it fails: kRefuse makes Open fail (CLI commands);
  // kReadOnly opens anyway with every write refused, nothing signed (serve:
  // reads go on, /readyz fails, the log says what to run).
  enum class OnTamperedLog { kRefuse, kReadOnly };
  OnTamperedLog on_tampered_log = OnTamperedLog::kRefuse;
  // Networks webhook receivers may be in although not public (on-premise);
  // every other internal address is refused (server/outbound_http.h).
  std::vector<IpNetwork> webhook_allowed_networks;
  // Witnesses that receive a copy of every checkpoint (serve --audit-witness):
  // file paths or witness service URLs (server/audit_witness.h). A writer
  // opening the log first checks that the database still holds the newest
  // checkpoint each one has (else as a tampered log, above).
  std::vector<std::string> witnesses;
  std::string witness_token;  // the bearer token URL witnesses expect for publishing
  // Audit key ids pinned by the configuration (serve --trusted-audit-key):
  // only they and the keys they endorse may sign. This process's own key
  // must be one of those, or Open fails.
  std::vector<std::string> trusted_key_ids;
  // An RFC 3161 time-stamp authority (serve --audit-tsa) and the
  // certificates its tokens must chain to; the API's verification checks
  // time-stamps under the anchors whenever they are given.
  std::string tsa_url;
  std::optional<crypto::TimestampAnchors> tsa_anchors;
  // The relay notification e-mails go through (serve --smtp-url); unset: none
  // are sent, each is listed in the app with its e-mail marked skipped.
  SmtpOptions smtp;
  // API tokens through which evidence links to pull requests and pipelines
  // are kept as snapshots (serve --github-api-token-file, ...).
  SourceSnapshotOptions snapshots;
};

// The built-in default change policy (policy/default-policy.yaml).
std::string_view DefaultPolicyYaml();

class LocalApp {
 public:
  static Result<std::unique_ptr<LocalApp>> Open(const LocalAppOptions& options);
  ~LocalApp();

  Store& store() { return *store_; }
  const Clock& clock() const { return *clock_; }
  const AuditLog& audit() const { return *audit_; }
  const FileSigner* signer() const { return signer_.get(); }
  UserService& users() { return *users_; }
  TokenService& tokens() { return *tokens_; }
  SessionService& sessions() { return *sessions_; }
  PolicyService& policies() { return *policies_; }
  ChangeService& changes() { return *changes_; }
  WebhookService& webhooks() { return *webhooks_; }
  NotificationInbox& inbox() { return *inbox_; }
  // The SMTP relay's client; null when e-mail is not configured.
  const SmtpMailer* mailer() const { return mailer_.get(); }
  DeployGate& gate() { return *gate_; }
  IntegrationService& integrations() { return *integrations_; }
  const Deps& deps() const { return *deps_; }
  // The client for user-given URLs (webhook receivers).
  const OutboundHttp& outbound() const { return *outbound_; }
  bool created_signing_key() const { return created_key_; }
  // What the start-up check of the audit log found (ok when it passed or
  // did not run: read-only tools verify for themselves).
  const AuditVerifyResult& startup_check() const { return startup_check_; }
  const std::string& signing_key_path() const { return key_path_; }
  // The witnesses, for the process that publishes checkpoints to them.
  const std::vector<std::unique_ptr<AuditWitness>>& witnesses() const { return witnesses_; }
  // The time-stamp authority client, for the process that asks it (null: none).
  AuditTimestamper* timestamper() { return timestamper_.get(); }
  // The pins and witnesses, for verifying the whole log (the API's check).
  const AuditTrust& audit_trust() const { return trust_; }

 private:
  LocalApp() = default;
  // Open fails unless this process's key is trusted under `pinned`.
  Status CheckOwnKeyTrusted(const std::vector<std::string>& pinned);
  SystemClock system_clock_;
  const Clock* clock_ = &system_clock_;
  std::unique_ptr<SecureIdGenerator> ids_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<FileSigner> signer_;
  std::unique_ptr<AuditLog> audit_;
  Argon2PasswordHasher hasher_;
  CredentialCache credentials_;
  std::unique_ptr<Deps> deps_;
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<UserService> users_;
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<SessionService> sessions_;
  std::unique_ptr<PolicyService> policies_;
  std::unique_ptr<ChangeService> changes_;
  std::unique_ptr<OutboundHttp> outbound_;
  std::unique_ptr<SourceSnapshots> snapshots_;
  std::unique_ptr<WebhookService> webhooks_;
  std::unique_ptr<NotificationInbox> inbox_;
  std::unique_ptr<SmtpMailer> mailer_;
  std::unique_ptr<DeployGate> gate_;
  std::unique_ptr<IntegrationService> integrations_;
  bool created_key_ = false;
  std::string key_path_;
  AuditVerifyResult startup_check_;
  std::unique_ptr<OutboundHttp> witness_client_;  // operator-given URLs
  std::vector<std::unique_ptr<AuditWitness>> witnesses_;
  std::unique_ptr<AuditTimestamper> timestamper_;
  AuditTrust trust_;
};

// The services the HTTP API uses, all from this app.
http::ApiServices ApiServicesOf(LocalApp& app);

// Whether the database a --db value names is there to open: an SQLite file
// that exists, or any PostgreSQL URL (connecting tells the rest).
bool DbExists(const std::string& db);

// Opens an existing database to read only: no migration, no signing key, and
// an SQLite file left byte for byte as it was (verify, export, prove).
Result<std::unique_ptr<LocalApp>> OpenExistingReadOnly(const std::string& db);

// The OS user running this process (for "local:<user>" audit actors).
std::string OsUserName();

}  // namespace cl
