// FlagService with substituted repositories that fail one write: the service returns the
// error, the change rolls back whole (no feature, state, segment, revision or audit entry is
// left half-written) and the published snapshot keeps serving what the store holds.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "flags/evaluator.h"
#include "flags/flag_service.h"
#include "store/audit_repository.h"
#include "store/flag_repository.h"
#include "tests/store/failing_audit_log.h"
#include "tests/store/test_databases.h"

namespace gov::flags {
namespace {

const store::AuditActor kAuthor{"alice", "req-1"};

// Forwards to the SQL store and fails every call of the method named by `failing`
// ("InsertFeature", "PutFeatureEnvironment", "BumpRevision", ...) after letting `pass` of them
// through.
class FailingFlagStore final : public store::FlagStore {
 public:
  std::string failing;
  int pass = 0;
  int failed = 0;

  core::Status InsertFeature(store::Transaction& tx, const store::FeatureRecord& f) override {
    RETURN_IF_ERROR(Check("InsertFeature"));
    return sql_.InsertFeature(tx, f);
  }
  core::StatusOr<store::FeatureRecord> GetFeature(store::Transaction& tx,
                                                  const std::string& name) override {
    return sql_.GetFeature(tx, name);
  }
  core::StatusOr<std::vector<store::FeatureRecord>> ListFeatures(store::Transaction& tx) override {
    return sql_.ListFeatures(tx);
  }
  core::StatusOr<store::FeatureRecord> UpdateFeature(store::Transaction& tx,
                                                     const std::string& name,
                                                     const std::string& project,
                                                     const std::string& definition_json,
                                                     std::optional<int64_t> expected_version,
                                                     core::TimePoint now) override {
    RETURN_IF_ERROR(Check("UpdateFeature"));
    return sql_.UpdateFeature(tx, name, project, definition_json, expected_version, now);
  }
  core::Status DeleteFeature(store::Transaction& tx, const std::string& name,
                             std::optional<int64_t> expected_version) override {
    RETURN_IF_ERROR(Check("DeleteFeature"));
    return sql_.DeleteFeature(tx, name, expected_version);
  }
  core::StatusOr<std::vector<store::FeatureEnvironmentRecord>> ListFeatureEnvironments(
      store::Transaction& tx, const std::string& feature) override {
    return sql_.ListFeatureEnvironments(tx, feature);
  }
  core::StatusOr<std::vector<store::FeatureEnvironmentRecord>> ListEnvironmentStates(
      store::Transaction& tx, const std::string& environment) override {
    return sql_.ListEnvironmentStates(tx, environment);
  }
  core::StatusOr<std::vector<store::FeatureEnvironmentRecord>> ListAllEnvironmentStates(
      store::Transaction& tx) override {
    return sql_.ListAllEnvironmentStates(tx);
  }
  core::Status PutFeatureEnvironment(store::Transaction& tx,
                                     const store::FeatureEnvironmentRecord& state) override {
    RETURN_IF_ERROR(Check("PutFeatureEnvironment"));
    return sql_.PutFeatureEnvironment(tx, state);
  }
  core::StatusOr<int64_t> BumpRevision(store::Transaction& tx,
                                       const std::string& environment) override {
    RETURN_IF_ERROR(Check("BumpRevision"));
    return sql_.BumpRevision(tx, environment);
  }
  core::StatusOr<int64_t> GetRevision(store::Transaction& tx,
                                      const std::string& environment) override {
    return sql_.GetRevision(tx, environment);
  }
  core::StatusOr<std::map<std::string, int64_t>> ListRevisions(store::Transaction& tx) override {
    return sql_.ListRevisions(tx);
  }
  core::StatusOr<int64_t> InsertSegment(store::Transaction& tx,
                                        const store::SegmentRecord& segment) override {
    RETURN_IF_ERROR(Check("InsertSegment"));
    return sql_.InsertSegment(tx, segment);
  }
  core::StatusOr<store::SegmentRecord> GetSegment(store::Transaction& tx, int64_t id) override {
    return sql_.GetSegment(tx, id);
  }
  core::StatusOr<std::vector<store::SegmentRecord>> ListSegments(store::Transaction& tx) override {
    return sql_.ListSegments(tx);
  }
  core::StatusOr<store::SegmentRecord> UpdateSegment(store::Transaction& tx, int64_t id,
                                                     const std::string& name,
                                                     const std::string& definition_json,
                                                     std::optional<int64_t> expected_version,
                                                     core::TimePoint now) override {
    RETURN_IF_ERROR(Check("UpdateSegment"));
    return sql_.UpdateSegment(tx, id, name, definition_json, expected_version, now);
  }
  core::Status DeleteSegment(store::Transaction& tx, int64_t id,
                             std::optional<int64_t> expected_version) override {
    RETURN_IF_ERROR(Check("DeleteSegment"));
    return sql_.DeleteSegment(tx, id, expected_version);
  }

 private:
  core::Status Check(const std::string& method) {
    if (method != failing) return core::Status::Ok();
    if (pass > 0) {
      --pass;
      return core::Status::Ok();
    }
    ++failed;
    return core::Unavailable("flags: injected write failure in " + method);
  }
  store::SqlFlagStore sql_;
};

class FlagServiceFaultsTest : public ::testing::Test {
 protected:
  FlagServiceFaultsTest() { EXPECT_TRUE(publisher_.Start().ok()); }
  ~FlagServiceFaultsTest() override { publisher_.Stop(); }

  // The stored revision of `env` (0 before its first change).
  int64_t StoredRevision(const std::string& env) {
    int64_t revision = -1;
    EXPECT_TRUE(store::WithTransaction(db_.db(), store::TxMode::kReadOnly,
                                       [&](store::Transaction& tx) -> core::Status {
                                         ASSIGN_OR_RETURN(
                                             revision, store::FlagRepository::GetRevision(tx, env));
                                         return core::Status::Ok();
                                       })
                    .ok());
    return revision;
  }
  int64_t PublishedRevision(const std::string& env) {
    auto s = registry_.Get(env);
    return s ? s->revision : -1;
  }
  bool On(const std::string& flag, const std::string& env) {
    return IsEnabled(*registry_.Get(env)->compiled, flag, {}, clock_.Now());
  }
  // Every audit entry, oldest first, as "action resource".
  std::vector<std::string> AuditTrail() {
    std::vector<std::string> out;
    for (const store::AuditEntry& e : store::testing::AuditEntries(db_.db())) {
      out.insert(out.begin(), e.action + " " + e.resource);
    }
    return out;
  }

  store::testing::SqliteTestDatabase db_;
  core::FakeClock clock_;
  SnapshotRegistry registry_;
  SnapshotPublisher publisher_{db_.db(), registry_, {}};
  FailingFlagStore flags_;
  store::SqlEnvironmentStore environments_;
  store::testing::FailingAuditLog audit_;
  store::SqlFlagMetricsStore metrics_;
  FlagService service_{db_.db(), publisher_, clock_,
                       FlagRepositories{flags_, environments_, audit_, metrics_}};
};

core::Json Checkout() {
  return core::Json::parse(R"({"name": "checkout",
    "environments": {"development": {"enabled": false}, "production": {"enabled": false}}})");
}

TEST_F(FlagServiceFaultsTest, AFailedAuditWriteRollsBackTheFlagChange) {
  ASSERT_TRUE(service_.CreateFeature(kAuthor, Checkout()).ok());
  const int64_t revision = StoredRevision("production");
  audit_.FailAction("flag.enable");
  auto on = service_.SetEnabled(kAuthor, "checkout", "production", true, 1);
  ASSERT_FALSE(on.ok());
  EXPECT_EQ(on.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(audit_.failed(), 1);
  // The state written before the audit entry is gone with it.
  auto stored = service_.GetFeature("checkout");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->version, 1);
  EXPECT_FALSE(stored->environments.at("production").enabled);
  EXPECT_EQ(StoredRevision("production"), revision);
  EXPECT_EQ(PublishedRevision("production"), revision);
  EXPECT_FALSE(On("checkout", "production"));
  EXPECT_EQ(AuditTrail(), std::vector<std::string>{"flag.create flags/checkout"});
}

TEST_F(FlagServiceFaultsTest, AFailedAuditWriteRollsBackACreatedFlag) {
  audit_.FailAction("flag.create");
  auto created = service_.CreateFeature(kAuthor, Checkout());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(service_.GetFeature("checkout").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(StoredRevision("development"), 0);
  EXPECT_EQ(PublishedRevision("development"), 0);
  EXPECT_TRUE(registry_.Get("development")->features.features.empty());
  EXPECT_TRUE(AuditTrail().empty());
}

// A flag's state in its second environment fails: the feature row and the first state that
// were written in the same transaction do not survive.
TEST_F(FlagServiceFaultsTest, AFailedStateWriteLeavesNoPartOfTheFlag) {
  flags_.failing = "PutFeatureEnvironment";
  flags_.pass = 1;
  auto created = service_.CreateFeature(kAuthor, Checkout());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(flags_.failed, 1);
  EXPECT_EQ(service_.GetFeature("checkout").status().code(), core::StatusCode::kNotFound);
  auto all = service_.ListFeatures();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
  EXPECT_TRUE(AuditTrail().empty());
}

// The revision bump comes last, after the change and its audit entry: failing it undoes both,
// so no replica can miss a change that committed without a new revision.
TEST_F(FlagServiceFaultsTest, AFailedRevisionBumpRollsBackTheChangeAndItsAuditEntry) {
  ASSERT_TRUE(service_.CreateFeature(kAuthor, Checkout()).ok());
  flags_.failing = "BumpRevision";
  auto on = service_.SetEnabled(kAuthor, "checkout", "development", true, std::nullopt);
  ASSERT_FALSE(on.ok());
  EXPECT_EQ(on.status().code(), core::StatusCode::kUnavailable);
  auto stored = service_.GetFeature("checkout");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->environments.at("development").enabled);
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(AuditTrail(), std::vector<std::string>{"flag.create flags/checkout"});
}

TEST_F(FlagServiceFaultsTest, AFailedAuditWriteRollsBackSegmentChanges) {
  audit_.FailAction("segment.create");
  const core::Json beta = core::Json::parse(R"({"name": "beta", "constraints": [
      {"contextName": "userId", "operator": "IN", "values": ["u1"]}]})");
  EXPECT_EQ(service_.CreateSegment(kAuthor, beta).status().code(), core::StatusCode::kUnavailable);
  auto segments = service_.ListSegments();
  ASSERT_TRUE(segments.ok());
  EXPECT_TRUE(segments->empty());
  audit_.FailAction("segment.delete");
  auto created = service_.CreateSegment(kAuthor, beta);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(service_.DeleteSegment(kAuthor, created->segment.id, std::nullopt).code(),
            core::StatusCode::kUnavailable);
  EXPECT_TRUE(service_.GetSegment(created->segment.id).ok());
}

// An import is one transaction: the segment and the first feature it wrote are gone when the
// second feature's write fails.
TEST_F(FlagServiceFaultsTest, AnImportThatFailsPartWayImportsNothing) {
  const core::Json file = core::Json::parse(R"({"version": 2,
    "features": [{"name": "a", "enabled": true, "strategies": [{"name": "default"}]},
                 {"name": "b", "enabled": true, "strategies": [{"name": "default"}]}],
    "segments": [{"id": 3, "name": "s3", "constraints": []}]})");
  flags_.failing = "InsertFeature";
  flags_.pass = 1;
  auto imported = service_.Import(kAuthor, "development", file);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(flags_.failed, 1);
  auto exported = service_.Export("development");
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  EXPECT_TRUE((*exported)["features"].empty()) << exported->dump();
  EXPECT_TRUE((*exported)["segments"].empty()) << exported->dump();
  EXPECT_EQ(StoredRevision("development"), 0);
  EXPECT_TRUE(AuditTrail().empty());
  // Once the store takes writes the same file imports whole.
  flags_.failing = "";
  auto retried = service_.Import(kAuthor, "development", file);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->changed_features, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(On("a", "development"));
}

}  // namespace
}  // namespace gov::flags
