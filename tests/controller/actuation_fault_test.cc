// The store fails the write that records a hook's answer after the hook has already changed
// the platform. The loop must not call the hook again for the same change, and once the store
// takes writes again the decision, its record and the target's state must say what happened:
// the change was applied, and its cooldown started when it was.

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "tests/controller/control_loop_test_util.h"
#include "tests/testing/fault_injection_database.h"

namespace gov::controller::testing {
namespace {

using std::chrono::seconds;

// Which write of the answer fails (the decision's outcome or the state that follows it; both
// are in one transaction), and whether the hook can read the platform's count.
struct FaultCase {
  std::string name;
  std::string failing_write;  // a pattern of FaultInjectionDatabase::FailWritesMatching
  bool readable = false;
};
// gtest prints a parameter in test listings; the name says it all.
void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }

class ActuationFaultTest : public LoopFixture, public ::testing::WithParamInterface<FaultCase> {
 protected:
  ActuationFaultTest() {
    // The loop writes through the faulty database; the checks read the real one.
    loop_ = std::make_unique<ControlLoop>(
        faulty_, clock_, *router_,
        [this](const TargetSpec& spec) -> core::StatusOr<std::unique_ptr<Hook>> {
          return std::unique_ptr<Hook>(std::make_unique<FakeHook>(Platform(spec.name)));
        },
        nullptr, ControlLoopOptions{.id_seed = 7});
  }

  // The web target on a platform at 3 replicas (readable per `c`), then a sync with cpu at
  // twice its target: the hook applies 3 -> 6 while the write `c.failing_write` that records
  // its answer fails. Returns that sync's result.
  core::StatusOr<SyncSummary> ScaleUpAndFailToRecord(const FaultCase& c, int64_t epoch) {
    Create(WebTarget());
    auto& platform = Platform("web");
    platform->readable = c.readable;
    platform->replicas = 3;
    faulty_.FailWritesMatching(c.failing_write, 1);
    Push("web", {{"cpu", 140}, {"rps", 1000}});
    return loop_->SyncDue(epoch);
  }

  // The full record the loop stored with decision `id` (the API shows the columns' status).
  core::Json StoredRecord(const std::string& id) {
    auto page = service().Decisions("web", store::PageRequest{1000, ""});
    EXPECT_TRUE(page.ok());
    if (page.ok()) {
      for (const store::DecisionRecord& d : page->items) {
        if (d.id == id) return core::ParseJson(d.record_json).value();
      }
    }
    ADD_FAILURE() << "no decision " << id;
    return core::Json();
  }

  store::testing::FaultInjectionDatabase faulty_{db()};
};

TEST_P(ActuationFaultTest, TheNextSyncRecordsTheAppliedChangeWithoutActuatingAgain) {
  const FaultCase& c = GetParam();
  const int64_t epoch = Lead();
  auto platform = Platform("web");
  // cpu at twice its target: 3 -> 6. The hook applies it; recording its answer fails.
  auto failed = ScaleUpAndFailToRecord(c, epoch);
  ASSERT_EQ(failed.status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(failed.status().message(), "query failed: disk I/O error");
  ASSERT_EQ(faulty_.injected(), 1);
  ASSERT_EQ(platform->requests.size(), 1u);
  EXPECT_EQ(platform->replicas, 6);
  const std::string applied_id = platform->requests[0].decision_id;
  // What the store holds now: the decision still pending, the state from before.
  EXPECT_EQ(Latest("web")["actuation"]["status"], "pending");
  EXPECT_FALSE(State("web").has_value());

  // 15 s later the load is the same. The scale-up cooldown (60 s) counts from the applied
  // change: Governor holds 6 and calls no hook.
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  clock_.Advance(seconds(15));
  SyncSummary next = Sync(epoch);
  EXPECT_EQ(next.synced, 1);
  EXPECT_EQ(next.scaled, 0);
  EXPECT_EQ(platform->requests.size(), 1u);
  auto decisions = Decisions("web");
  ASSERT_EQ(decisions.size(), 2u);
  const core::Json& held = decisions[0];
  EXPECT_EQ(held["currentReplicas"], 6);
  EXPECT_EQ(held["replicasSource"], c.readable ? "hook" : "lastDecision");
  EXPECT_EQ(held["replicas"], 6);
  EXPECT_EQ(held["reason"], "Cooldown");
  EXPECT_EQ(held["actuation"]["status"], "none");
  // The first decision now says what happened, in its columns and in its full record.
  const core::Json& first = decisions[1];
  EXPECT_EQ(first["id"], applied_id);
  EXPECT_EQ(first["currentReplicas"], 3);
  EXPECT_EQ(first["replicas"], 6);
  EXPECT_EQ(first["actuation"]["status"], "applied");
  EXPECT_TRUE(first["actuation"]["error"].is_null()) << first.dump();
  const core::Json stored = StoredRecord(applied_id);
  EXPECT_EQ(stored["actuation"]["status"], "applied") << stored.dump();
  EXPECT_EQ(ConditionsFromRecord(stored).value()[0]["reason"], "SucceededRescale");
  // The state: 6 replicas, and the scale-up that starts the cooldown.
  auto state = State("web");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->replicas, 6);
  EXPECT_EQ(state->desired_replicas, 6);
  auto state_json = core::ParseJson(state->state_json);
  ASSERT_TRUE(state_json.ok());
  EXPECT_NE(state_json->at("lastScaleUp"), nullptr) << state->state_json;

  // The cooldown ends 60 s after the applied change; the next scale-up starts from 6.
  for (int t = 30; t <= 60; t += 15) {
    Push("web", {{"cpu", 140}, {"rps", 1000}});
    clock_.Advance(seconds(15));
    Sync(epoch);
  }
  ASSERT_EQ(platform->requests.size(), 2u);
  EXPECT_EQ(platform->requests[1].from_replicas, 6);
  EXPECT_EQ(platform->requests[1].to_replicas, 12);
  EXPECT_EQ(Latest("web")["actuation"]["status"], "applied");
  EXPECT_EQ(State("web")->replicas, 12);
}

// While the store refuses every write, the loop keeps the platform's truth in memory and
// never repeats a change; when the store heals, one sync records every answer it owes.
TEST_P(ActuationFaultTest, AnswersOwedAcrossSeveralFailedSyncsAreAllRecorded) {
  const FaultCase& c = GetParam();
  const int64_t epoch = Lead();
  auto platform = Platform("web");
  EXPECT_FALSE(ScaleUpAndFailToRecord(c, epoch).ok());
  // Every write fails for the next two syncs: nothing is recorded and no hook is called.
  faulty_.FailWritesAfter(0);
  for (int i = 0; i < 2; ++i) {
    Push("web", {{"cpu", 140}, {"rps", 1000}});
    clock_.Advance(seconds(15));
    EXPECT_FALSE(loop_->SyncDue(epoch).ok());
  }
  EXPECT_EQ(platform->requests.size(), 1u);
  faulty_.Heal();
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  clock_.Advance(seconds(15));
  Sync(epoch);
  EXPECT_EQ(platform->requests.size(), 1u);
  auto decisions = Decisions("web");
  ASSERT_EQ(decisions.size(), 2u);  // the failed syncs' decisions were never stored
  EXPECT_EQ(decisions[1]["actuation"]["status"], "applied");
  EXPECT_EQ(decisions[0]["reason"], "Cooldown");
  EXPECT_EQ(decisions[0]["currentReplicas"], 6);
  EXPECT_EQ(State("web")->replicas, 6);
}

// The loop writes decisions through the DecisionWriter its constructor was given: here one
// that counts the answers it records on the way to the SQL one.
class CountingDecisionWriter final : public store::DecisionWriter {
 public:
  core::StatusOr<std::optional<int64_t>> Insert(store::Transaction& tx,
                                                const store::DecisionRecord& decision) override {
    ++inserts;
    return sql_.Insert(tx, decision);
  }
  core::Status SetActuation(store::Transaction& tx, const std::string& id,
                            store::Actuation actuation, const std::optional<std::string>& error,
                            const std::string& record_json) override {
    answers.push_back(id);
    return sql_.SetActuation(tx, id, actuation, error, record_json);
  }
  core::StatusOr<int64_t> Prune(store::Transaction& tx, const std::string& target,
                                int64_t keep) override {
    return sql_.Prune(tx, target, keep);
  }
  core::StatusOr<int64_t> MarkAbandoned(store::Transaction& tx, int64_t epoch,
                                        const std::string& message) override {
    return sql_.MarkAbandoned(tx, epoch, message);
  }
  int inserts = 0;
  std::vector<std::string> answers;

 private:
  store::SqlDecisionWriter sql_;
};

TEST_F(LoopFixture, AnOwedAnswerIsWrittenAgainThroughTheInjectedDecisionWriter) {
  store::testing::FaultInjectionDatabase faulty(db());
  CountingDecisionWriter decisions;
  LoopRepositories repositories = SqlLoopRepositories();
  ControlLoop loop(
      faulty, clock_, *router_,
      [this](const TargetSpec& spec) -> core::StatusOr<std::unique_ptr<Hook>> {
        return std::unique_ptr<Hook>(std::make_unique<FakeHook>(Platform(spec.name)));
      },
      nullptr, ControlLoopOptions{.id_seed = 7},
      LoopRepositories{repositories.targets, repositories.states, decisions, repositories.epochs,
                       repositories.history});
  Create(WebTarget());
  const int64_t epoch = Lead();
  faulty.FailWritesMatching("UPDATE target_decisions SET actuation", 1);
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  EXPECT_FALSE(loop.SyncDue(epoch).ok());
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  clock_.Advance(seconds(15));
  ASSERT_TRUE(loop.SyncDue(epoch).ok());
  EXPECT_EQ(decisions.inserts, 2);
  ASSERT_EQ(decisions.answers.size(), 2u);  // refused, then recorded by the next sync
  EXPECT_EQ(decisions.answers[0], decisions.answers[1]);
  EXPECT_EQ(decisions.answers[0], Platform("web")->requests.at(0).decision_id);
}

INSTANTIATE_TEST_SUITE_P(
    Writes, ActuationFaultTest,
    ::testing::Values(FaultCase{"DecisionOutcomeUnreadablePlatform",
                                "UPDATE target_decisions SET actuation", false},
                      FaultCase{"DecisionOutcomeReadablePlatform",
                                "UPDATE target_decisions SET actuation", true},
                      FaultCase{"StateUnreadablePlatform", "INSERT INTO target_states", false},
                      FaultCase{"StateReadablePlatform", "INSERT INTO target_states", true}),
    [](const ::testing::TestParamInfo<FaultCase>& info) { return info.param.name; });

}  // namespace
}  // namespace gov::controller::testing
