#include "api/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "cli/config_loader.h"

namespace gov::api {
namespace {

std::string WriteFile(const std::string& text) {
  static int n = 0;
  const std::string path = ::testing::TempDir() + "/gov_cfg_" + std::to_string(::getpid()) + "_" +
                           std::to_string(++n) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> Lines(const std::vector<core::Status>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.field() + ": " + p.message());
  return out;
}

TEST(ConfigTest, ShippedDefaultConfigIsValidAndMatchesBuiltIns) {
  const std::string path = std::string(GOVERNOR_TEST_SOURCE_DIR) + "/config/governor.yaml";
  ServerConfig from_file, builtin;
  EXPECT_TRUE(cli::LoadServerConfig(path, {}, {}, from_file).empty());
  EXPECT_TRUE(cli::LoadServerConfig("", {}, {}, builtin).empty());
  EXPECT_EQ(from_file.listen_port, builtin.listen_port);
  EXPECT_EQ(from_file.workers, builtin.workers);
  EXPECT_EQ(from_file.database_url, builtin.database_url);
  EXPECT_EQ(from_file.rate_limits["admin"].burst, builtin.rate_limits["admin"].burst);
  EXPECT_EQ(from_file.experiments_writer_nice, builtin.experiments_writer_nice);
  EXPECT_EQ(from_file.experiments_exposure_writer_nice, builtin.experiments_exposure_writer_nice);
  EXPECT_EQ(from_file.experiments_aggregation_nice, builtin.experiments_aggregation_nice);
}

TEST(ConfigTest, PrecedenceIsFlagsThenEnvironmentThenFileThenDefaults) {
  const std::string path = WriteFile(
      "server:\n  listen: 10.0.0.1:7000\n  workers: 12\n"
      "database:\n  url: sqlite://file.db\n");
  ServerConfig c;
  std::map<std::string, std::string> env = {{"GOVERNOR_SERVER_LISTEN", "10.0.0.2:7001"},
                                            {"GOVERNOR_DATABASE_POOL_SIZE", "9"},
                                            {"GOVERNOR_RATE_LIMITS_ADMIN_BURST", "7"},
                                            {"GOVERNOR_EXPERIMENTS_AGGREGATION_NICE", "0"}};
  ASSERT_TRUE(cli::LoadServerConfig(path, {}, env, c).empty());
  EXPECT_EQ(c.listen_host, "10.0.0.2");  // env beats file
  EXPECT_EQ(c.listen_port, 7001);
  EXPECT_EQ(c.workers, 12);            // file beats default
  EXPECT_EQ(c.database_pool_size, 9);  // env
  EXPECT_EQ(c.rate_limits["admin"].burst, 7);
  EXPECT_EQ(c.experiments_aggregation_nice, 0);
  EXPECT_EQ(c.keep_alive_max_count, 0);               // default
  EXPECT_EQ(c.experiments_writer_nice, 0);            // default
  EXPECT_EQ(c.experiments_exposure_writer_nice, 10);  // default

  cli::FlagOverrides flags{"127.0.0.1:0", "postgres://db/x", "flag-admin-token-123456", ""};
  ASSERT_TRUE(cli::LoadServerConfig(path, flags, env, c).empty());
  EXPECT_EQ(c.listen_port, 0);  // flag beats env
  EXPECT_EQ(c.database_url, "postgres://db/x");
  EXPECT_EQ(c.admin_token, "flag-admin-token-123456");
}

TEST(ConfigTest, ShorthandEnvironmentVariables) {
  ServerConfig c;
  ASSERT_TRUE(cli::LoadServerConfig("", {},
                                    {{"GOVERNOR_ADMIN_TOKEN", "env-admin-token-0123"},
                                     {"GOVERNOR_LISTEN", "0.0.0.0:9090"}},
                                    c)
                  .empty());
  EXPECT_EQ(c.admin_token, "env-admin-token-0123");
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9090);
}

TEST(ConfigTest, EveryProblemIsReportedWithItsKeyPath) {
  const std::string path = WriteFile(
      "server:\n  listen: localhost\n  workers: 0\n  maxBodyBytes: abc\n  colour: blue\n"
      "database:\n  url: mysql://x\n"
      "log:\n  format: xml\n"
      "rateLimits:\n  admin: {requestsPerSecond: -1}\n"
      "experiments:\n  writerNice: 20\n  exposureWriterNice: x\n  aggregationNice: -1\n"
      "mystery: 1\n");
  ServerConfig c;
  auto lines = Lines(cli::LoadServerConfig(path, {}, {}, c));
  const std::vector<std::string> expected = {
      "mystery: unknown section",
      "server.colour: unknown key",
      "server.listen: expected HOST:PORT",
      "server.workers: expected an integer from 1 to 4096",
      "server.maxBodyBytes: expected an integer from 1024 to 1073741824",
      "database.url: expected sqlite:///path/to/file.db or postgres://...",
      "log.format: expected text or json",
      "rateLimits.admin.requestsPerSecond: expected a number >= 0",
      "experiments.writerNice: expected an integer from 0 to 19",
      "experiments.exposureWriterNice: expected an integer from 0 to 19",
      "experiments.aggregationNice: expected an integer from 0 to 19",
  };
  EXPECT_EQ(lines, expected);
}

TEST(ConfigTest, BadEnvironmentValuesNameTheVariable) {
  ServerConfig c;
  auto lines = Lines(cli::LoadServerConfig("", {}, {{"GOVERNOR_SERVER_WORKERS", "many"}}, c));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "GOVERNOR_SERVER_WORKERS: expected an integer");
}

TEST(ConfigTest, YamlSyntaxErrorsGiveTheLine) {
  ServerConfig c;
  auto problems = cli::LoadServerConfig(WriteFile("server:\n  listen: [1, 2\n"), {}, {}, c);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message().find("line"), std::string::npos);
  EXPECT_EQ(cli::LoadServerConfig("/no/such/file.yaml", {}, {}, c)[0].code(),
            core::StatusCode::kNotFound);
}

TEST(ConfigTest, ListenAcceptsBracketedIpv6) {
  ServerConfig c;
  ASSERT_TRUE(cli::LoadServerConfig("", {"[::1]:8081", "", "", ""}, {}, c).empty());
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 8081);
}

}  // namespace
}  // namespace gov::api
