// Store: the persistence boundary of the domain. Core code reads and writes
// through a Tx (one database transaction) handed out by Store::Read/Write;
// the backends (SQLite now, PostgreSQL later) live in src/storage and run the
// same storage test suite. A Store is thread-safe; a Tx belongs to the
// thread running the callback and must not escape it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/audit_types.h"
#include "core/change.h"
#include "core/pipeline.h"
#include "core/status.h"
#include "core/user.h"

namespace cl {

struct UserListQuery {
  bool include_disabled = true;
  std::optional<Role> role;
  std::string after_username;  // keyset paging
  int64_t limit = 100;
};

class UserRepo {
 public:
  virtual ~UserRepo() = default;
  virtual Result<std::optional<User>> FindById(std::string_view id) = 0;
  virtual Result<std::optional<User>> FindByUsername(std::string_view username) = 0;
  virtual Result<std::vector<User>> List(const UserListQuery& q) = 0;
  virtual Result<int64_t> CountEnabledWithRole(Role role) = 0;
  // kAlreadyExists if the username is taken.
  virtual Status Insert(const User& user) = 0;
  // Writes `user` if the stored version is still `user.version - 1`; else kConflict.
  virtual Status Update(const User& user) = 0;
};

class TokenRepo {
 public:
  virtual ~TokenRepo() = default;
  virtual Status Insert(const ApiToken& token) = 0;
  virtual Result<std::optional<ApiToken>> FindById(std::string_view id) = 0;
  virtual Result<std::optional<ApiToken>> FindBySecretHash(const SecretHash& hash) = 0;
  // Tokens of one user, or of everyone when user_id is empty; newest first.
  virtual Result<std::vector<ApiToken>> List(std::string_view user_id) = 0;
  virtual Status Revoke(std::string_view id, Timestamp at) = 0;
  virtual Status RevokeAllOfUser(std::string_view user_id, Timestamp at) = 0;
  virtual Status TouchLastUsed(std::string_view id, Timestamp at) = 0;
};

class SessionRepo {
 public:
  virtual ~SessionRepo() = default;
  virtual Status Insert(const Session& session) = 0;
  virtual Result<std::optional<Session>> FindBySecretHash(const SecretHash& hash) = 0;
  virtual Status Touch(std::string_view id, Timestamp at) = 0;
  virtual Status Revoke(std::string_view id, Timestamp at) = 0;
  virtual Status RevokeAllOfUser(std::string_view user_id, Timestamp at) = 0;
  // Removes sessions that ended before `before`; returns how many.
  virtual Result<int64_t> DeleteEnded(Timestamp before) = 0;
};

class AuditRepo {
 public:
  virtual ~AuditRepo() = default;
  virtual Result<AuditHead> Head() = 0;
  virtual Status Append(const StoredAuditEvent& event) = 0;
  // Calls `fn` for each event with from <= seq (all when to == 0, else <= to),
  // in seq order, until it returns false. The reference is valid only inside fn.
  virtual Status Scan(int64_t from_seq, int64_t to_seq, const std::function<bool(const StoredAuditEvent&)>& fn) = 0;
  virtual Result<std::vector<StoredAuditEvent>> List(const AuditQuery& q) = 0;
  virtual Result<int64_t> Count() = 0;

  virtual Status InsertCheckpoint(const AuditCheckpoint& cp) = 0;
  virtual Result<std::optional<AuditCheckpoint>> LatestCheckpoint() = 0;
  // limit 0 means all.
  virtual Result<std::vector<AuditCheckpoint>> Checkpoints(int64_t after_seq, int64_t limit) = 0;

  virtual Status InsertKey(const AuditKey& key) = 0;
  virtual Result<std::vector<AuditKey>> Keys() = 0;
};

enum class ChangeSort { kNumber, kPlannedStart, kUpdatedAt };

struct ChangeListQuery {
  std::optional<ChangeState> state;
  std::optional<ChangeType> type;
  std::optional<Risk> risk;
  std::string service;
  std::string environment;
  std::string category;
  std::string requestor;                  // username
  std::optional<Timestamp> created_from;  // inclusive
  std::optional<Timestamp> created_to;    // exclusive
  ChangeSort sort = ChangeSort::kNumber;
  bool descending = true;
  // Keyset cursor: the sort value and number of the last row of the previous page.
  std::optional<int64_t> after_value;
  std::optional<int64_t> after_number;
  int64_t limit = 50;
};

struct EmergencyPattern {
  std::string service;
  std::string category;
  int64_t count = 0;
  std::vector<int64_t> numbers;
  Timestamp first, last;
};

class ChangeRepo {
 public:
  virtual ~ChangeRepo() = default;
  // Allocates the next CHG number (inside the write transaction).
  virtual Result<int64_t> NextNumber() = 0;
  virtual Status Insert(const Change& change) = 0;
  // Writes `change` if the stored row_version is change.row_version - 1; else kConflict.
  virtual Status Update(const Change& change) = 0;
  virtual Result<std::optional<Change>> FindByNumber(int64_t number) = 0;
  virtual Result<std::vector<Change>> List(const ChangeListQuery& q) = 0;
  // Emergencies past their review deadline still missing approvals or the
  // retrospective, and without an open overdue finding yet.
  virtual Result<std::vector<Change>> OverdueEmergencies(Timestamp now) = 0;
  // Changes for a service and environment that a deployment could belong to
  // (draft through implemented), newest first.
  virtual Result<std::vector<Change>> DeployCandidates(std::string_view service, std::string_view environment) = 0;
  virtual Result<std::vector<EmergencyPattern>> EmergencyPatterns(Timestamp since, int64_t min_count) = 0;

  virtual Status InsertVersion(const ChangeVersion& v) = 0;
  virtual Result<std::vector<ChangeVersion>> Versions(std::string_view change_id) = 0;
  virtual Status InsertTransition(const Transition& t) = 0;
  virtual Result<std::vector<Transition>> Transitions(std::string_view change_id) = 0;
  virtual Status InsertApproval(const Approval& a) = 0;
  virtual Result<std::vector<Approval>> Approvals(std::string_view change_id) = 0;
  virtual Status VoidApproval(std::string_view id, Timestamp at, std::string_view reason) = 0;
  virtual Status InsertEvidence(const Evidence& e) = 0;
  virtual Result<std::vector<Evidence>> EvidenceOf(std::string_view change_id) = 0;
  virtual Status SetEvidenceStatus(std::string_view id, EvidenceStatus status, std::string_view reason) = 0;
  virtual Status InsertReview(const Review& r) = 0;
  virtual Result<std::vector<Review>> Reviews(std::string_view change_id) = 0;
  // Content-addressed: storing the same bytes twice is a no-op.
  virtual Status PutBlob(const FileBlob& blob) = 0;
  virtual Result<std::optional<FileBlob>> GetBlob(std::string_view sha256) = 0;
};

struct PolicyVersion {
  int64_t version = 0;
  std::string sha256;  // of the YAML text, hex
  std::string name;
  std::string source;  // the YAML text
  std::string origin;  // "default", "file:<path>", "api"
  std::string created_by;
  Timestamp created_at;
};

class PolicyRepo {
 public:
  virtual ~PolicyRepo() = default;
  virtual Result<std::optional<PolicyVersion>> Latest() = 0;
  virtual Result<int64_t> LatestNumber() = 0;  // 0: none yet
  virtual Result<std::optional<PolicyVersion>> Get(int64_t version) = 0;
  // Without the source text, newest first.
  virtual Result<std::vector<PolicyVersion>> List() = 0;
  // Assigns the next version number and returns it.
  virtual Result<int64_t> Insert(const PolicyVersion& v) = 0;
};

struct FindingQuery {
  std::string status;  // empty: any
  std::string kind;
  std::string object_id;
  int64_t limit = 100;
};

class FindingRepo {
 public:
  virtual ~FindingRepo() = default;
  // Returns false if an open finding of this kind already exists for the object.
  virtual Result<bool> InsertIfNew(const Finding& f) = 0;
  virtual Result<std::vector<Finding>> List(const FindingQuery& q) = 0;
};

// An outbound notification endpoint (stakeholder communication, R000-06).
struct Webhook {
  std::string id;
  std::string url;
  std::string secret;               // HMAC key; returned once at creation, never logged
  std::vector<std::string> events;  // "change.approved", "change.*", "*"
  std::string description;
  bool active = true;
  std::string created_by;
  Timestamp created_at;
};

struct WebhookDelivery {
  std::string id;
  std::string webhook_id;
  std::string event;
  std::string object_id;           // CHG-12
  std::string payload;             // the JSON body sent
  std::string status = "pending";  // pending | delivered | failed
  int64_t attempts = 0;
  Timestamp next_attempt_at;
  int64_t last_status = 0;  // HTTP status of the last attempt, 0 if none
  std::string last_error;
  Timestamp created_at;
  std::optional<Timestamp> delivered_at;
};

class WebhookRepo {
 public:
  virtual ~WebhookRepo() = default;
  virtual Status Insert(const Webhook& w) = 0;
  virtual Result<std::vector<Webhook>> List(bool active_only) = 0;
  virtual Status Deactivate(std::string_view id) = 0;
  virtual Status InsertDelivery(const WebhookDelivery& d) = 0;
  virtual Status UpdateDelivery(const WebhookDelivery& d) = 0;
  // Takes a due delivery for one attempt: moves its next attempt to
  // `lease_until` if it is still pending with the attempts and next attempt
  // time `d` was read with. False if another dispatcher (another server on
  // the same database) took it first; only the claimer sends it.
  virtual Result<bool> ClaimDelivery(const WebhookDelivery& d, Timestamp lease_until) = 0;
  // Pending deliveries due at `now`, oldest first.
  virtual Result<std::vector<WebhookDelivery>> Due(Timestamp now, int64_t limit) = 0;
  virtual Result<std::vector<WebhookDelivery>> Deliveries(std::string_view webhook_id, int64_t limit) = 0;
};

// One transaction. Repos share it; a failed callback rolls all of it back.
// IaC attachments, deployments, freezes and inbound webhook deliveries (G1).
class PipelineRepo {
 public:
  virtual ~PipelineRepo() = default;
  virtual Status InsertIac(const IacAttachment& a) = 0;
  virtual Result<std::vector<IacAttachment>> IacOf(std::string_view change_id) = 0;
  virtual Status InsertDeployment(const Deployment& d) = 0;
  virtual Result<std::vector<Deployment>> Deployments(const DeploymentQuery& q) = 0;
  virtual Status InsertFreeze(const Freeze& f) = 0;
  // Freezes not lifted that end after `after` (all when nullopt, newest first).
  virtual Result<std::vector<Freeze>> Freezes(std::optional<Timestamp> ending_after) = 0;
  virtual Status LiftFreeze(std::string_view id, Timestamp at, std::string_view by) = 0;
  virtual Status LinkArtifact(const ArtifactLink& link) = 0;  // no-op if already linked
  virtual Result<std::vector<ArtifactLink>> ArtifactsOf(std::string_view change_id) = 0;
  // Numbers of the changes linked to this artifact.
  virtual Result<std::vector<int64_t>> ChangesWithArtifact(std::string_view kind, std::string_view value) = 0;
  // False if this (source, delivery_id) or (source, content_digest) was
  // already received.
  virtual Result<bool> InsertDeliveryIfNew(const InboundDelivery& d) = 0;
  // The delivery received with this id or, when `content_digest` is not
  // empty, with this body.
  virtual Result<std::optional<InboundDelivery>> FindDelivery(std::string_view source, std::string_view delivery_id,
                                                              std::string_view content_digest = "") = 0;
  // The control epoch as this transaction sees it: it advances with every
  // committed change to changes, approvals, evidence, artifact links,
  // freezes or policies (what the deploy gate decides on).
  virtual Result<int64_t> ControlEpoch() = 0;
};

class Tx {
 public:
  virtual ~Tx() = default;
  virtual UserRepo& Users() = 0;
  virtual TokenRepo& Tokens() = 0;
  virtual SessionRepo& Sessions() = 0;
  virtual AuditRepo& Audit() = 0;
  virtual ChangeRepo& Changes() = 0;
  virtual PolicyRepo& Policies() = 0;
  virtual FindingRepo& Findings() = 0;
  virtual WebhookRepo& Webhooks() = 0;
  virtual PipelineRepo& Pipeline() = 0;
};

using TxFn = std::function<Status(Tx&)>;

// Receives database timings (for /metrics). Called from store threads, so
// implementations must be thread-safe.
class StoreObserver {
 public:
  virtual ~StoreObserver() = default;
  virtual void OnRead(int64_t micros, bool ok) = 0;
  virtual void OnCommit(size_t batch_size, int64_t micros, bool ok) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs fn in a read-only snapshot. Writes inside fail.
  virtual Status Read(const TxFn& fn) = 0;
  // Runs fn in a write transaction and returns once it is durable (or rolled
  // back because fn or the commit failed). Concurrent writes are group-
  // committed; each fn is still all-or-nothing on its own. fn runs on the
  // store's writer thread or, when no other write is in flight, the caller's.
  virtual Status Write(const TxFn& fn) = 0;
  // Queues a write and returns at once; nobody blocks on the commit. `done`,
  // when given, gets the outcome (as Write would return it) once the write is
  // durable or rolled back; it runs on the store's writer thread, so it must
  // be quick and never block (hand the result to another thread). Without
  // `done` the write is fire-and-forget (e.g. "last used" stamps). On a store
  // that is shutting down, `done` gets Unavailable.
  virtual void WriteAsync(TxFn fn, std::function<void(Status)> done = {}) = 0;
  // The newest control epoch (PipelineRepo::ControlEpoch) this process has
  // seen committed, without a query; nullopt when the backend does not
  // follow it. Writes by other processes show only after this process's next
  // commit, so it may lag: use it to pick a cached view, never to decide.
  virtual std::optional<int64_t> KnownControlEpoch() const { return std::nullopt; }
  // From now on every write fails with `why` (reads go on): the process
  // found the audit log tampered with and must not extend or sign it.
  virtual void RefuseWrites(Status why) = 0;
  // The status writes fail with, or Ok while they are accepted.
  virtual Status WritesRefused() const = 0;
  // Cheap reachability check for /readyz.
  virtual Status Ping() = 0;
  virtual std::string_view BackendName() const = 0;
  // Set once before concurrent use; may be null.
  virtual void SetObserver(StoreObserver* observer) = 0;
};

}  // namespace cl
