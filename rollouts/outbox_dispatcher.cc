#include "rollouts/outbox_dispatcher.h"

#include <algorithm>
#include <cstdlib>

namespace gov::rollouts {

OutboxDispatcher::OutboxDispatcher(store::Database& db, integrations::SignedWebhookSender& sender,
                                   const core::Clock& clock, OutboxDispatcherOptions options,
                                   std::shared_ptr<store::Outbox> outbox)
    : db_(db),
      sender_(sender),
      clock_(clock),
      options_(std::move(options)),
      outbox_(outbox ? std::move(outbox) : std::make_shared<store::SqlOutbox>()) {}

DispatchResult OutboxDispatcher::RunOnce() {
  DispatchResult out;
  std::vector<store::OutboxRow> rows;
  core::Status claimed = store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(rows, outbox_->ClaimDue(tx, store::kOutboxKindReleasePlanWebhook,
                                                 clock_.Now(), options_.lease, options_.batch));
        return core::Status::Ok();
      });
  if (!claimed.ok()) {
    out.errors.push_back(claimed);
    return out;
  }
  for (const store::OutboxRow& row : rows) {
    const std::string id = std::to_string(row.id);
    core::Status sent = core::Status::Ok();
    std::string secret;
    if (!row.secret_env.empty()) {
      std::optional<std::string> value;
      if (options_.secret) {
        value = options_.secret(row.secret_env);
      } else if (const char* env = std::getenv(row.secret_env.c_str())) {
        value = env;
      }
      if (!value) {
        sent = core::FailedPrecondition("environment variable " + row.secret_env +
                                        " (the webhook secret) is not set");
      } else {
        secret = *value;
      }
    }
    if (sent.ok()) {
      integrations::WebhookDelivery delivery;
      delivery.url = row.url;
      delivery.secret = secret;
      delivery.body = row.payload_json;
      delivery.headers = {{std::string(kDeliveryHeader), id}};
      delivery.description = "release-plan webhook " + id + " POST " + row.url;
      sent = sender_.Deliver(delivery);
    }
    const core::TimePoint now = clock_.Now();
    core::Status marked;
    if (sent.ok()) {
      ++out.delivered;
      marked = store::WithTransaction(db_, store::TxMode::kReadWrite,
                                      [&](store::Transaction& tx) -> core::Status {
                                        return outbox_->MarkDelivered(tx, row.id, now);
                                      });
      if (options_.log) options_.log("release-plan webhook " + id + " delivered to " + row.url);
    } else {
      ++out.failed;
      out.errors.push_back(sent);
      const int shift = static_cast<int>(std::min<int64_t>(row.attempts, 20));
      const core::Duration wait = std::min<core::Duration>(
          options_.backoff_cap, options_.backoff_base * (int64_t{1} << shift));
      marked = store::WithTransaction(
          db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
            return outbox_->MarkFailed(tx, row.id, sent.message(), now + wait);
          });
      if (options_.log) options_.log("release-plan webhook " + id + ": " + sent.ToString());
    }
    if (!marked.ok()) out.errors.push_back(marked);
  }
  return out;
}

void OutboxDispatcher::Start() {
  thread_.Start(options_.interval, [this] {
    if (!options_.leading || options_.leading()) RunOnce();
  });
}

void OutboxDispatcher::Stop() { thread_.Stop(); }

}  // namespace gov::rollouts
