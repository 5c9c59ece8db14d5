// Webhook signatures: the documented example's HMAC, and what the verifier accepts and refuses.

#include "integrations/webhook_signature.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gov::integrations {
namespace {

constexpr char kSecret[] = "whsec_4f0c8e1d";

TEST(SignWebhookTest, MatchesOpensslCli) {
  // printf '%s' '1764095488.{"to":5}' | openssl dgst -sha256 -hmac whsec_4f0c8e1d
  EXPECT_EQ(SignWebhook(kSecret, 1'764'095'488, R"({"to":5})"),
            "t=1764095488,v1=6ecd8fbd812be2f561360c5734e20ab1114f7c9a25ef596c55b8a6660ecfae35");
}

TEST(VerifyWebhookSignatureTest, Table) {
  const std::string body = R"({"to":5})";
  const core::TimePoint now = core::TimePoint(std::chrono::seconds(1'700'000'000));
  const std::string good = SignWebhook(kSecret, 1'700'000'000, body);
  const std::string good_v1 = good.substr(good.find("v1="));
  struct Row {
    std::string name, secret, header, body;
    core::Duration skew;
    core::StatusCode code;
  };
  const std::vector<Row> rows = {
      {"valid", kSecret, good, body, core::Duration(0), core::StatusCode::kOk},
      {"valid within tolerance", kSecret, good, body, std::chrono::seconds(300),
       core::StatusCode::kOk},
      {"stale", kSecret, good, body, std::chrono::seconds(301), core::StatusCode::kUnauthenticated},
      {"from the future", kSecret, good, body, -std::chrono::seconds(301),
       core::StatusCode::kUnauthenticated},
      {"tampered body", kSecret, good, R"({"to":50})", core::Duration(0),
       core::StatusCode::kUnauthenticated},
      {"wrong secret", "other", good, body, core::Duration(0), core::StatusCode::kUnauthenticated},
      {"rotation: second v1 matches", kSecret,
       "t=1700000000,v1=" + std::string(64, '0') + "," + good_v1, body, core::Duration(0),
       core::StatusCode::kOk},
      {"spaces around items", kSecret, "t=1700000000 , " + good_v1, body, core::Duration(0),
       core::StatusCode::kOk},
      {"timestamp changed", kSecret, "t=1700000001," + good_v1, body, core::Duration(0),
       core::StatusCode::kUnauthenticated},
      {"no timestamp", kSecret, good_v1, body, core::Duration(0),
       core::StatusCode::kInvalidArgument},
      {"no v1", kSecret, "t=1700000000,v0=abc", body, core::Duration(0),
       core::StatusCode::kInvalidArgument},
      {"non-numeric timestamp", kSecret, "t=soon," + good_v1, body, core::Duration(0),
       core::StatusCode::kInvalidArgument},
      {"empty header", kSecret, "", body, core::Duration(0), core::StatusCode::kInvalidArgument},
  };
  for (const auto& row : rows) {
    const core::Status s = VerifyWebhookSignature(row.secret, row.header, row.body, now + row.skew,
                                                  std::chrono::seconds(300));
    EXPECT_EQ(s.code(), row.code) << row.name << ": " << s.ToString();
  }
}

}  // namespace
}  // namespace gov::integrations
