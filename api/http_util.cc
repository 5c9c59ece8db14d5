#include "api/http_util.h"

#include <charconv>

namespace gov::api {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kConflict: return 409;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kFailedPrecondition: return 412;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

void WriteJson(Response& res, int status, const Json& body) {
  res.status = status;
  res.SetContent(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void WriteError(Response& res, const Status& status) {
  const int http = HttpStatusFor(status.code());
  Json err{{"code", StatusCodeName(status.code())}};
  if (http >= 500 && status.code() != StatusCode::kUnavailable) {
    err["message"] = "internal error; see the server log for this request id";
  } else {
    err["message"] = status.message();
  }
  if (!status.field().empty()) err["field"] = status.field();
  WriteJson(res, http, Json{{"error", err}});
}

StatusOr<Json> ParseBody(const Request& req) {
  auto parsed = ParseJson(req.body);
  if (!parsed.ok()) return InvalidArgument(parsed.status().message(), "body");
  return parsed;
}

StatusOr<int> QueryInt(const Request& req, const std::string& name, int def, int min,
                       int max) {
  if (!req.HasParam(name)) return def;
  const std::string v = req.Param(name);
  int out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || out < min || out > max) {
    return InvalidArgument("expected an integer from " + std::to_string(min) + " to " +
                               std::to_string(max),
                           name);
  }
  return out;
}

StatusOr<std::optional<int64_t>> IfMatchVersion(const Request& req) {
  if (!req.HasHeader("If-Match")) return std::optional<int64_t>();
  std::string v = req.Header("If-Match");
  if (v.rfind("W/", 0) == 0) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || out < 1) {
    return InvalidArgument("expected the resource version, e.g. \"3\"", "If-Match");
  }
  return std::optional<int64_t>(out);
}

}  // namespace gov::api
