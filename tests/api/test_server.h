#pragma once

// An in-process Governor server on 127.0.0.1 port 0 with a temp SQLite database and a fake
// clock, plus an HTTP client bound to it.

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <memory>
#include <thread>

#include "app/server.h"
#include "core/clock.h"
#include "tests/api/contract_expect.h"
#include "tests/testing/temp_dir.h"

namespace gov::api::testing {

inline constexpr const char* kAdminSecret = "test-admin-secret-0123456789";

class TestServer {
 public:
  explicit TestServer(std::function<void(ServerConfig&)> tweak = nullptr) {
    ServerConfig config;
    config.listen_host = "127.0.0.1";
    config.listen_port = 0;
    config.workers = 8;
    config.database_url = "sqlite://" + (dir_.path() / "gov.db").string();
    config.admin_token = kAdminSecret;
    config.access_log = false;
    config.shutdown_deadline_seconds = 5;
    if (tweak) tweak(config);
    server_ = std::make_unique<app::GovernorServer>(config, clock_);
    core::Status s = server_->Open();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EnableContractCheck(server_->router());
    auto port = server_->Bind();
    EXPECT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { server_->Serve(); });
  }
  ~TestServer() {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
    ExpectNoContractViolations(server_->router());
    server_.reset();
  }

  int port() const { return port_; }
  core::FakeClock& clock() { return clock_; }
  app::GovernorServer& server() { return *server_; }

  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(10, 0);
    return c;
  }
  static httplib::Headers Bearer(const std::string& secret) {
    return {{"Authorization", "Bearer " + secret}};
  }
  static httplib::Headers Admin() { return Bearer(kAdminSecret); }

  // Creates a token through the API and returns the response JSON (with "secret").
  core::Json CreateToken(const std::string& type, const std::string& name,
                         const std::string& env = "development") {
    core::Json body{{"type", type}, {"name", name}};
    if (type != "admin" && type != "viewer") body["environment"] = env;
    auto res = Client()->Post("/api/v1/tokens", Admin(), body.dump(), "application/json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 201) << res->body;
    return core::Json::parse(res->body);
  }

 private:
  gov::testing::TempDir dir_{"gov_api"};
  core::FakeClock clock_;
  std::unique_ptr<app::GovernorServer> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace gov::api::testing
