#pragma once

// The HTTP request and response every handler sees: small types of our own, so that handlers
// and their tests do not depend on the transport (api/http_server serves them with
// Boost.Beast).

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gov::api {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// True when `a` and `b` are equal ignoring ASCII case (header names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Decodes %XX escapes; with `plus_as_space`, '+' becomes ' ' (query strings).
std::string UrlDecode(std::string_view text, bool plus_as_space);

// Splits "a=1&b=x%20y" into decoded (name, value) pairs, in order.
HeaderList ParseQuery(std::string_view query);

struct Request {
  std::string method;  // GET, POST, ...
  std::string target;  // as sent: path and query
  std::string path;    // decoded path, without the query
  std::string body;
  std::string remote_addr;
  HeaderList headers;
  HeaderList params;                     // decoded query parameters, in order
  std::vector<std::string> path_params;  // the route pattern's {params}, in order

  // The first header named `name` (any case), or "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // The first query parameter named `name`, or "" when absent.
  std::string Param(std::string_view name) const;
  bool HasParam(std::string_view name) const;
};

// The writing end of a long-lived response (server-sent events). Thread-safe: any thread may
// write; the transport sends queued data in order.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Queues `data` for the client. Returns false when the stream is already closed, or when
  // the client has fallen more than the stream buffer behind: the stream is then closed (the
  // client reconnects and starts afresh).
  virtual bool Write(std::shared_ptr<const std::string> data) = 0;
  // Ends the response and closes the connection; later writes return false.
  virtual void Close() = 0;
  virtual bool closed() const = 0;
};

// Set by a handler to turn its response into a stream: the transport sends the status and
// headers (no Content-Length; chunked), then calls on_open with the writer, and on_close
// once when the stream ends for any reason (client gone, too slow, shutdown).
struct StreamStart {
  std::function<void(const std::shared_ptr<StreamWriter>&)> on_open;
  std::function<void()> on_close;
};

struct Response {
  int status = 0;  // 0 until set; the router answers 200 for a handled request
  std::string body;
  std::string content_type;
  HeaderList headers;  // besides Content-Type and Content-Length
  std::shared_ptr<StreamStart> stream;

  // Adds a header (a second call with the same name adds a second line).
  void SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  // The first header named `name` (any case), or "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  void SetContent(std::string content, std::string type) {
    body = std::move(content);
    content_type = std::move(type);
  }
};

}  // namespace gov::api
