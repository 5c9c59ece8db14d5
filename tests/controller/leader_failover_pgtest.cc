// Leader failover between two `governor serve` processes sharing one PostgreSQL database
// (a fresh database on the server named by GOVERNOR_TEST_PG_URL). A webhook target scales up
// by one replica per sync; the webhook receiver records every actuation (decision id, epoch,
// from, to). The leader is SIGKILLed: its session ends, PostgreSQL releases its advisory lock,
// and the follower must take over (a new epoch) and continue from the count the old leader
// left, and across the run no decision may be actuated twice or by two leaders: ids are
// unique, epochs never go back, and each epoch's actuations are contiguous.
//
// Both processes run on the real clock, so every wait is for a condition, with a deadline
// (kGenerousDeadline) that only a real bug misses; the takeover time is printed and recorded,
// not asserted.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "core/json_util.h"
#include "store/decision_repository.h"
#include "tests/store/test_databases.h"
#include "tests/testing/governor_process.h"

namespace gov::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

constexpr int kSyncPeriodSeconds = 2;
// Far beyond what any step takes on a loaded or sanitized run (a takeover is a lock poll and a
// sync, a few seconds): missing it means the step never happens.
constexpr std::chrono::seconds kGenerousDeadline{60};
constexpr const char* kAdmin = "failover-admin-token-0123456789";

struct Actuation {
  std::string id;
  int64_t epoch = 0;
  int from = 0;
  int to = 0;
  SteadyClock::time_point at;
};

// Records every webhook POST.
class Receiver {
 public:
  Receiver() {
    server_.Post("/scale", [this](const httplib::Request& req, httplib::Response& res) {
      auto body = core::ParseJson(req.body);
      std::lock_guard lock(mu_);
      if (body.ok()) {
        actuations_.push_back({(*body)["decisionId"].get<std::string>(),
                               (*body)["epoch"].get<int64_t>(), (*body)["from"].get<int>(),
                               (*body)["to"].get<int>(), SteadyClock::now()});
      }
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<Actuation> actuations() {
    std::lock_guard lock(mu_);
    return actuations_;
  }
  // Waits until `pred(actuations)` holds or `timeout` passes.
  bool WaitFor(const std::function<bool(const std::vector<Actuation>&)>& pred,
               SteadyClock::duration timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    while (SteadyClock::now() < deadline) {
      if (pred(actuations())) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return pred(actuations());
  }

 private:
  httplib::Server server_;
  std::mutex mu_;
  std::vector<Actuation> actuations_;
  int port_ = 0;
  std::thread thread_;
};

std::string Metrics(int port) {
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/metrics");
  return res ? res->body : "";
}

bool IsLeader(int port) {
  return Metrics(port).find("\ngovernor_controller_leader 1\n") != std::string::npos;
}

TEST(LeaderFailoverPgTest, TheFollowerTakesOverWhenTheLeaderDiesWithoutDoubleActuation) {
  if (!store::testing::PostgresTestDatabase::Available()) {
    FAIL() << "GOVERNOR_TEST_PG_URL is not set; run scripts/test, or source scripts/lib/pg.sh "
              "and call pg_start";
  }
  store::testing::PostgresTestDatabase database;
  Receiver receiver;
  TempDir dir("gov_failover");
  const auto config = dir.path() / "governor.yaml";
  {
    // Value metric pushed far above target: the proposal is huge, so every sync adds exactly
    // the one pod per period the scale-up policy allows.
    std::ofstream out(config);
    out << "targets:\n"
        << "  - name: web\n"
        << "    minReplicas: 1\n"
        << "    maxReplicas: 100000\n"
        << "    syncPeriodSeconds: " << kSyncPeriodSeconds << "\n"
        << "    metrics: [{name: load, type: Value, target: 1, source: push}]\n"
        << "    behavior: {scaleUp: {stabilizationWindowSeconds: 0, policies: "
        << "[{type: Pods, value: 1, periodSeconds: 1}]}}\n"
        << "    hook: {webhook: {url: 'http://127.0.0.1:" << receiver.port()
        << "/scale', secret: whsec_failover, timeoutSeconds: 2, maxRetries: 0}}\n";
  }
  const std::vector<std::string> args = {"serve",        "--config",      config.string(),
                                         "--listen",     "127.0.0.1:0",   "--database",
                                         database.url(), "--admin-token", kAdmin};
  auto a = GovernorProcess::Start(args);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  std::unique_ptr<GovernorProcess> first = std::move(a).value();
  const auto lead_deadline = SteadyClock::now() + kGenerousDeadline;
  while (!IsLeader(first->port()) && SteadyClock::now() < lead_deadline) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(IsLeader(first->port())) << first->LogTail();

  // A client token for pushing, created before the second process loads its tokens.
  httplib::Client admin("127.0.0.1", first->port());
  auto token = admin.Post("/api/v1/tokens", {{"Authorization", std::string("Bearer ") + kAdmin}},
                          R"({"type":"client","name":"pusher","environment":"development"})",
                          "application/json");
  ASSERT_TRUE(token && token->status == 201) << (token ? token->body : "no response");
  const std::string secret = core::Json::parse(token->body)["secret"];

  auto b = GovernorProcess::Start(args);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  std::unique_ptr<GovernorProcess> second = std::move(b).value();
  EXPECT_FALSE(IsLeader(second->port()));

  // Samples are held in each process's memory: push to both, as a pusher behind a load
  // balancer that fans out to every replica would.
  std::atomic<bool> pushing{true};
  const std::vector<int> ports = {first->port(), second->port()};
  std::thread pusher([&] {
    while (pushing) {
      for (int port : ports) {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(milliseconds(200));
        c.Post("/api/v1/targets/web/metrics", {{"Authorization", "Bearer " + secret}},
               R"({"samples":[{"metric":"load","value":1000000}]})", "application/json");
      }
      std::this_thread::sleep_for(milliseconds(200));
    }
  });

  ASSERT_TRUE(receiver.WaitFor([](const auto& v) { return v.size() >= 3; }, kGenerousDeadline))
      << first->LogTail();
  const int64_t first_epoch = receiver.actuations().back().epoch;
  ASSERT_TRUE(IsLeader(first->port()));
  EXPECT_FALSE(IsLeader(second->port()));

  const size_t before_kill = receiver.actuations().size();
  ASSERT_TRUE(first->Signal(SIGKILL));
  const auto killed_at = SteadyClock::now();
  first->WaitExit(seconds(5));
  ASSERT_TRUE(receiver.WaitFor(
      [&](const auto& v) { return !v.empty() && v.back().epoch > first_epoch; }, kGenerousDeadline))
      << second->LogTail();
  std::optional<Actuation> last_before_kill, takeover;
  for (const Actuation& x : receiver.actuations()) {
    if (x.epoch <= first_epoch) last_before_kill = x;
    if (x.epoch > first_epoch) {
      takeover = x;
      break;
    }
  }
  ASSERT_TRUE(last_before_kill.has_value() && takeover.has_value());
  // The new leader continues from the count the old one reached (or repeats its last change,
  // when the old leader died between the hook call and its record): it neither starts over
  // nor skips ahead.
  EXPECT_GE(takeover->from, last_before_kill->from) << takeover->id;
  EXPECT_LE(takeover->to, last_before_kill->to + 1) << takeover->id;
  // Measured, for the record; a machine's speed is not part of the contract.
  const auto takeover_ms = std::chrono::duration_cast<milliseconds>(takeover->at - killed_at);
  RecordProperty("takeover_ms", std::to_string(takeover_ms.count()));
  std::printf("takeover after SIGKILL: %lld ms (sync period %d s)\n",
              static_cast<long long>(takeover_ms.count()), kSyncPeriodSeconds);
  EXPECT_TRUE(IsLeader(second->port()));
  // A few more actuations under the new leader.
  const size_t after_takeover = receiver.actuations().size();
  ASSERT_TRUE(receiver.WaitFor([&](const auto& v) { return v.size() >= after_takeover + 3; },
                               kGenerousDeadline));
  pushing = false;
  pusher.join();
  second->Signal(SIGTERM);
  second->WaitExit(seconds(10));

  const std::vector<Actuation> all = receiver.actuations();
  std::set<std::string> ids;
  std::set<int64_t> finished_epochs;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(ids.insert(all[i].id).second) << "decision " << all[i].id << " actuated twice";
    if (i == 0) continue;
    EXPECT_GE(all[i].epoch, all[i - 1].epoch) << "epochs went back at actuation " << i;
    if (all[i].epoch != all[i - 1].epoch) {
      EXPECT_TRUE(finished_epochs.insert(all[i - 1].epoch).second);
      EXPECT_EQ(finished_epochs.count(all[i].epoch), 0u) << "two leaders interleaved";
    }
    // One pod per sync; a new leader may repeat the last change only if the old one died
    // between calling the hook and recording its answer.
    EXPECT_GE(all[i].to, all[i - 1].to) << i;
    EXPECT_LE(all[i].to, all[i - 1].to + 1) << i;
  }
  EXPECT_GE(all.size(), before_kill + 3);
  EXPECT_GT(all.back().epoch, first_epoch);

  // The store agrees: every actuated decision is recorded with the epoch that sent it.
  auto tx = database.db().Begin(store::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto page = store::DecisionRepository::List(**tx, "web", {1000, ""});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  std::map<std::string, store::DecisionRecord> stored;
  for (auto& d : page->items) stored.emplace(d.id, d);
  for (const Actuation& x : all) {
    auto it = stored.find(x.id);
    ASSERT_NE(it, stored.end()) << x.id;
    EXPECT_EQ(it->second.epoch, x.epoch);
    EXPECT_TRUE(it->second.actuation == store::Actuation::kApplied ||
                it->second.actuation == store::Actuation::kUnknown)
        << x.id << " " << store::ActuationName(it->second.actuation);
  }
}

}  // namespace
}  // namespace gov::testing
