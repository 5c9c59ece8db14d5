#include "api/router.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <regex>

#include "api/http_util.h"
#include "core/crypto.h"

namespace gov::api {

namespace {

// "/api/v1/tokens/{id}" -> "/api/v1/tokens/([^/]+)".
std::string PatternToRegex(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      const size_t close = path.find('}', i);
      out += "([^/]+)";
      i = close;
    } else if (std::string_view(".+*?()[]^$|\\").find(path[i]) != std::string_view::npos) {
      out += '\\';
      out += path[i];
    } else {
      out += path[i];
    }
  }
  return out;
}

bool ValidRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

constexpr const char* kRequestIdKey = "X-Request-Id";

// A request id unique within the process and unpredictable across processes: a counter
// mixed with a random per-process key through SplitMix64's finalizer (a bijection, so
// distinct counters give distinct ids). Ids need no secrecy, so no CSPRNG call per request.
std::string NewRequestId() {
  static const uint64_t kKey = std::stoull(RandomHex(8), nullptr, 16);
  static std::atomic<uint64_t> counter{0};
  uint64_t z = (counter.fetch_add(1, std::memory_order_relaxed) + kKey) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return HexEncode(std::string_view(reinterpret_cast<const char*>(&z), sizeof(z)));
}

// The caller's X-Request-Id when it is usable, else a new one; echoed on the response.
std::string EchoRequestId(const httplib::Request& req, httplib::Response& res) {
  std::string id = req.get_header_value(kRequestIdKey);
  if (!ValidRequestId(id)) id = NewRequestId();
  res.set_header(kRequestIdKey, id);
  return id;
}

}  // namespace

Router::Router(Authenticator& auth, RateLimiter& limiter, HttpMetrics& metrics,
               std::shared_ptr<spdlog::logger> access_log, bool json_log)
    : auth_(auth),
      limiter_(limiter),
      metrics_(metrics),
      access_log_(std::move(access_log)),
      json_log_(json_log) {}

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

bool Router::Authorize(Access access, RequestContext& ctx, httplib::Response& res) {
  if (access == Access::kPublic) return true;
  const std::string secret = ExtractSecret(ctx.req.get_header_value("Authorization"),
                                           ctx.req.get_header_value("X-API-Key"));
  auto principal = auth_.Authenticate(secret);
  if (!principal.ok()) {
    WriteError(res, principal.status());
    res.set_header("WWW-Authenticate", "Bearer");
    return false;
  }
  const store::TokenType t = principal->type;
  bool allowed = false;
  switch (access) {
    case Access::kPublic: allowed = true; break;
    case Access::kAdmin: allowed = t == store::TokenType::kAdmin; break;
    case Access::kClient: allowed = t == store::TokenType::kClient; break;
    case Access::kFrontend: allowed = t == store::TokenType::kFrontend; break;
    case Access::kClientOrFrontend:
      allowed = t == store::TokenType::kClient || t == store::TokenType::kFrontend;
      break;
  }
  if (!allowed) {
    WriteError(res, PermissionDenied(std::string("a ") +
                                     std::string(store::TokenTypeName(t)) +
                                     " token cannot call this route"));
    return false;
  }
  ctx.principal = std::move(principal).value();
  return true;
}

void Router::Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  const std::string request_id = EchoRequestId(req, res);
  if (route.headers) route.headers(req, res);
  RequestContext ctx{req, request_id, route.path, std::nullopt};

  const bool authorized = Authorize(route.access, ctx, res);
  // Authenticated callers are limited per token; everyone else per client IP.
  if (!route.rate_class.empty() || !authorized) {
    const std::string cls = authorized ? route.rate_class : "unauthenticated";
    const std::string key = ctx.principal ? ctx.principal->token_id : "ip:" + req.remote_addr;
    const RateDecision d = limiter_.Admit(cls, key);
    if (d.limited) {
      res.set_header("RateLimit-Limit", std::to_string(d.limit));
      res.set_header("RateLimit-Remaining", std::to_string(d.remaining));
      res.set_header("RateLimit-Reset", std::to_string(d.reset_seconds));
      if (!d.allowed) {
        res.set_header("Retry-After", std::to_string(d.retry_after_seconds));
        WriteError(res, Status(StatusCode::kResourceExhausted,
                               "rate limit exceeded; retry after " +
                                   std::to_string(d.retry_after_seconds) + " s"));
        return Finish(route.path, req, res, request_id, start);
      }
    }
  }
  if (authorized) {
    try {
      route.handler(ctx, res);
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {} failed: {}", request_id, req.method, route.path, e.what());
      WriteError(res, Internal(e.what()));
    } catch (...) {
      spdlog::error("request {} {} {} failed with an unknown exception", request_id, req.method,
                    route.path);
      WriteError(res, Internal("unknown exception"));
    }
  }
  Finish(route.path, req, res, request_id, start);
}

void Router::Finish(const std::string& route, const httplib::Request& req,
                    httplib::Response& res, const std::string& request_id,
                    std::chrono::steady_clock::time_point start) {
  if (res.status == -1) res.status = 200;  // httplib's default for a handled request
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  metrics_.Observe(route, req.method, res.status, static_cast<double>(micros) / 1e6);
  if (!access_log_) return;
  if (json_log_) {
    access_log_->info(Json{{"method", req.method},
                           {"route", route},
                           {"path", req.path},
                           {"status", res.status},
                           {"us", micros},
                           {"requestId", request_id},
                           {"remote", req.remote_addr}}
                          .dump(-1, ' ', false, Json::error_handler_t::replace));
  } else {
    access_log_->info("{} {} {} {}us request_id={} remote={}", req.method, route, res.status,
                      micros, request_id, req.remote_addr);
  }
}

void Router::Install(httplib::Server& server) {
  std::map<std::string, std::vector<std::string>> methods_by_pattern;
  for (const Route& route : routes_) {
    const std::string pattern = PatternToRegex(route.path);
    methods_by_pattern[pattern].push_back(route.method);
    auto handler = [this, &route](const httplib::Request& req, httplib::Response& res) {
      Dispatch(route, req, res);
    };
    if (route.method == "GET") server.Get(pattern, handler);
    else if (route.method == "POST") server.Post(pattern, handler);
    else if (route.method == "PUT") server.Put(pattern, handler);
    else if (route.method == "PATCH") server.Patch(pattern, handler);
    else if (route.method == "DELETE") server.Delete(pattern, handler);
    else if (route.method == "OPTIONS") server.Options(pattern, handler);
  }
  // A known path with another method is 405 with Allow; anything else 404. Both JSON.
  auto compiled = std::make_shared<std::vector<std::pair<std::regex, std::string>>>();
  for (const auto& [pattern, methods] : methods_by_pattern) {
    std::string allow;
    for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
    compiled->emplace_back(std::regex(pattern), allow);
  }
  server.set_error_handler([this, compiled](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler's own error body
    const auto start = std::chrono::steady_clock::now();
    const std::string request_id = EchoRequestId(req, res);
    if (res.status == 413) {
      WriteError(res, Status(StatusCode::kPayloadTooLarge, "request body too large", "body"));
    } else if (res.status == 404) {
      for (const auto& [re, allow] : *compiled) {
        if (std::regex_match(req.path, re)) {
          res.set_header("Allow", allow);
          WriteJson(res, 405, Json{{"error", {{"code", "method_not_allowed"},
                                              {"message", req.method + " is not allowed here; use " + allow}}}});
          return Finish("unmatched", req, res, request_id, start);
        }
      }
      WriteError(res, NotFound("no route for " + req.method + " " + req.path));
    } else if (res.status == 400) {
      WriteError(res, InvalidArgument("malformed HTTP request"));
    } else {
      WriteJson(res, res.status, Json{{"error", {{"code", "http_" + std::to_string(res.status)},
                                                 {"message", "request failed"}}}});
    }
    Finish("unmatched", req, res, request_id, start);
  });
}

}  // namespace gov::api
