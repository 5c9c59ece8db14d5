// The HTTP(S) transport: URL parsing, trusting only the given CA, and transport errors that
// say whether a retry can help, against local httplib servers.

#include "integrations/http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include "tests/controller/hooks/hook_test_util.h"

namespace gov::integrations {
namespace {

using controller::testing::FakeServer;
using controller::testing::MakeSelfSignedCertificate;
using controller::testing::RefusedPort;
using controller::testing::TempDir;

TEST(ParseHttpUrlTest, Table) {
  struct Row {
    std::string url;
    std::string scheme, host;
    int port;
    std::string target, host_header;
  };
  const std::vector<Row> rows = {
      {"https://autoscaling.us-east-1.amazonaws.com/", "https",
       "autoscaling.us-east-1.amazonaws.com", 443, "/", "autoscaling.us-east-1.amazonaws.com"},
      {"http://127.0.0.1:8080", "http", "127.0.0.1", 8080, "/", "127.0.0.1:8080"},
      {"HTTPS://[::1]:6443/apis?x=1#frag", "https", "::1", 6443, "/apis?x=1", "[::1]:6443"},
      {"http://example.com:80/a/b", "http", "example.com", 80, "/a/b", "example.com"},
      {"https://h?q", "https", "h", 443, "/?q", "h"},
  };
  for (const auto& row : rows) {
    auto parsed = ParseHttpUrl(row.url);
    ASSERT_TRUE(parsed.ok()) << row.url << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->scheme, row.scheme) << row.url;
    EXPECT_EQ(parsed->host, row.host) << row.url;
    EXPECT_EQ(parsed->port, row.port) << row.url;
    EXPECT_EQ(parsed->target, row.target) << row.url;
    EXPECT_EQ(parsed->HostHeader(), row.host_header) << row.url;
  }
  for (const char* bad : {"example.com/x", "ftp://h/", "http://:80/", "http://h:0/",
                          "http://h:99999/", "http://user:pw@h/", "http://[::1/"}) {
    EXPECT_FALSE(ParseHttpUrl(bad).ok()) << bad;
  }
}

TEST(SendHttpTest, TrustsOnlyTheGivenCa) {
  TempDir dir;
  const auto server_cert = MakeSelfSignedCertificate("server");
  const auto other_ca = MakeSelfSignedCertificate("other");
  FakeServer server(dir, server_cert);
  server.server().Get("/ping", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("pong", "text/plain");
  });

  HttpRequest req;
  req.method = "GET";
  req.url = server.Origin() + "/ping";
  req.ca_pem = server_cert.cert_pem;
  auto ok = SendHttp(req);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "pong");

  req.ca_pem.clear();
  req.ca_file = dir.Write("ca.crt", server_cert.cert_pem);
  EXPECT_TRUE(SendHttp(req).ok());

  // A different CA must fail verification, even when the OpenSSL default store (pointed
  // at the right CA through SSL_CERT_FILE) would have accepted the server.
  setenv("SSL_CERT_FILE", req.ca_file.c_str(), 1);
  req.ca_file.clear();
  req.ca_pem = other_ca.cert_pem;
  auto bad = SendHttp(req);
  unsetenv("SSL_CERT_FILE");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(bad.status().message().find("verification failed"), std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(IsRetryableTransportError(bad.status()));
}

TEST(SendHttpTest, ConnectionRefusedIsRetryable) {
  RefusedPort refused;
  HttpRequest req;
  req.method = "GET";
  req.url = "http://127.0.0.1:" + std::to_string(refused.port()) + "/";
  auto res = SendHttp(req);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), core::StatusCode::kUnavailable) << res.status().ToString();
  EXPECT_TRUE(IsRetryableTransportError(res.status()));
}

TEST(ExcerptTest, TruncatesAndFlattens) {
  EXPECT_EQ(Excerpt("a\nb\r\n", 10), "a b");
  EXPECT_EQ(Excerpt("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace gov::integrations
