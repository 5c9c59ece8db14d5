#include "controller/hooks/internal/kube_config.h"

#include <openssl/evp.h>

#include <cctype>
#include <filesystem>

#include "core/yaml_json.h"

namespace gov::controller {

namespace {

// A scalar member as text: YAML turns unquoted digits into numbers, tokens can be digits.
std::string Text(const core::Json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return it->dump();
  return "";
}

// The `field` object of the entry named `name` in kubeconfig list `list` (clusters, users,
// contexts), or nullptr.
const core::Json* Named(const core::Json& config, std::string_view list, const std::string& name,
                        std::string_view field) {
  auto it = config.find(list);
  if (it == config.end() || !it->is_array()) return nullptr;
  for (const core::Json& entry : *it) {
    if (Text(entry, "name") == name) {
      auto f = entry.find(field);
      return f == entry.end() ? nullptr : &*f;
    }
  }
  return nullptr;
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

}  // namespace

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  }
  if (compact.size() % 4 != 0) return std::nullopt;
  std::string out(compact.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(compact.data()),
                                static_cast<int>(compact.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes the '=' padding stands for; drop them.
  size_t len = static_cast<size_t>(n);
  if (!compact.empty() && compact.back() == '=') --len;
  if (compact.size() > 1 && compact[compact.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

core::StatusOr<KubeConnection> InClusterConnection(const EnvLookup& getenv) {
  const auto host = getenv ? getenv("KUBERNETES_SERVICE_HOST") : std::nullopt;
  const auto port = getenv ? getenv("KUBERNETES_SERVICE_PORT") : std::nullopt;
  if (!host || host->empty() || !port || port->empty()) {
    return core::FailedPrecondition(
        "KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set (not running in a pod?); "
        "set apiServer or kubeconfig");
  }
  KubeConnection c;
  const bool ipv6 = host->find(':') != std::string::npos;
  c.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  c.token_file = std::string(kServiceAccountTokenFile);
  c.ca_file = std::string(kServiceAccountCaFile);
  return c;
}

core::StatusOr<KubeConnection> ConnectionFromKubeconfig(const core::Json& config,
                                                        const std::string& base_dir) {
  if (!config.is_object()) return core::FailedPrecondition("kubeconfig is not a YAML mapping");
  const std::string context_name = Text(config, "current-context");
  if (context_name.empty()) return core::FailedPrecondition("kubeconfig has no current-context");
  const core::Json* context = Named(config, "contexts", context_name, "context");
  if (context == nullptr) {
    return core::FailedPrecondition("current-context \"" + context_name + "\" is not in contexts");
  }
  const std::string cluster_name = Text(*context, "cluster");
  const std::string user_name = Text(*context, "user");
  const core::Json* cluster = Named(config, "clusters", cluster_name, "cluster");
  if (cluster == nullptr) {
    return core::FailedPrecondition("cluster \"" + cluster_name + "\" is not in clusters");
  }

  KubeConnection c;
  c.server = Text(*cluster, "server");
  if (c.server.empty())
    return core::FailedPrecondition("cluster \"" + cluster_name + "\" has no server");
  if (Text(*cluster, "insecure-skip-tls-verify") == "true") {
    return core::FailedPrecondition(
        "insecure-skip-tls-verify is not supported; give the cluster CA");
  }
  if (const std::string data = Text(*cluster, "certificate-authority-data"); !data.empty()) {
    auto pem = Base64Decode(data);
    if (!pem) return core::FailedPrecondition("certificate-authority-data is not valid base64");
    c.ca_pem = *pem;
  } else {
    c.ca_file = Resolve(base_dir, Text(*cluster, "certificate-authority"));
  }

  if (!user_name.empty()) {
    const core::Json* user = Named(config, "users", user_name, "user");
    if (user == nullptr)
      return core::FailedPrecondition("user \"" + user_name + "\" is not in users");
    c.token = Text(*user, "token");
    c.token_file = Resolve(base_dir, Text(*user, "tokenFile"));
    const bool other_auth =
        user->is_object() &&
        (user->contains("client-certificate") || user->contains("client-certificate-data") ||
         user->contains("exec") || user->contains("auth-provider") || user->contains("username"));
    if (c.token.empty() && c.token_file.empty() && other_auth) {
      return core::FailedPrecondition("user \"" + user_name +
                                      "\": only token and tokenFile credentials are supported");
    }
  }
  return c;
}

core::StatusOr<KubeConnection> LoadKubeconfig(const std::string& path) {
  auto parsed = core::LoadYamlFile(path);
  if (!parsed.ok()) return core::FailedPrecondition(parsed.status().message());
  auto c = ConnectionFromKubeconfig(*parsed, std::filesystem::path(path).parent_path().string());
  if (!c.ok()) return core::FailedPrecondition(path + ": " + c.status().message());
  return c;
}

}  // namespace gov::controller
