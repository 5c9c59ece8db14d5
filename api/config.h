#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/json_util.h"

namespace gov::api {

// Token-bucket parameters for one route class.
struct RateLimit {
  double requests_per_second = 0;  // 0 disables limiting for the class
  double burst = 0;
};

struct ServerConfig {
  // server
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;
  int io_threads = 0;  // event-loop threads; 0 = one per core
  int workers = 16;    // the blocking pool: handlers that touch the database
  int max_connections = 50000;
  int header_timeout_seconds = 10;
  int keep_alive_timeout_seconds = 60;
  int keep_alive_max_count = 0;  // requests per connection; 0 = unlimited
  int read_timeout_seconds = 10;
  size_t max_header_bytes = 16384;
  size_t max_body_bytes = 1 << 20;
  int shutdown_deadline_seconds = 15;
  std::vector<std::string> cors_origins;
  // streaming (server-sent events: Unleash streaming, OFREP change events)
  int max_streams = 50000;
  size_t stream_buffer_bytes = 1 << 20;
  int stream_keep_alive_seconds = 15;
  std::string fetch_mode = "polling";  // "streaming": tell polling Unleash SDKs to stream
  // database
  std::string database_url = "sqlite://var/governor.db";
  int database_pool_size = 4;
  // auth
  std::string admin_token;  // when set, this secret is an admin token
  // log
  std::string log_format = "text";  // text | json
  std::string log_level = "info";
  bool access_log = true;
  // rate limits per route class: admin, evaluation, ingest, unauthenticated
  std::map<std::string, RateLimit> rate_limits;
  // experiments: the nice values of the threads that store the events API's batches
  // (writerNice), store the exposures evaluation records (exposureWriterNice) and fold events
  // into experiment aggregates (aggregationNice); 0 is the default priority.
  int experiments_writer_nice = 0;
  int experiments_exposure_writer_nice = 10;
  int experiments_aggregation_nice = 10;
  // targets: the autoscaling targets defined in the config file (raw JSON array; the
  // controller parses and validates them). Empty when none.
  core::Json targets = core::Json::array();
  // A flags file in the Unleash client-API format to import at start (--flags-file).
  std::string flags_file;
};

// The defaults as a config document; its shape defines every known key.
core::Json DefaultConfigDocument();

// Overlays environment variables onto `doc`: for each leaf key path a.b.c of the defaults,
// GOVERNOR_<A>_<B>_<C> (camelCase split into UPPER_SNAKE) replaces the value, parsed to the
// leaf's type. `env` is the environment (name -> value). Errors name the variable.
std::vector<core::Status> ApplyEnvironment(core::Json& doc,
                                           const std::map<std::string, std::string>& env);

// Merges `overlay` into `base` recursively (objects merge, everything else replaces).
void MergeConfig(core::Json& base, const core::Json& overlay);

// Validates and converts a merged document. Returns every problem, each naming its key
// path (e.g. "server.listen: expected HOST:PORT").
std::vector<core::Status> ParseServerConfig(const core::Json& doc, ServerConfig& out);

// The current process environment as a map.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace gov::api
