#include "controller/hooks/internal/kubernetes_hook.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>

#include <map>
#include <mutex>

#include "tests/controller/hooks/hook_test_util.h"

namespace gov::controller {
namespace {

using testing::FakeServer;
using ::testing::HasSubstr;
using testing::MakeSelfSignedCertificate;
using testing::TempDir;
using Env = testing::TestHookEnv;

struct Seen {
  std::string method, path, authorization, content_type, accept, body;
};

// A fake API server (HTTPS, self-signed CA) serving the scale subresource of one
// Deployment and one StatefulSet the way kube-apiserver does: GET returns an
// autoscaling/v1 Scale; PATCH with application/merge-patch+json applies spec.replicas and
// returns the updated Scale; anything else gets a metav1.Status failure.
class FakeApiServer {
 public:
  explicit FakeApiServer(TempDir& dir)
      : cert_(MakeSelfSignedCertificate("kube-apiserver")), server_(dir, cert_) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res);
    };
    const std::string pattern = R"(/apis/apps/v1/namespaces/[^/]+/[^/]+/[^/]+/scale)";
    server_.server().Get(pattern, handler);
    server_.server().Patch(pattern, handler);
  }

  const std::string& ca_pem() const { return cert_.cert_pem; }
  int port() const { return server_.port(); }
  std::string Origin() const { return server_.Origin(); }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // Replies to the next request with this status object instead.
  void FailNext(int code, const std::string& reason, const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ =
        core::Json{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", core::Json::object()},
                   {"status", "Failure"}, {"message", message}, {"reason", reason},
                   {"code", code}};
  }
  // Makes PATCH report this spec.replicas regardless of the request (a mutating webhook).
  void OverridePatchedReplicas(int n) { override_ = n; }

  static constexpr char kToken[] = "eyJhbGciOiJSUzI1NiJ9.governor-sa";

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back({req.method, req.path, req.get_header_value("Authorization"),
                     req.get_header_value("Content-Type"), req.get_header_value("Accept"),
                     req.body});
    auto reply_status = [&](int code, const std::string& reason, const std::string& message) {
      res.status = code;
      res.set_content(core::Json{{"kind", "Status"},
                                 {"apiVersion", "v1"},
                                 {"status", "Failure"},
                                 {"message", message},
                                 {"reason", reason},
                                 {"code", code}}
                          .dump(),
                      "application/json");
    };
    if (fail_) {
      res.status = (*fail_)["code"].get<int>();
      res.set_content(fail_->dump(), "application/json");
      fail_.reset();
      return;
    }
    if (req.get_header_value("Authorization").rfind("Bearer ", 0) != 0) {
      return reply_status(401, "Unauthorized", "Unauthorized");
    }
    auto it = objects_.find(req.path);
    if (it == objects_.end()) {
      return reply_status(404, "NotFound", "the server could not find the requested resource");
    }
    core::Json& scale = it->second;
    if (req.method == "PATCH") {
      if (req.get_header_value("Content-Type") != "application/merge-patch+json") {
        return reply_status(415, "UnsupportedMediaType", "unsupported patch type");
      }
      const core::Json patch = core::Json::parse(req.body, nullptr, false);
      if (patch.is_discarded() || !patch.contains("spec")) {
        return reply_status(400, "BadRequest", "invalid patch");
      }
      scale["spec"]["replicas"] = override_.value_or(patch["spec"]["replicas"].get<int>());
      scale["metadata"]["resourceVersion"] =
          std::to_string(std::stoi(scale["metadata"]["resourceVersion"].get<std::string>()) + 1);
    }
    res.set_content(scale.dump(), "application/json");
  }

  static core::Json ScaleObject(const std::string& ns, const std::string& name, int spec,
                                int status) {
    return core::Json{{"kind", "Scale"},
                      {"apiVersion", "autoscaling/v1"},
                      {"metadata",
                       {{"name", name},
                        {"namespace", ns},
                        {"uid", "5c1f0d62-0000-4000-8000-000000000001"},
                        {"resourceVersion", "41"},
                        {"creationTimestamp", "2025-11-25T18:00:00Z"}}},
                      {"spec", {{"replicas", spec}}},
                      {"status", {{"replicas", status}, {"selector", "app=" + name}}}};
  }

  testing::TestCertificate cert_;
  std::mutex mu_;
  std::vector<Seen> seen_;
  std::optional<core::Json> fail_;
  std::optional<int> override_;
  std::map<std::string, core::Json> objects_ = {
      {"/apis/apps/v1/namespaces/shop/deployments/checkout/scale",
       ScaleObject("shop", "checkout", 4, 3)},
      {"/apis/apps/v1/namespaces/shop/statefulsets/ledger/scale",
       ScaleObject("shop", "ledger", 3, 3)},
  };
  FakeServer server_;  // last: stops before the state its handler uses is destroyed
};

ScaleRequest Decision(int from, int to) {
  ScaleRequest r;
  r.target = "checkout";
  r.from_replicas = from;
  r.to_replicas = to;
  r.reason = "ScaleUpLimit";
  r.decision_id = "d-1";
  r.epoch = 3;
  return r;
}

// The in-cluster layout: KUBERNETES_SERVICE_HOST/PORT plus the service-account token and CA
// at paths the test overrides with tokenFile/caFile.
struct InCluster {
  TempDir dir;
  FakeApiServer api{dir};
  Env env;
  std::string token_file = dir.Write("token", std::string(FakeApiServer::kToken) + "\n");
  std::string ca_file = dir.Write("ca.crt", api.ca_pem());

  InCluster() {
    env.vars["KUBERNETES_SERVICE_HOST"] = "127.0.0.1";
    env.vars["KUBERNETES_SERVICE_PORT"] = std::to_string(api.port());
  }
  core::StatusOr<std::unique_ptr<Hook>> Build(const std::string& name = "checkout",
                                              const std::string& kind = "Deployment") {
    core::Json cfg = {{"namespace", "shop"},
                      {"name", name},
                      {"kind", kind},
                      {"tokenFile", token_file},
                      {"caFile", ca_file}};
    return MakeHook(core::Json{{"kubernetes", cfg}}, "hook", env.Make());
  }
};

TEST(KubernetesHookTest, InClusterGetAndPatchHaveTheDocumentedShape) {
  InCluster k;
  auto hook = k.Build();
  ASSERT_TRUE(hook.ok()) << hook.status().ToString();
  EXPECT_EQ((*hook)->kind(), "kubernetes");

  auto replicas = (*hook)->ReadReplicas();
  ASSERT_TRUE(replicas.ok()) << replicas.status().ToString();
  EXPECT_EQ(*replicas, std::optional<int>(3));  // status.replicas, not spec.replicas (4)

  const core::Status s = (*hook)->Scale(Decision(3, 6));
  ASSERT_TRUE(s.ok()) << s.ToString();

  const auto seen = k.api.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/apis/apps/v1/namespaces/shop/deployments/checkout/scale");
  EXPECT_EQ(seen[0].authorization, std::string("Bearer ") + FakeApiServer::kToken);
  EXPECT_EQ(seen[0].accept, "application/json");
  EXPECT_EQ(seen[1].method, "PATCH");
  EXPECT_EQ(seen[1].path, "/apis/apps/v1/namespaces/shop/deployments/checkout/scale");
  EXPECT_EQ(seen[1].content_type, "application/merge-patch+json");
  EXPECT_EQ(seen[1].body, R"({"spec":{"replicas":6}})");
  EXPECT_EQ(seen[1].authorization, std::string("Bearer ") + FakeApiServer::kToken);
  ASSERT_EQ(k.env.logs.size(), 1u);
  EXPECT_THAT(k.env.logs[0], HasSubstr("shop/checkout 3->6"));
  EXPECT_THAT(k.env.logs[0], HasSubstr("resourceVersion 42"));
}

TEST(KubernetesHookTest, StatefulSetsUseTheirOwnPath) {
  InCluster k;
  auto hook = k.Build("ledger", "StatefulSet");
  ASSERT_TRUE(hook.ok());
  ASSERT_TRUE((*hook)->Scale(Decision(3, 1)).ok());
  EXPECT_EQ(k.api.seen()[0].path, "/apis/apps/v1/namespaces/shop/statefulsets/ledger/scale");
}

TEST(KubernetesHookTest, TokenFileIsReReadForEveryRequest) {
  InCluster k;
  auto hook = k.Build();
  ASSERT_TRUE(hook.ok());
  ASSERT_TRUE((*hook)->ReadReplicas().ok());
  k.dir.Write("token", "rotated-token");
  ASSERT_TRUE((*hook)->ReadReplicas().ok());
  EXPECT_EQ(k.api.seen()[1].authorization, "Bearer rotated-token");
}

TEST(KubernetesHookTest, ServerCertificateIsVerifiedAgainstTheGivenCa) {
  InCluster k;
  const auto other = MakeSelfSignedCertificate("someone-else");
  k.dir.Write("ca.crt", other.cert_pem);
  auto hook = k.Build();
  ASSERT_TRUE(hook.ok());
  auto replicas = (*hook)->ReadReplicas();
  EXPECT_EQ(replicas.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(replicas.status().message(), HasSubstr("verification failed"));
  EXPECT_TRUE(k.api.seen().empty()) << "no request may reach an unverified server";
}

TEST(KubernetesHookTest, KubeconfigWithEmbeddedCaAndToken) {
  TempDir dir;
  FakeApiServer api(dir);
  Env env;
  std::string ca_b64;
  {
    // base64 of the PEM, as `kubectl config view --raw` shows certificate-authority-data.
    std::string out(4 * ((api.ca_pem().size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(api.ca_pem().data()),
                                  static_cast<int>(api.ca_pem().size()));
    ca_b64 = out.substr(0, static_cast<size_t>(n));
  }
  const std::string kubeconfig = dir.Write("config", R"(apiVersion: v1
kind: Config
current-context: governor@test
clusters:
- name: other
  cluster:
    server: https://10.0.0.1:6443
- name: test
  cluster:
    server: )" + api.Origin() + R"(
    certificate-authority-data: )" + ca_b64 + R"(
contexts:
- name: governor@test
  context:
    cluster: test
    user: governor
    namespace: ignored
users:
- name: governor
  user:
    token: kubeconfig-token
)");
  auto hook = MakeHook(
      core::Json{{"kubernetes",
                  {{"namespace", "shop"}, {"name", "checkout"}, {"kubeconfig", kubeconfig}}}},
      "hook", env.Make());
  ASSERT_TRUE(hook.ok()) << hook.status().ToString();
  ASSERT_TRUE((*hook)->Scale(Decision(3, 5)).ok());
  EXPECT_EQ(api.seen()[0].authorization, "Bearer kubeconfig-token");
}

TEST(KubernetesHookTest, ApiErrorsCarryTheStatusReasonAndMessage) {
  struct Row {
    int code;
    std::string reason, message;
    core::StatusCode want;
  };
  const std::vector<Row> rows = {
      {403, "Forbidden",
       "deployments.apps \"checkout\" is forbidden: User \"system:serviceaccount:shop:governor\" "
       "cannot patch resource \"deployments/scale\"",
       core::StatusCode::kPermissionDenied},
      {404, "NotFound", "deployments.apps \"checkout\" not found", core::StatusCode::kNotFound},
      {409, "Conflict", "the object has been modified", core::StatusCode::kConflict},
      {422, "Invalid", "spec.replicas: Invalid value: -1", core::StatusCode::kInvalidArgument},
      {500, "InternalError", "etcdserver: request timed out", core::StatusCode::kUnavailable},
  };
  for (const auto& row : rows) {
    InCluster k;
    auto hook = k.Build();
    ASSERT_TRUE(hook.ok());
    k.api.FailNext(row.code, row.reason, row.message);
    const core::Status s = (*hook)->Scale(Decision(3, 5));
    EXPECT_EQ(s.code(), row.want) << row.reason;
    EXPECT_THAT(s.message(),
                HasSubstr("PATCH /apis/apps/v1/namespaces/shop/deployments/checkout/scale"));
    EXPECT_THAT(s.message(), HasSubstr("HTTP " + std::to_string(row.code) + " " + row.reason +
                                       ": " + row.message));
  }
}

TEST(KubernetesHookTest, APatchTheServerDidNotApplyAsAskedIsAFailure) {
  InCluster k;
  auto hook = k.Build();
  ASSERT_TRUE(hook.ok());
  k.api.OverridePatchedReplicas(4);
  const core::Status s = (*hook)->Scale(Decision(3, 6));
  EXPECT_EQ(s.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("spec.replicas=4, not 6"));
}

TEST(KubernetesHookTest, UnreadableTokenFileFailsWithoutARequest) {
  InCluster k;
  k.token_file = (k.dir.path() / "missing").string();
  auto hook = k.Build();
  ASSERT_TRUE(hook.ok());
  EXPECT_EQ((*hook)->Scale(Decision(3, 4)).code(), core::StatusCode::kUnauthenticated);
  EXPECT_TRUE(k.api.seen().empty());
}

TEST(KubernetesConfigTest, ErrorsNameTheField) {
  TempDir dir;
  const std::string exec_kubeconfig = dir.Write("exec", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://k:6443"}}]
users: [{name: u, user: {exec: {command: aws}}}]
)");
  const std::string insecure = dir.Write("insecure", R"(current-context: c
contexts: [{name: c, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "https://k:6443", insecure-skip-tls-verify: true}}]
)");
  const std::string dangling = dir.Write("dangling", R"(current-context: nope
contexts: [{name: c, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "https://k:6443"}}]
)");
  struct Row {
    core::Json json;
    std::string field, message;
  };
  const std::vector<Row> rows = {
      {{{"name", "checkout"}}, "hook.kubernetes.namespace", "is required"},
      {{{"namespace", "Shop"}, {"name", "checkout"}, {"apiServer", "https://k"}},
       "hook.kubernetes.namespace",
       "DNS-1123"},
      {{{"namespace", "shop"}, {"name", "check_out"}, {"apiServer", "https://k"}},
       "hook.kubernetes.name",
       "DNS-1123"},
      {{{"namespace", "shop"},
        {"name", "checkout"},
        {"kind", "ReplicaSet"},
        {"apiServer", "https://k"}},
       "hook.kubernetes.kind",
       "Deployment or StatefulSet"},
      {{{"namespace", "shop"}, {"name", "checkout"}},
       "hook.kubernetes.apiServer",
       "KUBERNETES_SERVICE_HOST"},
      {{{"namespace", "shop"}, {"name", "checkout"}, {"apiServer", "http://127.0.0.1:8001"}},
       "hook.kubernetes.apiServer",
       "plain http"},
      {{{"namespace", "shop"}, {"name", "checkout"}, {"kubeconfig", dir.path().string() + "/none"}},
       "hook.kubernetes.kubeconfig",
       "cannot open"},
      {{{"namespace", "shop"}, {"name", "checkout"}, {"kubeconfig", exec_kubeconfig}},
       "hook.kubernetes.kubeconfig",
       "only token and tokenFile"},
      {{{"namespace", "shop"}, {"name", "checkout"}, {"kubeconfig", insecure}},
       "hook.kubernetes.kubeconfig",
       "insecure-skip-tls-verify"},
      {{{"namespace", "shop"}, {"name", "checkout"}, {"kubeconfig", dangling}},
       "hook.kubernetes.kubeconfig",
       "current-context \"nope\""},
      {{{"namespace", "shop"}, {"name", "checkout"}, {"apiServer", "https://k"}, {"token", "x"}},
       "hook.kubernetes.token",
       "unknown field"},
  };
  Env env;
  for (const auto& row : rows) {
    auto config = ParseKubernetesConfig(row.json, "hook.kubernetes", env.Make());
    ASSERT_FALSE(config.ok()) << row.json.dump();
    EXPECT_EQ(config.status().field(), row.field) << row.json.dump();
    EXPECT_THAT(config.status().message(), HasSubstr(row.message)) << row.json.dump();
  }
  // http without credentials (kubectl proxy) is allowed.
  auto proxy = ParseKubernetesConfig({{"namespace", "shop"},
                                      {"name", "checkout"},
                                      {"apiServer", "http://127.0.0.1:8001"},
                                      {"tokenFile", ""}},
                                     "hook.kubernetes", env.Make());
  EXPECT_TRUE(proxy.ok()) << proxy.status().ToString();
}

TEST(Base64DecodeTest, Rfc4648Vectors) {
  // RFC 4648 section 10 test vectors.
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"", ""},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"},
      {"Zm9v\nYmFy", "foobar"},
  };
  for (const auto& [in, want] : rows) EXPECT_EQ(Base64Decode(in), want) << in;
  EXPECT_EQ(Base64Decode("Zm9"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9!"), std::nullopt);
}

}  // namespace
}  // namespace gov::controller
