#pragma once

#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "controller/hooks/hook.h"
#include "core/clock.h"
#include "tests/testing/refused_port.h"
#include "tests/testing/temp_dir.h"

namespace gov::controller::testing {

using RefusedPort = gov::testing::RefusedPort;
using TempDir = gov::testing::TempDir;

// A self-signed certificate that is also its own CA (basicConstraints CA:TRUE), for
// subjectAltName IP:127.0.0.1 and DNS:localhost, with an EC P-256 key, valid for one day
// from now. Generated with the OpenSSL 3 API, so tests need no `openssl` binary.
struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};
TestCertificate MakeSelfSignedCertificate(std::string_view common_name);

// Runs an httplib server (plain or TLS) on 127.0.0.1:<ephemeral port> on its own thread.
// Register handlers on server() before the first request; the socket is already
// listening when the constructor returns, so no readiness wait is needed.
class FakeServer {
 public:
  // Plain HTTP.
  FakeServer();
  // HTTPS presenting `cert`, whose PEM files are written into `dir`.
  FakeServer(TempDir& dir, const TestCertificate& cert);
  ~FakeServer();

  httplib::Server& server() { return *server_; }
  int port() const { return port_; }
  // "http(s)://127.0.0.1:<port>".
  std::string Origin() const;

 private:
  void Start();

  std::unique_ptr<httplib::Server> server_;
  bool tls_ = false;
  int port_ = 0;
  std::atomic<bool> listen_returned_{false};
  std::thread thread_;
};

// Fake collaborators for hooks: a FakeClock (default 2025-11-25T18:31:28Z, Unix 1764095488),
// recorded sleeps instead of sleeping, an environment-variable map and captured log lines.
struct TestHookEnv {
  explicit TestHookEnv(core::TimePoint start = core::TimePoint(std::chrono::seconds(1'764'095'488)))
      : clock(start) {}

  // A HookEnv reading these members, which must outlive the hooks built with it.
  HookEnv Make(uint64_t seed = 42);

  core::FakeClock clock;
  std::vector<core::Duration> sleeps;
  std::map<std::string, std::string> vars;
  std::vector<std::string> logs;
};

}  // namespace gov::controller::testing
