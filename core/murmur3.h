#pragma once

#include <cstdint>
#include <string_view>

namespace gov::core {

// MurmurHash3_x86_32 (Austin Appleby, public domain; SMHasher's reference
// MurmurHash3.cpp), fed incrementally so a caller can hash a fixed prefix once and
// reuse the state: Update() any number of times, then Finish(). Copyable and
// allocation-free; Finish() does not modify the state.
class Murmur3X86_32 {
 public:
  explicit Murmur3X86_32(uint32_t seed = 0) : h1_(seed) {}

  // Appends bytes to the hashed input.
  void Update(std::string_view bytes);
  // Appends one byte.
  void UpdateByte(uint8_t byte);
  // The hash of everything appended so far.
  uint32_t Finish() const;

 private:
  void MixBlock(uint32_t k1);

  uint32_t h1_;
  uint32_t pending_ = 0;        // up to 3 bytes not yet forming a 4-byte block
  uint32_t pending_count_ = 0;  // how many bytes `pending_` holds
  uint32_t length_ = 0;         // total bytes appended, mod 2^32 as in the reference
};

// MurmurHash3_x86_32 of `bytes` with `seed`.
uint32_t Murmur3X86_32Hash(std::string_view bytes, uint32_t seed);

}  // namespace gov::core
