#pragma once

// A local Prometheus stand-in for range queries (cpp-httplib on port 0), shared by the range
// client's tests and the controller's load-history tests.

#include <httplib.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gov::integrations::testing {

// Answers /prefix/api/v1/query_range with one sample per step over the asked range (value =
// the sample's Unix time), recording each request's parameters.
class RangePrometheus {
 public:
  RangePrometheus() {
    server_.Get("/prefix/api/v1/query_range", [this](const httplib::Request& req,
                                                     httplib::Response& res) {
      const double start = std::stod(req.get_param_value("start"));
      const double end = std::stod(req.get_param_value("end"));
      const double step = std::stod(req.get_param_value("step"));
      {
        std::lock_guard lock(mu_);
        requests_.push_back({req.get_param_value("query"), start, end, step});
      }
      std::string values;
      for (double t = start; t <= end; t += step) {
        if (!values.empty()) values += ",";
        values += "[" + std::to_string(static_cast<int64_t>(t)) + ",\"" +
                  std::to_string(static_cast<int64_t>(t)) + "\"]";
      }
      res.set_content(
          R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[)" +
              values + "]}]}}",
          "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RangePrometheus() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/prefix"; }
  struct Request {
    std::string query;
    double start, end, step;
  };
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<Request> requests_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace gov::integrations::testing
