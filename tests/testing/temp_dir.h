#pragma once

// The one temp-directory helper of the tests: every test that needs files on disk (a SQLite
// database, a config file, a log, an exec hook's script) makes a TempDir.

#include <filesystem>
#include <string>
#include <string_view>

namespace gov::testing {

// A fresh directory `<base>/<prefix>_XXXXXX` (made atomically with mkdtemp, mode 0700), removed
// with everything in it by the destructor. `base` defaults to $TMPDIR, else /tmp. Throws
// std::runtime_error when the directory cannot be made.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "gov_test");
  TempDir(std::string_view prefix, const std::filesystem::path& base);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `name` inside the directory (mode 0600, or 0700 when `executable`)
  // and returns the file's absolute path. Throws std::runtime_error when writing fails.
  std::string Write(std::string_view name, std::string_view content, bool executable = false) const;

 private:
  std::filesystem::path path_;
};

}  // namespace gov::testing
