// `GOVERNOR_CONSOLE_DIR=DIR governor serve`: the console's files are served from DIR (a
// `vite build` output installed beside the binary) instead of the embedded copy: its
// index.html for client-side routes, its hashed assets with the immutable cache header, and
// FILE.gz as the compressed variant. Runs the real binary on a temp SQLite database, port 0.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/testing/governor_process.h"

namespace gov::testing {
namespace {

void Write(const std::filesystem::path& file, const std::string& content) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << content;
}

TEST(ServeConsoleDirTest, ServesTheDirectoryInsteadOfTheEmbeddedConsole) {
  TempDir dir;
  const std::filesystem::path console = dir.path() / "console";
  Write(console / "index.html", "<!doctype html><title>from the directory</title>");
  Write(console / "assets" / "app-1234.js", "console.log('directory');");
  Write(console / "assets" / "app-1234.js.gz", "not really gzip, but served as the variant");

  ASSERT_EQ(setenv("GOVERNOR_CONSOLE_DIR", console.c_str(), 1), 0);
  auto process = GovernorProcess::Start({"serve", "--listen", "127.0.0.1:0", "--database",
                                         "sqlite://" + (dir.path() / "governor.db").string(),
                                         "--admin-token", "console-dir-admin-0123456789abcdef"});
  unsetenv("GOVERNOR_CONSOLE_DIR");
  ASSERT_TRUE(process.ok()) << process.status().ToString();

  httplib::Client client("127.0.0.1", (*process)->port());
  client.set_decompress(false);
  auto index = client.Get("/ui/targets/web");  // a client-side route
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, "<!doctype html><title>from the directory</title>");
  EXPECT_EQ(index->get_header_value("Cache-Control"), "no-cache");
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");

  auto plain = client.Get("/ui/assets/app-1234.js");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(plain->body, "console.log('directory');");
  EXPECT_EQ(plain->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");

  auto gzip = client.Get("/ui/assets/app-1234.js", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gzip);
  EXPECT_EQ(gzip->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gzip->body, "not really gzip, but served as the variant");

  ASSERT_TRUE((*process)->Signal(SIGTERM));
  EXPECT_EQ((*process)->WaitExit(std::chrono::seconds(20)), 0) << (*process)->LogTail();
}

}  // namespace
}  // namespace gov::testing
