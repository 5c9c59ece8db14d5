#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "controller/hooks/hook.h"
#include "core/json_util.h"
#include "core/status.h"

namespace gov::controller {

inline constexpr std::string_view kServiceAccountTokenFile =
    "/var/run/secrets/kubernetes.io/serviceaccount/token";
inline constexpr std::string_view kServiceAccountCaFile =
    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

// Where the API server is and how to authenticate to it.
struct KubeConnection {
  std::string server;      // "https://host:port[/prefix]"
  std::string ca_file;     // trusted CA bundle (PEM file), or
  std::string ca_pem;      // trusted CA bundle (PEM text, from certificate-authority-data);
                           // both empty = the system store
  std::string token;       // a static bearer token, or
  std::string token_file;  // a file re-read on every request (projected tokens rotate)
};

// The in-cluster connection: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT with
// the pod's service-account token and CA. kFailedPrecondition when the variables are unset.
core::StatusOr<KubeConnection> InClusterConnection(const EnvLookup& getenv);

// The connection a kubeconfig's current-context selects: the cluster's server,
// certificate-authority (relative paths resolve against `base_dir`) or
// certificate-authority-data, and the user's token or tokenFile. Client certificates, exec
// and auth-provider plugins and insecure-skip-tls-verify are refused (kFailedPrecondition).
core::StatusOr<KubeConnection> ConnectionFromKubeconfig(const core::Json& kubeconfig,
                                                        const std::string& base_dir);

// Reads and parses the kubeconfig file at `path`.
core::StatusOr<KubeConnection> LoadKubeconfig(const std::string& path);

// Decodes standard base64 (whitespace ignored); nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace gov::controller
