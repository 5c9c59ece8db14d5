#pragma once

// Compiling flag definitions into an immutable, shareable evaluator state. Writers
// compile a new snapshot on every change and swap the shared_ptr; readers evaluate
// against whichever snapshot they hold (flags/evaluator.h), without locks.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flags/model.h"

namespace gov::flags {

// How strings become MurmurHash3 input for rollouts and variants. The reference
// SDK (unleash-client-node, via murmurhash3js) hashes the low byte of each UTF-16
// code unit; the Rust/Go/Java/Python SDKs hash UTF-8 bytes. Both agree on ASCII.
enum class HashKeyEncoding : uint8_t { kUtf16LowByte, kUtf8 };

struct CompileOptions {
  // The host name applicationHostname strategies compare against (case-insensitive);
  // the SDK uses $HOSTNAME or os.hostname() of the process that evaluates.
  std::string hostname;
  HashKeyEncoding hash_key_encoding = HashKeyEncoding::kUtf16LowByte;
};

// The compiled form; its layout is private to gov_flags (flags/internal/compiled.h).
struct FlagSnapshot;

// Features as Unleash SDKs receive them from the client API: strategies marked
// disabled are removed, the rest ordered by sortOrder (stable; a missing sortOrder
// sorts last). A feature whose strategies are all disabled therefore has none, which
// SDKs (and Governor) evaluate as on for everyone while the feature is enabled. Features,
// segments and constraints are otherwise kept as they are, REGEX and IN_CIDR included.
ClientFeatures ClientView(ClientFeatures features);

// Compiles ClientView(features): constraints pre-parsed (sorted value sets, numbers,
// dates, semvers, CIDRs, RE2 patterns), names indexed, hash prefixes precomputed.
// Lenient like the SDKs: unknown operators and strategies and malformed operands
// compile to conditions that are false. When two features share a name the later wins.
std::shared_ptr<const FlagSnapshot> Compile(const ClientFeatures& features,
                                            const CompileOptions& options = {});

// Number of distinct flag names in the snapshot.
size_t FlagCount(const FlagSnapshot& snapshot);
// Distinct flag names, ordered by where each name's winning (last) definition appears.
std::vector<std::string_view> FlagNames(const FlagSnapshot& snapshot);

}  // namespace gov::flags
