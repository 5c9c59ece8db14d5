#include "api/http.h"

namespace gov::api {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

const std::string* Find(const HeaderList& list, std::string_view name, bool ignore_case) {
  for (const auto& [k, v] : list) {
    if (ignore_case ? EqualsIgnoreCase(k, name) : k == name) return &v;
  }
  return nullptr;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string UrlDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_as_space && c == '+' ? ' ' : c;
  }
  return out;
}

HeaderList ParseQuery(std::string_view query) {
  HeaderList out;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(pos, amp - pos);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(UrlDecode(pair, true), "");
      } else {
        out.emplace_back(UrlDecode(pair.substr(0, eq), true), UrlDecode(pair.substr(eq + 1), true));
      }
    }
    pos = amp + 1;
  }
  return out;
}

std::string Request::Header(std::string_view name) const {
  const std::string* v = Find(headers, name, true);
  return v ? *v : std::string();
}

bool Request::HasHeader(std::string_view name) const {
  return Find(headers, name, true) != nullptr;
}

std::string Request::Param(std::string_view name) const {
  const std::string* v = Find(params, name, false);
  return v ? *v : std::string();
}

bool Request::HasParam(std::string_view name) const { return Find(params, name, false) != nullptr; }

std::string Response::Header(std::string_view name) const {
  if (EqualsIgnoreCase(name, "Content-Type")) return content_type;
  const std::string* v = Find(headers, name, true);
  return v ? *v : std::string();
}

bool Response::HasHeader(std::string_view name) const {
  if (EqualsIgnoreCase(name, "Content-Type")) return !content_type.empty();
  return Find(headers, name, true) != nullptr;
}

}  // namespace gov::api
