#include "api/openapi.h"

#include <algorithm>
#include <cctype>

namespace gov::api {

core::Json ErrorSchema() { return RefSchema("Error"); }

core::Json RefSchema(const std::string& component) {
  return core::Json{{"$ref", "#/components/schemas/" + component}};
}

namespace {

std::vector<std::string> PathParams(const std::string& path) {
  std::vector<std::string> out;
  for (size_t i = path.find('{'); i != std::string::npos; i = path.find('{', i + 1)) {
    out.push_back(path.substr(i + 1, path.find('}', i) - i - 1));
  }
  return out;
}

core::Json Security(Access access) {
  switch (access) {
    case Access::kPublic:
      return core::Json::array();
    case Access::kAdmin:
      return core::Json::array({{{"bearer", core::Json::array()}}});
    default:
      return core::Json::array({{{"bearer", core::Json::array()}},
                                {{"apiKey", core::Json::array()}},
                                {{"unleashAuthorization", core::Json::array()}}});
  }
}

std::string AccessText(Access access) {
  switch (access) {
    case Access::kPublic:
      return "No token needed.";
    case Access::kAdmin:
      return "Needs an admin token.";
    case Access::kClient:
      return "Needs a client token.";
    case Access::kFrontend:
      return "Needs a frontend token.";
    case Access::kClientOrFrontend:
      return "Needs a client or frontend token.";
  }
  return "";
}

}  // namespace

core::Json BuildOpenApi(const std::vector<Route>& routes, const std::string& version) {
  core::Json paths = core::Json::object();
  for (const Route& r : routes) {
    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    core::Json op{{"summary", r.doc.summary},
                  {"description", AccessText(r.access)},
                  {"tags", core::Json::array({r.doc.tag.empty() ? "system" : r.doc.tag})},
                  {"security", Security(r.access)}};
    std::string op_id = method;
    for (char c : r.path) op_id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    op["operationId"] = op_id;
    core::Json params = core::Json::array();
    for (const auto& p : PathParams(r.path)) {
      params.push_back(
          {{"name", p}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    for (const auto& q : r.doc.query) {
      params.push_back(
          {{"name", q}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}});
    }
    params.push_back({{"name", "X-Request-Id"},
                      {"in", "header"},
                      {"required", false},
                      {"schema", {{"type", "string"}}}});
    op["parameters"] = params;
    if (!r.doc.request_schema.is_null()) {
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", r.doc.request_schema}}}}}};
    }
    core::Json responses = core::Json::object();
    for (const auto& [status, schema] : r.doc.responses) {
      core::Json resp{{"description", "HTTP " + std::to_string(status)}};
      if (!schema.is_null()) {
        const bool text = schema.is_object() && schema.value("x-content-type", "") != "";
        const std::string ctype =
            text ? schema["x-content-type"].get<std::string>() : "application/json";
        core::Json s = schema;
        if (text) s.erase("x-content-type");
        resp["content"] = {{ctype, {{"schema", s}}}};
      }
      responses[std::to_string(status)] = resp;
    }
    if (r.access != Access::kPublic) {
      responses["401"] = {{"description", "Missing or unknown token"},
                          {"content", {{"application/json", {{"schema", ErrorSchema()}}}}}};
      responses["403"] = {{"description", "Wrong token type or scope"},
                          {"content", {{"application/json", {{"schema", ErrorSchema()}}}}}};
    }
    if (!r.rate_class.empty()) {
      responses["429"] = {{"description", "Rate limited; see Retry-After"},
                          {"content", {{"application/json", {{"schema", ErrorSchema()}}}}}};
    }
    op["responses"] = responses;
    paths[r.path][method] = op;
  }
  core::Json token_schema{{"type", "object"},
                          {"required", {"id", "name", "type", "environment", "createdAt"}},
                          {"properties",
                           {{"id", {{"type", "string"}}},
                            {"name", {{"type", "string"}}},
                            {"type", {{"enum", {"admin", "client", "frontend"}}}},
                            {"environment", {{"type", "string"}}},
                            {"createdAt", {{"type", "string"}, {"format", "date-time"}}},
                            {"expiresAt", {{"type", {"string", "null"}}, {"format", "date-time"}}},
                            {"revokedAt", {{"type", {"string", "null"}}, {"format", "date-time"}}},
                            {"version", {{"type", "integer"}}}}}};
  return core::Json{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Governor API"},
        {"version", version},
        {"description", "Autoscaling decisions, feature flags and experiments."}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes",
         {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
          {"apiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}},
          {"unleashAuthorization",
           {{"type", "apiKey"}, {"in", "header"}, {"name", "Authorization"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"required", {"error"}},
            {"properties",
             {{"error",
               {{"type", "object"},
                {"required", {"code", "message"}},
                {"properties",
                 {{"code", {{"type", "string"}}},
                  {"message", {{"type", "string"}}},
                  {"field", {{"type", "string"}}}}}}}}}}},
          {"Token", token_schema},
          {"CreatedToken",
           {{"allOf",
             {RefSchema("Token"),
              {{"type", "object"},
               {"required", {"secret"}},
               {"properties",
                {{"secret",
                  {{"type", "string"},
                   {"description", "Shown once; only its SHA-256 is stored."}}}}}}}}}},
          {"Environment",
           {{"type", "object"},
            {"required", {"name"}},
            {"properties", {{"name", {{"type", "string"}}}, {"createdAt", {{"type", "string"}}}}}}},
          {"AuditEntry",
           {{"type", "object"},
            {"required", {"seq", "at", "actor", "action", "resource"}},
            {"properties",
             {{"seq", {{"type", "integer"}}},
              {"at", {{"type", "string"}}},
              {"actor", {{"type", "string"}}},
              {"action", {{"type", "string"}}},
              {"resource", {{"type", "string"}}},
              {"before", {}},
              {"after", {}},
              {"requestId", {{"type", "string"}}}}}}}}}}}};
}

}  // namespace gov::api
