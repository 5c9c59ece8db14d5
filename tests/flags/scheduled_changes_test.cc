// Scheduled changes on SQLite with a fake clock: validation naming the field, due and not due,
// exactly once when RunDue runs twice or concurrently from two services over the same database
// file, cancel, the audit entries, the published snapshot, and the leader-only runner.

#include "flags/scheduled_changes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "core/time_format.h"
#include "flags/evaluator.h"
#include "store/audit_repository.h"
#include "tests/flags/scheduled_changes_services.h"
#include "tests/store/test_databases.h"

namespace gov::flags {
namespace {

using namespace std::chrono_literals;

const store::AuditActor kAuthor{"alice", "req-1"};

using testing::Services;

class ScheduledChangesTest : public ::testing::Test {
 protected:
  ScheduledChangesTest() : services_(db_.db(), clock_) {
    for (const char* name : {"checkout", "search"}) {
      core::Json flag{{"name", name}, {"environments", {{"production", {{"enabled", false}}}}}};
      EXPECT_TRUE(services_.flags.CreateFeature(kAuthor, flag).ok());
    }
  }

  core::Json Body(std::chrono::seconds from_now, const std::string& action) {
    return {{"at", core::FormatRfc3339(clock_.Now() + from_now)}, {"action", action}};
  }
  ScheduledChange Schedule(const std::string& feature, std::chrono::seconds from_now,
                           const std::string& action, const std::string& env = "production") {
    auto c = services_.schedule.Create(kAuthor, feature, env, Body(from_now, action));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : ScheduledChange{};
  }
  bool Enabled(const std::string& feature, const std::string& env = "production") {
    auto f = services_.flags.GetFeature(feature);
    EXPECT_TRUE(f.ok());
    return f.ok() && f->environments.at(env).enabled;
  }
  // What the evaluation APIs serve: the published snapshot.
  bool Served(const std::string& feature, const std::string& env = "production") {
    return IsEnabled(*services_.registry.Get(env)->compiled, feature, {}, clock_.Now());
  }
  std::vector<store::AuditEntry> Audit() { return store::testing::AuditEntries(db_.db()); }
  size_t CountAudit(const std::string& action) {
    auto audit = Audit();
    return std::count_if(audit.begin(), audit.end(),
                         [&](const store::AuditEntry& e) { return e.action == action; });
  }
  ScheduledChange Get(int64_t id) {
    auto page = services_.schedule.List(std::nullopt, {1000, ""});
    EXPECT_TRUE(page.ok());
    for (const auto& c : page->items) {
      if (c.id == id) return c;
    }
    ADD_FAILURE() << "no scheduled change " << id;
    return {};
  }
  static std::vector<int64_t> Ids(const std::vector<ScheduledChange>& changes) {
    std::vector<int64_t> ids;
    for (const auto& c : changes) ids.push_back(c.id);
    return ids;
  }

  store::testing::SqliteTestDatabase db_;
  core::FakeClock clock_;
  Services services_;
};

TEST_F(ScheduledChangesTest, CreateStoresAPendingChangeAndAuditsIt) {
  const core::TimePoint at = clock_.Now() + 1h;
  auto created = services_.schedule.Create(kAuthor, "checkout", "production",
                                           {{"at", core::FormatRfc3339(at)}, {"action", "on"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->feature, "checkout");
  EXPECT_EQ(created->environment, "production");
  EXPECT_EQ(created->action, ScheduledAction::kOn);
  EXPECT_EQ(created->at, at);
  EXPECT_EQ(created->state, ScheduledChangeState::kPending);
  EXPECT_EQ(created->created_by, "alice");
  EXPECT_EQ(created->created_at, clock_.Now());
  const core::Json j = ScheduledChangeToJson(*created);
  EXPECT_EQ(j["action"], "on");
  EXPECT_EQ(j["state"], "pending");
  EXPECT_EQ(j["at"], core::FormatRfc3339(at));
  EXPECT_EQ(j["createdBy"], "alice");
  EXPECT_FALSE(j.contains("doneAt"));
  auto audit = Audit();
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].action, "flag.schedule.create");
  EXPECT_EQ(audit[0].actor, "alice");
  EXPECT_EQ(audit[0].request_id, "req-1");
  EXPECT_EQ(audit[0].resource,
            "flags/checkout/environments/production/schedule/" + std::to_string(created->id));
  // "at" in another zone is the same instant.
  auto offset = services_.schedule.Create(kAuthor, "checkout", "production",
                                          {{"at", "2031-01-01T10:00:00+02:00"}, {"action", "off"}});
  ASSERT_TRUE(offset.ok()) << offset.status().ToString();
  EXPECT_EQ(core::FormatRfc3339(offset->at), "2031-01-01T08:00:00.000Z");
}

TEST_F(ScheduledChangesTest, BadInputNamesTheField) {
  struct Case {
    const char* name;
    std::string feature, environment;
    core::Json body;
    core::StatusCode code;
    const char* field;
  };
  const std::string past = core::FormatRfc3339(clock_.Now() - 1s);
  const std::vector<Case> cases = {
      {"unknown feature", "nope", "production", Body(1h, "on"), core::StatusCode::kNotFound,
       "feature"},
      {"unknown environment", "checkout", "staging", Body(1h, "on"), core::StatusCode::kNotFound,
       "environment"},
      {"at missing",
       "checkout",
       "production",
       {{"action", "on"}},
       core::StatusCode::kInvalidArgument,
       "at"},
      {"at not text",
       "checkout",
       "production",
       {{"at", 5}, {"action", "on"}},
       core::StatusCode::kInvalidArgument,
       "at"},
      {"at malformed",
       "checkout",
       "production",
       {{"at", "tomorrow"}, {"action", "on"}},
       core::StatusCode::kInvalidArgument,
       "at"},
      {"at a bare date",
       "checkout",
       "production",
       {{"at", "2031-01-01"}, {"action", "on"}},
       core::StatusCode::kInvalidArgument,
       "at"},
      {"at in the past",
       "checkout",
       "production",
       {{"at", past}, {"action", "on"}},
       core::StatusCode::kInvalidArgument,
       "at"},
      {"action unknown", "checkout", "production", Body(1h, "toggle"),
       core::StatusCode::kInvalidArgument, "action"},
      {"action missing",
       "checkout",
       "production",
       {{"at", core::FormatRfc3339(clock_.Now())}},
       core::StatusCode::kInvalidArgument,
       "action"},
      {"unknown field",
       "checkout",
       "production",
       {{"at", core::FormatRfc3339(clock_.Now())}, {"action", "on"}, {"when", 1}},
       core::StatusCode::kInvalidArgument,
       "when"},
      {"not an object", "checkout", "production", core::Json::array(),
       core::StatusCode::kInvalidArgument, "body"},
  };
  const size_t audits = Audit().size();
  for (const auto& c : cases) {
    auto s = services_.schedule.Create(kAuthor, c.feature, c.environment, c.body);
    EXPECT_EQ(s.status().code(), c.code) << c.name << ": " << s.status().ToString();
    EXPECT_EQ(s.status().field(), c.field) << c.name << ": " << s.status().ToString();
  }
  EXPECT_EQ(Audit().size(), audits);
  auto none = services_.schedule.List(std::nullopt, {50, ""});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());
  // Now itself is not in the past.
  EXPECT_TRUE(services_.schedule.Create(kAuthor, "checkout", "production", Body(0s, "on")).ok());
}

TEST_F(ScheduledChangesTest, RunsWhenDueAndNotBefore) {
  const ScheduledChange on = Schedule("checkout", 1h, "on");
  EXPECT_TRUE(services_.schedule.RunDue(clock_.Now()).done.empty());
  clock_.Advance(1h - 1ms);
  EXPECT_TRUE(services_.schedule.RunDue(clock_.Now()).done.empty());
  EXPECT_FALSE(Enabled("checkout"));
  EXPECT_FALSE(Served("checkout"));
  const int64_t revision = services_.registry.Get("production")->revision;

  clock_.Advance(1ms);
  RunDueResult result = services_.schedule.RunDue(clock_.Now());
  EXPECT_TRUE(result.errors.empty());
  ASSERT_EQ(Ids(result.done), std::vector<int64_t>{on.id});
  EXPECT_EQ(result.done[0].state, ScheduledChangeState::kDone);
  EXPECT_TRUE(Enabled("checkout"));
  EXPECT_FALSE(Enabled("search"));
  // The snapshot was republished with the flag on.
  EXPECT_TRUE(Served("checkout"));
  EXPECT_EQ(services_.registry.Get("production")->revision, revision + 1);

  const ScheduledChange stored = Get(on.id);
  EXPECT_EQ(stored.state, ScheduledChangeState::kDone);
  EXPECT_EQ(stored.finished_at, clock_.Now());
  EXPECT_EQ(ScheduledChangeToJson(stored)["doneAt"], core::FormatRfc3339(clock_.Now()));

  // Two audit entries, both by the schedule: the flag change and the scheduled change's run.
  auto audit = Audit();
  ASSERT_GE(audit.size(), 2u);
  const std::string actor = "schedule:" + std::to_string(on.id);
  std::map<std::string, store::AuditEntry> by_action;
  for (const auto& e : audit) {
    if (e.actor == actor) by_action[e.action] = e;
  }
  ASSERT_EQ(by_action.count("flag.enable"), 1u);
  EXPECT_EQ(by_action["flag.enable"].resource, "flags/checkout");
  ASSERT_EQ(by_action.count("flag.schedule.run"), 1u);
  EXPECT_EQ(by_action["flag.schedule.run"].resource,
            "flags/checkout/environments/production/schedule/" + std::to_string(on.id));
  auto after = core::Json::parse(*by_action["flag.schedule.run"].after_json);
  EXPECT_EQ(after["state"], "done");

  // Then "off" an hour later.
  const ScheduledChange off = Schedule("checkout", 1h, "off");
  clock_.Advance(2h);
  EXPECT_EQ(Ids(services_.schedule.RunDue(clock_.Now()).done), std::vector<int64_t>{off.id});
  EXPECT_FALSE(Enabled("checkout"));
  EXPECT_FALSE(Served("checkout"));
  EXPECT_EQ(CountAudit("flag.disable"), 1u);
}

TEST_F(ScheduledChangesTest, DueChangesRunEarliestFirst) {
  const ScheduledChange off = Schedule("checkout", 2h, "off");
  const ScheduledChange on = Schedule("checkout", 1h, "on");
  clock_.Advance(3h);
  RunDueResult result = services_.schedule.RunDue(clock_.Now());
  EXPECT_EQ(Ids(result.done), (std::vector<int64_t>{on.id, off.id}));
  EXPECT_FALSE(Enabled("checkout"));  // on, then off
}

TEST_F(ScheduledChangesTest, RunningTwiceRunsEachChangeOnce) {
  const ScheduledChange on = Schedule("checkout", 1min, "on");
  clock_.Advance(1min);
  EXPECT_EQ(services_.schedule.RunDue(clock_.Now()).done.size(), 1u);
  const size_t audits = Audit().size();
  const int64_t revision = services_.registry.Get("production")->revision;
  // Someone turns it off by hand; a second run must not turn it on again.
  ASSERT_TRUE(services_.flags.SetEnabled(kAuthor, "checkout", "production", false, {}).ok());
  RunDueResult again = services_.schedule.RunDue(clock_.Now());
  EXPECT_TRUE(again.done.empty());
  EXPECT_TRUE(again.errors.empty());
  EXPECT_FALSE(Enabled("checkout"));
  EXPECT_EQ(Audit().size(), audits + 1);  // only the manual change
  EXPECT_EQ(services_.registry.Get("production")->revision, revision + 1);
  EXPECT_EQ(CountAudit("flag.schedule.run"), 1u);
  EXPECT_EQ(Get(on.id).state, ScheduledChangeState::kDone);
}

TEST_F(ScheduledChangesTest, ARunOfAFlagAlreadyInThatStateIsStillRecorded) {
  const ScheduledChange off = Schedule("checkout", 1min, "off");  // already off
  clock_.Advance(1min);
  EXPECT_EQ(Ids(services_.schedule.RunDue(clock_.Now()).done), std::vector<int64_t>{off.id});
  EXPECT_EQ(CountAudit("flag.disable"), 0u);  // nothing changed on the flag
  EXPECT_EQ(CountAudit("flag.schedule.run"), 1u);
  EXPECT_EQ(Get(off.id).state, ScheduledChangeState::kDone);
}

TEST_F(ScheduledChangesTest, TwoServicesOnOneDatabaseFileRunEachChangeExactlyOnce) {
  // A second "process": its own connections to the same SQLite file and its own services.
  std::unique_ptr<store::Database> other_db = db_.OpenAnother();
  Services other(*other_db, clock_);
  std::set<int64_t> scheduled;
  for (int i = 0; i < 12; ++i) {
    const std::string feature = i % 2 ? "checkout" : "search";
    scheduled.insert(Schedule(feature, std::chrono::seconds(i + 1), i % 4 < 2 ? "on" : "off").id);
  }
  clock_.Advance(1min);
  const core::TimePoint now = clock_.Now();
  RunDueResult a, b;
  std::atomic<bool> go{false};
  std::thread ta([&] {
    while (!go.load()) std::this_thread::yield();
    a = services_.schedule.RunDue(now);
  });
  std::thread tb([&] {
    while (!go.load()) std::this_thread::yield();
    b = other.schedule.RunDue(now);
  });
  go = true;
  ta.join();
  tb.join();
  EXPECT_TRUE(a.errors.empty()) << a.errors[0].ToString();
  EXPECT_TRUE(b.errors.empty()) << b.errors[0].ToString();
  std::vector<int64_t> all = Ids(a.done);
  for (int64_t id : Ids(b.done)) all.push_back(id);
  std::sort(all.begin(), all.end());
  // Every change ran, and none twice.
  EXPECT_EQ(all, std::vector<int64_t>(scheduled.begin(), scheduled.end()));
  EXPECT_EQ(CountAudit("flag.schedule.run"), scheduled.size());
  EXPECT_TRUE(services_.schedule.RunDue(now).done.empty());
  EXPECT_TRUE(other.schedule.RunDue(now).done.empty());
  auto pending = services_.schedule.List(std::string("pending"), {50, ""});
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->items.empty());
}

TEST_F(ScheduledChangesTest, CancelStopsAPendingChangeOnly) {
  const ScheduledChange on = Schedule("checkout", 1h, "on");
  const ScheduledChange later = Schedule("checkout", 2h, "on");
  clock_.Advance(1min);
  auto cancelled = services_.schedule.Cancel(kAuthor, "checkout", "production", on.id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->state, ScheduledChangeState::kCancelled);
  EXPECT_EQ(cancelled->finished_at, clock_.Now());
  EXPECT_EQ(ScheduledChangeToJson(*cancelled)["cancelledAt"], core::FormatRfc3339(clock_.Now()));
  EXPECT_FALSE(ScheduledChangeToJson(*cancelled).contains("doneAt"));
  auto audit = Audit();
  EXPECT_EQ(audit[0].action, "flag.schedule.cancel");
  EXPECT_EQ(audit[0].actor, "alice");
  EXPECT_EQ(core::Json::parse(*audit[0].before_json)["state"], "pending");
  EXPECT_EQ(core::Json::parse(*audit[0].after_json)["state"], "cancelled");

  // Cancelled twice, or once done: a conflict.
  EXPECT_EQ(services_.schedule.Cancel(kAuthor, "checkout", "production", on.id).status().code(),
            core::StatusCode::kConflict);
  clock_.Advance(3h);
  EXPECT_EQ(Ids(services_.schedule.RunDue(clock_.Now()).done), std::vector<int64_t>{later.id});
  EXPECT_EQ(services_.schedule.Cancel(kAuthor, "checkout", "production", later.id).status().code(),
            core::StatusCode::kConflict);
  EXPECT_EQ(Get(on.id).state, ScheduledChangeState::kCancelled);

  // Another flag's, another environment's or no such change: not found.
  const ScheduledChange search = Schedule("search", 1h, "on");
  EXPECT_EQ(services_.schedule.Cancel(kAuthor, "checkout", "production", search.id).status().code(),
            core::StatusCode::kNotFound);
  EXPECT_EQ(services_.schedule.Cancel(kAuthor, "search", "development", search.id).status().code(),
            core::StatusCode::kNotFound);
  EXPECT_EQ(services_.schedule.Cancel(kAuthor, "search", "production", 999).status().code(),
            core::StatusCode::kNotFound);
  auto unknown = services_.schedule.Cancel(kAuthor, "nope", "production", search.id);
  EXPECT_EQ(unknown.status().field(), "feature");
}

TEST_F(ScheduledChangesTest, ListsByFlagAndByState) {
  const ScheduledChange a = Schedule("checkout", 1h, "on");
  const ScheduledChange b = Schedule("checkout", 2h, "off");
  const ScheduledChange c = Schedule("search", 1h, "on");
  const ScheduledChange d = Schedule("checkout", 1h, "on", "development");
  ASSERT_TRUE(services_.schedule.Cancel(kAuthor, "checkout", "production", a.id).ok());

  auto checkout = services_.schedule.ListForFlag("checkout", "production", {1, ""});
  ASSERT_TRUE(checkout.ok());
  EXPECT_EQ(Ids(checkout->items), std::vector<int64_t>{b.id});  // newest first
  auto rest = services_.schedule.ListForFlag("checkout", "production", {10, checkout->next_cursor});
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(Ids(rest->items), std::vector<int64_t>{a.id});
  EXPECT_TRUE(rest->next_cursor.empty());
  EXPECT_EQ(services_.schedule.ListForFlag("nope", "production", {}).status().field(), "feature");
  EXPECT_EQ(services_.schedule.ListForFlag("checkout", "staging", {}).status().field(),
            "environment");

  auto pending = services_.schedule.List(std::string("pending"), {50, ""});
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(Ids(pending->items), (std::vector<int64_t>{d.id, c.id, b.id}));
  auto cancelled = services_.schedule.List(std::string("cancelled"), {50, ""});
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(Ids(cancelled->items), std::vector<int64_t>{a.id});
  auto bad = services_.schedule.List(std::string("later"), {50, ""});
  EXPECT_EQ(bad.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "state");
}

TEST_F(ScheduledChangesTest, RunnerRunsOnlyWhileLeading) {
  const ScheduledChange on = Schedule("checkout", 1min, "on");
  clock_.Advance(1min);
  std::atomic<bool> leading{false};
  std::vector<std::string> lines;
  ScheduledChangeRunnerOptions options;
  options.leading = [&] { return leading.load(); };
  options.log = [&](std::string_view line) { lines.emplace_back(line); };
  ScheduledChangeRunner runner(services_.schedule, clock_, options);
  EXPECT_TRUE(runner.Tick().done.empty());
  EXPECT_FALSE(Enabled("checkout"));
  leading = true;
  EXPECT_EQ(Ids(runner.Tick().done), std::vector<int64_t>{on.id});
  EXPECT_TRUE(Enabled("checkout"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "scheduled change " + std::to_string(on.id) + " done: checkout on in production");
}

TEST_F(ScheduledChangesTest, RunnerThreadExecutesADueChange) {
  ScheduledChangeRunnerOptions options;
  options.interval = 10ms;
  options.leading = [] { return true; };
  ScheduledChangeRunner runner(services_.schedule, clock_, options);
  runner.Start();
  const ScheduledChange on = Schedule("checkout", 1min, "on");
  clock_.Advance(1min);
  // Waits for the thread's next tick (no duration is asserted; the bound only ends a hang).
  for (int i = 0; i < 2000 && Get(on.id).state != ScheduledChangeState::kDone; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  runner.Stop();
  EXPECT_EQ(Get(on.id).state, ScheduledChangeState::kDone);
  EXPECT_TRUE(Served("checkout"));
  runner.Stop();  // a second Stop is harmless
}

}  // namespace
}  // namespace gov::flags
