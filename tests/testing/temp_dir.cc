#include "tests/testing/temp_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace gov::testing {

TempDir::TempDir(std::string_view prefix)
    : TempDir(prefix, std::filesystem::temp_directory_path()) {}

TempDir::TempDir(std::string_view prefix, const std::filesystem::path& base) {
  std::string pattern = (base / (std::string(prefix) + "_XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temp directory " + pattern + ": " +
                             std::strerror(errno));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(std::string_view name, std::string_view content, bool executable) const {
  const std::filesystem::path file = path_ / std::string(name);
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
  }
  ::chmod(file.c_str(), executable ? 0700 : 0600);
  return file.string();
}

}  // namespace gov::testing
