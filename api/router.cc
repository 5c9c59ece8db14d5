#include "api/router.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>

#include "api/internal/http_util.h"
#include "api/internal/openapi.h"
#include "core/crypto.h"

namespace gov::api {

namespace {

// Marks a parameter segment in a split pattern; "" is a literal empty segment ("/ui/").
const char kParam[] = "{";

// "/api/v1/tokens/{id}" -> {"api", "v1", "tokens", "{"}: literals, kParam for a parameter.
std::vector<std::string> SplitPattern(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    std::string seg = path.substr(pos, slash - pos);
    out.push_back(!seg.empty() && seg.front() == '{' ? std::string(kParam) : std::move(seg));
    pos = slash + 1;
  }
  return out;
}

// Matches `path` against a split pattern; fills `params` (when given) on success. With
// `rest_of_path`, the last parameter takes the remainder of the path, slashes included.
bool MatchSegments(const std::vector<std::string>& pattern, std::string_view path,
                   std::vector<std::string>* params, bool rest_of_path) {
  if (path.empty() || path.front() != '/') return false;
  size_t pos = 1;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pos > path.size()) return false;
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos || (rest_of_path && i + 1 == pattern.size())) {
      slash = path.size();
    }
    const std::string_view seg = path.substr(pos, slash - pos);
    if (pattern[i] == kParam) {
      if (seg.empty()) return false;
      if (params) params->emplace_back(seg);
    } else if (seg != pattern[i]) {
      return false;
    }
    pos = slash + 1;
  }
  return pos == path.size() + 1;
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
  static const uint64_t kKey = std::stoull(core::RandomHex(8), nullptr, 16);
  static std::atomic<uint64_t> counter{0};
  uint64_t z = (counter.fetch_add(1, std::memory_order_relaxed) + kKey) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return core::HexEncode(std::string_view(reinterpret_cast<const char*>(&z), sizeof(z)));
}

// The caller's X-Request-Id when it is usable, else a new one; echoed on the response.
std::string EchoRequestId(const Request& req, Response& res) {
  std::string id = req.Header(kRequestIdKey);
  if (!ValidRequestId(id)) id = NewRequestId();
  res.SetHeader(kRequestIdKey, id);
  return id;
}

}  // namespace

Router::Router(Authenticator& auth, RateLimiter& limiter, HttpMetrics& metrics,
               std::shared_ptr<spdlog::logger> access_log, bool json_log)
    : auth_(auth),
      limiter_(limiter),
      metrics_(metrics),
      access_log_(std::move(access_log)),
      json_log_(json_log) {
  if (!ContractCheckFromEnvironment()) return;
  const core::Status s = EnableContractCheck();
  if (!s.ok()) spdlog::error("contract check not enabled: {}", s.ToString());
}

core::Status Router::EnableContractCheck() {
  if (contract_) return core::Status::Ok();
  auto doc = OpenApiDocument("contract-check");
  if (!doc.ok()) return doc.status();
  auto check = ContractCheck::Create(*doc);
  if (!check.ok()) return check.status();
  contract_ = std::move(check).value();
  contract_violations_total_ =
      &prometheus::BuildCounter()
           .Name("governor_contract_violations_total")
           .Help("Responses that disagree with the OpenAPI document (contract check on)")
           .Register(metrics_.registry())
           .Add({});
  return core::Status::Ok();
}

std::vector<std::string> Router::contract_violations() const {
  std::lock_guard<std::mutex> lock(violations_mu_);
  return violations_;
}

void Router::CheckContract(const Route& route, const Request& req, const Response& res) {
  const std::string problem = contract_->Check(req.method, route.path, res);
  if (problem.empty()) return;
  const std::string line = "contract violation: " + req.method + " " + route.path + " " +
                           std::to_string(res.status) + ": " + problem;
  spdlog::error("{}", line);
  contract_violations_total_->Increment();
  std::lock_guard<std::mutex> lock(violations_mu_);
  if (violations_.size() < 100) violations_.push_back(line);
}

void Router::Add(Route route) {
  segments_.push_back(SplitPattern(route.path));
  routes_.push_back(std::move(route));
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  RouteMatch match;
  const std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].method != want) continue;
    match.params.clear();
    if (MatchSegments(segments_[i], path, &match.params, routes_[i].rest_of_path)) {
      match.route = &routes_[i];
      return match;
    }
  }
  match.params.clear();
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (!MatchSegments(segments_[i], path, nullptr, routes_[i].rest_of_path)) continue;
    if (match.allow.find(routes_[i].method) != std::string::npos) continue;
    match.allow += (match.allow.empty() ? "" : ", ") + routes_[i].method;
  }
  return match;
}

bool Router::Authorize(const Route& route, RequestContext& ctx, Response& res) {
  const Access access = route.access;
  if (access == Access::kPublic) return true;
  const std::string secret =
      ExtractSecret(ctx.req.Header("Authorization"), ctx.req.Header("X-API-Key"));
  auto principal = auth_.Authenticate(secret);
  if (!principal.ok()) {
    WriteError(res, principal.status());
    res.SetHeader("WWW-Authenticate", "Bearer");
    return false;
  }
  const store::TokenType t = principal->type;
  bool allowed = false;
  switch (access) {
    case Access::kPublic:
      allowed = true;
      break;
    case Access::kAdmin:
      if (t == store::TokenType::kViewer && route.method != "GET") {
        WriteError(res, core::PermissionDenied("viewer tokens are read-only"));
        return false;
      }
      allowed = t == store::TokenType::kAdmin || t == store::TokenType::kViewer;
      break;
    // A viewer token is no client or frontend token: like an admin token it gets 403 on the
    // evaluation, ingest and streaming routes of SDKs, whatever the method.
    case Access::kClient:
      allowed = t == store::TokenType::kClient;
      break;
    case Access::kFrontend:
      allowed = t == store::TokenType::kFrontend;
      break;
    case Access::kClientOrFrontend:
      allowed = t == store::TokenType::kClient || t == store::TokenType::kFrontend;
      break;
  }
  if (!allowed) {
    WriteError(res,
               core::PermissionDenied(std::string("a ") + std::string(store::TokenTypeName(t)) +
                                      " token cannot call this route"));
    return false;
  }
  ctx.principal = std::move(principal).value();
  return true;
}

void Router::Handle(const Route& route, const Request& req, Response& res) {
  const auto start = std::chrono::steady_clock::now();
  const std::string request_id = EchoRequestId(req, res);
  if (route.headers) route.headers(req, res);
  RequestContext ctx{req, request_id, route.path, std::nullopt};

  const bool authorized = Authorize(route, ctx, res);
  // Authenticated callers are limited per token; everyone else per client IP.
  if (route.rate_class != RateClass::kNone || !authorized) {
    const RateClass cls = authorized ? route.rate_class : RateClass::kUnauthenticated;
    const std::string key = ctx.principal ? ctx.principal->token_id : "ip:" + req.remote_addr;
    const RateDecision d = limiter_.Admit(cls, key);
    if (d.limited) {
      res.SetHeader("RateLimit-Limit", std::to_string(d.limit));
      res.SetHeader("RateLimit-Remaining", std::to_string(d.remaining));
      res.SetHeader("RateLimit-Reset", std::to_string(d.reset_seconds));
      if (!d.allowed) {
        res.SetHeader("Retry-After", std::to_string(d.retry_after_seconds));
        WriteError(res, core::Status(core::StatusCode::kResourceExhausted,
                                     "rate limit exceeded; retry after " +
                                         std::to_string(d.retry_after_seconds) + " s"));
        return Finish(&route, route.path, req, res, request_id, start);
      }
    }
  }
  if (authorized) {
    try {
      route.handler(ctx, res);
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {} failed: {}", request_id, req.method, route.path, e.what());
      WriteError(res, core::Internal(e.what()));
    } catch (...) {
      spdlog::error("request {} {} {} failed with an unknown exception", request_id, req.method,
                    route.path);
      WriteError(res, core::Internal("unknown exception"));
    }
  }
  Finish(&route, route.path, req, res, request_id, start);
}

void Router::Finish(const Route* matched, const std::string& route, const Request& req,
                    Response& res, const std::string& request_id,
                    std::chrono::steady_clock::time_point start) {
  if (res.status == 0) res.status = 200;  // a handler that wrote no status succeeded
  if (contract_ && matched) CheckContract(*matched, req, res);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  metrics_.Observe(route, req.method, res.status, static_cast<double>(micros) / 1e6);
  if (!access_log_) return;
  if (json_log_) {
    access_log_->info(core::Json{
        {"method", req.method},
        {"route", route},
        {"path", req.path},
        {"status", res.status},
        {"us", micros},
        {"requestId", request_id},
        {"remote",
         req.remote_addr}}.dump(-1, ' ', false, core::Json::error_handler_t::replace));
  } else {
    access_log_->info("{} {} {} {}us request_id={} remote={}", req.method, route, res.status,
                      micros, request_id, req.remote_addr);
  }
}

void Router::HandleUnmatched(const Request& req, Response& res, int status,
                             const std::string& allow) {
  const auto start = std::chrono::steady_clock::now();
  const std::string request_id = EchoRequestId(req, res);
  switch (status) {
    case 405:
      res.SetHeader("Allow", allow);
      WriteJson(res, 405,
                core::Json{{"error",
                            {{"code", "method_not_allowed"},
                             {"message", req.method + " is not allowed here; use " + allow}}}});
      break;
    case 404:
      WriteError(res, core::NotFound("no route for " + req.method + " " + req.path));
      break;
    case 413:
      WriteError(
          res, core::Status(core::StatusCode::kPayloadTooLarge, "request body too large", "body"));
      break;
    case 431:
      WriteJson(res, 431,
                core::Json{{"error",
                            {{"code", "header_too_large"},
                             {"message", "request headers too large"},
                             {"field", "headers"}}}});
      break;
    case 503:
      res.SetHeader("Retry-After", "1");
      WriteError(res, core::Unavailable("too many connections; retry later"));
      break;
    case 400:
      WriteError(res, core::InvalidArgument("malformed HTTP request"));
      break;
    default:
      WriteJson(res, status,
                core::Json{
                    {"error",
                     {{"code", "http_" + std::to_string(status)}, {"message", "request failed"}}}});
  }
  Finish(nullptr, "unmatched", req, res, request_id, start);
}

Route AdminRoute(std::string method, std::string path, Handler handler) {
  Route route;
  route.method = std::move(method);
  route.path = std::move(path);
  route.access = Access::kAdmin;
  route.rate_class = RateClass::kAdmin;
  route.handler = std::move(handler);
  return route;
}

}  // namespace gov::api
