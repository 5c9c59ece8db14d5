// `governor serve --flags-file FILE`: the file's flags are imported at start into
// every environment (development and production) and kept in the store, so a restart without
// the flag still serves them. Runs the real binary on a temp SQLite database and port 0.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "tests/testing/governor_process.h"

namespace gov::testing {
namespace {

constexpr const char* kAdminSecret = "cli-test-admin-secret-0123456789abcdef";

// Two flags and a segment in the Unleash client-API format the flag accepts.
constexpr const char* kFlagsFile = R"({
  "version": 2,
  "features": [
    {"name": "file.on", "type": "release", "enabled": true,
     "strategies": [{"name": "default", "parameters": {}}]},
    {"name": "file.segmented", "type": "release", "enabled": true,
     "strategies": [{"name": "default", "parameters": {}, "segments": [7]}]}
  ],
  "segments": [
    {"id": 7, "name": "nordics",
     "constraints": [{"contextName": "country", "operator": "IN", "values": ["no", "se"]}]}
  ]
})";

httplib::Headers Auth(const std::string& secret) { return {{"Authorization", secret}}; }

std::unique_ptr<GovernorProcess> Serve(const TempDir& dir, bool with_flags_file) {
  std::vector<std::string> args{"serve",
                                "--listen",
                                "127.0.0.1:0",
                                "--database",
                                "sqlite://" + (dir.path() / "governor.db").string(),
                                "--admin-token",
                                kAdminSecret};
  if (with_flags_file) {
    args.push_back("--flags-file");
    args.push_back((dir.path() / "flags.json").string());
  }
  auto process = GovernorProcess::Start(args);
  EXPECT_TRUE(process.ok()) << process.status().ToString();
  return process.ok() ? std::move(process).value() : nullptr;
}

void Stop(GovernorProcess& process) {
  ASSERT_TRUE(process.Signal(SIGTERM));
  EXPECT_EQ(process.WaitExit(std::chrono::seconds(20)), 0) << process.LogTail();
}

// A client token for `environment`, created through the admin API.
std::string ClientToken(int port, const std::string& environment) {
  httplib::Client c("127.0.0.1", port);
  const core::Json body{
      {"type", "client"}, {"name", "cli-" + environment}, {"environment", environment}};
  auto res = c.Post("/api/v1/tokens", Auth(kAdminSecret), body.dump(), "application/json");
  EXPECT_TRUE(res);
  if (!res) return "";
  EXPECT_EQ(res->status, 201) << res->body;
  return core::Json::parse(res->body).value("secret", "");
}

// What GET /api/client/features serves to `token`: feature name -> enabled, and segment ids.
struct Served {
  std::map<std::string, bool> features;
  std::set<int64_t> segments;
};

Served ClientFeatures(int port, const std::string& token) {
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/api/client/features", Auth(token));
  Served out;
  EXPECT_TRUE(res);
  if (!res) return out;
  EXPECT_EQ(res->status, 200) << res->body;
  const core::Json body = core::Json::parse(res->body);
  for (const core::Json& f : body["features"]) out.features[f["name"]] = f["enabled"];
  for (const core::Json& s : body["segments"]) out.segments.insert(s["id"].get<int64_t>());
  return out;
}

TEST(ServeFlagsFileTest, ImportsIntoEveryEnvironmentAndKeepsTheFlagsAfterARestart) {
  TempDir dir("gov_cli_flags_file");
  std::ofstream(dir.path() / "flags.json") << kFlagsFile;
  const std::map<std::string, bool> expected{{"file.on", true}, {"file.segmented", true}};
  const std::vector<std::string> environments{"development", "production"};

  std::map<std::string, std::string> tokens;
  {
    auto first = Serve(dir, /*with_flags_file=*/true);
    ASSERT_NE(first, nullptr);
    for (const std::string& env : environments) {
      tokens[env] = ClientToken(first->port(), env);
      ASSERT_FALSE(tokens[env].empty());
      const Served served = ClientFeatures(first->port(), tokens[env]);
      EXPECT_EQ(served.features, expected) << env;
      EXPECT_EQ(served.segments, std::set<int64_t>{7}) << env;
    }
    Stop(*first);
  }
  {
    // The file is gone and the flag not given: the flags come from the store.
    std::filesystem::remove(dir.path() / "flags.json");
    auto second = Serve(dir, /*with_flags_file=*/false);
    ASSERT_NE(second, nullptr);
    for (const std::string& env : environments) {
      const Served served = ClientFeatures(second->port(), tokens[env]);
      EXPECT_EQ(served.features, expected) << env;
      EXPECT_EQ(served.segments, std::set<int64_t>{7}) << env;
    }
    // They are ordinary stored flags: the admin API lists them.
    httplib::Client c("127.0.0.1", second->port());
    auto listed = c.Get("/api/v1/flags/file.segmented", Auth(kAdminSecret));
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->status, 200) << listed->body;
    Stop(*second);
  }
}

TEST(ServeFlagsFileTest, AnInvalidFileStopsTheStartWithTheFieldNamed) {
  TempDir dir("gov_cli_flags_file_bad");
  std::ofstream(dir.path() / "flags.json")
      << R"({"version": 2, "features": [{"name": "x", "enabled": true,
             "strategies": [{"name": "default", "constraints": [{"contextName": "a",
             "operator": "NOPE", "values": []}]}]}]})";
  auto process =
      GovernorProcess::Start({"serve", "--listen", "127.0.0.1:0", "--database",
                              "sqlite://" + (dir.path() / "governor.db").string(), "--admin-token",
                              kAdminSecret, "--flags-file", (dir.path() / "flags.json").string()});
  ASSERT_FALSE(process.ok());
  EXPECT_NE(process.status().message().find("features[0].strategies[0].constraints[0].operator"),
            std::string::npos)
      << process.status().message();
}

}  // namespace
}  // namespace gov::testing
