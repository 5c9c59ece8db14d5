#pragma once

// The release-plan repositories (plans, history, templates) on both backends: instantiated by
// release_plan_repository_test.cc (SQLite) and release_plan_repository_pgtest.cc (PostgreSQL).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/audit_repository.h"
#include "store/outbox_repository.h"
#include "store/release_plan_repository.h"
#include "tests/store/test_databases.h"

namespace gov::store::testing {

class ReleasePlanTest : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
  }
  Database& db() { return test_db_->db(); }
  core::Status Write(const std::function<core::Status(Transaction&)>& fn) {
    return WithTransaction(db(), TxMode::kReadWrite, fn);
  }
  core::Status Read(const std::function<core::Status(Transaction&)>& fn) {
    return WithTransaction(db(), TxMode::kReadOnly, fn);
  }

  static ReleasePlanRecord Plan(const std::string& name, const std::string& feature,
                                const std::string& state = "draft",
                                const std::string& environment = "production") {
    ReleasePlanRecord p;
    p.name = name;
    p.feature = feature;
    p.environment = environment;
    p.spec_json = R"({"milestones":[{"rollout":1},{"rollout":100}]})";
    p.state = state;
    p.created_at = core::FromUnixMillis(1000);
    p.updated_at = core::FromUnixMillis(1000);
    p.created_by = "admin";
    return p;
  }
  core::Status Insert(const ReleasePlanRecord& p) {
    return Write([&](Transaction& tx) { return ReleasePlanRepository::Insert(tx, p); });
  }
  core::StatusOr<ReleasePlanRecord> Get(const std::string& name) {
    auto tx = db().Begin(TxMode::kReadOnly);
    if (!tx.ok()) return tx.status();
    return ReleasePlanRepository::Get(**tx, name);
  }
  // UpdateState in its own transaction: true when it wrote.
  core::StatusOr<bool> Update(const std::string& name, int64_t expected_version,
                              const ReleasePlanStateUpdate& u, int64_t now_ms = 5000) {
    bool wrote = false;
    core::Status s = Write([&](Transaction& tx) -> core::Status {
      ASSIGN_OR_RETURN(wrote, ReleasePlanRepository::UpdateState(tx, name, expected_version, u,
                                                                 core::FromUnixMillis(now_ms)));
      return core::Status::Ok();
    });
    if (!s.ok()) return s;
    return wrote;
  }
  static ReleasePlanStateUpdate State(const std::string& state, int64_t milestone = 0,
                                      int64_t rollout = 1) {
    ReleasePlanStateUpdate u;
    u.state = state;
    u.milestone = milestone;
    u.milestone_started_at = core::FromUnixMillis(4000);
    u.rollout = rollout;
    u.guardrails_json = R"([{"name":"p99","status":"ok"}])";
    return u;
  }
  std::vector<ReleasePlanHistoryRecord> History(const std::string& name) {
    std::vector<ReleasePlanHistoryRecord> out;
    EXPECT_TRUE(Read([&](Transaction& tx) -> core::Status {
                  ASSIGN_OR_RETURN(out, ReleasePlanRepository::History(tx, name));
                  return core::Status::Ok();
                }).ok());
    return out;
  }
  static ReleasePlanHistoryRecord Entry(const std::string& plan, int64_t at_ms,
                                        const std::string& from, const std::string& to,
                                        int64_t from_milestone, int64_t to_milestone,
                                        std::optional<std::string> cause = std::nullopt) {
    ReleasePlanHistoryRecord h;
    h.plan = plan;
    h.at = core::FromUnixMillis(at_ms);
    h.from_state = from;
    h.to_state = to;
    h.from_milestone = from_milestone;
    h.to_milestone = to_milestone;
    h.cause_json = std::move(cause);
    return h;
  }
  core::StatusOr<int64_t> Append(const ReleasePlanHistoryRecord& h) {
    int64_t seq = 0;
    core::Status s = Write([&](Transaction& tx) -> core::Status {
      ASSIGN_OR_RETURN(seq, ReleasePlanRepository::AppendHistory(tx, h));
      return core::Status::Ok();
    });
    if (!s.ok()) return s;
    return seq;
  }
  std::optional<ReleasePlanRecord> FindActive(const std::string& environment,
                                              const std::string& feature) {
    std::optional<ReleasePlanRecord> out;
    EXPECT_TRUE(Read([&](Transaction& tx) -> core::Status {
                  ASSIGN_OR_RETURN(out,
                                   ReleasePlanRepository::FindActive(tx, environment, feature));
                  return core::Status::Ok();
                }).ok());
    return out;
  }
  std::vector<std::string> ActiveNames() {
    std::vector<std::string> out;
    EXPECT_TRUE(Read([&](Transaction& tx) -> core::Status {
                  ASSIGN_OR_RETURN(auto plans, ReleasePlanRepository::ListActive(tx));
                  for (const auto& p : plans) out.push_back(p.name);
                  return core::Status::Ok();
                }).ok());
    return out;
  }

  std::unique_ptr<TestDatabase> test_db_;
};

TEST_P(ReleasePlanTest, InsertedPlanReadsBackWithEveryFieldAtVersionOne) {
  ReleasePlanRecord p = Plan("checkout-v2-prod", "checkout-v2", "running");
  p.milestone = 2;
  p.milestone_started_at = core::FromUnixMillis(1500);
  p.rollout = 50;
  p.guardrails_json = R"([{"name":"errors","status":"breaching","value":0.07}])";
  p.version = 9;  // ignored
  ASSERT_TRUE(Insert(p).ok());
  auto got = Get("checkout-v2-prod");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  p.version = 1;
  EXPECT_EQ(*got, p);

  ReleasePlanRecord draft = Plan("draft", "search");
  ASSERT_TRUE(Insert(draft).ok());
  auto got_draft = Get("draft");
  ASSERT_TRUE(got_draft.ok());
  EXPECT_FALSE(got_draft->milestone_started_at.has_value());
  EXPECT_EQ(got_draft->guardrails_json, "[]");
}

TEST_P(ReleasePlanTest, InsertRefusesATakenNameAndAnUnknownEnvironment) {
  ASSERT_TRUE(Insert(Plan("a", "checkout")).ok());
  EXPECT_EQ(Insert(Plan("a", "search")).code(), core::StatusCode::kAlreadyExists);
  core::Status s = Insert(Plan("b", "checkout", "draft", "staging"));
  EXPECT_EQ(s.code(), core::StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("staging"), std::string::npos);
  EXPECT_EQ(Get("b").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(Get("a")->feature, "checkout");
}

TEST_P(ReleasePlanTest, ListPagesByName) {
  for (const char* name : {"c", "a", "b"}) ASSERT_TRUE(Insert(Plan(name, name)).ok());
  Page<ReleasePlanRecord> first, second;
  ASSERT_TRUE(Read([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(first, ReleasePlanRepository::List(tx, {2, ""}));
                ASSIGN_OR_RETURN(second, ReleasePlanRepository::List(tx, {2, first.next_cursor}));
                return core::Status::Ok();
              }).ok());
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].name, "a");
  EXPECT_EQ(first.items[1].name, "b");
  EXPECT_EQ(first.next_cursor, "b");
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].name, "c");
  EXPECT_EQ(second.next_cursor, "");
}

TEST_P(ReleasePlanTest, UpdateStateWritesEveryChangingColumnAndBumpsTheVersion) {
  ASSERT_TRUE(Insert(Plan("p", "checkout")).ok());
  auto wrote = Update("p", 1, State("running", 1, 10), 7000);
  ASSERT_TRUE(wrote.ok()) << wrote.status().ToString();
  EXPECT_TRUE(*wrote);
  ReleasePlanRecord expected = Plan("p", "checkout", "running");
  expected.milestone = 1;
  expected.milestone_started_at = core::FromUnixMillis(4000);
  expected.rollout = 10;
  expected.guardrails_json = R"([{"name":"p99","status":"ok"}])";
  expected.version = 2;
  expected.updated_at = core::FromUnixMillis(7000);
  EXPECT_EQ(*Get("p"), expected);
}

TEST_P(ReleasePlanTest, UpdateWithAStaleVersionChangesNothing) {
  ASSERT_TRUE(Insert(Plan("p", "checkout")).ok());
  ASSERT_TRUE(*Update("p", 1, State("running", 0, 1)));
  const ReleasePlanRecord after_first = *Get("p");
  // The same transition again (a retry, another replica) with the version it read before.
  auto again = Update("p", 1, State("running", 1, 10));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(*again);
  EXPECT_EQ(*Get("p"), after_first);
  // A version from the future is as stale.
  EXPECT_FALSE(*Update("p", 7, State("paused", 0, 1)));
  EXPECT_EQ(*Get("p"), after_first);
  EXPECT_EQ(Update("missing", 1, State("running")).status().code(), core::StatusCode::kNotFound);
}

// Two transitions that read the same version race, each in its own transaction with its
// history entry, as the service does: exactly one applies, and only its history is written.
TEST_P(ReleasePlanTest, ConcurrentTransitionsFromOneVersionApplyOnce) {
  ASSERT_TRUE(Insert(Plan("p", "checkout", "running")).ok());
  auto other = test_db_->OpenAnother();
  bool wrote[2] = {false, false};
  core::Status status[2];
  auto transition = [&](int i, Database& handle) {
    status[i] = WithTransaction(handle, TxMode::kReadWrite, [&](Transaction& tx) -> core::Status {
      ASSIGN_OR_RETURN(wrote[i],
                       ReleasePlanRepository::UpdateState(tx, "p", 1, State("running", 1, 10),
                                                          core::FromUnixMillis(6000)));
      if (!wrote[i]) return core::Status::Ok();
      return ReleasePlanRepository::AppendHistory(tx, Entry("p", 6000, "running", "running", 0, 1))
          .status();
    });
  };
  std::thread a([&] { transition(0, db()); });
  std::thread b([&] { transition(1, *other); });
  a.join();
  b.join();
  ASSERT_TRUE(status[0].ok()) << status[0].ToString();
  ASSERT_TRUE(status[1].ok()) << status[1].ToString();
  EXPECT_NE(wrote[0], wrote[1]);
  EXPECT_EQ(Get("p")->version, 2);
  EXPECT_EQ(Get("p")->milestone, 1);
  EXPECT_EQ(History("p").size(), 1u);
}

TEST_P(ReleasePlanTest, OneActivePlanPerFeatureAndEnvironment) {
  ASSERT_TRUE(Insert(Plan("a", "checkout", "running")).ok());
  core::Status second = Insert(Plan("b", "checkout", "paused"));
  EXPECT_EQ(second.code(), core::StatusCode::kConflict) << second.ToString();
  EXPECT_NE(second.message().find("release plan a"), std::string::npos) << second.ToString();
  // A draft on the same feature is fine, and so is an active plan in another environment.
  ASSERT_TRUE(Insert(Plan("b", "checkout")).ok());
  ASSERT_TRUE(Insert(Plan("dev", "checkout", "running", "development")).ok());
  // The draft cannot start while "a" runs; a failed start leaves it as it was.
  auto start = Update("b", 1, State("running"));
  EXPECT_EQ(start.status().code(), core::StatusCode::kConflict) << start.status().ToString();
  EXPECT_EQ(Get("b")->state, "draft");
  EXPECT_EQ(Get("b")->version, 1);
  // Pausing the active one keeps it active; moving it along its states is no conflict.
  ASSERT_TRUE(*Update("a", 1, State("paused")));
  EXPECT_EQ(Update("b", 1, State("running")).status().code(), core::StatusCode::kConflict);
  ASSERT_TRUE(*Update("a", 2, State("running")));
  // Once "a" completes, "b" may start.
  ASSERT_TRUE(*Update("a", 3, State("completed", 1, 100)));
  auto started = Update("b", 1, State("running"));
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_TRUE(*started);
  EXPECT_EQ(FindActive("production", "checkout")->name, "b");
  EXPECT_EQ(FindActive("development", "checkout")->name, "dev");
}

TEST_P(ReleasePlanTest, FindActiveAndListActiveSeeRunningAndPausedPlansOnly) {
  ASSERT_TRUE(Insert(Plan("running", "f1", "running")).ok());
  ASSERT_TRUE(Insert(Plan("paused", "f2", "paused")).ok());
  ASSERT_TRUE(Insert(Plan("draft", "f3", "draft")).ok());
  ASSERT_TRUE(Insert(Plan("completed", "f4", "completed")).ok());
  ASSERT_TRUE(Insert(Plan("rolled-back", "f1", "rolledBack")).ok());
  EXPECT_EQ(ActiveNames(), (std::vector<std::string>{"paused", "running"}));
  auto f1 = FindActive("production", "f1");
  ASSERT_TRUE(f1.has_value());
  EXPECT_EQ(f1->name, "running");
  EXPECT_EQ(FindActive("production", "f2")->name, "paused");
  EXPECT_FALSE(FindActive("production", "f3").has_value());
  EXPECT_FALSE(FindActive("production", "f4").has_value());
  EXPECT_FALSE(FindActive("development", "f1").has_value());
}

TEST_P(ReleasePlanTest, DeleteRefusesActivePlansAndStaleVersionsAndTakesTheHistory) {
  ASSERT_TRUE(Insert(Plan("p", "checkout", "running")).ok());
  ASSERT_TRUE(Append(Entry("p", 2000, "draft", "running", 0, 0)).ok());
  auto del = [&](std::optional<int64_t> version) {
    return Write([&](Transaction& tx) { return ReleasePlanRepository::Delete(tx, "p", version); });
  };
  core::Status running = del(std::nullopt);
  EXPECT_EQ(running.code(), core::StatusCode::kConflict) << running.ToString();
  ASSERT_TRUE(*Update("p", 1, State("rolledBack", 0, 0)));
  EXPECT_EQ(del(1).code(), core::StatusCode::kConflict);
  EXPECT_TRUE(Get("p").ok());
  ASSERT_TRUE(del(2).ok());
  EXPECT_EQ(Get("p").status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(History("p").empty());
  EXPECT_EQ(del(std::nullopt).code(), core::StatusCode::kNotFound);
  // The name is free again, with a history of its own.
  ASSERT_TRUE(Insert(Plan("p", "checkout")).ok());
  EXPECT_TRUE(History("p").empty());
}

TEST_P(ReleasePlanTest, HistoryIsPerPlanInAppendOrder) {
  ASSERT_TRUE(Insert(Plan("a", "checkout", "running")).ok());
  ASSERT_TRUE(Insert(Plan("b", "search", "running")).ok());
  const std::string cause =
      R"({"guardrail":"errors","value":0.07,"threshold":0.05,"since":"2026-01-01T00:00:00Z"})";
  // Appended with `at` out of order: history follows the order of appends, not of `at`.
  std::vector<ReleasePlanHistoryRecord> a = {
      Entry("a", 3000, "draft", "running", 0, 0),
      Entry("a", 2000, "running", "running", 0, 1, R"({"advanceAfterSeconds":600})"),
      Entry("a", 4000, "running", "rolledBack", 1, 1, cause),
  };
  ReleasePlanHistoryRecord b = Entry("b", 2500, "draft", "running", 0, 0);
  int64_t last_seq = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    auto seq = Append(a[i]);
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    EXPECT_GT(*seq, last_seq);
    last_seq = *seq;
    a[i].seq = *seq;
    if (i == 0) {
      auto b_seq = Append(b);
      ASSERT_TRUE(b_seq.ok());
      b.seq = *b_seq;
    }
  }
  EXPECT_EQ(History("a"), a);
  EXPECT_EQ(History("b"), (std::vector<ReleasePlanHistoryRecord>{b}));
  EXPECT_TRUE(History("none").empty());
  EXPECT_EQ(Append(Entry("none", 1000, "draft", "running", 0, 0)).status().code(),
            core::StatusCode::kFailedPrecondition);
}

TEST_P(ReleasePlanTest, TemplatesArePutReplacedListedAndDeleted) {
  auto put = [&](const std::string& name, const std::string& spec, int64_t now_ms) {
    bool created = false;
    EXPECT_TRUE(Write([&](Transaction& tx) -> core::Status {
                  ASSIGN_OR_RETURN(created, ReleasePlanTemplateRepository::Put(
                                                tx, name, spec, core::FromUnixMillis(now_ms)));
                  return core::Status::Ok();
                }).ok());
    return created;
  };
  EXPECT_TRUE(put("standard", R"({"guardrails":[]})", 1000));
  EXPECT_TRUE(put("canary", R"({"milestones":[]})", 1500));
  EXPECT_FALSE(put("standard", R"({"guardrails":[{"name":"p99"}]})", 2000));

  ReleasePlanTemplateRecord got;
  Page<ReleasePlanTemplateRecord> first, second;
  ASSERT_TRUE(
      Read([&](Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(got, ReleasePlanTemplateRepository::Get(tx, "standard"));
        ASSIGN_OR_RETURN(first, ReleasePlanTemplateRepository::List(tx, {1, ""}));
        ASSIGN_OR_RETURN(second, ReleasePlanTemplateRepository::List(tx, {1, first.next_cursor}));
        return core::Status::Ok();
      }).ok());
  EXPECT_EQ(got,
            (ReleasePlanTemplateRecord{"standard", R"({"guardrails":[{"name":"p99"}]})",
                                       core::FromUnixMillis(1000), core::FromUnixMillis(2000)}));
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_EQ(first.items[0].name, "canary");
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].name, "standard");
  EXPECT_EQ(second.next_cursor, "");

  auto del = [&](const std::string& name) {
    return Write([&](Transaction& tx) { return ReleasePlanTemplateRepository::Delete(tx, name); });
  };
  ASSERT_TRUE(del("canary").ok());
  EXPECT_EQ(del("canary").code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(Read([&](Transaction& tx) -> core::Status {
                EXPECT_EQ(ReleasePlanTemplateRepository::Get(tx, "canary").status().code(),
                          core::StatusCode::kNotFound);
                ASSIGN_OR_RETURN(auto all, ReleasePlanTemplateRepository::List(tx, {10, ""}));
                EXPECT_EQ(all.items.size(), 1u);
                return core::Status::Ok();
              }).ok());
}

// One transition as the service writes it (plan state, history, audit entry, webhook outbox
// row, a new template), in a transaction that rolls back: none of it is left.
TEST_P(ReleasePlanTest, NothingWrittenInARolledBackTransactionRemains) {
  ASSERT_TRUE(Insert(Plan("p", "checkout", "running")).ok());
  const ReleasePlanRecord before = *Get("p");
  const size_t audit_before = AuditEntries(db()).size();
  {
    auto tx = db().Begin(TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(*ReleasePlanRepository::UpdateState(**tx, "p", 1, State("rolledBack", 0, 0),
                                                    core::FromUnixMillis(9000)));
    ASSERT_TRUE(
        ReleasePlanRepository::AppendHistory(**tx, Entry("p", 9000, "running", "rolledBack", 0, 0))
            .ok());
    ASSERT_TRUE(ReleasePlanRepository::Insert(**tx, Plan("q", "checkout")).ok());
    ASSERT_TRUE(
        ReleasePlanTemplateRepository::Put(**tx, "t", "{}", core::FromUnixMillis(9000)).ok());
    ASSERT_TRUE(AuditRepository::Record(**tx, {"release-plan:p", ""}, core::FromUnixMillis(9000),
                                        "release-plan.rollback", "release-plans/p", "{}", "{}")
                    .ok());
    OutboxRow row;
    row.kind = kOutboxKindReleasePlanWebhook;
    row.url = "http://127.0.0.1:1/hook";
    row.payload_json = R"({"plan":"p","event":"rolledBack"})";
    row.created_at = row.next_attempt_at = core::FromUnixMillis(9000);
    ASSERT_TRUE(OutboxRepository::Enqueue(**tx, row).ok());
    // Destroyed without Commit: rolled back.
  }
  EXPECT_EQ(*Get("p"), before);
  EXPECT_EQ(Get("q").status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(History("p").empty());
  EXPECT_EQ(AuditEntries(db()).size(), audit_before);
  EXPECT_TRUE(Read([&](Transaction& tx) -> core::Status {
                EXPECT_EQ(ReleasePlanTemplateRepository::Get(tx, "t").status().code(),
                          core::StatusCode::kNotFound);
                ASSIGN_OR_RETURN(int64_t pending, OutboxRepository::PendingCount(tx, ""));
                EXPECT_EQ(pending, 0);
                return core::Status::Ok();
              }).ok());
  // The same transition, committed, is all there.
  ASSERT_TRUE(Write([&](Transaction& tx) -> core::Status {
                ASSIGN_OR_RETURN(bool wrote, ReleasePlanRepository::UpdateState(
                                                 tx, "p", 1, State("rolledBack", 0, 0),
                                                 core::FromUnixMillis(9000)));
                EXPECT_TRUE(wrote);
                return ReleasePlanRepository::AppendHistory(
                           tx, Entry("p", 9000, "running", "rolledBack", 0, 0))
                    .status();
              }).ok());
  EXPECT_EQ(Get("p")->state, "rolledBack");
  EXPECT_EQ(History("p").size(), 1u);
}

}  // namespace gov::store::testing
