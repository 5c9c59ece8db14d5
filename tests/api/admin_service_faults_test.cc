// AdminService with substituted repositories that fail one write: the service returns the
// error, the change rolls back whole (no token, revocation, environment or audit entry is left
// half-written) and the authenticator's cache changes only after a commit.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/admin_service.h"
#include "api/authenticator.h"
#include "store/audit_repository.h"
#include "store/environment_repository.h"
#include "store/token_repository.h"
#include "tests/store/failing_audit_log.h"
#include "tests/store/test_databases.h"

namespace gov::api {
namespace {

const store::AuditActor kActor{"alice", "req-1"};

// Forwards to the SQL store and fails every Insert while `fail_inserts` is set.
class FailingTokenStore final : public store::TokenStore {
 public:
  bool fail_inserts = false;

  core::Status Insert(store::Transaction& tx, const store::TokenRecord& token) override {
    if (fail_inserts) return core::Unavailable("tokens: injected write failure");
    return sql_.Insert(tx, token);
  }
  core::StatusOr<store::TokenRecord> Get(store::Transaction& tx, const std::string& id) override {
    return sql_.Get(tx, id);
  }
  core::StatusOr<std::optional<store::TokenRecord>> FindBySecretHash(
      store::Transaction& tx, const std::string& hash) override {
    return sql_.FindBySecretHash(tx, hash);
  }
  core::StatusOr<store::Page<store::TokenRecord>> List(store::Transaction& tx,
                                                       const store::PageRequest& page) override {
    return sql_.List(tx, page);
  }
  core::StatusOr<std::vector<store::TokenRecord>> ListActive(store::Transaction& tx) override {
    return sql_.ListActive(tx);
  }
  core::StatusOr<store::TokenRecord> Revoke(store::Transaction& tx, const std::string& id,
                                            int64_t expected_version,
                                            core::TimePoint now) override {
    return sql_.Revoke(tx, id, expected_version, now);
  }
  core::StatusOr<int64_t> CountActiveAdmins(store::Transaction& tx) override {
    return sql_.CountActiveAdmins(tx);
  }

 private:
  store::SqlTokenStore sql_;
};

class AdminServiceFaultsTest : public ::testing::Test {
 protected:
  // Every stored token, as "name" or "name (revoked)".
  std::vector<std::string> StoredTokens() {
    auto page = admin_.ListTokens({100, ""});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    if (page.ok()) {
      for (const auto& t : page->items) out.push_back(t.name + (t.revoked_at ? " (revoked)" : ""));
    }
    return out;
  }
  // Every audit entry, oldest first, as "action".
  std::vector<std::string> AuditTrail() {
    auto page = admin_.ListAudit({100, ""}, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    if (page.ok()) {
      for (const auto& e : page->items) out.insert(out.begin(), e.action);
    }
    return out;
  }
  core::Json ClientToken(const std::string& name) {
    return {{"type", "client"}, {"name", name}, {"environment", "production"}};
  }

  store::testing::SqliteTestDatabase db_;
  core::FakeClock clock_;
  Authenticator auth_{clock_};
  FailingTokenStore tokens_;
  store::SqlEnvironmentStore environments_;
  store::testing::FailingAuditLog audit_;
  AdminService admin_{db_.db(), auth_, clock_, AdminRepositories{tokens_, environments_, audit_}};
};

TEST_F(AdminServiceFaultsTest, AFailedTokenInsertReturnsTheErrorAndWritesNoAuditEntry) {
  tokens_.fail_inserts = true;
  auto created = admin_.CreateToken(kActor, ClientToken("checkout"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), core::StatusCode::kUnavailable);
  EXPECT_TRUE(StoredTokens().empty());
  EXPECT_TRUE(AuditTrail().empty());
}

TEST_F(AdminServiceFaultsTest, AFailedAuditWriteRollsBackTheTokenItFollowed) {
  audit_.FailAction("token.create");
  auto created = admin_.CreateToken(kActor, ClientToken("checkout"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(audit_.failed(), 1);
  EXPECT_TRUE(StoredTokens().empty());
  audit_.FailAction("");
  auto retried = admin_.CreateToken(kActor, ClientToken("checkout"));
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_TRUE(auth_.Authenticate(retried->secret).ok());
  EXPECT_EQ(StoredTokens(), std::vector<std::string>{"checkout"});
  EXPECT_EQ(AuditTrail(), std::vector<std::string>{"token.create"});
}

TEST_F(AdminServiceFaultsTest, AFailedAuditWriteLeavesARevokedTokenWorking) {
  auto created = admin_.CreateToken(kActor, ClientToken("checkout"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  audit_.FailAction("token.revoke");
  auto revoked = admin_.RevokeToken(kActor, created->token.id, std::nullopt);
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(StoredTokens(), std::vector<std::string>{"checkout"});
  EXPECT_TRUE(auth_.Authenticate(created->secret).ok());
  ASSERT_TRUE(auth_.Reload(db_.db(), tokens_).ok());
  EXPECT_TRUE(auth_.Authenticate(created->secret).ok());
  EXPECT_EQ(AuditTrail(), std::vector<std::string>{"token.create"});
}

TEST_F(AdminServiceFaultsTest, AFailedAuditWriteRollsBackANewEnvironment) {
  audit_.FailAction("environment.create");
  auto created = admin_.CreateEnvironment(kActor, {{"name", "staging"}});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), core::StatusCode::kUnavailable);
  auto environments = admin_.ListEnvironments();
  ASSERT_TRUE(environments.ok());
  std::vector<std::string> names;
  for (const auto& e : *environments) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"development", "production"}));
  // A token cannot name the environment that was never created.
  EXPECT_EQ(
      admin_.CreateToken(kActor, {{"type", "client"}, {"name", "x"}, {"environment", "staging"}})
          .status()
          .field(),
      "environment");
}

TEST_F(AdminServiceFaultsTest, AFailedAuditWriteLeavesNoBootstrapAdmin) {
  audit_.FailAction("token.create");
  auto generated = admin_.EnsureAdminToken("");
  ASSERT_FALSE(generated.ok());
  EXPECT_EQ(generated.status().code(), core::StatusCode::kUnavailable);
  EXPECT_TRUE(StoredTokens().empty());
  // The next start generates one.
  audit_.FailAction("");
  auto retried = admin_.EnsureAdminToken("");
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_FALSE(retried->empty());
  EXPECT_TRUE(auth_.Authenticate(*retried).ok());
  EXPECT_EQ(StoredTokens(), std::vector<std::string>{"bootstrap-admin"});
}

}  // namespace
}  // namespace gov::api
