#pragma once

#include <httplib.h>
#include <spdlog/logger.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/authenticator.h"
#include "api/http_metrics.h"
#include "api/rate_limiter.h"
#include "core/json_util.h"

namespace gov::api {

// Which tokens may call a route.
enum class Access { kPublic, kAdmin, kClient, kFrontend, kClientOrFrontend };

// What the OpenAPI document says about a route.
struct RouteDoc {
  std::string summary;
  std::string tag;
  Json request_schema;                 // null when the route takes no body
  std::map<int, Json> responses;       // status -> schema (null for no body)
  std::vector<std::string> query;      // query parameter names
};

// Everything a handler sees besides the raw request.
struct RequestContext {
  const httplib::Request& req;
  std::string request_id;
  std::string route;  // the pattern, e.g. "/api/v1/tokens/{id}"
  std::optional<Principal> principal;
  // The i-th {param} of the route pattern.
  std::string PathParam(size_t i) const { return req.matches[i + 1].str(); }
  // Actor name for audit entries.
  std::string Actor() const { return principal ? principal->name : "anonymous"; }
};

using Handler = std::function<void(RequestContext&, httplib::Response&)>;

struct Route {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;    // OpenAPI-style pattern with {params}
  Access access = Access::kAdmin;
  std::string rate_class;  // "" = not limited; else admin | evaluation | ingest
  Handler handler;
  RouteDoc doc;
  // Sets headers every response of the route carries, e.g. CORS headers for a browser API.
  // The router calls it before authentication, so the errors it writes itself (401, 403, 429)
  // carry them too. May be empty.
  std::function<void(const httplib::Request&, httplib::Response&)> headers = nullptr;
};

// Registers routes on an httplib server, wrapping each handler with: request id, auth,
// rate limiting, exception safety, metrics and the access log.
class Router {
 public:
  Router(Authenticator& auth, RateLimiter& limiter, HttpMetrics& metrics,
         std::shared_ptr<spdlog::logger> access_log, bool json_log);

  void Add(Route route);
  const std::vector<Route>& routes() const { return routes_; }
  // Installs every route plus JSON 404/405/413 handling on `server`.
  void Install(httplib::Server& server);

 private:
  void Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res);
  void Finish(const std::string& route, const httplib::Request& req, httplib::Response& res,
              const std::string& request_id, std::chrono::steady_clock::time_point start);
  // Authenticates per `access`; on failure writes the error and returns false.
  bool Authorize(Access access, RequestContext& ctx, httplib::Response& res);

  Authenticator& auth_;
  RateLimiter& limiter_;
  HttpMetrics& metrics_;
  std::shared_ptr<spdlog::logger> access_log_;
  bool json_log_;
  std::vector<Route> routes_;
};

}  // namespace gov::api
