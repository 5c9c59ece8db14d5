// OutboxDispatcher against a local webhook receiver (cpp-httplib on port 0): a signed delivery
// whose signature verifies with the integrations module's check, the delivery id header, and a
// retry with backoff after a 503.

#include "rollouts/outbox_dispatcher.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "integrations/webhook_signature.h"
#include "store/outbox_repository.h"
#include "tests/store/test_databases.h"

namespace gov::rollouts {
namespace {

using std::chrono::seconds;

struct Received {
  std::string body;
  std::string signature;
  std::string delivery;
};

class RolloutsOutboxDispatcherTest : public ::testing::Test {
 protected:
  RolloutsOutboxDispatcherTest() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      received_.push_back({req.body, req.get_header_value("X-Governor-Signature"),
                           req.get_header_value("X-Governor-Delivery")});
      if (failures_left_ > 0) {
        --failures_left_;
        res.status = 503;
        res.set_content("busy", "text/plain");
        return;
      }
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RolloutsOutboxDispatcherTest() override {
    server_.stop();
    thread_.join();
  }

  int64_t Enqueue(const std::string& payload) {
    int64_t id = 0;
    EXPECT_TRUE(
        store::WithTransaction(db_.db(), store::TxMode::kReadWrite,
                               [&](store::Transaction& tx) -> core::Status {
                                 store::OutboxRow row;
                                 row.kind = store::kOutboxKindReleasePlanWebhook;
                                 row.url = "http://127.0.0.1:" + std::to_string(port_) + "/hook";
                                 row.secret_env = "GOV_TEST_ROLLOUT_SECRET";
                                 row.payload_json = payload;
                                 row.created_at = clock_.Now();
                                 row.next_attempt_at = clock_.Now();
                                 ASSIGN_OR_RETURN(id, store::OutboxRepository::Enqueue(tx, row));
                                 return core::Status::Ok();
                               })
            .ok());
    return id;
  }
  store::OutboxRow Row(int64_t id) {
    store::OutboxRow out;
    EXPECT_TRUE(store::WithTransaction(db_.db(), store::TxMode::kReadOnly,
                                       [&](store::Transaction& tx) -> core::Status {
                                         ASSIGN_OR_RETURN(out,
                                                          store::OutboxRepository::Get(tx, id));
                                         return core::Status::Ok();
                                       })
                    .ok());
    return out;
  }
  OutboxDispatcher Dispatcher() {
    OutboxDispatcherOptions options;
    options.backoff_base = seconds(5);
    options.secret = [](const std::string& name) -> std::optional<std::string> {
      if (name == "GOV_TEST_ROLLOUT_SECRET") return std::string("s3cret");
      return std::nullopt;
    };
    return OutboxDispatcher(db_.db(), sender_, clock_, options);
  }

  store::testing::SqliteTestDatabase db_;
  core::FakeClock clock_;
  integrations::SignedWebhookSender sender_{integrations::SignedWebhookSenderOptions{
      .max_attempts = 1, .clock = &clock_, .sleep = [](core::Duration) {}}};
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Received> received_;
  int failures_left_ = 0;
};

TEST_F(RolloutsOutboxDispatcherTest, DeliversSignedWebhookOnce) {
  const std::string payload = R"({"plan":"p1","event":"advanced"})";
  const int64_t id = Enqueue(payload);
  OutboxDispatcher dispatcher = Dispatcher();
  DispatchResult r = dispatcher.RunOnce();
  EXPECT_EQ(r.delivered, 1);
  EXPECT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ASSERT_EQ(received_.size(), 1u);
    EXPECT_EQ(received_[0].body, payload);
    EXPECT_EQ(received_[0].delivery, std::to_string(id));
    EXPECT_TRUE(integrations::VerifyWebhookSignature("s3cret", received_[0].signature,
                                                     received_[0].body, clock_.Now())
                    .ok());
    EXPECT_FALSE(integrations::VerifyWebhookSignature("other", received_[0].signature,
                                                      received_[0].body, clock_.Now())
                     .ok());
  }
  EXPECT_TRUE(Row(id).delivered_at.has_value());
  clock_.Advance(seconds(3600));
  EXPECT_EQ(dispatcher.RunOnce().delivered, 0);  // delivered rows are not sent again
}

TEST_F(RolloutsOutboxDispatcherTest, RetriesAfter503WithBackoff) {
  failures_left_ = 1;
  const int64_t id = Enqueue(R"({"plan":"p1","event":"rolledBack"})");
  OutboxDispatcher dispatcher = Dispatcher();
  DispatchResult r = dispatcher.RunOnce();
  EXPECT_EQ(r.failed, 1);
  store::OutboxRow row = Row(id);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_FALSE(row.delivered_at.has_value());
  ASSERT_TRUE(row.last_error.has_value());
  EXPECT_NE(row.last_error->find("503"), std::string::npos) << *row.last_error;
  EXPECT_EQ(row.next_attempt_at, clock_.Now() + seconds(5));
  // Not due before the backoff ends.
  clock_.Advance(seconds(4));
  EXPECT_EQ(dispatcher.RunOnce().delivered + dispatcher.RunOnce().failed, 0);
  clock_.Advance(seconds(1));
  r = dispatcher.RunOnce();
  EXPECT_EQ(r.delivered, 1);
  EXPECT_TRUE(Row(id).delivered_at.has_value());
  std::lock_guard<std::mutex> lock(mu_);
  ASSERT_EQ(received_.size(), 2u);
  EXPECT_EQ(received_[0].delivery, received_[1].delivery);  // the same id on every attempt
}

TEST_F(RolloutsOutboxDispatcherTest, MissingSecretIsAFailedAttempt) {
  const int64_t id = Enqueue("{}");
  OutboxDispatcherOptions options;
  options.secret = [](const std::string&) { return std::optional<std::string>(); };
  OutboxDispatcher dispatcher(db_.db(), sender_, clock_, options);
  DispatchResult r = dispatcher.RunOnce();
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(Row(id).attempts, 1);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_TRUE(received_.empty());
}

}  // namespace
}  // namespace gov::rollouts
