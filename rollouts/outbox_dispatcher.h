#pragma once

// Delivers the release plans' webhook notifications from the transactional outbox
// (store/outbox_repository.h): claims due rows of kind store::kOutboxKindReleasePlanWebhook
// with a lease, POSTs each through integrations::SignedWebhookSender (signed with the secret
// read from the environment variable the row names, and carrying X-Governor-Delivery: <row id>
// so receivers dedupe repeated deliveries), then marks it delivered, or failed with the next
// attempt after an exponential backoff. Delivery is at least once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/periodic.h"
#include "core/status.h"
#include "integrations/signed_webhook_sender.h"
#include "store/database.h"
#include "store/outbox_repository.h"

namespace gov::rollouts {

inline constexpr std::string_view kDeliveryHeader = "X-Governor-Delivery";

struct OutboxDispatcherOptions {
  // How long a claimed row is held from other dispatchers: longer than one delivery with the
  // sender's own retries.
  std::chrono::milliseconds lease{60'000};
  int64_t batch = 20;
  // The wait before attempt n + 1 after n failed ones: min(backoff_cap, backoff_base * 2^(n-1)).
  core::Duration backoff_base = std::chrono::seconds(5);
  core::Duration backoff_cap = std::chrono::minutes(10);
  // How often the dispatcher thread runs.
  std::chrono::milliseconds interval{1000};
  // Whether this process should deliver now. Null: always.
  std::function<bool()> leading;
  // The secret of an environment variable. Null: std::getenv.
  std::function<std::optional<std::string>(const std::string&)> secret;
  // One line per delivery and failure. Null: no logging.
  std::function<void(std::string_view)> log;
};

struct DispatchResult {
  int64_t delivered = 0;
  int64_t failed = 0;
  std::vector<core::Status> errors;  // failures of deliveries and of the store
};

class OutboxDispatcher {
 public:
  OutboxDispatcher(store::Database& db, integrations::SignedWebhookSender& sender,
                   const core::Clock& clock, OutboxDispatcherOptions options = {},
                   std::shared_ptr<store::Outbox> outbox = nullptr);
  ~OutboxDispatcher() { Stop(); }
  OutboxDispatcher(const OutboxDispatcher&) = delete;
  OutboxDispatcher& operator=(const OutboxDispatcher&) = delete;

  // Claims and delivers the rows due at clock.Now() (one batch).
  DispatchResult RunOnce();
  // Starts the thread that runs every interval (when leading). Call once.
  void Start();
  // Stops and joins the thread. Safe to call more than once.
  void Stop();

 private:
  store::Database& db_;
  integrations::SignedWebhookSender& sender_;
  const core::Clock& clock_;
  const OutboxDispatcherOptions options_;
  std::shared_ptr<store::Outbox> outbox_;
  core::PeriodicThread thread_;
};

}  // namespace gov::rollouts
