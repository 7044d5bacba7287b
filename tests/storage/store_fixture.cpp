#include "tests/storage/store_fixture.h"

#include <fmt/format.h>

#include "core/audit_verify.h"

namespace cl::testing {

std::string BackendName(const ::testing::TestParamInfo<BackendFactory>& info) { return info.param.name; }

User StoreTest::MakeUser(const std::string& username, std::vector<Role> roles) {
  User u;
  u.id = fmt::format("usr_{:026d}", next_id_++);
  u.username = username;
  u.display_name = "User " + username;
  u.email = username + "@example.com";
  u.roles = std::move(roles);
  u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  u.created_at = Now();
  u.updated_at = Now();
  return u;
}

ApiToken StoreTest::MakeToken(const std::string& user_id, const std::string& name, uint8_t fill) {
  ApiToken t;
  t.id = fmt::format("tok_{:026d}", next_id_++);
  t.user_id = user_id;
  t.name = name;
  t.secret_hash.fill(fill);
  t.scopes = {Permission::kChangesRead, Permission::kGateCheck};
  t.created_at = Now();
  t.created_by = user_id;
  t.expires_at = Now() + 90LL * 86400 * kMicrosPerSecond;
  return t;
}

Session StoreTest::MakeSession(const std::string& user_id, uint8_t fill) {
  Session s;
  s.id = fmt::format("ses_{:026d}", next_id_++);
  s.secret_hash.fill(fill);
  s.user_id = user_id;
  s.csrf_token = fmt::format("csrf-{}", fill);
  s.created_at = Now();
  s.expires_at = Now() + 12LL * 3600 * kMicrosPerSecond;
  s.last_seen_at = Now();
  s.client_ip = "127.0.0.1";
  s.user_agent = "test";
  return s;
}

void StoreTest::InsertUser(const User& user) {
  Status s = store().Write([&](Tx& tx) { return tx.Users().Insert(user); });
  ASSERT_TRUE(s.ok()) << s.message();
}

std::optional<User> StoreTest::FindUser(const std::string& username) {
  return FindUserWith([&](UserRepo& users) { return users.FindByUsername(username); });
}

std::optional<User> StoreTest::FindUserById(const std::string& id) {
  return FindUserWith([&](UserRepo& users) { return users.FindById(id); });
}

std::optional<User> StoreTest::FindUserWith(const std::function<Result<std::optional<User>>(UserRepo&)>& lookup) {
  std::optional<User> found;
  Status s = store().Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(found, lookup(tx.Users()));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return found;
}

const AuditLog& StoreTest::Audit(int64_t interval) {
  if (!audit_) {
    auto signer = FileSigner::LoadOrCreate(harness_->dir().File("audit.key"));
    EXPECT_TRUE(signer.ok()) << signer.status().message();
    signer_ = std::move(signer).value();
    audit_ = std::make_unique<AuditLog>(harness_->clock(), signer_.get(), interval);
    Status s = store().Write([&](Tx& tx) {
      return audit_->RegisterSigningKey(tx, AuditContext{{"sys", "system", "system", ""}, "", ""});
    });
    EXPECT_TRUE(s.ok()) << s.message();
  }
  return *audit_;
}

int64_t StoreTest::AppendEvents(int n, const std::string& action) {
  const AuditLog& log = Audit();
  int64_t last = 0;
  for (int i = 0; i < n; ++i) {
    Status s = store().Write([&](Tx& tx) -> Status {
      AuditRecord r;
      r.action = action;
      r.object_type = "thing";
      r.object_id = fmt::format("thing-{}", i);
      r.after = {{"n", i}};
      CL_ASSIGN_OR_RETURN(
          last, log.Append(tx, AuditContext{{"u1", "alice", "token", "tok_1"}, fmt::format("req-{}", i), "::1"}, r));
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
  }
  return last;
}

AuditVerifyResult StoreTest::Verify() {
  AuditVerifyResult out;
  Status s = store().Read([&](Tx& tx) {
    out = VerifyAuditLog(tx);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(AllBackends()), BackendName);

Change MakeChange(int64_t number, const std::string& service, Timestamp at) {
  Change c;
  c.id = "chg_" + std::to_string(number);
  c.number = number;
  c.content.title = "Change " + std::to_string(number);
  c.content.service = service;
  c.content.environment = number % 2 ? "production" : "staging";
  c.content.category = "technical";
  c.content.planned_start = Timestamp{at.micros + (10 - number) * kMicrosPerSecond};
  c.content.planned_end = Timestamp{c.content.planned_start->micros + 3600 * kMicrosPerSecond};
  c.material_hash = MaterialHash(c.content);
  c.requestor_id = "usr_1";
  c.requestor = "alice";
  c.created_at = c.updated_at = at;
  return c;
}

Change InsertChange(Store& store, const std::string& service, Timestamp at) {
  Change c;
  Status s = store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(int64_t n, tx.Changes().NextNumber());
    c = MakeChange(n, service, at);
    return tx.Changes().Insert(c);
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return c;
}

}  // namespace cl::testing
