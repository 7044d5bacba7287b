// The SQL implementation of the core repositories, written once against
// sql::Connection so every backend shares the queries. SqlTx bundles them
// for one transaction on one connection; not thread-safe.
#pragma once

#include "core/store.h"
#include "storage/sql/sql.h"

namespace cl::sql {

class SqlUserRepo final : public UserRepo {
 public:
  explicit SqlUserRepo(Connection& c) : c_(c) {}
  Result<std::optional<User>> FindById(std::string_view id) override;
  Result<std::optional<User>> FindByUsername(std::string_view username) override;
  Result<std::vector<User>> List(const UserListQuery& q) override;
  Result<int64_t> CountEnabledWithRole(Role role) override;
  Status Insert(const User& user) override;
  Status Update(const User& user) override;

 private:
  Result<std::optional<User>> FindOne(std::string_view column_sql, std::string_view value);
  Status WriteRoles(const User& user);
  Connection& c_;
};

class SqlTokenRepo final : public TokenRepo {
 public:
  explicit SqlTokenRepo(Connection& c) : c_(c) {}
  Status Insert(const ApiToken& token) override;
  Result<std::optional<ApiToken>> FindById(std::string_view id) override;
  Result<std::optional<ApiToken>> FindBySecretHash(const SecretHash& hash) override;
  Result<std::vector<ApiToken>> List(std::string_view user_id) override;
  Status Revoke(std::string_view id, Timestamp at) override;
  Status RevokeAllOfUser(std::string_view user_id, Timestamp at) override;
  Status TouchLastUsed(std::string_view id, Timestamp at) override;

 private:
  Connection& c_;
};

class SqlSessionRepo final : public SessionRepo {
 public:
  explicit SqlSessionRepo(Connection& c) : c_(c) {}
  Status Insert(const Session& session) override;
  Result<std::optional<Session>> FindBySecretHash(const SecretHash& hash) override;
  Status Touch(std::string_view id, Timestamp at) override;
  Status Revoke(std::string_view id, Timestamp at) override;
  Status RevokeAllOfUser(std::string_view user_id, Timestamp at) override;
  Result<int64_t> DeleteEnded(Timestamp before) override;

 private:
  Connection& c_;
};

class SqlAuditRepo final : public AuditRepo {
 public:
  explicit SqlAuditRepo(Connection& c) : c_(c) {}
  Result<AuditHead> Head() override;
  Status Append(const StoredAuditEvent& event) override;
  Status Scan(int64_t from_seq, int64_t to_seq, const std::function<bool(const StoredAuditEvent&)>& fn) override;
  Result<std::vector<StoredAuditEvent>> List(const AuditQuery& q) override;
  Result<int64_t> Count() override;
  Status InsertCheckpoint(const AuditCheckpoint& cp) override;
  Result<std::optional<AuditCheckpoint>> LatestCheckpoint() override;
  Result<std::vector<AuditCheckpoint>> Checkpoints(int64_t after_seq, int64_t limit) override;
  Status InsertKey(const AuditKey& key) override;
  Result<std::vector<AuditKey>> Keys() override;

 private:
  Connection& c_;
};

class SqlChangeRepo final : public ChangeRepo {
 public:
  explicit SqlChangeRepo(Connection& c) : c_(c) {}
  Result<int64_t> NextNumber() override;
  Status Insert(const Change& change) override;
  Status Update(const Change& change) override;
  Result<std::optional<Change>> FindByNumber(int64_t number) override;
  Result<std::vector<Change>> List(const ChangeListQuery& q) override;
  Result<std::vector<Change>> OverdueEmergencies(Timestamp now) override;
  Result<std::vector<Change>> DeployCandidates(std::string_view service, std::string_view environment) override;
  Result<std::vector<EmergencyPattern>> EmergencyPatterns(Timestamp since, int64_t min_count) override;
  Status InsertVersion(const ChangeVersion& v) override;
  Result<std::vector<ChangeVersion>> Versions(std::string_view change_id) override;
  Status InsertTransition(const Transition& t) override;
  Result<std::vector<Transition>> Transitions(std::string_view change_id) override;
  Status InsertApproval(const Approval& a) override;
  Result<std::vector<Approval>> Approvals(std::string_view change_id) override;
  Status VoidApproval(std::string_view id, Timestamp at, std::string_view reason) override;
  Status InsertEvidence(const Evidence& e) override;
  Result<std::vector<Evidence>> EvidenceOf(std::string_view change_id) override;
  Status SetEvidenceStatus(std::string_view id, EvidenceStatus status, std::string_view reason) override;
  Status InsertReview(const Review& r) override;
  Result<std::vector<Review>> Reviews(std::string_view change_id) override;
  Status PutBlob(const FileBlob& blob) override;
  Result<std::optional<FileBlob>> GetBlob(std::string_view sha256) override;

 private:
  Result<std::vector<Change>> Select(const std::string& where_and_order, std::initializer_list<Value> params);
  Connection& c_;
};

class SqlPolicyRepo final : public PolicyRepo {
 public:
  explicit SqlPolicyRepo(Connection& c) : c_(c) {}
  Result<std::optional<PolicyVersion>> Latest() override;
  Result<int64_t> LatestNumber() override;
  Result<std::optional<PolicyVersion>> Get(int64_t version) override;
  Result<std::vector<PolicyVersion>> List() override;
  Result<int64_t> Insert(const PolicyVersion& v) override;

 private:
  Connection& c_;
};

class SqlFindingRepo final : public FindingRepo {
 public:
  explicit SqlFindingRepo(Connection& c) : c_(c) {}
  Result<bool> InsertIfNew(const Finding& f) override;
  Result<std::vector<Finding>> List(const FindingQuery& q) override;

 private:
  Connection& c_;
};

class SqlWebhookRepo final : public WebhookRepo {
 public:
  explicit SqlWebhookRepo(Connection& c) : c_(c) {}
  Status Insert(const Webhook& w) override;
  Result<std::vector<Webhook>> List(bool active_only) override;
  Status Deactivate(std::string_view id) override;
  Status InsertDelivery(const WebhookDelivery& d) override;
  Status UpdateDelivery(const WebhookDelivery& d) override;
  Result<bool> ClaimDelivery(const WebhookDelivery& d, Timestamp lease_until) override;
  Result<std::vector<WebhookDelivery>> Due(Timestamp now, int64_t limit) override;
  Result<std::vector<WebhookDelivery>> Deliveries(std::string_view webhook_id, int64_t limit) override;

 private:
  Connection& c_;
};

class SqlNotificationRepo final : public NotificationRepo {
 public:
  explicit SqlNotificationRepo(Connection& c) : c_(c) {}
  Status Insert(const Notification& n) override;
  Result<std::vector<Notification>> List(const NotificationQuery& q) override;
  Result<int64_t> CountUnread(std::string_view user_id) override;
  Result<int64_t> MarkRead(std::string_view user_id, const std::vector<std::string>& ids, Timestamp at) override;
  Result<bool> Exists(std::string_view object_id, std::string_view kind, Timestamp since) override;
  Result<std::vector<Notification>> DueEmails(Timestamp now, int64_t limit) override;
  Result<bool> ClaimEmail(const Notification& n, Timestamp lease_until) override;
  Status UpdateEmail(const Notification& n) override;
  Result<NotificationCounts> Counts() override;
  Result<std::optional<NotificationPrefs>> Prefs(std::string_view user_id) override;
  Status PutPrefs(const NotificationPrefs& p) override;

 private:
  Connection& c_;
};

class SqlPipelineRepo final : public PipelineRepo {
 public:
  explicit SqlPipelineRepo(Connection& c) : c_(c) {}
  Status InsertIac(const IacAttachment& a) override;
  Result<std::vector<IacAttachment>> IacOf(std::string_view change_id) override;
  Status InsertDeployment(const Deployment& d) override;
  Result<std::vector<Deployment>> Deployments(const DeploymentQuery& q) override;
  Status InsertFreeze(const Freeze& f) override;
  Result<std::vector<Freeze>> Freezes(std::optional<Timestamp> ending_after) override;
  Status LiftFreeze(std::string_view id, Timestamp at, std::string_view by) override;
  Status LinkArtifact(const ArtifactLink& link) override;
  Result<std::vector<ArtifactLink>> ArtifactsOf(std::string_view change_id) override;
  Result<std::vector<int64_t>> ChangesWithArtifact(std::string_view kind, std::string_view value) override;
  Result<bool> InsertDeliveryIfNew(const InboundDelivery& d) override;
  Result<std::optional<InboundDelivery>> FindDelivery(std::string_view source, std::string_view delivery_id,
                                                      std::string_view content_digest) override;
  Result<int64_t> ControlEpoch() override;

 private:
  Connection& c_;
};

class SqlTx final : public Tx {
 public:
  explicit SqlTx(Connection& c)
      : users_(c),
        tokens_(c),
        sessions_(c),
        audit_(c),
        changes_(c),
        policies_(c),
        findings_(c),
        webhooks_(c),
        notifications_(c),
        pipeline_(c) {}
  UserRepo& Users() override { return users_; }
  TokenRepo& Tokens() override { return tokens_; }
  SessionRepo& Sessions() override { return sessions_; }
  AuditRepo& Audit() override { return audit_; }
  ChangeRepo& Changes() override { return changes_; }
  PolicyRepo& Policies() override { return policies_; }
  FindingRepo& Findings() override { return findings_; }
  WebhookRepo& Webhooks() override { return webhooks_; }
  NotificationRepo& Notifications() override { return notifications_; }
  PipelineRepo& Pipeline() override { return pipeline_; }

 private:
  SqlUserRepo users_;
  SqlTokenRepo tokens_;
  SqlSessionRepo sessions_;
  SqlAuditRepo audit_;
  SqlChangeRepo changes_;
  SqlPolicyRepo policies_;
  SqlFindingRepo findings_;
  SqlWebhookRepo webhooks_;
  SqlNotificationRepo notifications_;
  SqlPipelineRepo pipeline_;
};

// Copies a 32-byte hash column; false if the stored value has another size.
bool ReadDigest(const Row& row, int col, std::array<uint8_t, 32>& out);
// A nullable microseconds column; a JSON text column (a discarded value if it does not parse).
std::optional<Timestamp> ReadTime(const Row& r, int col);
nlohmann::json ReadJson(const Row& r, int col);

}  // namespace cl::sql
