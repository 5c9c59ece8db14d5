#include "store/database.h"

#include <charconv>
#include <cstdlib>

#include "store/internal/postgres_database.h"
#include "store/internal/sqlite_database.h"

namespace gov::store {

int64_t Row::Int(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    std::from_chars(p->data(), p->data() + p->size(), out);
    return out;
  }
  return 0;
}

double Row::Double(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::strtod(p->c_str(), nullptr);
  return 0;
}

std::string Row::Text(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
  return {};
}

std::optional<int64_t> Row::OptInt(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

std::optional<std::string> Row::OptText(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Text(i);
}

core::Status WithTransaction(Database& db, TxMode mode,
                             const std::function<core::Status(Transaction&)>& fn) {
  ASSIGN_OR_RETURN(auto tx, db.Begin(mode));
  RETURN_IF_ERROR(fn(*tx));
  return tx->Commit();
}

core::StatusOr<std::unique_ptr<Database>> OpenDatabase(const std::string& url, int pool_size) {
  if (url.rfind("sqlite://", 0) == 0) {
    return OpenSqliteDatabase(url.substr(std::string("sqlite://").size()), pool_size);
  }
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
    return OpenPostgresDatabase(url, pool_size);
  }
  return core::InvalidArgument("expected sqlite:///path/to/file.db or postgres://...", "database");
}

}  // namespace gov::store
