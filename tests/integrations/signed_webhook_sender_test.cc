// The signed webhook sender against a local httplib server on an ephemeral port: signatures
// that verify, retries of 5xx, 429 and connection errors with recorded (not slept) full-jitter
// delays, Retry-After, and 4xx answers that are not retried.

#include "integrations/signed_webhook_sender.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <string>
#include <vector>

#include "integrations/webhook_signature.h"
#include "tests/controller/hooks/hook_test_util.h"

namespace gov::integrations {
namespace {

using controller::testing::FakeServer;
using controller::testing::RefusedPort;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kSecret[] = "whsec_rollout_1";
constexpr char kBody[] = R"({"event":"rolledBack","plan":"checkout-v2-prod"})";

struct Received {
  std::string body, signature, content_type, user_agent, idempotency_key;
};

// Answers POST /hook with `statuses` in turn (the last one repeats); a 429 carries
// `retry_after` as its Retry-After header when set.
class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses, std::string retry_after = "")
      : statuses_(std::move(statuses)), retry_after_(std::move(retry_after)) {
    server_.server().Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      received_.push_back({req.body, req.get_header_value("X-Governor-Signature"),
                           req.get_header_value("Content-Type"), req.get_header_value("User-Agent"),
                           req.get_header_value("Idempotency-Key")});
      const size_t i = std::min(received_.size() - 1, statuses_.size() - 1);
      res.status = statuses_[i];
      if (res.status == 429 && !retry_after_.empty()) res.set_header("Retry-After", retry_after_);
      res.set_content(res.status < 300 ? "ok" : "unavailable\nretry later", "text/plain");
    });
  }
  std::string Url() const { return server_.Origin() + "/hook"; }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  std::vector<int> statuses_;
  std::string retry_after_;
  std::mutex mu_;
  std::vector<Received> received_;
  FakeServer server_;  // last: stops before the members its handler uses are destroyed
};

// A fake clock, recorded sleeps and log lines, and a fixed seed.
struct Harness {
  core::FakeClock clock{core::TimePoint(std::chrono::seconds(1'764'095'488))};
  std::vector<core::Duration> sleeps;
  std::vector<std::string> logs;

  SignedWebhookSender Make(int max_attempts = 4, uint64_t seed = 42) {
    SignedWebhookSenderOptions options;
    options.max_attempts = max_attempts;
    options.rng_seed = seed;
    options.clock = &clock;
    options.sleep = [this](core::Duration d) { sleeps.push_back(d); };
    options.log = [this](std::string_view line) { logs.emplace_back(line); };
    return SignedWebhookSender(std::move(options));
  }
};

TEST(SignedWebhookSenderTest, PostsTheBodySignedSoThatItVerifies) {
  Harness h;
  Receiver receiver({200});
  auto sender = h.Make();
  ASSERT_TRUE(sender.Deliver(receiver.Url(), kSecret, kBody).ok());
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, kBody);
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].user_agent, "governor/1");
  // Signed at the clock's Unix second, exactly as SignWebhook does.
  EXPECT_EQ(got[0].signature, SignWebhook(kSecret, 1'764'095'488, kBody));
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, got[0].signature, got[0].body, h.clock.Now()).ok());
  EXPECT_EQ(
      VerifyWebhookSignature("another secret", got[0].signature, got[0].body, h.clock.Now()).code(),
      core::StatusCode::kUnauthenticated);
  EXPECT_TRUE(h.sleeps.empty());
  ASSERT_EQ(h.logs.size(), 1u);
  EXPECT_EQ(h.logs[0], "webhook POST " + receiver.Url() + ": HTTP 200 on attempt 1");
}

TEST(SignedWebhookSenderTest, RetriesA503ThenSucceeds) {
  Harness h;
  Receiver receiver({503, 503, 200});
  auto sender = h.Make();
  ASSERT_TRUE(sender.Deliver(receiver.Url(), kSecret, kBody).ok());
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 3u);
  for (const auto& r : got) {
    EXPECT_EQ(r.body, kBody);
    EXPECT_TRUE(VerifyWebhookSignature(kSecret, r.signature, r.body, h.clock.Now()).ok());
  }
  // Full jitter: each wait below its ceiling, base * 2^retry.
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_LT(h.sleeps[0], kWebhookBackoffBase);
  EXPECT_LT(h.sleeps[1], kWebhookBackoffBase * 2);
  ASSERT_EQ(h.logs.size(), 3u);
  EXPECT_THAT(h.logs[0], HasSubstr("attempt 1 failed (HTTP 503: unavailable retry later)"));
  EXPECT_THAT(h.logs[2], HasSubstr("HTTP 200 on attempt 3"));
  for (const auto& line : h.logs) EXPECT_THAT(line, Not(HasSubstr(kSecret)));
}

TEST(SignedWebhookSenderTest, GivesUpAfterTheConfiguredAttemptsNamingTheStatus) {
  Harness h;
  Receiver receiver({503});
  auto sender = h.Make(3);
  const core::Status s = sender.Deliver(receiver.Url(), kSecret, kBody);
  EXPECT_EQ(s.code(), core::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), StartsWith("webhook POST " + receiver.Url()));
  EXPECT_THAT(s.message(), HasSubstr("failed after 3 attempts; last: HTTP 503"));
  EXPECT_EQ(receiver.received().size(), 3u);
  EXPECT_EQ(h.sleeps.size(), 2u);
}

TEST(SignedWebhookSenderTest, HonoursRetryAfterUpToTheCap) {
  {
    Harness h;
    Receiver receiver({429, 200}, "3");
    auto sender = h.Make();
    ASSERT_TRUE(sender.Deliver(receiver.Url(), kSecret, kBody).ok());
    EXPECT_EQ(receiver.received().size(), 2u);
    // The jitter (below 0.5 s) is lengthened to the 3 s the receiver asked for.
    ASSERT_EQ(h.sleeps.size(), 1u);
    EXPECT_EQ(h.sleeps[0], std::chrono::seconds(3));
  }
  {
    Harness h;
    Receiver receiver({429, 200}, "3600");
    auto sender = h.Make();
    ASSERT_TRUE(sender.Deliver(receiver.Url(), kSecret, kBody).ok());
    ASSERT_EQ(h.sleeps.size(), 1u);
    EXPECT_EQ(h.sleeps[0], kWebhookBackoffCap);
  }
  {
    // An HTTP-date Retry-After is not understood: plain jitter.
    Harness h;
    Receiver receiver({429, 200}, "Wed, 21 Oct 2015 07:28:00 GMT");
    auto sender = h.Make();
    ASSERT_TRUE(sender.Deliver(receiver.Url(), kSecret, kBody).ok());
    ASSERT_EQ(h.sleeps.size(), 1u);
    EXPECT_LT(h.sleeps[0], kWebhookBackoffBase);
  }
}

TEST(SignedWebhookSenderTest, A429ThatPersistsIsResourceExhausted) {
  Harness h;
  Receiver receiver({429}, "1");
  auto sender = h.Make(2);
  const core::Status s = sender.Deliver(receiver.Url(), kSecret, kBody);
  EXPECT_EQ(s.code(), core::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("failed after 2 attempts; last: HTTP 429"));
  EXPECT_EQ(receiver.received().size(), 2u);
}

TEST(SignedWebhookSenderTest, ClientErrorsOtherThan429AreNotRetried) {
  const std::vector<std::pair<int, core::StatusCode>> rows = {
      {400, core::StatusCode::kFailedPrecondition}, {401, core::StatusCode::kUnauthenticated},
      {403, core::StatusCode::kPermissionDenied},   {404, core::StatusCode::kFailedPrecondition},
      {422, core::StatusCode::kFailedPrecondition},
  };
  for (const auto& [status, code] : rows) {
    Harness h;
    Receiver receiver({status});
    auto sender = h.Make();
    const core::Status s = sender.Deliver(receiver.Url(), kSecret, kBody);
    EXPECT_EQ(s.code(), code) << status;
    EXPECT_THAT(s.message(), HasSubstr("failed (not retried): HTTP " + std::to_string(status)));
    EXPECT_EQ(receiver.received().size(), 1u) << status;
    EXPECT_TRUE(h.sleeps.empty()) << status;
  }
}

TEST(SignedWebhookSenderTest, ConnectionErrorsAreRetried) {
  Harness h;
  RefusedPort refused;
  auto sender = h.Make(3);
  const core::Status s = sender.Deliver(
      "http://127.0.0.1:" + std::to_string(refused.port()) + "/hook", kSecret, kBody);
  EXPECT_EQ(s.code(), core::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("failed after 3 attempts"));
  EXPECT_THAT(s.message(), HasSubstr("connection failed"));
  EXPECT_EQ(h.sleeps.size(), 2u);
}

TEST(SignedWebhookSenderTest, AnInvalidUrlIsNotRetried) {
  Harness h;
  auto sender = h.Make();
  const core::Status s = sender.Deliver("ftp://example.com/hook", kSecret, kBody);
  EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("not retried"));
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(SignedWebhookSenderTest, ExtraHeadersAndTheDescriptionAreUsed) {
  Harness h;
  Receiver receiver({500});
  auto sender = h.Make(1);
  WebhookDelivery delivery;
  delivery.url = receiver.Url();
  delivery.secret = kSecret;
  delivery.body = kBody;
  delivery.headers = {{"Idempotency-Key", "plan-7"}};
  delivery.description = "release plan checkout-v2-prod notification";
  const core::Status s = sender.Deliver(delivery);
  EXPECT_EQ(s.message(),
            "release plan checkout-v2-prod notification failed after 1 attempts; last: HTTP 500: "
            "unavailable retry later");
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].idempotency_key, "plan-7");
}

TEST(SignedWebhookSenderTest, TheSameSeedGivesTheSameDelays) {
  auto delays = [](uint64_t seed) {
    Harness h;
    Receiver receiver({502});
    auto sender = h.Make(5, seed);
    (void)sender.Deliver(receiver.Url(), kSecret, kBody);
    return h.sleeps;
  };
  EXPECT_EQ(delays(7), delays(7));
  EXPECT_NE(delays(7), delays(8));
}

}  // namespace
}  // namespace gov::integrations
