#include "controller/hooks/internal/aws_asg_hook.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <mutex>

#include "tests/controller/hooks/hook_test_util.h"

namespace gov::controller {
namespace {

using testing::FakeServer;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

constexpr char kKeyId[] = "AKIAGOVERNORTEST";
constexpr char kSecret[] = "s3cr3t/KEY+material";
constexpr char kRegion[] = "eu-west-1";

// The response shapes of the Auto Scaling Query API reference (API version 2011-01-01).
constexpr char kDescribeResponse[] =
    R"(<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingGroupsResult>
    <AutoScalingGroups>
      <member>
        <Tags>
          <member><ResourceId>checkout-asg</ResourceId><Key>team</Key><Value>shop &amp; co</Value></member>
        </Tags>
        <AutoScalingGroupName>checkout-asg</AutoScalingGroupName>
        <AutoScalingGroupARN>arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:1a2b:autoScalingGroupName/checkout-asg</AutoScalingGroupARN>
        <MinSize>1</MinSize>
        <MaxSize>10</MaxSize>
        <DesiredCapacity>3</DesiredCapacity>
        <Instances>
          <member><InstanceId>i-0abc</InstanceId><LifecycleState>InService</LifecycleState></member>
        </Instances>
      </member>
    </AutoScalingGroups>
  </DescribeAutoScalingGroupsResult>
  <ResponseMetadata><RequestId>5a9e1b2c-0000-4000-8000-000000000001</RequestId></ResponseMetadata>
</DescribeAutoScalingGroupsResponse>)";

constexpr char kDescribeEmpty[] =
    R"(<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingGroupsResult><AutoScalingGroups/></DescribeAutoScalingGroupsResult>
  <ResponseMetadata><RequestId>5a9e1b2c-0000-4000-8000-000000000002</RequestId></ResponseMetadata>
</DescribeAutoScalingGroupsResponse>)";

constexpr char kSetDesiredResponse[] =
    R"(<SetDesiredCapacityResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <ResponseMetadata><RequestId>7c6e0f9d-0000-4000-8000-000000000003</RequestId></ResponseMetadata>
</SetDesiredCapacityResponse>)";

std::string ErrorResponse(const std::string& code, const std::string& message) {
  return R"(<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type><Code>)" +
         code + "</Code><Message>" + message +
         "</Message></Error><RequestId>0e0e0e0e-0000-4000-8000-000000000004</RequestId></"
         "ErrorResponse>";
}

struct Seen {
  std::string action, body, content_type, amz_date, token, signed_headers;
  std::map<std::string, std::string> params;
};

// A fake Auto Scaling endpoint: recomputes the SigV4 signature from the request it received
// (with the credentials it expects) and answers 403 SignatureDoesNotMatch on a mismatch,
// like the service; otherwise answers `reply(action)`.
class FakeAutoScaling {
 public:
  FakeAutoScaling(AwsCredentials expected,
                  std::function<std::pair<int, std::string>(const std::string&)> reply)
      : expected_(std::move(expected)), reply_(std::move(reply)) {
    server_.server().Post(
        "/", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  }
  std::string Endpoint() const { return server_.Origin() + "/"; }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    Seen s;
    s.body = req.body;
    s.content_type = req.get_header_value("Content-Type");
    s.amz_date = req.get_header_value("X-Amz-Date");
    s.token = req.get_header_value("X-Amz-Security-Token");
    for (const auto& [k, v] : req.params) s.params[k] = v;
    s.action = s.params["Action"];

    const std::string authz = req.get_header_value("Authorization");
    const std::string scope = std::string(expected_.access_key_id) + "/" + s.amz_date.substr(0, 8) +
                              "/" + kRegion + "/autoscaling/aws4_request";
    const size_t sh = authz.find("SignedHeaders="), sg = authz.find(", Signature=");
    bool valid = authz.rfind("AWS4-HMAC-SHA256 Credential=" + scope + ", ", 0) == 0 &&
                 sh != std::string::npos && sg != std::string::npos;
    if (valid) {
      s.signed_headers = authz.substr(sh + 14, sg - sh - 14);
      SigV4Request r;
      r.method = req.method;
      r.path = req.path;
      r.body = req.body;
      std::string_view names = s.signed_headers;
      while (!names.empty()) {
        const size_t semi = names.find(';');
        const std::string name(names.substr(0, semi));
        r.headers.emplace_back(name, req.get_header_value(name.c_str()));
        names = semi == std::string_view::npos ? std::string_view() : names.substr(semi + 1);
      }
      valid = SignSigV4(r, expected_, kRegion, "autoscaling", s.amz_date).authorization == authz;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(s);
    }
    if (!valid) {
      res.status = 403;
      res.set_content(ErrorResponse("SignatureDoesNotMatch",
                                    "The request signature we calculated does not match"),
                      "text/xml");
      return;
    }
    auto [status, body] = reply_(s.action);
    res.status = status;
    res.set_content(body, "text/xml");
  }

  AwsCredentials expected_;
  std::function<std::pair<int, std::string>(const std::string&)> reply_;
  std::mutex mu_;
  std::vector<Seen> seen_;
  FakeServer server_;
};

std::pair<int, std::string> HappyReply(const std::string& action) {
  if (action == "DescribeAutoScalingGroups") return {200, kDescribeResponse};
  if (action == "SetDesiredCapacity") return {200, kSetDesiredResponse};
  return {400, ErrorResponse("InvalidAction", "unknown action")};
}

// The hook's environment holds a working key pair unless a test changes it.
struct Env : testing::TestHookEnv {
  Env() { vars = {{"AWS_ACCESS_KEY_ID", kKeyId}, {"AWS_SECRET_ACCESS_KEY", kSecret}}; }
};

AwsAsgConfig Config(const std::string& endpoint) {
  AwsAsgConfig c;
  c.group_name = "checkout-asg";
  c.region = kRegion;
  c.endpoint = endpoint;
  return c;
}

ScaleRequest Decision() {
  ScaleRequest r;
  r.target = "checkout";
  r.from_replicas = 3;
  r.to_replicas = 5;
  r.reason = "ScaleUpLimit";
  r.decision_id = "d-42";
  r.epoch = 9;
  return r;
}

TEST(AwsAsgHookTest, SetDesiredCapacityIsASignedQueryApiCall) {
  Env env;
  FakeAutoScaling fake({kKeyId, kSecret, ""}, HappyReply);
  AwsAsgHook hook(Config(fake.Endpoint()), env.Make());
  const core::Status s = hook.Scale(Decision());
  ASSERT_TRUE(s.ok()) << s.ToString();

  const auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body,
            "Action=SetDesiredCapacity&AutoScalingGroupName=checkout-asg&DesiredCapacity=5&"
            "HonorCooldown=false&Version=2011-01-01");
  EXPECT_EQ(seen[0].content_type, "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(seen[0].amz_date, "20251125T183128Z");
  EXPECT_EQ(seen[0].signed_headers, "content-type;host;x-amz-date");
  EXPECT_TRUE(seen[0].token.empty());
  ASSERT_EQ(env.logs.size(), 1u);
  EXPECT_THAT(env.logs[0], HasSubstr("RequestId 7c6e0f9d-0000-4000-8000-000000000003"));
  EXPECT_THAT(env.logs[0], HasSubstr("decision d-42"));
  EXPECT_THAT(env.logs[0], Not(HasSubstr(kSecret)));
}

TEST(AwsAsgHookTest, ReadReplicasIsDesiredCapacity) {
  Env env;
  FakeAutoScaling fake({kKeyId, kSecret, ""}, HappyReply);
  AwsAsgHook hook(Config(fake.Endpoint()), env.Make());
  auto replicas = hook.ReadReplicas();
  ASSERT_TRUE(replicas.ok()) << replicas.status().ToString();
  EXPECT_EQ(*replicas, std::optional<int>(3));
  const auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body,
            "Action=DescribeAutoScalingGroups&AutoScalingGroupNames.member.1=checkout-asg&"
            "Version=2011-01-01");
}

TEST(AwsAsgHookTest, SessionTokenIsSentAndSigned) {
  Env env;
  env.vars["AWS_SESSION_TOKEN"] = "FwoGZXIvYXdzEBYaD+token/==";
  FakeAutoScaling fake({kKeyId, kSecret, ""}, HappyReply);
  AwsAsgHook hook(Config(fake.Endpoint()), env.Make());
  ASSERT_TRUE(hook.Scale(Decision()).ok());
  const auto seen = fake.seen();
  EXPECT_EQ(seen[0].token, "FwoGZXIvYXdzEBYaD+token/==");
  EXPECT_EQ(seen[0].signed_headers, "content-type;host;x-amz-date;x-amz-security-token");
}

TEST(AwsAsgHookTest, CredentialsFileProfileFromConfig) {
  Env env;  // the environment's keys must lose to the configured file
  TempDir dir;
  const std::string file =
      dir.Write("credentials",
                "[default]\naws_access_key_id = AKIADEFAULT\n"
                "aws_secret_access_key = default-secret\n\n"
                "# the scaler's own identity\n[scaler]\n"
                "aws_access_key_id=AKIASCALER\naws_secret_access_key = scaler/secret\n");
  FakeAutoScaling fake({"AKIASCALER", "scaler/secret", ""}, HappyReply);
  AwsAsgConfig config = Config(fake.Endpoint());
  config.credentials.credentials_file = file;
  config.credentials.profile = "scaler";
  AwsAsgHook hook(config, env.Make());
  const core::Status s = hook.Scale(Decision());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(AwsAsgHookTest, WrongSecretIsRejectedByTheFakeLikeByAws) {
  Env env;
  env.vars["AWS_SECRET_ACCESS_KEY"] = "not-the-secret";
  FakeAutoScaling fake({kKeyId, kSecret, ""}, HappyReply);
  AwsAsgHook hook(Config(fake.Endpoint()), env.Make());
  const core::Status s = hook.Scale(Decision());
  EXPECT_EQ(s.code(), core::StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("HTTP 403 SignatureDoesNotMatch"));
  EXPECT_THAT(s.message(), Not(HasSubstr("not-the-secret")));
}

TEST(AwsAsgHookTest, ApiErrorsMapToStatusesNamingTheCode) {
  struct Row {
    int http;
    std::string code, message;
    core::StatusCode want;
  };
  const std::vector<Row> rows = {
      {400, "ValidationError",
       "New SetDesiredCapacity value 11 is above max value 10 for the AutoScalingGroup.",
       core::StatusCode::kFailedPrecondition},
      {400, "Throttling", "Rate exceeded", core::StatusCode::kResourceExhausted},
      {400, "ScalingActivityInProgress", "Scaling activity in progress",
       core::StatusCode::kUnavailable},
      {403, "AccessDenied", "User is not authorized to perform: autoscaling:SetDesiredCapacity",
       core::StatusCode::kPermissionDenied},
      {500, "InternalFailure", "We encountered an internal error", core::StatusCode::kUnavailable},
  };
  for (const auto& row : rows) {
    Env env;
    FakeAutoScaling fake({kKeyId, kSecret, ""}, [&](const std::string&) {
      return std::make_pair(row.http, ErrorResponse(row.code, row.message));
    });
    AwsAsgHook hook(Config(fake.Endpoint()), env.Make());
    const core::Status s = hook.Scale(Decision());
    EXPECT_EQ(s.code(), row.want) << row.code;
    EXPECT_THAT(s.message(), HasSubstr("SetDesiredCapacity checkout-asg")) << row.code;
    EXPECT_THAT(s.message(), HasSubstr(row.code + ": " + row.message)) << row.code;
    EXPECT_TRUE(env.logs.empty()) << "no success line for a failure";
  }
}

TEST(AwsAsgHookTest, MissingGroupIsNotFound) {
  Env env;
  FakeAutoScaling fake({kKeyId, kSecret, ""}, [](const std::string&) {
    return std::make_pair(200, std::string(kDescribeEmpty));
  });
  AwsAsgHook hook(Config(fake.Endpoint()), env.Make());
  auto replicas = hook.ReadReplicas();
  EXPECT_EQ(replicas.status().code(), core::StatusCode::kNotFound);
}

TEST(AwsAsgHookTest, NoCredentialsFailsBeforeAnyRequest) {
  Env env;
  env.vars.clear();
  FakeAutoScaling fake({kKeyId, kSecret, ""}, HappyReply);
  AwsAsgHook hook(Config(fake.Endpoint()), env.Make());
  const core::Status s = hook.Scale(Decision());
  EXPECT_EQ(s.code(), core::StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("no AWS credentials"));
  EXPECT_TRUE(fake.seen().empty());
}

TEST(AwsCredentialsTest, Precedence) {
  TempDir dir;
  const std::string file = dir.Write(
      "credentials",
      "[default]\naws_access_key_id=FILE_DEFAULT\naws_secret_access_key=fd\n"
      "[ops]\naws_access_key_id = FILE_OPS\naws_secret_access_key = fo\naws_session_token = tok\n");
  struct Row {
    std::string name;
    std::map<std::string, std::string> vars;
    AwsCredentialSource source;
    std::string want_key;  // "" = expect kUnauthenticated
  };
  const std::vector<Row> rows = {
      {"env keys", {{"AWS_ACCESS_KEY_ID", "ENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}}, {}, "ENV"},
      {"env keys beat the default file",
       {{"AWS_ACCESS_KEY_ID", "ENV"},
        {"AWS_SECRET_ACCESS_KEY", "e"},
        {"AWS_SHARED_CREDENTIALS_FILE", file}},
       {},
       "ENV"},
      {"default file, default profile",
       {{"AWS_SHARED_CREDENTIALS_FILE", file}},
       {},
       "FILE_DEFAULT"},
      {"AWS_PROFILE",
       {{"AWS_SHARED_CREDENTIALS_FILE", file}, {"AWS_PROFILE", "ops"}},
       {},
       "FILE_OPS"},
      {"configured file and profile beat env keys",
       {{"AWS_ACCESS_KEY_ID", "ENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}},
       {file, "ops"},
       "FILE_OPS"},
      {"HOME fallback", {{"HOME", dir.path().string() + "/nohome"}}, {}, ""},
      {"half of the env pair", {{"AWS_ACCESS_KEY_ID", "ENV"}}, {}, ""},
      {"unknown profile", {}, {file, "nope"}, ""},
      {"nothing at all", {}, {}, ""},
  };
  for (const auto& row : rows) {
    EnvLookup lookup = [&](const std::string& n) -> std::optional<std::string> {
      auto it = row.vars.find(n);
      if (it == row.vars.end()) return std::nullopt;
      return it->second;
    };
    auto creds = LoadAwsCredentials(row.source, lookup);
    if (row.want_key.empty()) {
      EXPECT_EQ(creds.status().code(), core::StatusCode::kUnauthenticated) << row.name;
    } else {
      ASSERT_TRUE(creds.ok()) << row.name << ": " << creds.status().ToString();
      EXPECT_EQ(creds->access_key_id, row.want_key) << row.name;
    }
  }
  auto ops = LoadAwsCredentials({file, "ops"}, nullptr);
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(ops->secret_access_key, "fo");
  EXPECT_EQ(ops->session_token, "tok");
}

TEST(XmlElementTextTest, Table) {
  EXPECT_EQ(XmlElementText("<a><B>x</B></a>", "B"), "x");
  EXPECT_EQ(XmlElementText("<B>1</B><B>2</B>", "B", 3), "2");
  EXPECT_EQ(XmlElementText("<M>a &amp; b &lt;c&gt; &quot;d&quot; &#65;&#x42;&#x1234;</M>", "M"),
            "a & b <c> \"d\" AB\xE1\x88\xB4");
  EXPECT_EQ(XmlElementText("<G/><G>x</G>", "G"), "");
  EXPECT_EQ(XmlElementText("<A>x</A>", "B"), std::nullopt);
  EXPECT_EQ(XmlElementText("<B>unterminated", "B"), std::nullopt);
  EXPECT_EQ(XmlElementText("<BB>no</BB>", "B"), std::nullopt);
}

TEST(AwsAsgConfigTest, ErrorsNameTheField) {
  struct Row {
    std::string json, field;
  };
  const std::vector<Row> rows = {
      {R"({"region":"eu-west-1"})", "hook.awsAsg.groupName"},
      {R"({"groupName":"g"})", "hook.awsAsg.region"},
      {R"({"groupName":"g","region":"EU WEST"})", "hook.awsAsg.region"},
      {R"({"groupName":"","region":"eu-west-1"})", "hook.awsAsg.groupName"},
      {R"({"groupName":"g","region":"eu-west-1","endpoint":"autoscaling"})",
       "hook.awsAsg.endpoint"},
      {R"({"groupName":"g","region":"eu-west-1","endpoint":"https://h/?x=1"})",
       "hook.awsAsg.endpoint"},
      {R"({"groupName":"g","region":"eu-west-1","profile":7})", "hook.awsAsg.profile"},
      {R"({"groupName":"g","region":"eu-west-1","accessKey":"x"})", "hook.awsAsg.accessKey"},
  };
  for (const auto& row : rows) {
    auto config = ParseAwsAsgConfig(core::Json::parse(row.json), "hook.awsAsg");
    ASSERT_FALSE(config.ok()) << row.json;
    EXPECT_EQ(config.status().field(), row.field) << row.json;
  }
  auto ok = ParseAwsAsgConfig(core::Json::parse(R"({"groupName":"g","region":"eu-west-1"})"),
                              "hook.awsAsg");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->endpoint, "https://autoscaling.eu-west-1.amazonaws.com/");
}

}  // namespace
}  // namespace gov::controller
