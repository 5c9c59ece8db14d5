#pragma once

// One HTTP(S) request at a time with cpp-httplib: URL parsing, trusted CAs, timeouts, and
// transport errors that say whether retrying can help. Used by the scaling hooks and the
// signed webhook sender.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace gov::integrations {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// "scheme://host[:port]/path?query" split into its parts. IPv6 literals keep no brackets.
struct ParsedUrl {
  std::string scheme;  // "http" or "https"
  std::string host;
  int port = 0;
  std::string target;  // path and query, at least "/"

  // The Host header value: host, plus ":port" when the port is not the scheme's default.
  std::string HostHeader() const;
  // "scheme://host[:port]" without the target.
  std::string Origin() const;
};

// Parses an absolute http(s) URL; kInvalidArgument naming what is wrong otherwise.
core::StatusOr<ParsedUrl> ParseHttpUrl(std::string_view url);

struct HttpRequest {
  std::string method;  // "GET", "POST", "PATCH"
  std::string url;
  HttpHeaders headers;  // sent as given; Host is added from the URL unless present
  std::string body;
  // Applied to connecting, sending and each wait for response bytes.
  core::Duration timeout = std::chrono::seconds(10);
  // Trusted CAs for https: PEM text (wins) or a PEM file; both empty = the system store.
  std::string ca_pem;
  std::string ca_file;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  HttpHeaders headers;

  // First header named `name` (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

// Sends one request and returns whatever status code came back. With no response the error
// is kUnavailable (connect, read or write failed), kDeadlineExceeded (connect timed out) or
// kFailedPrecondition (TLS setup or server-certificate verification failed).
core::StatusOr<HttpResponse> SendHttp(const HttpRequest& request);

// True for transport errors worth retrying: kUnavailable and kDeadlineExceeded.
bool IsRetryableTransportError(const core::Status& status);

// At most `max_bytes` of `text` with control characters replaced, for error messages.
std::string Excerpt(std::string_view text, size_t max_bytes = 256);

}  // namespace gov::integrations
