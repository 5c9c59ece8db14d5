#pragma once

// Durability of event ingestion under SIGKILL, on the real `governor` binary: writer threads
// post batches of events (unique ids) with a client token and record the ids of a batch only
// after its complete 202. Once enough events are acknowledged the server is SIGKILLed while
// the writers are still sending; it is restarted on the same database, and the events table
// is read back: every acknowledged id is present exactly once. Events in flight at the kill
// may or may not be present; both are fine. Instantiated by event_durability_test.cc
// (SQLite) and event_durability_pgtest.cc (PostgreSQL).

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/json_util.h"
#include "store/database.h"
#include "store/event_repository.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/governor_process.h"

namespace gov::testing {

struct EventDurabilityOptions {
  int cycles = 2;
  size_t acked_events_before_kill = 20000;
  int writers = 4;
  int batch_size = 250;
  std::chrono::seconds ack_timeout{300};
};

namespace internal {

struct EventLedger {
  std::mutex mu;
  std::condition_variable acked_cv;
  std::set<std::string> acked;
  size_t acked_this_cycle = 0;
  size_t transport_errors = 0;
  std::vector<std::string> unexpected;
};

// Creates a client token of environment "development"; returns its secret.
inline std::string CreateClientToken(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  const core::Json body{{"type", "client"}, {"name", "events"}, {"environment", "development"}};
  auto res = c.Post("/api/v1/tokens", AdminHeaders(), body.dump(), "application/json");
  if (!res || res->status != 201) {
    ADD_FAILURE() << "token creation failed: " << (res ? res->body : "no response");
    return "";
  }
  return core::Json::parse(res->body).value("secret", "");
}

inline void EventWriterLoop(int port, const std::string& secret, const std::string& prefix,
                            int batch_size, std::atomic<bool>& stop, EventLedger& ledger) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(60, 0);
  client.set_write_timeout(60, 0);
  const httplib::Headers headers{{"Authorization", secret}};
  for (long seq = 0; !stop.load(); ++seq) {
    core::Json events = core::Json::array();
    std::vector<std::string> ids;
    for (int i = 0; i < batch_size; ++i) {
      ids.push_back(prefix + std::to_string(seq) + "-" + std::to_string(i));
      events.push_back({{"id", ids.back()},
                        {"type", "track"},
                        {"name", "purchase"},
                        {"unit", "u" + std::to_string(i % 50)},
                        {"value", i},
                        {"timestamp", 1764095488000 + seq}});
    }
    auto res = client.Post("/api/v1/events", headers, core::Json{{"events", events}}.dump(),
                           "application/json");
    std::lock_guard<std::mutex> lock(ledger.mu);
    if (!res) {
      ++ledger.transport_errors;
      continue;
    }
    const core::Json body = core::Json::parse(res->body, nullptr, false);
    if (res->status != 202 || !body.is_object() ||
        body.value("accepted", -1) + body.value("duplicates", -1) != batch_size) {
      ledger.unexpected.push_back(std::to_string(res->status) + " " + res->body.substr(0, 300));
      continue;
    }
    for (std::string& id : ids) ledger.acked.insert(std::move(id));
    ledger.acked_this_cycle += ids.size();
    ledger.acked_cv.notify_all();
  }
}

// Every stored id of environment "development" with how often it is stored.
inline core::StatusOr<std::map<std::string, int>> StoredIds(const std::string& url) {
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::OpenDatabase(url, 1));
  std::map<std::string, int> out;
  int64_t cursor = 0;
  for (;;) {
    std::vector<store::EventRow> rows;
    RETURN_IF_ERROR(store::WithTransaction(
        *db, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
          ASSIGN_OR_RETURN(rows, store::EventRepository::ReadAfter(tx, cursor, 20000));
          return core::Status::Ok();
        }));
    if (rows.empty()) break;
    for (const store::EventRow& r : rows) {
      if (r.environment == "development") ++out[r.id];
    }
    cursor = rows.back().seq;
  }
  db->Close();
  return out;
}

}  // namespace internal

inline void RunEventDurabilityCycles(const std::string& database_url,
                                     const EventDurabilityOptions& options = {}) {
  TempDir dir("gov_event_durability");
  const std::filesystem::path config = dir.path() / "governor.yaml";
  WriteFile(config,
            "rateLimits:\n"
            "  admin: {requestsPerSecond: 0, burst: 0}\n"
            "  ingest: {requestsPerSecond: 0, burst: 0}\n"
            "log:\n"
            "  accessLog: false\n");
  const auto args = ServeArgs(database_url, config);
  auto started = GovernorProcess::Start(args);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<GovernorProcess> server = std::move(started).value();
  const std::string secret = internal::CreateClientToken(server->port());
  ASSERT_FALSE(secret.empty());

  internal::EventLedger ledger;
  for (int cycle = 0; cycle < options.cycles; ++cycle) {
    {
      std::lock_guard<std::mutex> lock(ledger.mu);
      ledger.acked_this_cycle = 0;
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < options.writers; ++w) {
      const std::string prefix = "c" + std::to_string(cycle) + "-w" + std::to_string(w) + "-";
      writers.emplace_back(internal::EventWriterLoop, server->port(), secret, prefix,
                           options.batch_size, std::ref(stop), std::ref(ledger));
    }
    bool reached = false;
    bool exited_early = false;
    const auto deadline = std::chrono::steady_clock::now() + options.ack_timeout;
    while (!reached && !exited_early && std::chrono::steady_clock::now() < deadline) {
      {
        std::unique_lock<std::mutex> lock(ledger.mu);
        reached = ledger.acked_cv.wait_for(lock, std::chrono::seconds(1), [&] {
          return ledger.acked_this_cycle >= options.acked_events_before_kill;
        });
      }
      if (!reached) exited_early = server->WaitExit(std::chrono::milliseconds(0)).has_value();
    }
    const bool signalled = server->Signal(SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
    const int killed = server->Kill();
    ASSERT_FALSE(exited_early) << "governor exited on its own with status " << killed;
    EXPECT_TRUE(signalled);
    EXPECT_EQ(killed, 128 + SIGKILL);
    ASSERT_TRUE(reached) << "cycle " << cycle << ": only " << ledger.acked_this_cycle
                         << " events acknowledged within " << options.ack_timeout.count() << " s";
    EXPECT_TRUE(ledger.unexpected.empty())
        << ledger.unexpected.size()
        << " unexpected responses, first: " << ledger.unexpected.front();

    started = GovernorProcess::Start(args);
    ASSERT_TRUE(started.ok()) << "restart after SIGKILL failed: " << started.status().ToString();
    server = std::move(started).value();

    auto stored = internal::StoredIds(database_url);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    size_t missing = 0;
    size_t twice = 0;
    std::string first_missing;
    for (const std::string& id : ledger.acked) {
      auto it = stored->find(id);
      if (it == stored->end()) {
        if (missing++ == 0) first_missing = id;
      } else if (it->second != 1) {
        ++twice;
      }
    }
    std::cout << "[event durability] cycle " << cycle << ": acknowledged " << ledger.acked.size()
              << " (this cycle " << ledger.acked_this_cycle << "), stored " << stored->size()
              << ", missing " << missing << ", stored more than once " << twice
              << ", transport errors " << ledger.transport_errors << std::endl;
    ASSERT_EQ(missing, 0u) << missing
                           << " acknowledged events are missing; first: " << first_missing;
    ASSERT_EQ(twice, 0u);
    // A retry of an acknowledged batch after the restart counts as duplicates only.
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(30, 0);
    // The same event: its id and its unit (EventWriterLoop's, from the id's index in its
    // batch).
    const std::string id = *ledger.acked.begin();
    const std::string unit = "u" + std::to_string(std::stoi(id.substr(id.rfind('-') + 1)) % 50);
    const core::Json retry{{"events",
                            {{{"id", id},
                              {"type", "track"},
                              {"name", "purchase"},
                              {"unit", unit},
                              {"timestamp", 1764095488000}}}}};
    auto res =
        c.Post("/api/v1/events", {{"Authorization", secret}}, retry.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 202);
    EXPECT_EQ(core::Json::parse(res->body)["duplicates"], 1) << res->body;
  }
}

}  // namespace gov::testing
