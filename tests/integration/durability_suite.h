#pragma once

// Durability under SIGKILL, shared by the SQLite (durability_test.cc) and PostgreSQL
// (durability_pgtest.cc) executables. Writer threads create tokens through the HTTP API over
// keep-alive connections and record an id only after a complete 201 response. Once enough
// acknowledgements have arrived the server is SIGKILLed while the writers are still sending;
// it is restarted on the same database and every token is listed page by page. The property
// (the "D" of ACID as seen by an API client): every acknowledged write is present after a
// crash. Writes that were in flight at the kill may or may not be present; both are fine.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/json_util.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/governor_process.h"

namespace gov::testing {

struct DurabilityOptions {
  int cycles = 3;                 // kill/restart cycles in one test
  size_t acks_before_kill = 300;  // acknowledgements per cycle before SIGKILL
  int writers = 3;                // client threads, each on its own keep-alive connection
  int list_page_size = 250;       // small enough that the listing spans several pages
  // Bound on reaching acks_before_kill; generous for a loaded 2-core machine.
  std::chrono::seconds ack_timeout{300};
};

// Server config for the run: admin rate limiting off (the writers are one token sending
// hundreds of requests per second) and no access log (it would only fill the log file).
inline std::string DurabilityConfigYaml() {
  return "rateLimits:\n"
         "  admin: {requestsPerSecond: 0, burst: 0}\n"
         "log:\n"
         "  accessLog: false\n";
}

namespace internal {

// What the writers have seen; guarded by `mu`.
struct WriteLedger {
  std::mutex mu;
  std::condition_variable acked_cv;
  std::map<std::string, std::string> acked;  // id -> name, complete 201 responses only
  std::set<std::string> attempted_names;     // every name sent, acknowledged or not
  size_t acked_this_cycle = 0;
  size_t transport_errors = 0;          // no complete response (at the kill)
  std::vector<std::string> unexpected;  // complete responses other than 201
};

// Sends POST /api/v1/tokens until `stop`, recording outcomes in `ledger`.
inline void WriterLoop(int port, const std::string& name_prefix, std::atomic<bool>& stop,
                       WriteLedger& ledger) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(60, 0);
  client.set_write_timeout(60, 0);
  const httplib::Headers headers = AdminHeaders();
  for (long seq = 0; !stop.load(); ++seq) {
    const std::string name = name_prefix + std::to_string(seq);
    {
      std::lock_guard<std::mutex> lock(ledger.mu);
      ledger.attempted_names.insert(name);
    }
    const core::Json body{{"type", "client"}, {"name", name}, {"environment", "development"}};
    auto res = client.Post("/api/v1/tokens", headers, body.dump(), "application/json");
    std::lock_guard<std::mutex> lock(ledger.mu);
    if (!res) {
      ++ledger.transport_errors;
      continue;
    }
    const core::Json created = core::Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (res->status != 201 || !created.is_object() || !created.contains("id") ||
        !created["id"].is_string()) {
      ledger.unexpected.push_back(name + ": " + std::to_string(res->status) + " " + res->body);
      continue;
    }
    ledger.acked.emplace(created["id"].get<std::string>(), name);
    ++ledger.acked_this_cycle;
    ledger.acked_cv.notify_all();
  }
}

}  // namespace internal

// Runs `options.cycles` write/SIGKILL/restart/verify cycles against `database_url`.
inline void RunDurabilityCycles(const std::string& database_url,
                                const DurabilityOptions& options = {}) {
  TempDir dir("gov_durability");
  const std::filesystem::path config = dir.path() / "governor.yaml";
  WriteFile(config, DurabilityConfigYaml());
  const auto args = ServeArgs(database_url, config);

  auto started = GovernorProcess::Start(args);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<GovernorProcess> server = std::move(started).value();

  internal::WriteLedger ledger;
  for (int cycle = 0; cycle < options.cycles; ++cycle) {
    {
      std::lock_guard<std::mutex> lock(ledger.mu);
      ledger.acked_this_cycle = 0;
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < options.writers; ++w) {
      const std::string prefix = "dur-c" + std::to_string(cycle) + "-w" + std::to_string(w) + "-";
      writers.emplace_back(internal::WriterLoop, server->port(), prefix, std::ref(stop),
                           std::ref(ledger));
    }
    // Count-based: wait for the acknowledgements, checking once a second that the server
    // is still alive (a crash would otherwise look like a slow server).
    bool reached = false;
    bool exited_early = false;
    const auto ack_deadline = std::chrono::steady_clock::now() + options.ack_timeout;
    while (!reached && !exited_early && std::chrono::steady_clock::now() < ack_deadline) {
      {
        std::unique_lock<std::mutex> lock(ledger.mu);
        reached = ledger.acked_cv.wait_for(lock, std::chrono::seconds(1), [&] {
          return ledger.acked_this_cycle >= options.acks_before_kill;
        });
      }
      if (!reached) exited_early = server->WaitExit(std::chrono::milliseconds(0)).has_value();
    }
    // SIGKILL while the writers are still sending: some requests are mid-flight. The
    // writers stop right after, so they do not spin on refused connections.
    const bool signalled = server->Signal(SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
    const int killed = server->Kill();
    ASSERT_FALSE(exited_early) << "cycle " << cycle << ": governor exited on its own with status "
                               << killed << " after " << ledger.acked_this_cycle
                               << " acknowledgements";
    EXPECT_TRUE(signalled) << "governor had been reaped before the SIGKILL";
    EXPECT_EQ(killed, 128 + SIGKILL) << "governor had exited before the SIGKILL";
    ASSERT_TRUE(reached) << "cycle " << cycle << ": only " << ledger.acked_this_cycle
                         << " acknowledgements within " << options.ack_timeout.count() << " s";
    EXPECT_TRUE(ledger.unexpected.empty())
        << ledger.unexpected.size()
        << " complete non-201 responses, first: " << ledger.unexpected.front();

    started = GovernorProcess::Start(args);
    ASSERT_TRUE(started.ok()) << "restart after SIGKILL failed: " << started.status().ToString();
    server = std::move(started).value();

    auto listed = ListAllTokens(server->port(), options.list_page_size);
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    size_t missing = 0;
    size_t unacked_present = 0;
    size_t written_present = 0;
    std::string first_missing;
    for (const auto& [id, name] : ledger.acked) {
      const auto it = listed->find(id);
      if (it == listed->end()) {
        if (missing++ == 0) first_missing = id + " (" + name + ")";
        continue;
      }
      EXPECT_EQ(it->second, name) << "token " << id << " has another name after restart";
    }
    std::set<std::string> acked_names;
    for (const auto& [id, name] : ledger.acked) acked_names.insert(name);
    for (const auto& [id, name] : *listed) {
      if (name.rfind("dur-", 0) != 0) continue;  // the configured admin token
      ++written_present;
      EXPECT_EQ(ledger.attempted_names.count(name), 1u) << "token " << name << " was never sent";
      if (acked_names.count(name) == 0) ++unacked_present;
    }
    const size_t acked = ledger.acked.size();
    std::cout << "[durability] cycle " << cycle << ": acknowledged " << acked << " (this cycle "
              << ledger.acked_this_cycle << "), present " << acked - missing
              << ", written tokens listed " << written_present << ", unacknowledged but present "
              << unacked_present << ", transport errors " << ledger.transport_errors << ", missing "
              << missing << std::endl;
    const std::string prefix = "cycle" + std::to_string(cycle) + "_";
    ::testing::Test::RecordProperty(prefix + "acknowledged", static_cast<int>(acked));
    ::testing::Test::RecordProperty(prefix + "present", static_cast<int>(acked - missing));
    ::testing::Test::RecordProperty(prefix + "unacked_present", static_cast<int>(unacked_present));
    ASSERT_EQ(missing, 0u) << missing << " of " << acked
                           << " acknowledged tokens are missing after SIGKILL + restart; first: "
                           << first_missing;
  }
}

}  // namespace gov::testing
