#include "api/contract_check.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace gov::api {

namespace {

// `#/components/responses/X` -> the response object; any other object as it is.
const core::Json& ResolveResponse(const core::Json& doc, const core::Json& response) {
  if (!response.contains("$ref")) return response;
  const core::Json::json_pointer pointer(response["$ref"].get<std::string>().substr(1));
  return doc.at(pointer);
}

// The media type without parameters, lower case: "text/plain; version=0.0.4" -> "text/plain".
std::string MediaType(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsJson(std::string_view media_type) {
  return media_type == "application/json" ||
         (media_type.size() > 5 && media_type.substr(media_type.size() - 5) == "+json");
}

// True when `media_type` is `documented` or within its range ("*/*", "text/*").
bool MediaTypeMatches(std::string_view documented, std::string_view media_type) {
  if (documented == media_type || documented == "*/*") return true;
  return documented.size() > 2 && documented.substr(documented.size() - 2) == "/*" &&
         media_type.substr(0, documented.size() - 1) == documented.substr(0, documented.size() - 1);
}

}  // namespace

ContractCheck::~ContractCheck() = default;

core::StatusOr<std::unique_ptr<ContractCheck>> ContractCheck::Create(const core::Json& openapi) {
  std::unique_ptr<ContractCheck> check(new ContractCheck());
  if (!openapi.contains("paths") || !openapi["paths"].is_object()) {
    return core::InvalidArgument("the OpenAPI document has no paths");
  }
  // The root each schema is parsed as, holding the components once (so that
  // `#/components/schemas/X` resolves): only its allOf changes from one response to the next,
  // instead of a copy of every component per response.
  core::Json root{{"allOf", core::Json::array()}, {"components", openapi["components"]}};
  for (const auto& [path, operations] : openapi["paths"].items()) {
    for (const auto& [method_lower, operation] : operations.items()) {
      if (!operation.is_object() || !operation.contains("responses")) continue;
      std::string method = method_lower;
      std::transform(method.begin(), method.end(), method.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      for (const auto& [status_text, response_or_ref] : operation["responses"].items()) {
        const std::string where = method + " " + path + " " + status_text;
        int status = 0;
        try {
          status = std::stoi(status_text);
        } catch (const std::exception&) {
          return core::InvalidArgument(where + ": the status must be a number");
        }
        Documented documented;
        try {
          const core::Json& response = ResolveResponse(openapi, response_or_ref);
          if (response.contains("content")) {
            const core::Json& content = response["content"];
            if (content.size() != 1) {
              return core::InvalidArgument(where + ": expected one content type");
            }
            documented.content_type = content.begin().key();
            if (IsJson(documented.content_type)) {
              root["allOf"] = core::Json::array({content.begin()->at("schema")});
              auto schema = std::make_shared<valijson::Schema>();
              valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
              valijson::adapters::NlohmannJsonAdapter adapter(root);
              parser.populateSchema(adapter, *schema);
              documented.schema = std::move(schema);
            }
          }
        } catch (const std::exception& e) {
          return core::InvalidArgument(where + ": " + e.what());
        }
        check->responses_[{method, path, status}] = std::move(documented);
      }
    }
  }
  return check;
}

std::string ContractCheck::Check(std::string_view method, const std::string& route,
                                 const Response& res) const {
  if (res.stream) return "";  // the transport streams it; its events are not checked
  const std::string documented_method(method == "HEAD" ? std::string_view("GET") : method);
  auto it = responses_.find(std::make_tuple(documented_method, route, res.status));
  if (it == responses_.end()) {
    return "status " + std::to_string(res.status) + " is not documented for this route";
  }
  const Documented& doc = it->second;
  const bool has_content = !res.body.empty() || !res.content_type.empty();
  if (doc.content_type.empty()) {
    return has_content ? "the document gives this response no content, but it has " +
                             (res.content_type.empty() ? std::string("a body") : res.content_type)
                       : "";
  }
  const std::string media_type = MediaType(res.content_type);
  if (!MediaTypeMatches(doc.content_type, media_type)) {
    return "content type " + (res.content_type.empty() ? std::string("(none)") : res.content_type) +
           ", documented " + doc.content_type;
  }
  if (!doc.schema || method == "HEAD") return "";
  const core::Json body = core::Json::parse(res.body, nullptr, false);
  if (body.is_discarded()) return "the body is not JSON";
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(body);
  if (validator.validate(*doc.schema, adapter, &results)) return "";
  std::string message;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string context;
    for (const std::string& part : error.context) context += part;
    if (!message.empty()) message += "; ";
    message += context + ": " + error.description;
  }
  return message;
}

bool ContractCheckFromEnvironment() {
  const char* value = std::getenv("GOVERNOR_CONTRACT_CHECK");
  return value != nullptr && std::string_view(value) == "1";
}

}  // namespace gov::api
