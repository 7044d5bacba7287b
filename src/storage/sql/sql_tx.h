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
  Status Scan(int64_t from_seq, int64_t to_seq,
              const std::function<bool(const StoredAuditEvent&)>& fn) override;
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

class SqlTx final : public Tx {
 public:
  explicit SqlTx(Connection& c) : users_(c), tokens_(c), sessions_(c), audit_(c) {}
  UserRepo& Users() override { return users_; }
  TokenRepo& Tokens() override { return tokens_; }
  SessionRepo& Sessions() override { return sessions_; }
  AuditRepo& Audit() override { return audit_; }

 private:
  SqlUserRepo users_;
  SqlTokenRepo tokens_;
  SqlSessionRepo sessions_;
  SqlAuditRepo audit_;
};

// Copies a 32-byte hash column; false if the stored value has another size.
bool ReadDigest(const Row& row, int col, std::array<uint8_t, 32>& out);

}  // namespace cl::sql
