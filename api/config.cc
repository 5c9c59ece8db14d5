#include "api/config.h"

#include <cctype>
#include <cstdlib>

extern char** environ;

namespace gov::api {

core::Json DefaultConfigDocument() {
  return core::Json::parse(R"({
    "server": {
      "listen": "127.0.0.1:8080",
      "ioThreads": 0,
      "workers": 16,
      "maxConnections": 50000,
      "headerTimeoutSeconds": 10,
      "keepAliveTimeoutSeconds": 60,
      "keepAliveMaxCount": 0,
      "readTimeoutSeconds": 10,
      "maxHeaderBytes": 16384,
      "maxBodyBytes": 1048576,
      "shutdownDeadlineSeconds": 15,
      "corsOrigins": []
    },
    "streaming": {
      "maxStreams": 50000,
      "bufferBytes": 1048576,
      "keepAliveSeconds": 15,
      "fetchMode": "polling"
    },
    "database": {"url": "sqlite://var/governor.db", "poolSize": 4},
    "auth": {"adminToken": ""},
    "log": {"format": "text", "level": "info", "accessLog": true},
    "rateLimits": {
      "admin": {"requestsPerSecond": 100, "burst": 200},
      "evaluation": {"requestsPerSecond": 0, "burst": 0},
      "ingest": {"requestsPerSecond": 200, "burst": 400},
      "unauthenticated": {"requestsPerSecond": 20, "burst": 40}
    },
    "experiments": {"writerNice": 0, "exposureWriterNice": 10, "aggregationNice": 10}
  })");
}

namespace {

std::string UpperSnake(const std::string& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

void Overlay(core::Json& node, const core::Json& defaults, const std::string& env_prefix,
             const std::string& path, const std::map<std::string, std::string>& env,
             std::vector<core::Status>& errors) {
  for (const auto& [key, def] : defaults.items()) {
    const std::string var = env_prefix + "_" + UpperSnake(key);
    const std::string key_path = path.empty() ? key : path + "." + key;
    if (def.is_object()) {
      if (!node.contains(key) || !node[key].is_object()) node[key] = core::Json::object();
      Overlay(node[key], def, var, key_path, env, errors);
      continue;
    }
    auto it = env.find(var);
    if (it == env.end()) continue;
    const std::string& v = it->second;
    char* end = nullptr;
    if (def.is_boolean()) {
      if (v == "true" || v == "1")
        node[key] = true;
      else if (v == "false" || v == "0")
        node[key] = false;
      else
        errors.push_back(core::InvalidArgument("expected true or false", var));
    } else if (def.is_number_integer()) {
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end)
        errors.push_back(core::InvalidArgument("expected an integer", var));
      else
        node[key] = n;
    } else if (def.is_number()) {
      const double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end)
        errors.push_back(core::InvalidArgument("expected a number", var));
      else
        node[key] = d;
    } else if (def.is_array()) {
      core::Json arr = core::Json::array();
      size_t start = 0;
      while (start <= v.size() && !v.empty()) {
        const size_t comma = v.find(',', start);
        arr.push_back(
            v.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      node[key] = arr;
    } else {
      node[key] = v;
    }
  }
}

// Collects problems for one section while reading it.
class SectionReader {
 public:
  SectionReader(const core::Json& doc, const std::string& section,
                std::vector<core::Status>& errors)
      : errors_(errors), section_(section) {
    static const core::Json kEmpty = core::Json::object();
    const core::Json* s = doc.contains(section) ? &doc.at(section) : &kEmpty;
    if (!s->is_object()) {
      errors_.push_back(core::InvalidArgument("expected a mapping", section));
      s = &kEmpty;
    }
    obj_ = s;
  }

  const core::Json* Get(const std::string& key) const {
    auto it = obj_->find(key);
    return it == obj_->end() || it->is_null() ? nullptr : &*it;
  }
  std::string Path(const std::string& key) const { return section_ + "." + key; }
  void Fail(const std::string& key, const std::string& msg) {
    errors_.push_back(core::InvalidArgument(msg, Path(key)));
  }

  void Int(const std::string& key, int& out, int min, int max) {
    const core::Json* v = Get(key);
    if (!v) return;
    if (!v->is_number_integer() || v->get<int64_t>() < min || v->get<int64_t>() > max) {
      Fail(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    out = v->get<int>();
  }
  void String(const std::string& key, std::string& out) {
    const core::Json* v = Get(key);
    if (!v) return;
    if (!v->is_string()) return Fail(key, "expected a string");
    out = v->get<std::string>();
  }
  void Bool(const std::string& key, bool& out) {
    const core::Json* v = Get(key);
    if (!v) return;
    if (!v->is_boolean()) return Fail(key, "expected true or false");
    out = v->get<bool>();
  }
  void Unknown(const std::vector<std::string>& known) {
    for (const auto& [key, _] : obj_->items()) {
      bool ok = false;
      for (const auto& k : known) ok = ok || k == key;
      if (!ok) Fail(key, "unknown key");
    }
  }

 private:
  std::vector<core::Status>& errors_;
  std::string section_;
  const core::Json* obj_;
};

}  // namespace

std::vector<core::Status> ApplyEnvironment(core::Json& doc,
                                           const std::map<std::string, std::string>& env) {
  std::vector<core::Status> errors;
  if (!doc.is_object()) doc = core::Json::object();
  Overlay(doc, DefaultConfigDocument(), "GOVERNOR", "", env, errors);
  return errors;
}

void MergeConfig(core::Json& base, const core::Json& overlay) {
  if (!overlay.is_object() || !base.is_object()) {
    base = overlay;
    return;
  }
  for (const auto& [key, value] : overlay.items()) {
    if (value.is_object() && base.contains(key) && base[key].is_object()) {
      MergeConfig(base[key], value);
    } else {
      base[key] = value;
    }
  }
}

std::vector<core::Status> ParseServerConfig(const core::Json& doc, ServerConfig& out) {
  std::vector<core::Status> errors;
  if (!doc.is_object()) {
    errors.push_back(core::InvalidArgument("expected a mapping at the top level", "config"));
    return errors;
  }
  for (const auto& [key, _] : doc.items()) {
    static const std::vector<std::string> kSections = {
        "server", "streaming", "database", "auth", "log", "rateLimits", "experiments", "targets"};
    if (std::find(kSections.begin(), kSections.end(), key) == kSections.end()) {
      errors.push_back(core::InvalidArgument("unknown section", key));
    }
  }
  {
    SectionReader r(doc, "server", errors);
    r.Unknown({"listen", "ioThreads", "workers", "maxConnections", "headerTimeoutSeconds",
               "keepAliveTimeoutSeconds", "keepAliveMaxCount", "readTimeoutSeconds",
               "maxHeaderBytes", "maxBodyBytes", "shutdownDeadlineSeconds", "corsOrigins"});
    if (const core::Json* listen = r.Get("listen")) {
      std::string s = listen->is_string() ? listen->get<std::string>() : "";
      const auto colon = s.rfind(':');
      bool ok = colon != std::string::npos && colon > 0 && colon + 1 < s.size();
      int port = -1;
      if (ok) {
        char* end = nullptr;
        const std::string p = s.substr(colon + 1);
        port = static_cast<int>(std::strtol(p.c_str(), &end, 10));
        ok = *end == '\0' && port >= 0 && port <= 65535;
      }
      if (!ok) {
        r.Fail("listen", "expected HOST:PORT");
      } else {
        std::string host = s.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
          host = host.substr(1, host.size() - 2);
        }
        out.listen_host = host;
        out.listen_port = port;
      }
    }
    r.Int("ioThreads", out.io_threads, 0, 256);
    r.Int("workers", out.workers, 1, 4096);
    r.Int("maxConnections", out.max_connections, 1, 10000000);
    r.Int("headerTimeoutSeconds", out.header_timeout_seconds, 1, 3600);
    r.Int("keepAliveTimeoutSeconds", out.keep_alive_timeout_seconds, 1, 86400);
    r.Int("keepAliveMaxCount", out.keep_alive_max_count, 0, 100000000);
    r.Int("readTimeoutSeconds", out.read_timeout_seconds, 1, 3600);
    int max_header = static_cast<int>(out.max_header_bytes);
    r.Int("maxHeaderBytes", max_header, 1024, 1 << 20);
    out.max_header_bytes = static_cast<size_t>(max_header);
    int max_body = static_cast<int>(out.max_body_bytes);
    r.Int("maxBodyBytes", max_body, 1024, 1 << 30);
    out.max_body_bytes = static_cast<size_t>(max_body);
    r.Int("shutdownDeadlineSeconds", out.shutdown_deadline_seconds, 0, 3600);
    if (const core::Json* cors = r.Get("corsOrigins")) {
      if (!cors->is_array()) {
        r.Fail("corsOrigins", "expected a list of origins");
      } else {
        out.cors_origins.clear();
        for (const auto& o : *cors) {
          if (!o.is_string()) {
            r.Fail("corsOrigins", "expected a list of origins");
            break;
          }
          out.cors_origins.push_back(o.get<std::string>());
        }
      }
    }
  }
  {
    SectionReader r(doc, "streaming", errors);
    r.Unknown({"maxStreams", "bufferBytes", "keepAliveSeconds", "fetchMode"});
    r.Int("maxStreams", out.max_streams, 0, 10000000);
    int buffer = static_cast<int>(out.stream_buffer_bytes);
    r.Int("bufferBytes", buffer, 4096, 1 << 30);
    out.stream_buffer_bytes = static_cast<size_t>(buffer);
    r.Int("keepAliveSeconds", out.stream_keep_alive_seconds, 1, 3600);
    r.String("fetchMode", out.fetch_mode);
    if (out.fetch_mode != "polling" && out.fetch_mode != "streaming") {
      r.Fail("fetchMode", "expected polling or streaming");
    }
  }
  {
    SectionReader r(doc, "database", errors);
    r.Unknown({"url", "poolSize"});
    r.String("url", out.database_url);
    const std::string& url = out.database_url;
    if (url.rfind("sqlite://", 0) != 0 && url.rfind("postgres://", 0) != 0 &&
        url.rfind("postgresql://", 0) != 0) {
      r.Fail("url", "expected sqlite:///path/to/file.db or postgres://...");
    } else if (url == "sqlite://") {
      r.Fail("url", "expected a file path after sqlite://");
    }
    r.Int("poolSize", out.database_pool_size, 1, 256);
  }
  {
    SectionReader r(doc, "auth", errors);
    r.Unknown({"adminToken"});
    r.String("adminToken", out.admin_token);
    if (!out.admin_token.empty() && out.admin_token.size() < 16) {
      r.Fail("adminToken", "must be at least 16 characters");
    }
  }
  {
    SectionReader r(doc, "log", errors);
    r.Unknown({"format", "level", "accessLog"});
    r.String("format", out.log_format);
    if (out.log_format != "text" && out.log_format != "json")
      r.Fail("format", "expected text or json");
    r.String("level", out.log_level);
    static const std::vector<std::string> kLevels = {"trace", "debug", "info",
                                                     "warn",  "error", "off"};
    if (std::find(kLevels.begin(), kLevels.end(), out.log_level) == kLevels.end()) {
      r.Fail("level", "expected one of trace, debug, info, warn, error, off");
    }
    r.Bool("accessLog", out.access_log);
  }
  {
    SectionReader r(doc, "rateLimits", errors);
    r.Unknown({"admin", "evaluation", "ingest", "unauthenticated"});
    for (const std::string cls : {"admin", "evaluation", "ingest", "unauthenticated"}) {
      RateLimit limit;
      const core::Json* v = r.Get(cls);
      if (v && !v->is_object()) {
        r.Fail(cls, "expected {requestsPerSecond, burst}");
        continue;
      }
      if (v) {
        for (const auto& [k, val] : v->items()) {
          double* dst = k == "requestsPerSecond" ? &limit.requests_per_second
                        : k == "burst"           ? &limit.burst
                                                 : nullptr;
          if (!dst) {
            r.Fail(cls + "." + k, "unknown key");
          } else if (!val.is_number() || val.get<double>() < 0) {
            r.Fail(cls + "." + k, "expected a number >= 0");
          } else {
            *dst = val.get<double>();
          }
        }
        if (limit.requests_per_second > 0 && limit.burst < 1) {
          r.Fail(cls + ".burst", "must be at least 1 when requestsPerSecond is set");
        }
      }
      out.rate_limits[cls] = limit;
    }
  }
  {
    SectionReader r(doc, "experiments", errors);
    r.Unknown({"writerNice", "exposureWriterNice", "aggregationNice"});
    r.Int("writerNice", out.experiments_writer_nice, 0, 19);
    r.Int("exposureWriterNice", out.experiments_exposure_writer_nice, 0, 19);
    r.Int("aggregationNice", out.experiments_aggregation_nice, 0, 19);
  }
  if (doc.contains("targets") && !doc["targets"].is_null()) {
    if (!doc["targets"].is_array()) {
      errors.push_back(core::InvalidArgument("expected a list of targets", "targets"));
    } else {
      out.targets = doc["targets"];
    }
  }
  return errors;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

}  // namespace gov::api
