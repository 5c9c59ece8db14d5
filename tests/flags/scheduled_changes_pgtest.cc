// Scheduled changes on PostgreSQL: two services with their own connection pools (two
// "processes") run the due changes concurrently, and each change runs exactly once.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "core/time_format.h"
#include "flags/scheduled_changes.h"
#include "tests/flags/scheduled_changes_services.h"
#include "tests/store/test_databases.h"

namespace gov::flags {
namespace {

using namespace std::chrono_literals;

const store::AuditActor kAuthor{"alice", "req-1"};

using testing::Services;

TEST(ScheduledChangesPgTest, TwoProcessesRunEachChangeExactlyOnce) {
  ASSERT_TRUE(store::testing::PostgresTestDatabase::Available())
      << "GOVERNOR_TEST_PG_URL is not set";
  store::testing::PostgresTestDatabase pg;
  core::FakeClock clock;
  std::unique_ptr<store::Database> other_db = pg.OpenAnother();
  Services a(pg.db(), clock);
  Services b(*other_db, clock);
  for (const char* name : {"checkout", "search", "cart"}) {
    ASSERT_TRUE(a.flags.CreateFeature(kAuthor, {{"name", name}}).ok());
  }
  std::set<int64_t> scheduled;
  const char* features[] = {"checkout", "search", "cart"};
  for (int i = 0; i < 12; ++i) {
    core::Json body{{"at", core::FormatRfc3339(clock.Now() + std::chrono::seconds(i + 1))},
                    {"action", i % 2 ? "off" : "on"}};
    auto c = a.schedule.Create(kAuthor, features[i % 3], "production", body);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    scheduled.insert(c->id);
  }
  clock.Advance(1min);
  const core::TimePoint now = clock.Now();
  std::vector<int64_t> done;
  // Concurrent runs; a run that lost a race on a flag's version leaves that change pending for
  // the next run, so both run until nothing is pending.
  for (int round = 0; round < 5; ++round) {
    RunDueResult ra, rb;
    std::atomic<bool> go{false};
    std::thread ta([&] {
      while (!go.load()) std::this_thread::yield();
      ra = a.schedule.RunDue(now);
    });
    std::thread tb([&] {
      while (!go.load()) std::this_thread::yield();
      rb = b.schedule.RunDue(now);
    });
    go = true;
    ta.join();
    tb.join();
    for (const auto& c : ra.done) done.push_back(c.id);
    for (const auto& c : rb.done) done.push_back(c.id);
    auto pending = a.schedule.List(std::string("pending"), {50, ""});
    ASSERT_TRUE(pending.ok());
    if (pending->items.empty()) break;
  }
  std::sort(done.begin(), done.end());
  EXPECT_EQ(done, std::vector<int64_t>(scheduled.begin(), scheduled.end()));
  auto audit = store::testing::AuditEntries(pg.db());
  EXPECT_EQ(
      std::count_if(audit.begin(), audit.end(),
                    [](const store::AuditEntry& e) { return e.action == "flag.schedule.run"; }),
      12);
}

}  // namespace
}  // namespace gov::flags
