// HTTP(S) requests (see http_transport.h).

#include "integrations/http_transport.h"

#include <httplib.h>
#include <openssl/x509.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>

namespace gov::integrations {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

// A Linux memfd holding `data`, addressable as /proc/self/fd/<n> for APIs that take a path.
class MemoryFile {
 public:
  explicit MemoryFile(std::string_view data) : fd_(memfd_create("gov-hooks-ca", MFD_CLOEXEC)) {
    size_t off = 0;
    while (fd_ >= 0 && off < data.size()) {
      const ssize_t n = write(fd_, data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ok_ = fd_ >= 0 && off == data.size();
  }
  ~MemoryFile() {
    if (fd_ >= 0) close(fd_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  bool ok() const { return ok_; }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
  bool ok_ = false;
};

core::Status TransportError(httplib::Error error, const HttpRequest& request, const ParsedUrl& url,
                            long verify_result) {
  const std::string where = request.method + " " + url.Origin() + url.target;
  const double seconds = std::chrono::duration<double>(request.timeout).count();
  switch (error) {
    case httplib::Error::ConnectionTimeout:
      return core::Status(core::StatusCode::kDeadlineExceeded,
                          where + ": connect timed out after " + std::to_string(seconds) + "s");
    case httplib::Error::Connection:
      return core::Unavailable(where + ": connection failed");
    case httplib::Error::Read:
      return core::Unavailable(
          where + ": no complete response (connection closed or read timed out after " +
          std::to_string(seconds) + "s)");
    case httplib::Error::Write:
      return core::Unavailable(where + ": sending the request failed");
    case httplib::Error::SSLServerVerification:
      return core::FailedPrecondition(where + ": TLS server certificate verification failed (" +
                                      X509_verify_cert_error_string(verify_result) + ")");
    case httplib::Error::SSLConnection:
      return core::FailedPrecondition(where + ": TLS handshake failed");
    case httplib::Error::SSLLoadingCerts:
      return core::FailedPrecondition(where + ": cannot load the trusted CA certificates");
    default:
      return core::Unavailable(where + ": " + httplib::to_string(error));
  }
}

}  // namespace

std::string ParsedUrl::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != DefaultPort(scheme)) h += ":" + std::to_string(port);
  return h;
}

std::string ParsedUrl::Origin() const { return scheme + "://" + HostHeader(); }

core::StatusOr<ParsedUrl> ParseHttpUrl(std::string_view url) {
  ParsedUrl out;
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos)
    return core::InvalidArgument("expected an absolute http(s) URL");
  out.scheme = std::string(url.substr(0, sep));
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.scheme != "http" && out.scheme != "https") {
    return core::InvalidArgument("scheme must be http or https");
  }
  std::string_view rest = url.substr(sep + 3);
  const size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (const size_t hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
  if (authority.find('@') != std::string_view::npos) {
    return core::InvalidArgument("credentials in the URL are not allowed");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return core::InvalidArgument("unterminated IPv6 literal");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return core::InvalidArgument("malformed host");
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return core::InvalidArgument("URL has no host");
  out.port = DefaultPort(out.scheme);
  if (!port_text.empty()) {
    auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), out.port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || out.port <= 0 ||
        out.port > 65535) {
      return core::InvalidArgument("invalid port");
    }
  }
  return out;
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

core::StatusOr<HttpResponse> SendHttp(const HttpRequest& request) {
  auto parsed = ParseHttpUrl(request.url);
  if (!parsed.ok()) return core::InvalidArgument(request.url + ": " + parsed.status().message());
  const ParsedUrl& url = *parsed;

  std::optional<MemoryFile> ca_memfd;  // outlives the client, which reads it on connect
  if (!request.ca_pem.empty()) ca_memfd.emplace(request.ca_pem);
  std::unique_ptr<httplib::ClientImpl> client;
  httplib::SSLClient* tls = nullptr;
  if (url.scheme == "https") {
    auto ssl = std::make_unique<httplib::SSLClient>(url.host, url.port);
    tls = ssl.get();
    tls->enable_server_certificate_verification(true);
    // httplib adds the OpenSSL default store on top of an X509_STORE handed to it, but
    // trusts only the given file when given a path; so in-memory PEM goes through a memfd.
    if (!request.ca_pem.empty()) {
      if (!ca_memfd->ok()) return core::Internal("cannot stage the CA certificates in memory");
      tls->set_ca_cert_path(ca_memfd->path());
    } else if (!request.ca_file.empty()) {
      tls->set_ca_cert_path(request.ca_file);
    }
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  const auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(request.timeout);
  client->set_connection_timeout(timeout);
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);
  client->set_keep_alive(false);
  client->set_follow_location(false);

  httplib::Request req;
  req.method = request.method;
  req.path = url.target;
  bool has_host = false;
  for (const auto& [k, v] : request.headers) {
    has_host = has_host || EqualsIgnoreCase(k, "Host");
    req.headers.emplace(k, v);
  }
  if (!has_host) req.headers.emplace("Host", url.HostHeader());
  req.body = request.body;

  httplib::Result result = client->send(req);
  if (!result) {
    return TransportError(result.error(), request, url, tls ? tls->get_openssl_verify_result() : 0);
  }
  HttpResponse out;
  out.status = result->status;
  out.body = std::move(result->body);
  for (const auto& [k, v] : result->headers) out.headers.emplace_back(k, v);
  return out;
}

bool IsRetryableTransportError(const core::Status& status) {
  return status.code() == core::StatusCode::kUnavailable ||
         status.code() == core::StatusCode::kDeadlineExceeded;
}

std::string Excerpt(std::string_view text, size_t max_bytes) {
  std::string out;
  for (char c : text.substr(0, max_bytes)) {
    out += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (text.size() > max_bytes) out += "...";
  return out;
}

}  // namespace gov::integrations
