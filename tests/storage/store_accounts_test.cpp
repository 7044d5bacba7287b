// Users, tokens, sessions and transaction semantics, for every backend.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/storage/store_fixture.h"

namespace cl::testing {
namespace {

using ::testing::ElementsAre;

TEST_P(StoreTest, UserRoundTripsWithRolesAndOptionalFields) {
  User u = MakeUser("alice", {Role::kApprover, Role::kAuditor});
  u.must_change_password = true;
  InsertUser(u);
  std::optional<User> by_id, by_name;
  Status s = store().Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(by_id, tx.Users().FindById(u.id));
    CL_ASSIGN_OR_RETURN(by_name, tx.Users().FindByUsername("alice"));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(by_id.has_value());
  ASSERT_TRUE(by_name.has_value());
  EXPECT_EQ(by_id->id, u.id);
  EXPECT_EQ(by_name->id, u.id);
  EXPECT_EQ(by_id->email, "alice@example.com");
  EXPECT_EQ(by_id->password_hash, u.password_hash);
  EXPECT_TRUE(by_id->must_change_password);
  EXPECT_FALSE(by_id->disabled());
  EXPECT_EQ(by_id->created_at, u.created_at);
  EXPECT_EQ(by_id->version, 1);
  EXPECT_TRUE(by_id->HasRole(Role::kApprover));
  EXPECT_TRUE(by_id->HasRole(Role::kAuditor));
  EXPECT_FALSE(by_id->HasRole(Role::kAdmin));
}

TEST_P(StoreTest, MissingUserIsEmptyNotAnError) {
  std::optional<User> found = User{};
  Status s = store().Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(found, tx.Users().FindByUsername("nobody"));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(found.has_value());
}

TEST_P(StoreTest, DuplicateUsernameIsAlreadyExistsAndKeepsTheFirst) {
  User first = MakeUser("bob");
  InsertUser(first);
  User second = MakeUser("bob", {Role::kAdmin});
  Status s = store().Write([&](Tx& tx) { return tx.Users().Insert(second); });
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists) << s.message();
  const std::optional<User> stored = FindUser("bob");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->id, first.id);
  EXPECT_FALSE(stored->HasRole(Role::kAdmin));
}

TEST_P(StoreTest, UpdateNeedsTheCurrentVersion) {
  User u = MakeUser("carol");
  InsertUser(u);
  User edit = u;
  edit.display_name = "Carol C.";
  edit.roles = {Role::kChangeManager};
  edit.version = 2;
  ASSERT_TRUE(store().Write([&](Tx& tx) { return tx.Users().Update(edit); }).ok());

  User stale = u;  // still thinks version 1 is current
  stale.display_name = "Lost update";
  stale.version = 2;
  Status s = store().Write([&](Tx& tx) { return tx.Users().Update(stale); });
  EXPECT_EQ(s.code(), ErrorCode::kConflict);

  const std::optional<User> now = FindUserById(u.id);
  EXPECT_EQ(now->display_name, "Carol C.");
  EXPECT_EQ(now->version, 2);
  EXPECT_TRUE(now->HasRole(Role::kChangeManager));
  EXPECT_FALSE(now->HasRole(Role::kImplementer));
}

TEST_P(StoreTest, ListFiltersByRoleAndPagesByUsername) {
  for (const char* name : {"dave", "erin", "frank", "grace"}) {
    InsertUser(MakeUser(name, {std::string(name) == "erin" ? Role::kAdmin : Role::kAuditor}));
  }
  User disabled = MakeUser("heidi", {Role::kAdmin});
  disabled.disabled_at = Now();
  InsertUser(disabled);

  std::vector<User> admins, enabled_admins, page;
  int64_t enabled_admin_count = 0;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    UserListQuery q;
                    q.role = Role::kAdmin;
                    CL_ASSIGN_OR_RETURN(admins, tx.Users().List(q));
                    q.include_disabled = false;
                    CL_ASSIGN_OR_RETURN(enabled_admins, tx.Users().List(q));
                    CL_ASSIGN_OR_RETURN(enabled_admin_count, tx.Users().CountEnabledWithRole(Role::kAdmin));
                    UserListQuery p;
                    p.after_username = "erin";
                    p.limit = 2;
                    CL_ASSIGN_OR_RETURN(page, tx.Users().List(p));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(admins.size(), 2u);
  EXPECT_EQ(admins[0].username, "erin");
  EXPECT_EQ(admins[1].username, "heidi");
  ASSERT_EQ(enabled_admins.size(), 1u);
  EXPECT_EQ(enabled_admin_count, 1);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].username, "frank");
  EXPECT_EQ(page[1].username, "grace");
}

TEST_P(StoreTest, AFailedCallbackRollsBackEverythingItWrote) {
  const Status s = store().Write([&](Tx& tx) -> Status {
    CL_RETURN_IF_ERROR(tx.Users().Insert(MakeUser("ivan")));
    return InvalidArgument("changed my mind");
  });
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  const std::optional<User> found = FindUser("ivan");
  EXPECT_FALSE(found.has_value());
}

TEST_P(StoreTest, ReadTransactionsCannotWrite) {
  const Status s = store().Read([&](Tx& tx) { return tx.Users().Insert(MakeUser("judy")); });
  EXPECT_FALSE(s.ok());
  const std::optional<User> found = FindUser("judy");
  EXPECT_FALSE(found.has_value());
}

// Group commit puts concurrent writes in one database transaction; a failing
// one must not take the others down, nor leave anything of its own behind.
TEST_P(StoreTest, GroupCommitIsolatesAFailingWrite) {
  constexpr int kThreads = 16, kPerThread = 25;
  std::vector<User> users;
  for (int i = 0; i < kThreads * kPerThread; ++i) users.push_back(MakeUser("u" + std::to_string(i)));
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        Status s = store().Write([&](Tx& tx) -> Status {
          CL_RETURN_IF_ERROR(tx.Users().Insert(users[n]));
          if (n % 7 == 3) return Conflict("fails after writing");
          return Status::Ok();
        });
        (s.ok() ? ok : failed)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  int expected_failed = 0;
  for (int n = 0; n < kThreads * kPerThread; ++n) expected_failed += n % 7 == 3;
  EXPECT_EQ(failed.load(), expected_failed);
  EXPECT_EQ(ok.load(), kThreads * kPerThread - expected_failed);

  std::vector<User> all;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    UserListQuery q;
                    q.limit = 1000;
                    CL_ASSIGN_OR_RETURN(all, tx.Users().List(q));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(static_cast<int>(all.size()), ok.load());
  for (const User& u : all) {
    const int n = std::stoi(u.username.substr(1));
    EXPECT_NE(n % 7, 3) << u.username << " should have been rolled back";
  }
}

TEST_P(StoreTest, WritesSurviveReopeningTheDatabase) {
  InsertUser(MakeUser("kate", {Role::kAdmin}));
  harness().Reopen();
  const std::optional<User> found = FindUser("kate");
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->HasRole(Role::kAdmin));
}

TEST_P(StoreTest, BackgroundWritesAreFlushedOnClose) {
  User u = MakeUser("leo");
  InsertUser(u);
  ApiToken t = MakeToken(u.id, "ci", 0x11);
  ASSERT_TRUE(store().Write([&](Tx& tx) { return tx.Tokens().Insert(t); }).ok());
  const Timestamp used = Now() + 5 * kMicrosPerSecond;
  store().WriteAsync([&, id = t.id](Tx& tx) { return tx.Tokens().TouchLastUsed(id, used); });
  harness().Reopen();
  std::optional<ApiToken> found;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(found, tx.Tokens().FindById(t.id));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(found && found->last_used_at);
  EXPECT_EQ(*found->last_used_at, used);
}

TEST_P(StoreTest, AsyncWritesReportTheirOwnOutcomeOnceDurable) {
  User first = MakeUser("olga");
  User again = first;  // same id and username: must fail on its own
  User second = MakeUser("pete");
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, Status>> outcomes;
  auto note = [&](std::string what) {
    return [&, what](Status s) {
      std::lock_guard lock(mu);
      outcomes.emplace_back(what, std::move(s));
      cv.notify_all();
    };
  };
  store().WriteAsync([&](Tx& tx) { return tx.Users().Insert(first); }, note("first"));
  store().WriteAsync([&](Tx& tx) { return tx.Users().Insert(again); }, note("again"));
  store().WriteAsync([&](Tx& tx) { return tx.Users().Insert(second); }, note("second"));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return outcomes.size() == 3; }));
  }
  // Queued writes commit in order; the duplicate fails alone.
  ASSERT_EQ(outcomes[0].first, "first");
  EXPECT_TRUE(outcomes[0].second.ok()) << outcomes[0].second.message();
  EXPECT_EQ(outcomes[1].first, "again");
  EXPECT_EQ(outcomes[1].second.code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(outcomes[2].second.ok()) << outcomes[2].second.message();
  // Told "ok" means durable: it is there after reopening.
  harness().Reopen();
  EXPECT_TRUE(FindUser("olga").has_value());
  EXPECT_TRUE(FindUser("pete").has_value());
}

TEST_P(StoreTest, TokensAreFoundByHashListedNewestFirstAndRevocable) {
  User u = MakeUser("mia");
  User other = MakeUser("nick");
  InsertUser(u);
  InsertUser(other);
  ApiToken older = MakeToken(u.id, "older", 0x21);
  harness().manual_clock().Advance(kMicrosPerSecond);
  ApiToken newer = MakeToken(u.id, "newer", 0x22);
  ApiToken theirs = MakeToken(other.id, "theirs", 0x23);
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Tokens().Insert(older));
                    CL_RETURN_IF_ERROR(tx.Tokens().Insert(newer));
                    return tx.Tokens().Insert(theirs);
                  })
                  .ok());
  ApiToken clash = MakeToken(u.id, "same secret", 0x21);
  EXPECT_FALSE(store().Write([&](Tx& tx) { return tx.Tokens().Insert(clash); }).ok());

  std::optional<ApiToken> by_hash;
  std::vector<ApiToken> mine, everyone;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(by_hash, tx.Tokens().FindBySecretHash(newer.secret_hash));
                    CL_ASSIGN_OR_RETURN(mine, tx.Tokens().List(u.id));
                    CL_ASSIGN_OR_RETURN(everyone, tx.Tokens().List(""));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(by_hash.has_value());
  EXPECT_EQ(by_hash->id, newer.id);
  EXPECT_THAT(by_hash->scopes, ElementsAre(Permission::kChangesRead, Permission::kGateCheck));
  EXPECT_EQ(by_hash->expires_at, newer.expires_at);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].name, "newer");
  EXPECT_EQ(mine[1].name, "older");
  EXPECT_EQ(everyone.size(), 3u);

  const Timestamp at = Now();
  ASSERT_TRUE(store().Write([&](Tx& tx) { return tx.Tokens().RevokeAllOfUser(u.id, at); }).ok());
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(mine, tx.Tokens().List(u.id));
                    CL_ASSIGN_OR_RETURN(everyone, tx.Tokens().List(""));
                    return Status::Ok();
                  })
                  .ok());
  for (const ApiToken& t : mine) EXPECT_EQ(t.revoked_at, at) << t.name;
  for (const ApiToken& t : everyone) {
    if (t.user_id == other.id) {
      EXPECT_FALSE(t.revoked_at.has_value());
    }
  }
}

TEST_P(StoreTest, SessionsTouchRevokeAndExpire) {
  User u = MakeUser("olga");
  InsertUser(u);
  Session live = MakeSession(u.id, 0x31);
  Session old = MakeSession(u.id, 0x32);
  old.expires_at = Now() + kMicrosPerSecond;
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Sessions().Insert(live));
                    return tx.Sessions().Insert(old);
                  })
                  .ok());
  const Timestamp seen = Now() + 60 * kMicrosPerSecond;
  int64_t removed = -1;
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Sessions().Touch(live.id, seen));
                    CL_ASSIGN_OR_RETURN(removed, tx.Sessions().DeleteEnded(Now() + 2 * kMicrosPerSecond));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(removed, 1);

  std::optional<Session> found, gone;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(found, tx.Sessions().FindBySecretHash(live.secret_hash));
                    CL_ASSIGN_OR_RETURN(gone, tx.Sessions().FindBySecretHash(old.secret_hash));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(gone.has_value());
  EXPECT_EQ(found->last_seen_at, seen);
  EXPECT_EQ(found->csrf_token, live.csrf_token);
  EXPECT_FALSE(found->revoked_at.has_value());

  ASSERT_TRUE(store().Write([&](Tx& tx) { return tx.Sessions().Revoke(live.id, seen); }).ok());
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(found, tx.Sessions().FindBySecretHash(live.secret_hash));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->revoked_at, seen);
}

TEST_P(StoreTest, PingAnswersWhenTheDatabaseIsThere) {
  EXPECT_TRUE(store().Ping().ok());
  EXPECT_FALSE(store().BackendName().empty());
}

}  // namespace
}  // namespace cl::testing
