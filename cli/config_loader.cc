#include "cli/config_loader.h"

#include "controller/hooks/hook.h"
#include "core/yaml_json.h"

namespace gov::cli {

std::vector<core::Status> LoadServerConfig(const std::string& file, const FlagOverrides& flags,
                                           const std::map<std::string, std::string>& env,
                                           api::ServerConfig& out,
                                           const controller::HookValidator& validate_hook) {
  std::vector<core::Status> problems;
  core::Json doc = api::DefaultConfigDocument();
  if (!file.empty()) {
    auto loaded = core::LoadYamlFile(file);
    if (!loaded.ok()) {
      problems.push_back(loaded.status());
      return problems;
    }
    if (!loaded->is_null()) {
      if (!loaded->is_object()) {
        problems.push_back(core::InvalidArgument("expected a mapping at the top level", "config"));
        return problems;
      }
      api::MergeConfig(doc, *loaded);
    }
  }
  for (auto& s : api::ApplyEnvironment(doc, env)) problems.push_back(std::move(s));
  // GOVERNOR_ADMIN_TOKEN is the documented short form of GOVERNOR_AUTH_ADMIN_TOKEN.
  if (auto it = env.find("GOVERNOR_ADMIN_TOKEN"); it != env.end()) {
    doc["auth"]["adminToken"] = it->second;
  }
  // GOVERNOR_LISTEN is the documented short form of GOVERNOR_SERVER_LISTEN.
  if (auto it = env.find("GOVERNOR_LISTEN"); it != env.end()) {
    doc["server"]["listen"] = it->second;
  }
  if (!flags.listen.empty()) doc["server"]["listen"] = flags.listen;
  if (!flags.database.empty()) doc["database"]["url"] = flags.database;
  if (!flags.admin_token.empty()) doc["auth"]["adminToken"] = flags.admin_token;
  for (auto& s : api::ParseServerConfig(doc, out)) problems.push_back(std::move(s));
  std::vector<controller::TargetSpec> specs;
  for (auto& s : controller::ValidateConfigTargets(out.targets, validate_hook, specs)) {
    problems.push_back(std::move(s));
  }
  out.flags_file = flags.flags_file;
  return problems;
}

controller::HookValidator ProcessHookValidator() {
  return controller::MakeHookValidator(controller::SystemHookEnv());
}

}  // namespace gov::cli
