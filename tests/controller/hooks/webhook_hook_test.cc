#include "controller/hooks/internal/webhook_hook.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/time_format.h"
#include "integrations/webhook_signature.h"
#include "tests/controller/hooks/hook_test_util.h"

namespace gov::controller {
namespace {

using testing::FakeServer;
using ::testing::HasSubstr;
using testing::TempDir;
using Env = testing::TestHookEnv;
using integrations::kWebhookBackoffBase;
using integrations::SignWebhook;
using integrations::VerifyWebhookSignature;

constexpr char kSecret[] = "whsec_4f0c8e1d";

ScaleRequest Decision() {
  ScaleRequest r;
  r.target = "checkout";
  r.from_replicas = 2;
  r.to_replicas = 5;
  r.reason = "ScaleUpLimit";
  r.decision_id = "d-7f3a";
  r.epoch = 7;
  r.decided_at = core::FromUnixMillis(1'764'095'488'123);
  return r;
}

struct Received {
  std::string body, idempotency_key, signature, content_type;
};

// A receiver answering with `statuses` in turn (the last one repeats).
class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    server_.server().Post("/scale", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      received_.push_back({req.body, req.get_header_value("Idempotency-Key"),
                           req.get_header_value("X-Governor-Signature"),
                           req.get_header_value("Content-Type")});
      const size_t i = std::min(received_.size() - 1, statuses_.size() - 1);
      res.status = statuses_[i];
      if (res.status == 429) res.set_header("Retry-After", "2");
      res.set_content(res.status < 300 ? "ok" : "busy\nnow", "text/plain");
    });
  }
  std::string Url() const { return server_.Origin() + "/scale"; }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  std::vector<int> statuses_;
  std::mutex mu_;
  std::vector<Received> received_;
  FakeServer server_;  // last: stops before the members its handler uses are destroyed
};

WebhookHook MakeWebhook(const std::string& url, Env& env, int max_retries = 3) {
  WebhookConfig config;
  config.url = url;
  config.secret = kSecret;
  config.max_retries = max_retries;
  return WebhookHook(config, env.Make());
}

TEST(WebhookHookTest, RetriesServerErrorsWithTheSameIdempotentSignedBody) {
  Env env;
  Receiver receiver({503, 429, 200});
  auto hook = MakeWebhook(receiver.Url(), env);
  ASSERT_TRUE(hook.Scale(Decision()).ok());

  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 3u);
  const std::string expected_body =
      R"({"decidedAt":"2025-11-25T18:31:28.123Z","decisionId":"d-7f3a","epoch":7,"from":2,)"
      R"("reason":"ScaleUpLimit","target":"checkout","to":5})";
  for (const auto& r : got) {
    EXPECT_EQ(r.body, expected_body);
    EXPECT_EQ(r.idempotency_key, "d-7f3a");
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.signature.rfind("t=1764095488,v1=", 0), 0u) << r.signature;
    EXPECT_TRUE(VerifyWebhookSignature(kSecret, r.signature, r.body, env.clock.Now()).ok());
  }
  // Two waits: full jitter below the first ceiling (0.5 s), then the 429's Retry-After: 2.
  ASSERT_EQ(env.sleeps.size(), 2u);
  EXPECT_GE(env.sleeps[0], core::Duration(0));
  EXPECT_LT(env.sleeps[0], kWebhookBackoffBase);
  EXPECT_EQ(env.sleeps[1], std::chrono::seconds(2));
  ASSERT_EQ(env.logs.size(), 3u);
  EXPECT_THAT(env.logs[0], HasSubstr("HTTP 503: busy now"));
  for (const auto& line : env.logs) EXPECT_THAT(line, ::testing::Not(HasSubstr(kSecret)));
}

TEST(WebhookHookTest, GivesUpAfterMaxRetriesAndSaysSo) {
  Env env;
  Receiver receiver({500});
  auto hook = MakeWebhook(receiver.Url(), env, 3);
  const core::Status s = hook.Scale(Decision());
  EXPECT_EQ(s.code(), core::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr(receiver.Url()));
  EXPECT_THAT(s.message(), HasSubstr("failed after 4 attempts"));
  EXPECT_THAT(s.message(), HasSubstr("HTTP 500"));
  EXPECT_EQ(receiver.received().size(), 4u);
  ASSERT_EQ(env.sleeps.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_LT(env.sleeps[i], kWebhookBackoffBase * (1 << i)) << i;
  }
}

TEST(WebhookHookTest, ClientErrorsAreNotRetried) {
  Env env;
  Receiver receiver({400});
  auto hook = MakeWebhook(receiver.Url(), env);
  const core::Status s = hook.Scale(Decision());
  EXPECT_EQ(s.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("HTTP 400"));
  EXPECT_THAT(s.message(), HasSubstr("not retried"));
  EXPECT_EQ(receiver.received().size(), 1u);
  EXPECT_TRUE(env.sleeps.empty());
}

TEST(WebhookHookTest, ConnectionErrorsAreRetried) {
  Env env;
  testing::RefusedPort refused;
  auto hook = MakeWebhook("http://127.0.0.1:" + std::to_string(refused.port()) + "/x", env, 2);
  const core::Status s = hook.Scale(Decision());
  EXPECT_EQ(s.code(), core::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("failed after 3 attempts"));
  EXPECT_EQ(env.sleeps.size(), 2u);
}

TEST(WebhookHookTest, TimeoutsAreRetried) {
  Env env;
  // Declared before the server, so they outlive its handler threads (the server stops and
  // joins them when it goes out of scope, first).
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int calls = 0;
  FakeServer server;
  server.server().Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu);
    ++calls;
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return release; });
    res.status = 200;
  });
  WebhookConfig config;
  config.url = server.Origin() + "/slow";
  config.secret = kSecret;
  config.timeout = std::chrono::milliseconds(100);
  config.max_retries = 1;
  WebhookHook hook(config, env.Make());
  const core::Status s = hook.Scale(Decision());
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(s.code(), core::StatusCode::kUnavailable) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("timed out"));
  EXPECT_EQ(env.sleeps.size(), 1u);
}

TEST(WebhookHookTest, SameSeedSameDelays) {
  auto delays = [](uint64_t seed) {
    Env env;
    Receiver receiver({502});
    WebhookConfig config;
    config.url = receiver.Url();
    config.secret = kSecret;
    WebhookHook hook(config, env.Make(seed));
    (void)hook.Scale(Decision());
    return env.sleeps;
  };
  EXPECT_EQ(delays(7), delays(7));
  EXPECT_NE(delays(7), delays(8));
}

TEST(SignWebhookTest, DocumentedExampleMatchesOpensslCli) {
  // docs/hooks.md's example; the expected hex is the output of
  //   printf '%s' "1764095488.$BODY" | openssl dgst -sha256 -hmac whsec_4f0c8e1d
  EXPECT_EQ(ScaleRequestJson(Decision()),
            R"({"decidedAt":"2025-11-25T18:31:28.123Z","decisionId":"d-7f3a","epoch":7,"from":2,)"
            R"("reason":"ScaleUpLimit","target":"checkout","to":5})");
  EXPECT_EQ(SignWebhook(kSecret, 1'764'095'488, ScaleRequestJson(Decision())),
            "t=1764095488,v1=76a2d4d413447eeda47acab39f38f6a5d856cb32a758061f0a14d57672fecf0f");
}

// The fenced block following `<!-- recipe: <name> -->` in docs/hooks.md.
std::string DocRecipe(const std::string& name) {
  std::ifstream in(std::string(GOVERNOR_SOURCE_DIR) + "/docs/hooks.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const size_t marker = doc.find("<!-- recipe: " + name + " -->");
  if (marker == std::string::npos) return "";
  const size_t open = doc.find("```", marker);
  const size_t start = doc.find('\n', open) + 1;
  const size_t close = doc.find("\n```", start);
  return doc.substr(start, close - start + 1);
}

// Runs `argv0 script` with the signature inputs in the environment; returns exit code and
// stdout.
std::pair<int, std::string> RunRecipe(const std::string& interpreter, const std::string& script,
                                      const std::string& header, const std::string& body_file,
                                      int64_t now) {
  setenv("SECRET", kSecret, 1);
  setenv("SIG_HEADER", header.c_str(), 1);
  setenv("BODY_FILE", body_file.c_str(), 1);
  setenv("NOW", std::to_string(now).c_str(), 1);
  setenv("TOLERANCE", "300", 1);
  FILE* p = popen((interpreter + " " + script + " 2>/dev/null").c_str(), "r");
  std::string out;
  char buf[256];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  const int rc = pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

struct RecipeCase {
  std::string name;
  int64_t now_offset;
  bool tamper;
  int want_rc;
};
const std::vector<RecipeCase> kRecipeCases = {
    {"valid", 0, false, 0},
    {"valid at the tolerance edge", 300, false, 0},
    {"stale", 301, false, 1},
    {"tampered body", 0, true, 1},
};

TEST(WebhookRecipeTest, ShellOpensslRecipeFromTheDocsVerifiesOurSignature) {
  const std::string recipe = DocRecipe("verify-webhook-sh");
  ASSERT_THAT(recipe, HasSubstr("openssl dgst -sha256 -hmac"));
  TempDir dir;
  const std::string script = dir.Write("verify.sh", recipe);
  // A body with bytes a careless verifier would mangle: unicode, quotes, a trailing newline.
  ScaleRequest d = Decision();
  d.target = "caf\xC3\xA9 \"quoted\" $(x)";
  const std::string body = ScaleRequestJson(d) + "\n";
  const int64_t t = 1'764'095'488;
  const std::string header = SignWebhook(kSecret, t, body);
  for (const auto& c : kRecipeCases) {
    const std::string file = dir.Write("body", c.tamper ? body + " " : body);
    auto [rc, out] = RunRecipe("/bin/sh", script, header, file, t + c.now_offset);
    EXPECT_EQ(rc, c.want_rc) << c.name;
    if (c.want_rc == 0) {
      EXPECT_EQ(out, "valid\n") << c.name;
    }
    // The C++ verifier agrees with the recipe on every case.
    EXPECT_EQ(VerifyWebhookSignature(kSecret, header, c.tamper ? body + " " : body,
                                     core::TimePoint(std::chrono::seconds(t + c.now_offset)))
                  .ok(),
              c.want_rc == 0)
        << c.name;
  }
}

TEST(WebhookRecipeTest, NodeRecipeFromTheDocsVerifiesOurSignature) {
  if (std::system("node --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "node not installed";
  const std::string recipe = DocRecipe("verify-webhook-js");
  ASSERT_THAT(recipe, HasSubstr("timingSafeEqual"));
  TempDir dir;
  const std::string script = dir.Write("verify.js", recipe + R"(
const ok = verifyGovernorSignature(process.env.SECRET, process.env.SIG_HEADER,
    require('node:fs').readFileSync(process.env.BODY_FILE), Number(process.env.TOLERANCE),
    Number(process.env.NOW));
process.stdout.write(ok ? 'valid\n' : 'invalid\n');
process.exit(ok ? 0 : 1);
)");
  const std::string body = ScaleRequestJson(Decision());
  const int64_t t = 1'764'095'488;
  const std::string header = SignWebhook(kSecret, t, body);
  for (const auto& c : kRecipeCases) {
    const std::string file = dir.Write("body", c.tamper ? body + " " : body);
    auto [rc, out] = RunRecipe("node", script, header, file, t + c.now_offset);
    EXPECT_EQ(rc, c.want_rc) << c.name << ": " << out;
  }
}

TEST(WebhookConfigTest, ErrorsNameTheField) {
  Env env;
  env.vars["GOV_SECRET"] = "s3cret";
  struct Row {
    std::string json, field;
  };
  const std::vector<Row> rows = {
      {R"({"secret":"x"})", "hook.webhook.url"},
      {R"({"url":"ftp://h/","secret":"x"})", "hook.webhook.url"},
      {R"({"url":"https://h/"})", "hook.webhook.secretEnv"},
      {R"({"url":"https://h/","secret":"x","secretEnv":"GOV_SECRET"})", "hook.webhook.secretEnv"},
      {R"({"url":"https://h/","secretEnv":"MISSING"})", "hook.webhook.secretEnv"},
      {R"({"url":"https://h/","secret":""})", "hook.webhook.secret"},
      {R"({"url":"https://h/","secret":"x","timeoutSeconds":0})", "hook.webhook.timeoutSeconds"},
      {R"({"url":"https://h/","secret":"x","maxRetries":-1})", "hook.webhook.maxRetries"},
      {R"({"url":"https://h/","secret":"x","maxRetries":1.5})", "hook.webhook.maxRetries"},
      {R"({"url":"https://h/","secret":"x","retries":1})", "hook.webhook.retries"},
  };
  for (const auto& row : rows) {
    auto config = ParseWebhookConfig(core::Json::parse(row.json), "hook.webhook", env.Make());
    ASSERT_FALSE(config.ok()) << row.json;
    EXPECT_EQ(config.status().field(), row.field) << row.json << ": " << config.status().ToString();
  }
  auto ok = ParseWebhookConfig(
      core::Json::parse(
          R"({"url":"https://h/x","secretEnv":"GOV_SECRET","timeoutSeconds":0.5,"maxRetries":0})"),
      "hook.webhook", env.Make());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->secret, "s3cret");
  EXPECT_EQ(ok->timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(ok->max_retries, 0);
}

}  // namespace
}  // namespace gov::controller
