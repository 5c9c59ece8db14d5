#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/authenticator.h"
#include "api/contract_check.h"
#include "api/http.h"
#include "api/http_metrics.h"
#include "api/rate_limiter.h"
#include "core/json_util.h"
#include "store/audit_repository.h"

namespace prometheus {
class Counter;
}

namespace gov::api {

// Which tokens may call a route. A kAdmin route also admits a viewer token when its method is
// GET (HEAD included, as HEAD matches GET routes); on any other method a viewer gets 403. The
// router enforces it for every admin route, so no handler checks the token type.
enum class Access { kPublic, kAdmin, kClient, kFrontend, kClientOrFrontend };

// Everything a handler sees besides the raw request.
struct RequestContext {
  const Request& req;
  std::string request_id;
  std::string route;  // the pattern, e.g. "/api/v1/tokens/{id}"
  std::optional<Principal> principal;
  // The i-th {param} of the route pattern.
  std::string PathParam(size_t i) const {
    return i < req.path_params.size() ? req.path_params[i] : std::string();
  }
  // Who makes the request's changes, for audit entries.
  store::AuditActor Actor() const {
    return {principal ? principal->name : "anonymous", request_id};
  }
};

using Handler = std::function<void(RequestContext&, Response&)>;

// Where the server runs a route's handler. Inline handlers run on the I/O thread that read the
// request: they must only read memory (evaluation, health, metrics) and never block. Every
// other handler runs on the blocking pool, so a slow database never delays an inline route.
enum class Execution { kBlocking, kInline };

struct Route {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;    // OpenAPI-style pattern with {params}, as in api/openapi.yaml
  Access access = Access::kAdmin;
  RateClass rate_class = RateClass::kNone;  // the token bucket it draws from
  Handler handler;
  // Sets headers every response of the route carries, e.g. CORS headers for a browser API.
  // The router calls it before authentication, so the errors it writes itself (401, 403, 429)
  // carry them too. May be empty.
  std::function<void(const Request&, Response&)> headers = nullptr;
  Execution execution = Execution::kBlocking;
  // When true, the pattern's last {param} takes the rest of the path, slashes included
  // ("/ui/{path}" matches /ui/assets/app.js with "assets/app.js").
  bool rest_of_path = false;
};

// An admin route (admin token, the admin rate class) running on the blocking pool: what every
// admin API handler is.
Route AdminRoute(std::string method, std::string path, Handler handler);

// The route a request names, with its path parameters; or, when none matches, the methods
// the path allows ("" when the path is unknown: 404, else 405 with Allow).
struct RouteMatch {
  const Route* route = nullptr;
  std::vector<std::string> params;
  std::string allow;
};

// The routing table. Handle wraps each handler with: request id, auth, rate limiting,
// exception safety, metrics, the access log and, when enabled, the contract check. Thread-safe
// once every route is added. The contract check is on from construction when the environment
// variable GOVERNOR_CONTRACT_CHECK is 1.
class Router {
 public:
  Router(Authenticator& auth, RateLimiter& limiter, HttpMetrics& metrics,
         std::shared_ptr<spdlog::logger> access_log, bool json_log);

  void Add(Route route);
  const std::vector<Route>& routes() const { return routes_; }
  // The route for `method` and `path` (HEAD matches GET routes). Routes added later than the
  // first Match are not seen.
  RouteMatch Match(std::string_view method, std::string_view path) const;
  // Runs `route`'s handler for `req` (its path_params set from the match) with every wrapper.
  void Handle(const Route& route, const Request& req, Response& res);
  // Answers a request no handler serves: `status` 404 or 405 (with `allow`), or an error the
  // transport found while reading it (400 malformed, 413 body too large, 431 headers too
  // large, 503 over the connection limit). JSON error body, request id, metrics and log line.
  void HandleUnmatched(const Request& req, Response& res, int status, const std::string& allow);

  // From now on, checks every routed response against api/openapi.yaml (ContractCheck): a
  // violation is logged as an error, counted in governor_contract_violations_total and kept
  // for contract_violations(). Call before serving; fails when the document does not compile.
  core::Status EnableContractCheck();
  // The violations seen so far (the first 100), one line each: method, route, status, why.
  std::vector<std::string> contract_violations() const;

 private:
  // `matched` is the route that answered (null for HandleUnmatched).
  void Finish(const Route* matched, const std::string& route, const Request& req, Response& res,
              const std::string& request_id, std::chrono::steady_clock::time_point start);
  void CheckContract(const Route& route, const Request& req, const Response& res);
  // Authenticates per `route`'s access (and, for viewer tokens, its method); on failure writes
  // the error and returns false.
  bool Authorize(const Route& route, RequestContext& ctx, Response& res);

  Authenticator& auth_;
  RateLimiter& limiter_;
  HttpMetrics& metrics_;
  std::shared_ptr<spdlog::logger> access_log_;
  bool json_log_;
  std::vector<Route> routes_;
  // Each route's pattern split on '/': a literal segment, or "" for a {param}.
  std::vector<std::vector<std::string>> segments_;
  std::unique_ptr<ContractCheck> contract_;
  prometheus::Counter* contract_violations_total_ = nullptr;
  mutable std::mutex violations_mu_;
  std::vector<std::string> violations_;
};

}  // namespace gov::api
