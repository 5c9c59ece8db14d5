#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/config.h"
#include "controller/target_service.h"

namespace gov::cli {

// Command-line settings that override everything else.
struct FlagOverrides {
  std::string listen;
  std::string database;
  std::string admin_token;
  std::string flags_file;
};

// Builds the effective config: defaults < file < environment < flags. Returns every problem,
// each naming its key (file keys as "server.listen", environment as the variable name).
// Targets are validated as the server validates them at start ("targets[0].maxReplicas: ...");
// their `hook` objects by `validate_hook` when given ("targets[0].hook.webhook.url: ...").
std::vector<core::Status> LoadServerConfig(const std::string& file, const FlagOverrides& flags,
                                           const std::map<std::string, std::string>& env,
                                           api::ServerConfig& out,
                                           const controller::HookValidator& validate_hook = {});

// Checks a `hook` object as the server builds it (MakeHook with this process's environment,
// so a webhook's secretEnv and the in-cluster settings are checked too). Reads the files a
// hook names (kubeconfig) and nothing else; sends no request.
controller::HookValidator ProcessHookValidator();

}  // namespace gov::cli
