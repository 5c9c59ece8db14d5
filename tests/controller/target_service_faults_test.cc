// TargetService with substituted repositories that fail one write: the service returns the
// error, and the transaction the write was part of rolls back whole, so no target, version or
// audit entry is left half-written.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controller/target_service.h"
#include "store/audit_repository.h"
#include "store/target_repository.h"
#include "tests/controller/control_loop_test_util.h"
#include "tests/store/failing_audit_log.h"

namespace gov::controller::testing {
namespace {

// Forwards to the SQL store and fails every call of the method named by `failing` ("Insert",
// "Update", "Delete") with `error`.
class FailingTargetStore final : public store::TargetStore {
 public:
  std::string failing;
  core::Status error = core::Unavailable("targets: injected write failure");
  int failed = 0;

  core::Status Insert(store::Transaction& tx, const store::TargetRecord& target) override {
    RETURN_IF_ERROR(Check("Insert"));
    return sql_.Insert(tx, target);
  }
  core::StatusOr<store::TargetRecord> Get(store::Transaction& tx,
                                          const std::string& name) override {
    return sql_.Get(tx, name);
  }
  core::StatusOr<store::Page<store::TargetRecord>> List(store::Transaction& tx,
                                                        const store::PageRequest& page) override {
    return sql_.List(tx, page);
  }
  core::StatusOr<std::vector<store::TargetRecord>> ListAll(store::Transaction& tx) override {
    return sql_.ListAll(tx);
  }
  core::StatusOr<store::TargetRecord> Update(store::Transaction& tx, const std::string& name,
                                             const std::string& spec_json,
                                             const std::string& source,
                                             std::optional<int64_t> expected_version,
                                             core::TimePoint now) override {
    RETURN_IF_ERROR(Check("Update"));
    return sql_.Update(tx, name, spec_json, source, expected_version, now);
  }
  core::Status Delete(store::Transaction& tx, const std::string& name,
                      std::optional<int64_t> expected_version) override {
    RETURN_IF_ERROR(Check("Delete"));
    return sql_.Delete(tx, name, expected_version);
  }
  core::StatusOr<std::optional<store::TargetStateRecord>> FindState(
      store::Transaction& tx, const std::string& target) override {
    return sql_.FindState(tx, target);
  }
  core::StatusOr<std::optional<store::DecisionRecord>> LatestDecision(
      store::Transaction& tx, const std::string& target) override {
    return sql_.LatestDecision(tx, target);
  }
  core::StatusOr<store::Page<store::DecisionRecord>> ListDecisions(
      store::Transaction& tx, const std::string& target, const store::PageRequest& page) override {
    return sql_.ListDecisions(tx, target, page);
  }

 private:
  core::Status Check(const std::string& method) {
    if (method != failing) return core::Status::Ok();
    ++failed;
    return error;
  }
  store::SqlTargetStore sql_;
};

class TargetServiceFaultsTest : public LoopFixture {
 protected:
  // Every stored audit entry about targets, oldest first, as "action resource".
  std::vector<std::string> AuditTrail() {
    auto tx = db().Begin(store::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto page = store::AuditRepository::List(**tx, store::PageRequest{100, ""}, "targets/");
    EXPECT_TRUE(page.ok());
    std::vector<std::string> out;
    if (page.ok()) {
      for (const auto& e : page->items) out.insert(out.begin(), e.action + " " + e.resource);
    }
    return out;
  }
  // Every stored target, as "name@version".
  std::vector<std::string> StoredTargets() {
    auto tx = db().Begin(store::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto all = store::TargetRepository::ListAll(**tx);
    EXPECT_TRUE(all.ok());
    std::vector<std::string> out;
    if (all.ok()) {
      for (const auto& t : *all) out.push_back(t.name + "@" + std::to_string(t.version));
    }
    return out;
  }

  const store::AuditActor actor_{"alice", "req-1"};
  FailingTargetStore targets_;
  store::testing::FailingAuditLog audit_;
  TargetService faulty_{db(), clock_, push_, nullptr, TargetRepositories{targets_, audit_}};
};

TEST_F(TargetServiceFaultsTest, AFailedInsertReturnsTheErrorAndTheTargetDoesNotAppear) {
  targets_.failing = "Insert";
  auto created = faulty_.Create(actor_, WebTarget());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(targets_.failed, 1);
  EXPECT_EQ(faulty_.Get("web").status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(StoredTargets().empty());
  EXPECT_TRUE(AuditTrail().empty());
  // Nothing can be pushed to a target that does not exist.
  EXPECT_EQ(faulty_.PushMetrics("web", core::Json::object()).status().code(),
            core::StatusCode::kNotFound);
}

TEST_F(TargetServiceFaultsTest, AFailedAuditWriteRollsBackTheInsertItFollowed) {
  audit_.FailAction("target.create");
  auto created = faulty_.Create(actor_, WebTarget());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(audit_.failed(), 1);
  EXPECT_EQ(faulty_.Get("web").status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(StoredTargets().empty());
  // Once the log takes writes again the same request succeeds, at version 1.
  audit_.FailAction("");
  auto retried = faulty_.Create(actor_, WebTarget());
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(StoredTargets(), std::vector<std::string>{"web@1"});
  EXPECT_EQ(AuditTrail(), std::vector<std::string>{"target.create targets/web"});
}

TEST_F(TargetServiceFaultsTest, AFailedAuditWriteLeavesAReplacedTargetAsItWas) {
  ASSERT_TRUE(faulty_.Create(actor_, WebTarget()).ok());
  audit_.FailAction("target.update");
  core::Json bigger = WebTarget();
  bigger["maxReplicas"] = 80;
  auto replaced = faulty_.Replace(actor_, "web", bigger, 1);
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.status().code(), core::StatusCode::kUnavailable);
  auto stored = faulty_.Get("web");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->record.version, 1);
  EXPECT_EQ(ParseStoredJson(stored->record.spec_json)["maxReplicas"], 50);
  EXPECT_EQ(AuditTrail(), std::vector<std::string>{"target.create targets/web"});
}

TEST_F(TargetServiceFaultsTest, AFailedDeleteOrItsAuditWriteKeepsTheTarget) {
  ASSERT_TRUE(faulty_.Create(actor_, WebTarget()).ok());
  targets_.failing = "Delete";
  EXPECT_EQ(faulty_.Delete(actor_, "web", std::nullopt).code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(StoredTargets(), std::vector<std::string>{"web@1"});
  targets_.failing = "";
  audit_.FailAction("target.delete");
  EXPECT_EQ(faulty_.Delete(actor_, "web", std::nullopt).code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(StoredTargets(), std::vector<std::string>{"web@1"});
  EXPECT_EQ(AuditTrail(), std::vector<std::string>{"target.create targets/web"});
}

// The config file's targets are applied in one transaction: a failure on the second leaves
// not even the first.
TEST_F(TargetServiceFaultsTest, AConfigSyncThatFailsPartWayStoresNoneOfTheTargets) {
  const core::Json targets = core::Json::array({WebTarget("api"), WebTarget("web")});
  int audit_writes = 0;
  struct CountingAudit final : store::AuditLog {
    explicit CountingAudit(int& n) : n_(n) {}
    core::Status Record(store::Transaction& tx, const store::AuditActor& actor, core::TimePoint at,
                        const std::string& action, const std::string& resource,
                        std::optional<std::string> before,
                        std::optional<std::string> after) override {
      // The second target's entry fails, after the first target and its entry were written.
      if (++n_ == 2) return core::Unavailable("audit log: injected write failure");
      return sql_.Record(tx, actor, at, action, resource, std::move(before), std::move(after));
    }
    core::StatusOr<store::Page<store::AuditEntry>> List(store::Transaction& tx,
                                                        const store::PageRequest& page,
                                                        const std::string& prefix) override {
      return sql_.List(tx, page, prefix);
    }
    int& n_;
    store::SqlAuditLog sql_;
  } counting(audit_writes);
  TargetService service(db(), clock_, push_, nullptr, TargetRepositories{targets_, counting});
  core::Status synced = service.SyncConfigTargets(targets);
  EXPECT_EQ(synced.code(), core::StatusCode::kUnavailable) << synced.ToString();
  EXPECT_EQ(audit_writes, 2);
  EXPECT_TRUE(StoredTargets().empty());
  EXPECT_TRUE(AuditTrail().empty());
  // The next start applies the file whole.
  ASSERT_TRUE(faulty_.SyncConfigTargets(targets).ok());
  EXPECT_EQ(StoredTargets(), (std::vector<std::string>{"api@1", "web@1"}));
}

}  // namespace
}  // namespace gov::controller::testing
