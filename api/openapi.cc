#include "api/internal/openapi.h"

#include "core/yaml_json.h"

namespace gov::api {

// Defined in the file CMake generates from api/openapi.yaml (api/openapi_yaml.cc.in).
extern const char kOpenApiYaml[];
extern const size_t kOpenApiYamlSize;

std::string_view OpenApiYaml() { return std::string_view(kOpenApiYaml, kOpenApiYamlSize); }

core::StatusOr<core::Json> OpenApiDocument(const std::string& version) {
  auto doc = core::YamlToJson(OpenApiYaml());
  if (!doc.ok()) return core::Internal("api/openapi.yaml: " + doc.status().message());
  (*doc)["info"]["version"] = version;
  return doc;
}

}  // namespace gov::api
