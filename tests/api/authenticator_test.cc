#include "api/authenticator.h"

#include <gtest/gtest.h>

#include "core/crypto.h"

namespace gov::api {
namespace {

TEST(ExtractSecretTest, AcceptsTheThreeDocumentedForms) {
  EXPECT_EQ(ExtractSecret("Bearer abc", ""), "abc");
  EXPECT_EQ(ExtractSecret("bearer   abc ", ""), "abc");
  EXPECT_EQ(ExtractSecret("client:development.abc", ""), "client:development.abc");  // Unleash SDKs
  EXPECT_EQ(ExtractSecret("", "key-1"), "key-1");  // OFREP X-API-Key
  EXPECT_EQ(ExtractSecret("Bearer a", "b"), "a");  // Authorization wins
  EXPECT_EQ(ExtractSecret("", ""), "");
}

TEST(AuthenticatorTest, PutRemoveAndExpiry) {
  core::FakeClock clock;
  Authenticator auth(clock);
  store::TokenRecord t;
  t.id = "t1";
  t.name = "app";
  t.type = store::TokenType::kFrontend;
  t.environment = "production";
  t.secret_hash = core::Sha256Hex("s3cret");
  t.expires_at = clock.Now() + std::chrono::minutes(5);
  auth.Put(t);
  auto p = auth.Authenticate("s3cret");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->token_id, "t1");
  EXPECT_EQ(p->type, store::TokenType::kFrontend);
  EXPECT_EQ(p->environment, "production");
  EXPECT_EQ(auth.Authenticate("s3cret ").status().code(), core::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authenticate("").status().code(), core::StatusCode::kUnauthenticated);
  clock.Advance(std::chrono::minutes(5));
  EXPECT_EQ(auth.Authenticate("s3cret").status().message(), "token expired");
  t.expires_at.reset();
  auth.Put(t);
  EXPECT_TRUE(auth.Authenticate("s3cret").ok());
  auth.Remove(t.secret_hash);
  EXPECT_FALSE(auth.Authenticate("s3cret").ok());
}

}  // namespace
}  // namespace gov::api
