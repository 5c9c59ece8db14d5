#include "core/crypto.h"

#include <gtest/gtest.h>

namespace gov {
namespace {

TEST(CryptoTest, Sha256KnownVector) {
  // FIPS 180-2 example "abc".
  EXPECT_EQ(core::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(core::HexEncode(core::HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, RandomHexAndConstantTimeEquals) {
  const std::string a = core::RandomHex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, core::RandomHex(32));
  EXPECT_TRUE(core::ConstantTimeEquals(a, a));
  EXPECT_FALSE(core::ConstantTimeEquals(a, a.substr(1)));
  EXPECT_FALSE(core::ConstantTimeEquals("abc", "abd"));
}

}  // namespace
}  // namespace gov
