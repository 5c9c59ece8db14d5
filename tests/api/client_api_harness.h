#pragma once

// An HTTP server on 127.0.0.1 port 0 with only the evaluation routes (client, frontend,
// OFREP), a snapshot registry the test publishes into, and tokens put straight into the
// authenticator. Independent of flag storage.

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "api/http_server.h"
#include "api/internal/client_routes.h"
#include "api/internal/evaluation_routes.h"
#include "api/internal/flag_api.h"
#include "api/internal/frontend_routes.h"
#include "api/internal/ofrep_routes.h"
#include "api/router.h"
#include "core/crypto.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"
#include "tests/api/contract_expect.h"

namespace gov::api::testing {

inline constexpr const char* kClientSecret = "client-secret-development";
inline constexpr const char* kFrontendSecret = "frontend-secret-development";
inline constexpr const char* kProdClientSecret = "client-secret-production";
inline constexpr const char* kAdminSecret = "admin-secret";

inline std::string ReadTestFile(const std::string& relative) {
  std::ifstream in(std::string(GOVERNOR_TEST_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The fixture flags (tests/api/testdata/client_api_flags.json), lenient like an SDK.
inline flags::ClientFeatures FixtureFlags() {
  auto parsed =
      flags::ParseClientFeaturesText(ReadTestFile("tests/api/testdata/client_api_flags.json"));
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return *parsed;
}

class EvaluationServer {
 public:
  // `limits`: rate limits per route class (none by default).
  explicit EvaluationServer(std::function<void(FlagApiOptions&)> tweak = nullptr,
                            std::map<std::string, RateLimit> limits = {})
      : auth_(clock_), limiter_(clock_, std::move(limits)), metrics_("test") {
    AddToken("t-client", kClientSecret, store::TokenType::kClient, "development");
    AddToken("t-front", kFrontendSecret, store::TokenType::kFrontend, "development");
    AddToken("t-prod", kProdClientSecret, store::TokenType::kClient, "production");
    AddToken("t-admin", kAdminSecret, store::TokenType::kAdmin, std::nullopt);
    FlagApiOptions options;
    options.cors_origins = {"https://app.example.com"};
    options.keep_alive_interval = std::chrono::milliseconds(200);
    if (tweak) tweak(options);
    api_ = std::make_shared<FlagApi>(
        registry_, clock_, auth_, options,
        ClientMetricsSinks{[this](const store::ClientRegistration& registration) {
                             std::lock_guard<std::mutex> lock(mu_);
                             registrations_.push_back(registration);
                             return core::Status::Ok();
                           },
                           [this](const std::vector<store::FlagMetricsBucket>& buckets) {
                             std::lock_guard<std::mutex> lock(mu_);
                             reports_.push_back(buckets);
                             return core::Status::Ok();
                           }});
    router_ = std::make_unique<Router>(auth_, limiter_, metrics_, nullptr, false);
    EnableContractCheck(*router_);
    AddEvaluationRoutes(*router_, api_);
    http_ = std::make_unique<HttpServer>(*router_, HttpServerOptions{});
    port_ = *http_->Bind();
    thread_ = std::thread([this] { http_->Serve(); });
  }
  ~EvaluationServer() {
    http_->Stop(std::chrono::seconds(5));
    if (thread_.joinable()) thread_.join();
    ExpectNoContractViolations(*router_);
  }

  // Publishes `features` as `environment`'s snapshot at `revision`.
  void Publish(const std::string& environment, int64_t revision,
               const flags::ClientFeatures& features) {
    auto snap = std::make_shared<flags::EnvironmentSnapshot>();
    snap->environment = environment;
    snap->revision = revision;
    snap->features = features;
    snap->compiled = flags::Compile(features);
    ASSERT_TRUE(registry_.Publish(snap));
  }

  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(10, 0);
    return c;
  }
  static httplib::Headers Auth(const std::string& secret) { return {{"Authorization", secret}}; }

  int port() const { return port_; }
  core::FakeClock& clock() { return clock_; }
  FlagApi& api() { return *api_; }
  const Router& router() const { return *router_; }
  // One entry per accepted metrics report: its per-flag counts.
  std::vector<std::vector<store::FlagMetricsBucket>> reports() {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_;
  }
  std::vector<store::ClientRegistration> registrations() {
    std::lock_guard<std::mutex> lock(mu_);
    return registrations_;
  }

 private:
  void AddToken(const std::string& id, const std::string& secret, store::TokenType type,
                std::optional<std::string> env) {
    store::TokenRecord t;
    t.id = id;
    t.name = id;
    t.type = type;
    t.environment = std::move(env);
    t.secret_hash = core::Sha256Hex(secret);
    auth_.Put(t);
  }

  core::FakeClock clock_;
  Authenticator auth_;
  RateLimiter limiter_;
  HttpMetrics metrics_;
  flags::SnapshotRegistry registry_;
  std::shared_ptr<FlagApi> api_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> http_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<store::ClientRegistration> registrations_;
  std::vector<std::vector<store::FlagMetricsBucket>> reports_;
};

}  // namespace gov::api::testing
