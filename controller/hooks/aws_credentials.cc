#include "controller/hooks/internal/aws_credentials.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

namespace gov::controller {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::string> NonEmpty(const EnvLookup& getenv, const std::string& name) {
  if (!getenv) return std::nullopt;
  auto v = getenv(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

core::StatusOr<AwsCredentials> FromFile(const std::string& path, const std::string& profile) {
  std::ifstream in(path);
  if (!in) {
    return core::Unauthenticated("cannot read AWS shared credentials file " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseSharedCredentials(text.str(), profile, path);
}

}  // namespace

core::StatusOr<AwsCredentials> ParseSharedCredentials(std::string_view text,
                                                      std::string_view profile,
                                                      std::string_view origin) {
  std::map<std::string, std::string> values;
  bool in_profile = false, found = false;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      in_profile = Trim(line.substr(1, line.size() - 2)) == profile;
      found = found || in_profile;
      continue;
    }
    const size_t eq = line.find('=');
    if (!in_profile || eq == std::string_view::npos) continue;
    values[Lower(Trim(line.substr(0, eq)))] = std::string(Trim(line.substr(eq + 1)));
  }
  const std::string where = std::string(origin) + " [" + std::string(profile) + "]";
  if (!found) return core::Unauthenticated("no profile " + where);
  AwsCredentials creds;
  creds.access_key_id = values["aws_access_key_id"];
  creds.secret_access_key = values["aws_secret_access_key"];
  creds.session_token = values["aws_session_token"];
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return core::Unauthenticated(where + " lacks aws_access_key_id or aws_secret_access_key");
  }
  return creds;
}

core::StatusOr<AwsCredentials> LoadAwsCredentials(const AwsCredentialSource& source,
                                                  const EnvLookup& getenv) {
  std::string file = source.credentials_file;
  if (file.empty()) {
    if (auto f = NonEmpty(getenv, "AWS_SHARED_CREDENTIALS_FILE")) {
      file = *f;
    } else if (auto home = NonEmpty(getenv, "HOME")) {
      file = *home + "/.aws/credentials";
    }
  }
  std::string profile = source.profile;
  if (profile.empty()) profile = NonEmpty(getenv, "AWS_PROFILE").value_or("default");

  const bool explicit_file = !source.credentials_file.empty() || !source.profile.empty();
  if (!explicit_file) {
    auto id = NonEmpty(getenv, "AWS_ACCESS_KEY_ID");
    auto secret = NonEmpty(getenv, "AWS_SECRET_ACCESS_KEY");
    if (id && secret) {
      return AwsCredentials{*id, *secret, NonEmpty(getenv, "AWS_SESSION_TOKEN").value_or("")};
    }
    if (id || secret) {
      return core::Unauthenticated(
          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
    }
  }
  if (file.empty()) {
    return core::Unauthenticated(
        "no AWS credentials: AWS_ACCESS_KEY_ID is not set and there is no HOME for "
        "~/.aws/credentials");
  }
  auto creds = FromFile(file, profile);
  if (!creds.ok() && !explicit_file) {
    return core::Unauthenticated("no AWS credentials: AWS_ACCESS_KEY_ID is not set and " +
                                 creds.status().message());
  }
  return creds;
}

}  // namespace gov::controller
