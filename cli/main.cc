// The `governor` executable: serve, check-config, decide, backtest, capacity, analyze, version.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <thread>

#include "app/server.h"
#include "cli/analyze_command.h"
#include "cli/backtest_command.h"
#include "cli/capacity_command.h"
#include "cli/config_loader.h"
#include "controller/decide_json.h"
#include "core/clock.h"
#include "flags/flag_service.h"

#ifndef GOVERNOR_VERSION
#define GOVERNOR_VERSION "0.0.0"
#endif

namespace {

using gov::cli::FlagOverrides;

void PrintProblems(const std::vector<gov::core::Status>& problems) {
  for (const auto& p : problems) {
    if (p.field().empty()) {
      std::cout << p.message() << "\n";
    } else {
      std::cout << p.field() << ": " << p.message() << "\n";
    }
  }
}

int Serve(const std::string& config_file, const FlagOverrides& flags) {
  gov::api::ServerConfig config;
  auto problems = gov::cli::LoadServerConfig(config_file, flags, gov::api::ProcessEnvironment(),
                                             config, gov::cli::ProcessHookValidator());
  if (!problems.empty()) {
    std::cerr << "invalid configuration:\n";
    for (const auto& p : problems) {
      std::cerr << "  " << (p.field().empty() ? "" : p.field() + ": ") << p.message() << "\n";
    }
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  if (config.log_format == "json") {
    spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  }

  // Signals are taken by one thread with sigwait, so shutdown runs outside signal context.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  gov::app::GovernorServer server(config, gov::core::SystemClock::Instance());
  if (gov::core::Status s = server.Open(); !s.ok()) {
    spdlog::critical("cannot start: {}", s.ToString());
    return 1;
  }
  if (!config.flags_file.empty()) {
    // Imported into every environment and kept in the store; unchanged flags are not
    // rewritten, so restarting with the same file changes nothing.
    if (gov::core::Status s = gov::flags::ImportFlagsFile(server.flag_service(), config.flags_file);
        !s.ok()) {
      spdlog::critical("cannot start: {}", s.message());
      return 1;
    }
  }
  auto port = server.Bind();
  if (!port.ok()) {
    spdlog::critical("cannot start: {}", port.status().ToString());
    return 1;
  }
  const std::string host = config.listen_host == "0.0.0.0" || config.listen_host.empty()
                               ? "127.0.0.1"
                               : config.listen_host;
  std::printf("Governor %s listening on http://%s:%d\n", GOVERNOR_VERSION, host.c_str(), *port);
  std::printf("Web console: http://%s:%d/ui/\n", host.c_str(), *port);
  if (!server.generated_admin_token().empty()) {
    std::printf("Admin token (shown once; only its hash is stored): %s\n",
                server.generated_admin_token().c_str());
  } else if (config.admin_token.empty()) {
    std::printf(
        "Admin token: printed on first start only (stored as a hash); create more with "
        "POST /api/v1/tokens\n");
  } else {
    std::printf("Admin token: the configured one (--admin-token / GOVERNOR_ADMIN_TOKEN)\n");
  }
  std::fflush(stdout);

  std::thread signal_thread([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    if (!server.Stop()) {
      // The deadline bounds shutdown: a stalled request or an idle keep-alive connection
      // still holding a worker must not keep the process alive. Everything acknowledged is
      // already committed, so leaving without closing the store loses nothing.
      spdlog::warn("exiting with connections still open after the shutdown deadline");
      spdlog::default_logger()->flush();
      std::fflush(stdout);
      std::_Exit(0);
    }
  });
  server.Serve();
  // Serve() returns once the listener is closed and in-flight requests are done; Stop()
  // (on the signal thread) then closes the store. Wake the signal thread if we got here
  // some other way.
  // The signal thread waits in sigwait() for SIGTERM; sending it one is how it wakes.
  // NOLINTNEXTLINE(bugprone-bad-signal-to-kill-thread)
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  spdlog::info("stopped");
  return 0;
}

int CheckConfig(const std::string& file) {
  gov::api::ServerConfig config;
  // Hooks are checked as `serve` builds them, with this process's environment (a webhook's
  // secretEnv must be set here too).
  auto problems =
      gov::cli::LoadServerConfig(file, {}, {}, config, gov::cli::ProcessHookValidator());
  if (problems.empty()) {
    std::cout << "ok\n";
    return 0;
  }
  PrintProblems(problems);
  return 1;
}

}  // namespace

// An exception that escapes main is a bug: it aborts loudly, with its message.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"Governor: autoscaling decisions, feature flags and experiments"};
  app.require_subcommand(1);

  std::string config_file;
  FlagOverrides flags;
  auto* serve = app.add_subcommand("serve", "Run the Governor service");
  serve->add_option("--config", config_file, "YAML config file (see config/governor.yaml)");
  serve->add_option("--listen", flags.listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  serve->add_option(
      "--database", flags.database,
      "sqlite:///path/to/file.db or postgres://... (default sqlite://var/governor.db)");
  serve->add_option("--admin-token", flags.admin_token,
                    "Use this secret as an admin token (also GOVERNOR_ADMIN_TOKEN)");
  serve->add_option(
      "--flags-file", flags.flags_file,
      "Import flags in the Unleash client-API format at start, into every environment");

  std::string check_file;
  auto* check = app.add_subcommand("check-config",
                                   "Validate a config file; prints ok or one line per problem");
  check->add_option("file", check_file, "YAML config file")->required();

  auto* decide = app.add_subcommand(
      "decide",
      "What-if scaling decision: reads one JSON document on stdin, writes the decision as JSON "
      "(exit 2 on invalid input)");

  gov::cli::BacktestOptions backtest_options;
  auto* backtest = app.add_subcommand(
      "backtest", "Replay a load trace under reactive, predictive and oracle scaling");
  backtest->add_option("--trace", backtest_options.trace_file, "CSV file timestamp,value")
      ->required();
  backtest->add_option("--config", backtest_options.config_file, "YAML config (serve format)")
      ->required();
  backtest->add_option("--target", backtest_options.target, "Target name (if several)");
  backtest->add_option("--policies", backtest_options.policies,
                       "Comma-separated: reactive,predictive,oracle");
  backtest->add_flag("--sweep", backtest_options.sweep, "Targets 50%..90% of capacity");
  backtest->add_flag("--json", backtest_options.json, "Print JSON");
  backtest->add_option("--plot", backtest_options.plot_file, "Write an SVG plot");

  gov::cli::CapacityCommandOptions capacity_options;
  auto* capacity = app.add_subcommand(
      "capacity", "Capacity for the next 7 days from a load history: peak, replicas, cost");
  capacity->add_option("--config", capacity_options.config_file, "YAML config (serve format)")
      ->required();
  capacity->add_option("--history", capacity_options.history_file, "CSV file timestamp,value")
      ->required();
  capacity->add_option("--target", capacity_options.target, "Target name (if several)");
  double price_per_replica_hour = 0;
  auto* price = capacity->add_option("--price-per-replica-hour", price_per_replica_hour,
                                     "Cost of one replica for an hour (else the target's "
                                     "predictive.pricePerReplicaHour)");
  capacity->add_flag("--json", capacity_options.json, "Print JSON");

  auto* analyze = app.add_subcommand(
      "analyze",
      "Experiment statistics from sufficient statistics: reads one JSON document on stdin, "
      "writes the analysis as JSON (exit 2 on invalid input; see docs/statistics.md)");

  auto* version = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return Serve(config_file, flags);
  if (check->parsed()) return CheckConfig(check_file);
  if (decide->parsed()) {
    const std::string input((std::istreambuf_iterator<char>(std::cin)),
                            std::istreambuf_iterator<char>());
    const auto result = gov::controller::RunDecideJson(input);
    std::cout << result.output;
    return result.exit_code;
  }
  if (backtest->parsed()) {
    const gov::cli::CommandOutput result = gov::cli::RunBacktestCommand(backtest_options);
    std::cout << result.out;
    std::cerr << result.err;
    return result.exit_code;
  }
  if (capacity->parsed()) {
    if (price->count() > 0) capacity_options.price_per_replica_hour = price_per_replica_hour;
    const gov::cli::CommandOutput result = gov::cli::RunCapacityCommand(capacity_options);
    std::cout << result.out;
    std::cerr << result.err;
    return result.exit_code;
  }
  if (analyze->parsed()) {
    const std::string input((std::istreambuf_iterator<char>(std::cin)),
                            std::istreambuf_iterator<char>());
    const gov::cli::CommandOutput result = gov::cli::RunAnalyzeCommand(input);
    std::cout << result.out;
    return result.exit_code;
  }
  if (version->parsed()) {
    std::cout << "governor " << GOVERNOR_VERSION << "\n";
    return 0;
  }
  return 0;
}
