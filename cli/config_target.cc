#include "cli/config_target.h"

#include <cstddef>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "core/yaml_json.h"

namespace gov::cli {

core::StatusOr<ConfigTarget> FindConfigTarget(std::string_view config_yaml,
                                              const std::string& name) {
  ASSIGN_OR_RETURN(core::Json doc, core::YamlToJson(config_yaml));
  if (!doc.is_object() || !doc.contains("targets") || !doc["targets"].is_array() ||
      doc["targets"].empty()) {
    return core::InvalidArgument("the config has no targets", "targets");
  }
  const core::Json& targets = doc["targets"];
  std::optional<std::size_t> index;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const core::Json& t = targets[i];
    names.push_back(t.is_object() && t.contains("name") && t["name"].is_string()
                        ? t["name"].get<std::string>()
                        : "");
    if (!name.empty() && names.back() == name) index = i;
  }
  if (name.empty()) {
    if (targets.size() != 1) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      return core::InvalidArgument("the config has " + std::to_string(targets.size()) +
                                       " targets (" + list + "); pick one with --target",
                                   "targets");
    }
    index = 0;
  }
  if (!index) return core::InvalidArgument("no target named \"" + name + "\"", "targets");
  return ConfigTarget{targets[*index], "targets[" + std::to_string(*index) + "]"};
}

core::StatusOr<std::string> ReadTextFile(const std::string& path, std::string_view field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::InvalidArgument("cannot read \"" + path + "\"", std::string(field));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace gov::cli
