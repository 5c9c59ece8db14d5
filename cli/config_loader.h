#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/config.h"

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
// Targets are validated with the controller's parser ("targets[0].maxReplicas: ...").
std::vector<Status> LoadServerConfig(const std::string& file, const FlagOverrides& flags,
                                     const std::map<std::string, std::string>& env,
                                     api::ServerConfig& out);

}  // namespace gov::cli
