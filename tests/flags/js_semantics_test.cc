// The JavaScript, node-semver and ip-address behaviour gov_flags reproduces. Expected
// values were printed by node 20 (Number(s), String(n), s.split(/\s*,\s*/)) and by
// node-semver 7 (semver.valid, semver.compare) and ip-address 10 (isValid, isInSubnet)
// from tests/e2e/node_modules.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "flags/internal/date.h"
#include "flags/internal/ip.h"
#include "flags/internal/js.h"
#include "flags/internal/semver.h"

namespace gov::flags::internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(JsNumber, MatchesNumberOfString) {
  const std::vector<std::pair<std::string, double>> table = {
      {"12", 12},
      {" 12 ", 12},
      {"12.0", 12},
      {"0x1A", 26},
      {"0X1a", 26},
      {"0o17", 15},
      {"0b101", 5},
      {"1e3", 1000},
      {"1E-2", 0.01},
      {".5", 0.5},
      {"5.", 5},
      {"+7", 7},
      {"-7", -7},
      {"", 0},
      {"   ", 0},
      {"Infinity", kInf},
      {"-Infinity", -kInf},
      {"+Infinity", kInf},
      {"infinity", kNaN},
      {"1e999", kInf},
      {"-1e999", -kInf},
      {"1e-999", 0},
      {"12abc", kNaN},
      {"abc", kNaN},
      {"1_000", kNaN},
      {"0x", kNaN},
      {"--1", kNaN},
      {"1.2.3", kNaN},
      {"\u00a012\u3000", 12},
      {"0.1", 0.1},
      {"9007199254740993", 9007199254740992.0},
      {"1e21", 1e21}};
  for (const auto& [input, want] : table) {
    const double got = JsStringToNumber(input);
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << "\"" << input << "\" -> " << got;
    } else {
      EXPECT_EQ(got, want) << "\"" << input << "\"";
    }
  }
  EXPECT_TRUE(std::signbit(JsStringToNumber("-0")));
}

TEST(JsNumber, MatchesStringOfNumber) {
  const std::vector<std::pair<double, std::string>> table = {
      {0, "0"},
      {12, "12"},
      {-12, "-12"},
      {0.1, "0.1"},
      {1.5, "1.5"},
      {1e21, "1e+21"},
      {1e20, "100000000000000000000"},
      {123456789012345680000.0, "123456789012345680000"},
      {1e-7, "1e-7"},
      {0.000001, "0.000001"},
      {1.2e-7, "1.2e-7"},
      {-0.0, "0"},
      {kNaN, "NaN"},
      {kInf, "Infinity"},
      {-kInf, "-Infinity"},
      {3.14, "3.14"},
      {100, "100"},
      {9007199254740992.0, "9007199254740992"},
      {1.0 / 3, "0.3333333333333333"}};
  for (const auto& [input, want] : table) EXPECT_EQ(JsNumberToString(input), want) << input;
}

TEST(JsSplit, MatchesSplitOnCommaRegex) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> table = {
      {"a, b", {"a", "b"}},
      {"a ,b", {"a", "b"}},
      {"a , b", {"a", "b"}},
      {" a,b ", {" a", "b "}},
      {"a,,b", {"a", "", "b"}},
      {"a, ,b", {"a", "", "b"}},
      {"a", {"a"}},
      {"", {""}},
      {" , ", {"", ""}},
      {"a,\u00a0b", {"a", "b"}},
      {"a\t,\nb", {"a", "b"}}};
  for (const auto& [input, want] : table) {
    std::vector<std::string> got;
    JsSplitOnCommas(input, [&](std::string_view piece) { got.emplace_back(piece); });
    EXPECT_EQ(got, want) << "\"" << input << "\"";
  }
}

TEST(JsTrim, TrimsUnicodeWhitespace) {
  EXPECT_EQ(JsTrim(" \t\u00a0x y\u2028\ufeff"), "x y");
  EXPECT_EQ(JsTrim("\u3000"), "");
  EXPECT_EQ(JsTrim("\xff"), "\xff");  // malformed UTF-8 is not whitespace
}

TEST(HashBytes, Utf16LowByteMatchesMurmurhash3js) {
  // charCodeAt(i) & 0xff for "é😊": U+00E9 -> E9; U+1F60A -> D83D DE0A -> 3D 0A.
  std::string bytes;
  ForEachHashByte("\u00e9\U0001F60A", true,
                  [&](uint8_t b) { bytes.push_back(static_cast<char>(b)); });
  EXPECT_EQ(bytes, std::string("\xe9\x3d\x0a"));
  bytes.clear();
  ForEachHashByte("\u00e9", false, [&](uint8_t b) { bytes.push_back(static_cast<char>(b)); });
  EXPECT_EQ(bytes, "\u00e9");
}

// Expected values are Date.parse(s) printed by node 20.
TEST(JsDate, ParsesIsoDateTimesToEpochMilliseconds) {
  const std::vector<std::pair<std::string, int64_t>> table = {
      {"2022-01-29T13:00:00.000Z", 1643461200000},
      {"2022-01-22T13:00:00.000+02:00", 1642849200000},
      {"2022-01-29", 1643414400000},
      {"9999-12-31T23:59:59.999Z", 253402300799999},
      {"5313-01-29T13:00:00.000Z", 105497384400000},
      {"0000-01-01T00:00:00Z", -62167219200000},
      {"2024-02-29T12:00Z", 1709208000000},
      {"2022-01-29T13:00:00.1239Z", 1643461200123},
      {"1969-12-31T23:59:59.999Z", -1}};
  for (const auto& [input, want] : table) EXPECT_EQ(ParseDateMillis(input), want) << input;
  for (const char* bad :
       {"2022-02-30", "2022-01-29T13:00:00", "yesterday", "2022-01-29T25:00Z", ""}) {
    EXPECT_FALSE(ParseDateMillis(bad)) << bad;
  }
}

TEST(Semver, ValidMatchesNodeSemver) {
  const std::vector<std::pair<std::string, bool>> table = {{"1.2.3", true},
                                                           {"v1.2.3", true},
                                                           {" 1.2.3 ", true},
                                                           {"=1.2.3", false},
                                                           {"1.2", false},
                                                           {"01.2.3", false},
                                                           {"1.2.3-alpha.1", true},
                                                           {"1.2.3-01", false},
                                                           {"1.2.3-alpha.01", false},
                                                           {"1.2.3+build.1", true},
                                                           {"1.2.3-", false},
                                                           {"1.2.3+", false},
                                                           {"1.2.3-a..b", false},
                                                           {"9007199254740991.0.0", true},
                                                           {"9007199254740992.0.0", false},
                                                           {"1.2.3-x-y_z", false},
                                                           {"1.2.3-0a", true},
                                                           {"vv1.2.3", false}};
  for (const auto& [input, valid] : table) {
    EXPECT_EQ(ParseSemver(input).has_value(), valid) << "\"" << input << "\"";
  }
}

TEST(Semver, CompareMatchesNodeSemver) {
  const std::vector<std::tuple<std::string, std::string, int>> table = {
      {"1.2.3", "1.2.4", -1},
      {"2.0.0-alpha", "2.0.0-alpha.1", -1},
      {"2.0.0-alpha.1", "2.0.0-alpha.beta", -1},
      {"2.0.0-alpha.beta", "2.0.0-beta", -1},
      {"2.0.0-beta.2", "2.0.0-beta.11", -1},
      {"2.0.0-rc.1", "2.0.0", -1},
      {"1.0.0+a", "1.0.0+b", 0},
      {"1.0.0-1", "1.0.0-a", -1},
      {"1.0.0-99999999999999999999", "1.0.0-99999999999999999998", 0},
      {"1.10.0", "1.9.0", 1},
      {"1.0.0-A", "1.0.0-a", -1}};
  for (const auto& [a, b, want] : table) {
    const auto x = ParseSemver(a), y = ParseSemver(b);
    ASSERT_TRUE(x && y) << a << " " << b;
    const int got = CompareSemver(*x, *y);
    EXPECT_EQ((got > 0) - (got < 0), want) << a << " vs " << b;
    EXPECT_EQ((CompareSemver(*y, *x) > 0) - (CompareSemver(*y, *x) < 0), -want) << b << " vs " << a;
  }
}

TEST(Ip, ParsesLikeIpAddressPackage) {
  EXPECT_TRUE(ParseIpv4("127.0.0.1"));
  EXPECT_EQ(ParseIpv4("10.0.0.0/8")->prefix, 8);
  EXPECT_FALSE(ParseIpv4("010.0.0.1"));  // leading zeros are rejected
  EXPECT_FALSE(ParseIpv4("1.2.3.4/33"));
  EXPECT_FALSE(ParseIpv4("1.2.3.4/033"));  // at most two prefix digits
  EXPECT_FALSE(ParseIpv4("192.invalid"));
  EXPECT_FALSE(ParseIpv4("::1"));
  EXPECT_TRUE(ParseIpv6("::1"));
  EXPECT_EQ(ParseIpv6("2001:db8::/32")->prefix, 32);
  EXPECT_TRUE(ParseIpv6("fe80::1%eth0"));
  EXPECT_FALSE(ParseIpv6("2001:db8::/129"));
  EXPECT_FALSE(ParseIpv6("bad::cidr"));
}

TEST(Ip, SubnetContainment) {
  const auto net = *ParseIpv4("160.33.0.0/16");
  EXPECT_TRUE(InSubnet(*ParseIpv4("160.33.0.33"), net));
  EXPECT_FALSE(InSubnet(*ParseIpv4("160.34.0.1"), net));
  EXPECT_FALSE(InSubnet(*ParseIpv4("160.33.0.0/8"), net));  // a wider network is not inside
  EXPECT_TRUE(InSubnet(*ParseIpv4("160.33.1.0/24"), net));
  EXPECT_FALSE(InSubnet(*ParseIpv6("::ffff:160.33.0.1"), net));  // families never mix
  const auto net6 = *ParseIpv6("2001:db8::/33");
  EXPECT_TRUE(InSubnet(*ParseIpv6("2001:db8:7fff::1"), net6));
  EXPECT_FALSE(InSubnet(*ParseIpv6("2001:db8:8000::1"), net6));
}

}  // namespace
}  // namespace gov::flags::internal
