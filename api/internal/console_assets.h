#pragma once

// The web console's static files (web/, built by Vite), embedded at build time by
// web/embed.cmake. Defined in a generated source in the build directory.

#include <cstddef>
#include <string_view>

namespace gov::api {

struct ConsoleAsset {
  std::string_view path;  // relative to /ui/, e.g. "index.html", "assets/index-abc.js"
  std::string_view body;
  std::string_view gzip;  // the same file gzip-compressed at build time; empty when none
};

// False when the console was not built (node/npm missing at configure time).
extern const bool kConsoleBuilt;
extern const ConsoleAsset kConsoleAssets[];
extern const size_t kConsoleAssetCount;

}  // namespace gov::api
