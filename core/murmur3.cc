#include "core/murmur3.h"

namespace gov::core {

namespace {

constexpr uint32_t kC1 = 0xcc9e2d51;
constexpr uint32_t kC2 = 0x1b873593;

constexpr uint32_t Rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

constexpr uint32_t ScrambleK1(uint32_t k1) {
  k1 *= kC1;
  k1 = Rotl32(k1, 15);
  return k1 * kC2;
}

}  // namespace

void Murmur3X86_32::MixBlock(uint32_t k1) {
  h1_ ^= ScrambleK1(k1);
  h1_ = Rotl32(h1_, 13);
  h1_ = h1_ * 5 + 0xe6546b64;
}

void Murmur3X86_32::UpdateByte(uint8_t byte) {
  pending_ |= uint32_t{byte} << (8 * pending_count_);
  ++length_;
  if (++pending_count_ == 4) {
    MixBlock(pending_);
    pending_ = 0;
    pending_count_ = 0;
  }
}

void Murmur3X86_32::Update(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  // Top up a partial block byte by byte, then consume whole little-endian blocks.
  while (pending_count_ != 0 && n != 0) {
    UpdateByte(*p++);
    --n;
  }
  while (n >= 4) {
    MixBlock(uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
    length_ += 4;
    p += 4;
    n -= 4;
  }
  while (n != 0) {
    UpdateByte(*p++);
    --n;
  }
}

uint32_t Murmur3X86_32::Finish() const {
  uint32_t h1 = h1_;
  if (pending_count_ != 0) h1 ^= ScrambleK1(pending_);
  h1 ^= length_;
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6b;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35;
  h1 ^= h1 >> 16;
  return h1;
}

uint32_t Murmur3X86_32Hash(std::string_view bytes, uint32_t seed) {
  Murmur3X86_32 h(seed);
  h.Update(bytes);
  return h.Finish();
}

}  // namespace gov::core
