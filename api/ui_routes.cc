#include "api/internal/ui_routes.h"

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/internal/console_assets.h"
#include "api/internal/http_util.h"

namespace gov::api {

namespace {

// No inline scripts or styles anywhere in the build (web/vite.config.ts inlines nothing).
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view ContentTypeFor(std::string_view path) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  };
  for (const Type& t : kTypes) {
    if (EndsWith(path, t.extension)) return t.content_type;
  }
  return "application/octet-stream";
}

// The console's files read from a directory (a `vite build` output) at startup, for a console
// installed beside the binary or rebuilt while governor runs (GOVERNOR_CONSOLE_DIR).
struct ConsoleDirectory {
  std::deque<std::string> storage;  // paths and bodies the assets' views point into (stable)
  std::vector<ConsoleAsset> assets;
};

std::string ReadWhole(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::shared_ptr<const ConsoleDirectory> LoadConsoleDirectory(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  auto out = std::make_shared<ConsoleDirectory>();
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() != ".gz") files.push_back(it->path());
  }
  for (const fs::path& file : files) {
    const std::string& path =
        out->storage.emplace_back(file.lexically_relative(dir).generic_string());
    const std::string& body = out->storage.emplace_back(ReadWhole(file));
    fs::path gz = file;
    gz += ".gz";
    std::string_view gzip;
    if (fs::exists(gz)) gzip = out->storage.emplace_back(ReadWhole(gz));
    out->assets.push_back(ConsoleAsset{path, body, gzip});
  }
  return out;
}

// The directory named by GOVERNOR_CONSOLE_DIR, read on the first request; null when unset.
const ConsoleDirectory* ConsoleFromDirectory() {
  static const std::shared_ptr<const ConsoleDirectory> loaded =
      []() -> std::shared_ptr<const ConsoleDirectory> {
    const char* dir = std::getenv("GOVERNOR_CONSOLE_DIR");
    if (dir == nullptr || *dir == '\0') return nullptr;
    return LoadConsoleDirectory(dir);
  }();
  return loaded.get();
}

bool ConsoleAvailable() { return kConsoleBuilt || ConsoleFromDirectory() != nullptr; }

const ConsoleAsset* FindAsset(std::string_view path) {
  if (const ConsoleDirectory* dir = ConsoleFromDirectory()) {
    for (const ConsoleAsset& asset : dir->assets) {
      if (asset.path == path) return &asset;
    }
    return nullptr;
  }
  for (size_t i = 0; i < kConsoleAssetCount; ++i) {
    if (kConsoleAssets[i].path == path) return &kConsoleAssets[i];
  }
  return nullptr;
}

// True when Accept-Encoding lists gzip (or *) without q=0.
bool AcceptsGzip(const std::string& accept_encoding) {
  size_t pos = 0;
  while (pos <= accept_encoding.size()) {
    size_t comma = accept_encoding.find(',', pos);
    if (comma == std::string::npos) comma = accept_encoding.size();
    std::string_view item(accept_encoding.data() + pos, comma - pos);
    pos = comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (!EqualsIgnoreCase(coding, "gzip") && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view params = item.substr(semi + 1);
    while (!params.empty() && params.front() == ' ') params.remove_prefix(1);
    if (params == "q=0" || params == "q=0.0" || params == "q=0.00" || params == "q=0.000") {
      return false;
    }
    return true;
  }
  return false;
}

// Serves `asset` (its gzip variant when the request accepts it) with the console's headers.
void ServeAsset(const Request& req, Response& res, const ConsoleAsset& asset) {
  const bool hashed = asset.path.substr(0, 7) == "assets/";
  res.status = 200;
  res.SetHeader("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
  res.SetHeader("Content-Security-Policy", kContentSecurityPolicy);
  res.SetHeader("X-Content-Type-Options", "nosniff");
  res.SetHeader("Referrer-Policy", "no-referrer");
  res.SetHeader("Vary", "Accept-Encoding");
  std::string_view body = asset.body;
  if (!asset.gzip.empty() && AcceptsGzip(req.Header("Accept-Encoding"))) {
    res.SetHeader("Content-Encoding", "gzip");
    body = asset.gzip;
  }
  res.SetContent(std::string(body), std::string(ContentTypeFor(asset.path)));
}

void NotBuilt(Response& res) {
  WriteError(
      res, core::NotFound("the web console was not built into this governor: node, npm or "
                          "web/node_modules (scripts/install-deps installs them) were missing when "
                          "it was configured, or GOVERNOR_WEB_CONSOLE was OFF"));
}

// The file at `path` under /ui/, or index.html when no file has that path.
void ServePath(const Request& req, Response& res, std::string_view path) {
  if (!ConsoleAvailable()) return NotBuilt(res);
  const ConsoleAsset* asset = path.empty() ? nullptr : FindAsset(path);
  if (asset == nullptr) asset = FindAsset("index.html");
  if (asset == nullptr) return NotBuilt(res);
  ServeAsset(req, res, *asset);
}

Route UiRoute(std::string path, Handler handler) {
  Route route{"GET", std::move(path), Access::kPublic, RateClass::kNone, std::move(handler)};
  route.execution = Execution::kInline;  // reads embedded memory only
  return route;
}

}  // namespace

void AddUiRoutes(Router& router) {
  router.Add(UiRoute("/ui", [](RequestContext&, Response& res) {
    if (!ConsoleAvailable()) return NotBuilt(res);
    res.status = 301;
    res.SetHeader("Location", "/ui/");
  }));
  router.Add(
      UiRoute("/ui/", [](RequestContext& ctx, Response& res) { ServePath(ctx.req, res, ""); }));
  Route files = UiRoute("/ui/{path}", [](RequestContext& ctx, Response& res) {
    ServePath(ctx.req, res, ctx.PathParam(0));
  });
  files.rest_of_path = true;
  router.Add(std::move(files));
}

}  // namespace gov::api
