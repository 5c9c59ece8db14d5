// core/murmur3: MurmurHash3_x86_32 against published vectors.

#include "core/murmur3.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gov {
namespace {

struct Vector {
  std::string input;
  uint32_t seed;
  uint32_t hash;
};

// The first nine are the widely published MurmurHash3_x86_32 test vectors (also what
// npm murmurhash3js 3.0.1, unleash-client-node's hash, returns for them); the last two
// are unleash-client-node hash inputs: murmurhash3js.x86.hash32("AB12A:122", 0) and
// ("Feature.Variants.C:232", 86028157), printed by node.
const std::vector<Vector> kVectors = {
    {"", 0, 0},
    {"", 1, 0x514E28B7},
    {"", 0xffffffff, 0x81F16F39},
    {std::string("\0\0\0\0", 4), 0, 0x2362F9DE},
    {"aaaa", 0x9747b28c, 0x5A97808A},
    {"a", 0x9747b28c, 0x7FA09EA6},
    {"abc", 0, 0xB3DD93FA},
    {"Hello, world!", 0x9747b28c, 0x24884CBA},
    {"The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2FA826CD},
    {"AB12A:122", 0, 1062108722},
    {"Feature.Variants.C:232", 86028157, 2010930785},
};

TEST(Murmur3, PublishedVectors) {
  for (const Vector& v : kVectors) {
    EXPECT_EQ(core::Murmur3X86_32Hash(v.input, v.seed), v.hash) << "\"" << v.input << "\"";
  }
}

// SMHasher's VerificationTest: hash keys {}, {0}, {0,1}, ... {0..254} with seed 256-n,
// concatenate the little-endian hashes and hash that with seed 0. The published
// verification value for MurmurHash3_x86_32 is 0xB0F57EE3.
TEST(Murmur3, SmhasherVerificationValue) {
  std::string key, hashes;
  for (int n = 0; n < 256; ++n) {
    const uint32_t h = core::Murmur3X86_32Hash(key, 256 - n);
    for (int b = 0; b < 4; ++b) hashes.push_back(static_cast<char>((h >> (8 * b)) & 0xff));
    key.push_back(static_cast<char>(n));
  }
  EXPECT_EQ(core::Murmur3X86_32Hash(hashes, 0), 0xB0F57EE3u);
}

TEST(Murmur3, IncrementalEqualsOneShotForEverySplit) {
  const std::string text = "groupId:the quick brown fox";
  for (size_t a = 0; a <= text.size(); ++a) {
    for (size_t b = a; b <= text.size(); ++b) {
      core::Murmur3X86_32 h(86028157);
      h.Update(text.substr(0, a));
      h.Update(text.substr(a, b - a));
      const core::Murmur3X86_32 prefix = h;  // copies keep hashing independently
      h.Update(text.substr(b));
      EXPECT_EQ(h.Finish(), core::Murmur3X86_32Hash(text, 86028157)) << a << "," << b;
      EXPECT_EQ(prefix.Finish(), core::Murmur3X86_32Hash(text.substr(0, b), 86028157));
    }
  }
  core::Murmur3X86_32 bytewise(7);
  for (char c : text) bytewise.UpdateByte(static_cast<uint8_t>(c));
  EXPECT_EQ(bytewise.Finish(), core::Murmur3X86_32Hash(text, 7));
}

}  // namespace
}  // namespace gov
