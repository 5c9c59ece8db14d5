#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "controller/hooks/hook.h"
#include "controller/hooks/internal/kube_config.h"

namespace gov::controller {

struct KubernetesConfig {
  std::string ns;  // `namespace`
  std::string name;
  std::string kind = "Deployment";  // or "StatefulSet"
  KubeConnection connection;        // resolved from kubeconfig / in-cluster + overrides
  core::Duration timeout = std::chrono::seconds(10);
};

// Reads {namespace, name, kind?, apiServer?, tokenFile?, caFile?, kubeconfig?} at `path`
// and resolves the connection: a kubeconfig when given, else the in-cluster environment;
// apiServer, tokenFile and caFile then override what that produced.
core::StatusOr<KubernetesConfig> ParseKubernetesConfig(const core::Json& obj,
                                                       const std::string& path, const HookEnv& env);

// "/apis/apps/v1/namespaces/<ns>/<deployments|statefulsets>/<name>/scale".
std::string ScaleSubresourcePath(const KubernetesConfig& config);

// Scales a Deployment or StatefulSet through its scale subresource (autoscaling/v1 Scale):
// ReadReplicas GETs it and returns status.replicas, the count the controller observes
// (what the HPA uses as "current"); Scale PATCHes {"spec":{"replicas":N}} as
// application/merge-patch+json and checks the answer carries spec.replicas == N.
class KubernetesHook final : public Hook {
 public:
  KubernetesHook(KubernetesConfig config, const HookEnv& env);

  std::string_view kind() const override { return "kubernetes"; }
  core::StatusOr<std::optional<int>> ReadReplicas() override;
  core::Status Scale(const ScaleRequest& request) override;

 private:
  // Sends one request to the scale subresource and returns the parsed 2xx Scale object.
  core::StatusOr<core::Json> Call(const std::string& method, const std::string& body);

  KubernetesConfig config_;
  HookEnv env_;
};

}  // namespace gov::controller
