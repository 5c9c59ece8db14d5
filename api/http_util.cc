#include "api/internal/http_util.h"

#include <charconv>

namespace gov::api {

int HttpStatusFor(core::StatusCode code) {
  switch (code) {
    case core::StatusCode::kOk:
      return 200;
    case core::StatusCode::kInvalidArgument:
      return 400;
    case core::StatusCode::kUnauthenticated:
      return 401;
    case core::StatusCode::kPermissionDenied:
      return 403;
    case core::StatusCode::kNotFound:
      return 404;
    case core::StatusCode::kAlreadyExists:
    case core::StatusCode::kConflict:
      return 409;
    case core::StatusCode::kPayloadTooLarge:
      return 413;
    case core::StatusCode::kFailedPrecondition:
      return 412;
    case core::StatusCode::kResourceExhausted:
      return 429;
    case core::StatusCode::kUnavailable:
      return 503;
    case core::StatusCode::kDeadlineExceeded:
      return 504;
    case core::StatusCode::kInternal:
      return 500;
  }
  return 500;
}

void WriteJson(Response& res, int status, const core::Json& body) {
  res.status = status;
  res.SetContent(body.dump(-1, ' ', false, core::Json::error_handler_t::replace),
                 "application/json");
}

void WriteError(Response& res, const core::Status& status) {
  const int http = HttpStatusFor(status.code());
  core::Json err{{"code", core::StatusCodeName(status.code())}};
  if (http >= 500 && status.code() != core::StatusCode::kUnavailable) {
    err["message"] = "internal error; see the server log for this request id";
  } else {
    err["message"] = status.message();
  }
  if (!status.field().empty()) err["field"] = status.field();
  WriteJson(res, http, core::Json{{"error", err}});
}

core::StatusOr<core::Json> ParseBody(const Request& req) {
  auto parsed = core::ParseJson(req.body);
  if (!parsed.ok()) return core::InvalidArgument(parsed.status().message(), "body");
  return parsed;
}

core::StatusOr<int> QueryInt(const Request& req, const std::string& name, int def, int min,
                             int max) {
  if (!req.HasParam(name)) return def;
  const std::string v = req.Param(name);
  int out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || out < min || out > max) {
    return core::InvalidArgument(
        "expected an integer from " + std::to_string(min) + " to " + std::to_string(max), name);
  }
  return out;
}

core::StatusOr<std::optional<int64_t>> IfMatchVersion(const Request& req) {
  if (!req.HasHeader("If-Match")) return std::optional<int64_t>();
  std::string v = req.Header("If-Match");
  if (v.rfind("W/", 0) == 0) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || out < 1) {
    return core::InvalidArgument("expected the resource version, e.g. \"3\"", "If-Match");
  }
  return std::optional<int64_t>(out);
}

}  // namespace gov::api
