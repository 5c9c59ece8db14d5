#pragma once

// Helpers for process-level tests: a raw HTTP/1.1 connection (to hold a request half-sent),
// config files, listing every token through the API, and a throwaway PostgreSQL database.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_util.h"
#include "core/status.h"

namespace gov::testing {

inline constexpr const char* kAdminSecret = "integration-admin-secret-0123456789";

// One parsed HTTP response.
struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// A blocking TCP connection to 127.0.0.1 speaking just enough HTTP/1.1 to send a request in
// pieces and read the response. Every read is bounded by a timeout.
class RawConnection {
 public:
  RawConnection() = default;
  RawConnection(RawConnection&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}
  RawConnection& operator=(RawConnection&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
      buffer_ = std::move(other.buffer_);
    }
    return *this;
  }
  ~RawConnection() { Close(); }

  // Connects to 127.0.0.1:`port`. The error code is kUnavailable for ECONNREFUSED.
  static core::StatusOr<RawConnection> Connect(int port) {
    RawConnection c;
    c.fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd_ < 0) return core::Internal(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r;
    do {
      r = ::connect(c.fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      const int err = errno;
      return core::Status(
          err == ECONNREFUSED ? core::StatusCode::kUnavailable : core::StatusCode::kInternal,
          std::string("connect: ") + std::strerror(err));
    }
    return c;
  }

  // Writes all of `data` (no SIGPIPE; a closed peer is an error).
  core::Status Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return core::Unavailable(std::string("send: ") + std::strerror(errno));
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return core::Status::Ok();
  }

  // Reads until the buffered input contains `terminator`; returns everything up to and
  // including it and keeps the rest buffered. kUnavailable on EOF/reset, kDeadlineExceeded on
  // timeout.
  core::StatusOr<std::string> ReadUntil(std::string_view terminator,
                                        std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (auto pos = buffer_.find(terminator); pos != std::string::npos) {
        std::string out = buffer_.substr(0, pos + terminator.size());
        buffer_.erase(0, pos + terminator.size());
        return out;
      }
      RETURN_IF_ERROR(Fill(deadline));
    }
  }

  // Reads exactly `n` bytes.
  core::StatusOr<std::string> ReadExactly(size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.size() < n) RETURN_IF_ERROR(Fill(deadline));
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
  }

  // Reads one response with a Content-Length body (what Governor always sends).
  core::StatusOr<RawResponse> ReadResponse(std::chrono::milliseconds timeout) {
    ASSIGN_OR_RETURN(std::string head, ReadUntil("\r\n\r\n", timeout));
    RawResponse res;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) {
      return core::Internal("bad status line: " + line);
    }
    res.status = std::stoi(line.substr(9, 3));
    while (std::getline(lines, line) && line != "\r") {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (!value.empty() && value.back() == '\r') value.pop_back();
      res.headers[name] = value;
    }
    const auto length = res.headers.find("content-length");
    if (length != res.headers.end()) {
      ASSIGN_OR_RETURN(res.body, ReadExactly(std::stoul(length->second), timeout));
    }
    return res;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  core::Status Fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return core::Status(core::StatusCode::kDeadlineExceeded, "read timed out");
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0) {
      if (errno == EINTR) return core::Status::Ok();
      return core::Internal(std::string("poll: ") + std::strerror(errno));
    }
    if (r == 0) return core::Status(core::StatusCode::kDeadlineExceeded, "read timed out");
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0) {
      if (errno == EINTR) return core::Status::Ok();
      return core::Unavailable(std::string("recv: ") + std::strerror(errno));
    }
    if (n == 0) return core::Unavailable("connection closed by peer");
    buffer_.append(chunk, static_cast<size_t>(n));
    return core::Status::Ok();
  }

  int fd_ = -1;
  std::string buffer_;
};

// What a brand-new connection gets from a server that may be shutting down.
enum class NewConnectionOutcome { kServed, kRefused, kNoService };

// Opens a new connection and asks for /healthz. kServed when a complete response arrived,
// kRefused when the connect was refused, kNoService when the connection was closed or reset
// without a response or nothing arrived within `timeout`.
inline NewConnectionOutcome ProbeNewConnection(int port, std::chrono::milliseconds timeout) {
  auto conn = RawConnection::Connect(port);
  if (!conn.ok()) return NewConnectionOutcome::kRefused;
  if (!conn->Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()) {
    return NewConnectionOutcome::kNoService;
  }
  auto res = conn->ReadResponse(timeout);
  return res.ok() ? NewConnectionOutcome::kServed : NewConnectionOutcome::kNoService;
}

// Writes `text` to `path`; fails the test on error.
inline void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// Command-line arguments for `governor serve` on 127.0.0.1 port 0 with the known admin secret.
inline std::vector<std::string> ServeArgs(const std::string& database_url,
                                          const std::filesystem::path& config_file) {
  return {"serve",      "--config",   config_file.string(), "--listen",  "127.0.0.1:0",
          "--database", database_url, "--admin-token",      kAdminSecret};
}

inline httplib::Headers AdminHeaders() {
  return {{"Authorization", std::string("Bearer ") + kAdminSecret}};
}

// A listed token: id -> name.
using TokenListing = std::map<std::string, std::string>;

// Lists every token through GET /api/v1/tokens, following nextCursor over pages of
// `page_size`. Fails (kInternal) on a non-200 page, a malformed body, or an id seen twice.
inline core::StatusOr<TokenListing> ListAllTokens(int port, int page_size) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(60, 0);
  TokenListing out;
  std::string cursor;
  for (int pages = 0; pages < 100000; ++pages) {
    httplib::Params params{{"limit", std::to_string(page_size)}};
    if (!cursor.empty()) params.emplace("cursor", cursor);
    const std::string path = "/api/v1/tokens (cursor '" + cursor + "')";
    auto res = client.Get("/api/v1/tokens", params, AdminHeaders());
    if (!res) return core::Unavailable("GET " + path + ": " + httplib::to_string(res.error()));
    if (res->status != 200) {
      return core::Internal("GET " + path + ": status " + std::to_string(res->status) + " " +
                            res->body);
    }
    core::Json page = core::Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (!page.is_object() || !page.contains("items") || !page["items"].is_array()) {
      return core::Internal("GET " + path + ": malformed body " + res->body);
    }
    for (const auto& item : page["items"]) {
      const std::string id = item.value("id", "");
      if (id.empty()) return core::Internal("token without id: " + item.dump());
      if (!out.emplace(id, item.value("name", "")).second) {
        return core::Internal("token " + id + " listed twice (pagination)");
      }
    }
    const core::Json& next = page["nextCursor"];
    if (next.is_null()) return out;
    if (!next.is_string() || next.get<std::string>().empty()) {
      return core::Internal("GET " + path + ": bad nextCursor " + next.dump());
    }
    cursor = next.get<std::string>();
  }
  return core::Internal("pagination did not end");
}

// Creates database gov_proc_<random> on the PostgreSQL server named by GOVERNOR_TEST_PG_URL
// with psql (CREATE/DROP DATABASE cannot run in a transaction) and drops it afterwards.
class PostgresScratchDatabase {
 public:
  static bool Available() { return std::getenv("GOVERNOR_TEST_PG_URL") != nullptr; }

  PostgresScratchDatabase() {
    base_url_ = std::getenv("GOVERNOR_TEST_PG_URL");
    std::random_device seed;
    name_ = "gov_proc_" + std::to_string(std::mt19937_64(seed())());
    created_ = Psql("CREATE DATABASE " + name_);
    url_ = base_url_.substr(0, base_url_.rfind('/') + 1) + name_;
  }
  ~PostgresScratchDatabase() {
    if (created_) Psql("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  bool created() const { return created_; }
  const std::string& url() const { return url_; }

 private:
  bool Psql(const std::string& sql) {
    const std::string cmd =
        "psql -q -v ON_ERROR_STOP=1 '" + base_url_ + "' -c '" + sql + "' >/dev/null";
    const int rc = std::system(cmd.c_str());
    EXPECT_EQ(rc, 0) << cmd;
    return rc == 0;
  }

  std::string base_url_;
  std::string name_;
  std::string url_;
  bool created_ = false;
};

}  // namespace gov::testing
