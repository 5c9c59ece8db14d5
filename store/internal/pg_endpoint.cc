#include "store/internal/pg_endpoint.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace gov::store::internal {
namespace {

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int byte = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        std::from_chars(s.data() + i + 1, s.data() + i + 3, byte, 16).ptr == s.data() + i + 3) {
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// One line of a libpqxx message ("ERROR:  x\nDETAIL:  y\n" -> "ERROR:  x; DETAIL:  y").
std::string OneLine(std::string_view what) {
  std::string out(what);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (size_t pos = out.find('\n'); pos != std::string::npos; pos = out.find('\n', pos)) {
    out.replace(pos, 1, "; ");
  }
  return out;
}

}  // namespace

Endpoint::Endpoint(std::string url) : url_(std::move(url)) {
  const bool is_uri = url_.rfind("postgres://", 0) == 0 || url_.rfind("postgresql://", 0) == 0;
  if (is_uri) {
    const size_t start = url_.find("://") + 3;
    const size_t end = std::min(url_.find_first_of("/?", start), url_.size());
    const std::string_view authority = std::string_view(url_).substr(start, end - start);
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      const size_t colon = authority.substr(0, at).find(':');
      if (colon != std::string_view::npos) AddSecret(authority.substr(colon + 1, at - colon - 1));
    }
  }
  // "password=..." as a keyword (keyword form) or a query parameter (URI form).
  for (size_t pos = url_.find("password"); pos != std::string::npos;
       pos = url_.find("password", pos + 1)) {
    size_t v = url_.find_first_not_of(' ', pos + 8);
    if (v == std::string::npos || url_[v] != '=') continue;
    v = url_.find_first_not_of(' ', v + 1);
    if (v == std::string::npos) break;
    const bool quoted = url_[v] == '\'';
    const size_t begin = quoted ? v + 1 : v;
    const size_t end =
        std::min(url_.find_first_of(quoted ? "'" : (is_uri ? "&" : " "), begin), url_.size());
    AddSecret(std::string_view(url_).substr(begin, end - begin));
  }
  conninfo_ = url_;
  if (is_uri) {
    conninfo_ += url_.find('?') == std::string::npos ? "?" : "&";
    conninfo_ += "fallback_application_name=";
  } else {
    conninfo_ += " fallback_application_name=";
  }
}

core::StatusOr<std::unique_ptr<pqxx::connection>> Endpoint::Connect(const std::string& role) const {
  try {
    return std::make_unique<pqxx::connection>(conninfo_ + role);
  } catch (...) {
    return CurrentExceptionToStatus("connecting to PostgreSQL", *this);
  }
}

std::string Endpoint::Redact(std::string message) const {
  for (const std::string& secret : secrets_) {
    for (size_t pos = message.find(secret); pos != std::string::npos;
         pos = message.find(secret, pos + 3)) {
      message.replace(pos, secret.size(), "***");
    }
  }
  return message;
}

void Endpoint::AddSecret(std::string_view secret) {
  if (secret.empty()) return;
  secrets_.emplace_back(secret);
  std::string decoded = PercentDecode(secret);
  if (decoded != secret && !decoded.empty()) secrets_.push_back(std::move(decoded));
}

core::Status CurrentExceptionToStatus(std::string_view context, const Endpoint& endpoint) {
  auto message = [&](std::string_view what) {
    return endpoint.Redact(std::string(context) + ": " + OneLine(what));
  };
  try {
    throw;
  } catch (const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    if (state == "23505") return core::AlreadyExists(message(e.what()));
    if (state.rfind("23", 0) == 0) return core::FailedPrecondition(message(e.what()));
    if (state == "40001" || state == "40P01") return core::Conflict(message(e.what()));
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") {
      return core::Unavailable(message(e.what()));
    }
    return core::Internal(message(e.what()));
  } catch (const pqxx::broken_connection& e) {
    return core::Unavailable(message(e.what()));
  } catch (const pqxx::in_doubt_error& e) {
    return core::Unavailable(message(std::string("commit outcome unknown: ") + e.what()));
  } catch (const std::exception& e) {
    return core::Internal(message(e.what()));
  } catch (...) {
    return core::Internal(message("unknown exception"));
  }
}

}  // namespace gov::store::internal
