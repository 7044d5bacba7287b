// The fixture every storage test uses: one fresh database per test, for each
// backend in AllBackends(), plus small builders for stored values.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/audit_log.h"
#include "core/audit_verify.h"
#include "core/store.h"
#include "server/signing_key.h"
#include "tests/storage/backends.h"

namespace cl::testing {

class StoreTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override { harness_ = GetParam().make(); }
  void TearDown() override { harness_.reset(); }

  Store& store() { return harness_->store(); }
  StoreHarness& harness() { return *harness_; }
  Timestamp Now() const { return harness_->clock().Now(); }

  // A valid user row (not yet stored).
  User MakeUser(const std::string& username, std::vector<Role> roles = {Role::kImplementer});
  ApiToken MakeToken(const std::string& user_id, const std::string& name, uint8_t fill);
  Session MakeSession(const std::string& user_id, uint8_t fill);

  // Reads one user in its own read transaction; fails the test on error.
  std::optional<User> FindUser(const std::string& username);
  std::optional<User> FindUserById(const std::string& id);

  // Stores `user` in its own transaction; fails the test on error.
  void InsertUser(const User& user);

  // An audit log signing with a key file in the test's directory, checkpointing
  // every `interval` events; its key is registered on first use.
  const AuditLog& Audit(int64_t interval = 1000);
  // Appends `n` events (one per transaction) and returns the last seq.
  int64_t AppendEvents(int n, const std::string& action = "test.event");
  AuditVerifyResult Verify();

 private:
  std::optional<User> FindUserWith(const std::function<Result<std::optional<User>>(UserRepo&)>& lookup);
  std::unique_ptr<StoreHarness> harness_;
  std::unique_ptr<FileSigner> signer_;
  std::unique_ptr<AuditLog> audit_;
  int next_id_ = 1;
};

// A change row numbered `number` (not yet stored).
Change MakeChange(int64_t number, const std::string& service, Timestamp at);
// Inserts a change under the next number in its own transaction; returns it.
Change InsertChange(Store& store, const std::string& service, Timestamp at);

std::string BackendName(const ::testing::TestParamInfo<BackendFactory>& info);

}  // namespace cl::testing
