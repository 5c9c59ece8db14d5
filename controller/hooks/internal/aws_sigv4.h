#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "integrations/http_transport.h"

namespace gov::controller {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary (STS) credentials
};

// One request to sign, as it will be sent.
struct SigV4Request {
  std::string method;
  std::string path;  // not yet percent-encoded, e.g. "/" or "/example space/"
  std::vector<std::pair<std::string, std::string>> query;  // decoded name/value pairs
  // Every header to sign (any case, repeats allowed), incl. Host, X-Amz-Date.
  integrations::HttpHeaders headers;
  std::string body;
};

// The intermediate strings too, so tests can compare each with the published suite.
struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // lowercase hex
  std::string authorization;   // the Authorization header value
};

// AWS Signature Version 4 ("Create a signed AWS API request", AWS IAM user guide):
//   CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//                      SignedHeaders \n hex(SHA256(body))
//     URI: each path segment URI-encoded (RFC 3986 unreserved kept, slashes kept); no
//          dot-segment normalisation (Governor only signs "/").
//     Query: names and values URI-encoded, sorted by name then value, joined with & and =.
//     Headers: lowercase names, sorted; values trimmed with inner runs of spaces collapsed;
//              repeated names joined with ",".
//   StringToSign = "AWS4-HMAC-SHA256" \n amz_date \n date/region/service/aws4_request \n
//                  hex(SHA256(CanonicalRequest))
//   key = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
//   signature = hex(HMAC(key, StringToSign))
// `amz_date` is the X-Amz-Date value ("20150830T123600Z"); the caller puts that header (and
// X-Amz-Security-Token for temporary credentials) into `request.headers` before signing.
SigV4Signature SignSigV4(const SigV4Request& request, const AwsCredentials& credentials,
                         std::string_view region, std::string_view service,
                         std::string_view amz_date);

// "YYYYMMDD'T'HHMMSS'Z'" in UTC, the X-Amz-Date format.
std::string AmzDate(core::TimePoint t);

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' unless `encode_slash`),
// with uppercase hex, as SigV4 requires.
std::string AwsUriEncode(std::string_view text, bool encode_slash = true);

// `application/x-www-form-urlencoded` body for `params` in the given order, encoded with
// AwsUriEncode (so a space is %20, never '+').
std::string AwsFormEncode(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace gov::controller
