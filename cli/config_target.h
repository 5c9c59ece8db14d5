#pragma once

#include <string>
#include <string_view>

#include "core/json_util.h"
#include "core/status.h"

namespace gov::cli {

// One entry of a `serve`-format config's `targets`, as the offline commands (backtest,
// capacity) pick it.
struct ConfigTarget {
  core::Json json;   // the entry, unparsed
  std::string path;  // "targets[i]", for error fields
};

// The target named `name` in the config's YAML text, or its only target when `name` is empty.
// Errors are InvalidArgument with field "targets": no targets, several and no name (listing
// them), or no target of that name.
core::StatusOr<ConfigTarget> FindConfigTarget(std::string_view config_yaml,
                                              const std::string& name);

// The whole file at `path`; InvalidArgument naming `field` (the option that gave the path) when
// it cannot be read.
core::StatusOr<std::string> ReadTextFile(const std::string& path, std::string_view field);

}  // namespace gov::cli
