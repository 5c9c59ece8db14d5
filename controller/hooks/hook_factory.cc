#include "controller/hooks/hook.h"
#include "controller/hooks/internal/aws_asg_hook.h"
#include "controller/hooks/internal/exec_hook.h"
#include "controller/hooks/internal/kubernetes_hook.h"
#include "controller/hooks/internal/pull_hook.h"
#include "controller/hooks/internal/webhook_hook.h"

namespace gov::controller {

core::StatusOr<std::unique_ptr<Hook>> MakeHook(const core::Json& config,
                                               std::string_view field_path, const HookEnv& env) {
  static const std::vector<std::string_view> kKinds = {"webhook", "kubernetes", "awsAsg", "exec",
                                                       "pull"};
  const std::string path(field_path);
  core::FieldReader r(config, path);
  r.RejectUnknown(kKinds);
  RETURN_IF_ERROR(r.status());
  if (config.size() != 1) {
    return core::InvalidArgument("expected exactly one of webhook, kubernetes, awsAsg, exec, pull",
                                 path);
  }
  const std::string kind = config.begin().key();
  const std::string sub = r.FieldPath(kind);
  const core::Json& body = config.begin().value();
  if (!body.is_object()) return core::InvalidArgument("expected an object", sub);

  if (kind == "webhook") {
    ASSIGN_OR_RETURN(auto c, ParseWebhookConfig(body, sub, env));
    return std::unique_ptr<Hook>(std::make_unique<WebhookHook>(std::move(c), env));
  }
  if (kind == "kubernetes") {
    ASSIGN_OR_RETURN(auto c, ParseKubernetesConfig(body, sub, env));
    return std::unique_ptr<Hook>(std::make_unique<KubernetesHook>(std::move(c), env));
  }
  if (kind == "awsAsg") {
    ASSIGN_OR_RETURN(auto c, ParseAwsAsgConfig(body, sub));
    return std::unique_ptr<Hook>(std::make_unique<AwsAsgHook>(std::move(c), env));
  }
  if (kind == "exec") {
    ASSIGN_OR_RETURN(auto c, ParseExecConfig(body, sub));
    return std::unique_ptr<Hook>(std::make_unique<ExecHook>(std::move(c), env));
  }
  core::FieldReader p(body, sub);
  p.RejectUnknown({});
  RETURN_IF_ERROR(p.status());
  return std::unique_ptr<Hook>(std::make_unique<PullHook>(env));
}

std::function<core::Status(const core::Json& config, const std::string& field_path)>
MakeHookValidator(HookEnv env) {
  return [env = std::move(env)](const core::Json& config, const std::string& field_path) {
    return MakeHook(config, field_path, env).status();
  };
}

}  // namespace gov::controller
