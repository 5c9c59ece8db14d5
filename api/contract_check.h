#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>

#include "api/http.h"
#include "core/json_util.h"
#include "core/status.h"

namespace valijson {
class Schema;
}

namespace gov::api {

// Checks responses against the OpenAPI document (api/openapi.yaml): for the route pattern,
// method and status, the document must describe the response, its content type must be the
// documented one (none for a response without content), and a JSON body must validate
// against the documented schema (valijson, draft 7; `$ref`s resolve in the whole document).
// Streaming responses are not checked. Built once; Check is thread-safe.
class ContractCheck {
 public:
  // Compiles the schema of every documented response of `openapi` (the document as JSON).
  static core::StatusOr<std::unique_ptr<ContractCheck>> Create(const core::Json& openapi);
  ~ContractCheck();

  // "" when `res` agrees with the document for `method` (HEAD checks as GET) and the route
  // pattern `route`; else what is wrong.
  std::string Check(std::string_view method, const std::string& route, const Response& res) const;

 private:
  struct Documented {
    std::string content_type;                  // "" when the response has no content
    std::shared_ptr<valijson::Schema> schema;  // null for a non-JSON content type
  };
  ContractCheck() = default;

  // (method in upper case, route pattern, status) -> the documented response.
  std::map<std::tuple<std::string, std::string, int>, Documented, std::less<>> responses_;
};

// True when the environment variable GOVERNOR_CONTRACT_CHECK is "1".
bool ContractCheckFromEnvironment();

}  // namespace gov::api
