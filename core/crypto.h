#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gov::core {

// Lowercase hex SHA-256 of `data` (OpenSSL).
std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key` (OpenSSL).
std::string HmacSha256(std::string_view key, std::string_view data);
// Lowercase hex encoding of arbitrary bytes.
std::string HexEncode(std::string_view bytes);
// `n` cryptographically random bytes, hex-encoded (2n characters).
std::string RandomHex(size_t n);
// Compares in time independent of where the inputs differ (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace gov::core
