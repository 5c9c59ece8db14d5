#include "controller/hooks/internal/kubernetes_hook.h"

#include <fstream>
#include <sstream>

#include "integrations/http_transport.h"

namespace gov::controller {

namespace {

// RFC 1123 label: at most 63 of [a-z0-9-], starting and ending alphanumeric.
bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-';
}

// RFC 1123 subdomain: at most 253 characters of dot-separated labels.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  while (true) {
    const size_t dot = s.find('.');
    if (!IsDnsLabel(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

core::StatusCode CodeFor(int http_status) {
  switch (http_status) {
    case 400:
    case 422:
      return core::StatusCode::kInvalidArgument;
    case 401:
      return core::StatusCode::kUnauthenticated;
    case 403:
      return core::StatusCode::kPermissionDenied;
    case 404:
      return core::StatusCode::kNotFound;
    case 409:
      return core::StatusCode::kConflict;
    case 429:
      return core::StatusCode::kResourceExhausted;
    default:
      return http_status >= 500 ? core::StatusCode::kUnavailable
                                : core::StatusCode::kFailedPrecondition;
  }
}

std::optional<int> IntAt(const core::Json& obj, std::string_view a, std::string_view b) {
  if (!obj.is_object() || !obj.contains(a) || !obj[std::string(a)].is_object()) return std::nullopt;
  const core::Json& inner = obj[std::string(a)];
  auto it = inner.find(b);
  if (it == inner.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

}  // namespace

core::StatusOr<KubernetesConfig> ParseKubernetesConfig(const core::Json& obj,
                                                       const std::string& path,
                                                       const HookEnv& env) {
  core::FieldReader r(obj, path);
  r.RejectUnknown({"namespace", "name", "kind", "apiServer", "tokenFile", "caFile", "kubeconfig"});
  KubernetesConfig config;
  config.ns = r.RequiredString("namespace");
  config.name = r.RequiredString("name");
  const auto kind = r.OptionalString("kind");
  const auto api_server = r.OptionalString("apiServer");
  const auto token_file = r.OptionalString("tokenFile");
  const auto ca_file = r.OptionalString("caFile");
  const auto kubeconfig = r.OptionalString("kubeconfig");
  RETURN_IF_ERROR(r.status());
  if (!IsDnsLabel(config.ns)) {
    return core::InvalidArgument("expected a DNS-1123 label (lowercase, digits, '-')",
                                 r.FieldPath("namespace"));
  }
  if (!IsDnsSubdomain(config.name)) {
    return core::InvalidArgument("expected a DNS-1123 subdomain name", r.FieldPath("name"));
  }
  if (kind) {
    if (*kind != "Deployment" && *kind != "StatefulSet") {
      return core::InvalidArgument("must be Deployment or StatefulSet", r.FieldPath("kind"));
    }
    config.kind = *kind;
  }

  if (kubeconfig) {
    auto c = LoadKubeconfig(*kubeconfig);
    if (!c.ok()) return core::InvalidArgument(c.status().message(), r.FieldPath("kubeconfig"));
    config.connection = *c;
  } else if (api_server) {
    // Out of the cluster's network namespace but with the pod's credentials layout.
    config.connection.token_file = std::string(kServiceAccountTokenFile);
    config.connection.ca_file = std::string(kServiceAccountCaFile);
  } else {
    auto c = InClusterConnection(env.getenv);
    if (!c.ok()) return core::InvalidArgument(c.status().message(), r.FieldPath("apiServer"));
    config.connection = *c;
  }
  if (api_server) config.connection.server = *api_server;
  if (token_file) {
    config.connection.token_file = *token_file;
    config.connection.token.clear();
  }
  if (ca_file) {
    config.connection.ca_file = *ca_file;
    config.connection.ca_pem.clear();
  }

  auto url = integrations::ParseHttpUrl(config.connection.server);
  const std::string server_field = r.FieldPath(api_server ? "apiServer" : "kubeconfig");
  if (!url.ok()) return core::InvalidArgument("server: " + url.status().message(), server_field);
  const bool has_credentials =
      !config.connection.token.empty() || !config.connection.token_file.empty();
  if (url->scheme != "https" && has_credentials) {
    return core::InvalidArgument("refusing to send a bearer token over plain http", server_field);
  }
  return config;
}

std::string ScaleSubresourcePath(const KubernetesConfig& config) {
  return "/apis/apps/v1/namespaces/" + config.ns + "/" +
         (config.kind == "StatefulSet" ? "statefulsets" : "deployments") + "/" + config.name +
         "/scale";
}

KubernetesHook::KubernetesHook(KubernetesConfig config, const HookEnv& env)
    : config_(std::move(config)), env_(env) {}

core::StatusOr<core::Json> KubernetesHook::Call(const std::string& method,
                                                const std::string& body) {
  const std::string path = ScaleSubresourcePath(config_);
  const std::string what = "kubernetes " + method + " " + path;
  const KubeConnection& conn = config_.connection;

  std::string token = conn.token;
  if (token.empty() && !conn.token_file.empty()) {
    std::ifstream in(conn.token_file);
    if (!in) {
      return core::Unauthenticated(what + ": cannot read the bearer token file " + conn.token_file);
    }
    std::stringstream text;
    text << in.rdbuf();
    token = text.str();
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
      token.pop_back();
    }
    if (token.empty())
      return core::Unauthenticated(what + ": the token file " + conn.token_file + " is empty");
  }

  integrations::HttpRequest http;
  http.method = method;
  std::string server = conn.server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  http.url = server + path;
  http.headers = {{"Accept", "application/json"}, {"User-Agent", "governor-hooks/1"}};
  if (!token.empty()) http.headers.emplace_back("Authorization", "Bearer " + token);
  if (!body.empty()) http.headers.emplace_back("Content-Type", "application/merge-patch+json");
  http.body = body;
  http.ca_file = conn.ca_file;
  http.ca_pem = conn.ca_pem;
  http.timeout = config_.timeout;

  auto response = integrations::SendHttp(http);
  if (!response.ok()) {
    return core::Status(response.status().code(), what + ": " + response.status().message());
  }
  auto parsed = core::ParseJson(response->body);
  if (response->status < 200 || response->status >= 300) {
    // The API server explains failures with a metav1.Status object.
    std::string detail = integrations::Excerpt(response->body);
    if (parsed.ok() && parsed->is_object() && parsed->value("kind", "") == "Status") {
      detail = parsed->value("reason", "") + ": " + parsed->value("message", "");
    }
    return core::Status(CodeFor(response->status),
                        what + ": HTTP " + std::to_string(response->status) + " " + detail);
  }
  if (!parsed.ok() || !parsed->is_object()) {
    return core::Internal(
        what + ": the answer is not a JSON object: " + integrations::Excerpt(response->body));
  }
  return std::move(parsed).value();
}

core::StatusOr<std::optional<int>> KubernetesHook::ReadReplicas() {
  ASSIGN_OR_RETURN(const core::Json scale, Call("GET", ""));
  const auto replicas = IntAt(scale, "status", "replicas");
  if (!replicas) {
    return core::Internal("kubernetes GET " + ScaleSubresourcePath(config_) +
                          ": the Scale object has no integer status.replicas");
  }
  return std::optional<int>(*replicas);
}

core::Status KubernetesHook::Scale(const ScaleRequest& request) {
  if (request.to_replicas < 0) {
    return core::InvalidArgument("kubernetes: replicas must not be negative");
  }
  const core::Json patch = {{"spec", {{"replicas", request.to_replicas}}}};
  auto scale = Call("PATCH", patch.dump());
  if (!scale.ok()) return scale.status();
  const auto applied = IntAt(*scale, "spec", "replicas");
  if (applied != request.to_replicas) {
    return core::FailedPrecondition("kubernetes PATCH " + ScaleSubresourcePath(config_) +
                                    ": the API server answered spec.replicas=" +
                                    (applied ? std::to_string(*applied) : std::string("<none>")) +
                                    ", not " + std::to_string(request.to_replicas));
  }
  if (env_.log) {
    env_.log("kubernetes " + config_.kind + " " + config_.ns + "/" + config_.name + " " +
             std::to_string(request.from_replicas) + "->" + std::to_string(request.to_replicas) +
             " (decision " + request.decision_id + ", epoch " + std::to_string(request.epoch) +
             ", resourceVersion " +
             scale->value("metadata", core::Json::object()).value("resourceVersion", "?") + ")");
  }
  return core::Status::Ok();
}

}  // namespace gov::controller
