// A minimal SQL connection interface that the SQL repositories are written
// against once, so SQLite and PostgreSQL share every query. Statements use
// '?' placeholders (backends translate); values are bound, never spliced.
// A connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace cl::sql {

// What a client is told when the database refuses a write for a uniqueness
// (`duplicate`) or other integrity rule: our words, never the database's
// (which name tables, columns and values). Services that know better (a
// taken username) say so before the database has to.
inline std::string ClientConflictMessage(bool duplicate) {
  return duplicate ? "it already exists: the same record was stored first; reload and retry"
                   : "it conflicts with what is stored now (a concurrent change, or a record that is final); "
                     "reload and retry";
}

struct Blob {
  std::span<const uint8_t> bytes;
};
struct Null {};

// A bound parameter: text and blob are views, valid for the duration of the call.
using Value = std::variant<Null, int64_t, std::string_view, Blob>;

inline Value Text(const std::string& s) { return std::string_view(s); }
inline Value OptInt(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(Null{}); }

// One result row; views are valid until the callback returns.
class Row {
 public:
  virtual ~Row() = default;
  virtual bool IsNull(int col) const = 0;
  virtual int64_t Int(int col) const = 0;
  virtual std::string_view Text(int col) const = 0;
  virtual std::span<const uint8_t> Blob(int col) const = 0;
  std::string String(int col) const { return std::string(Text(col)); }
};

// A JSON array of strings stored in a TEXT column (anything else reads as empty).
std::vector<std::string> JsonStrings(std::string_view text);

// A WHERE clause built from optional filters, with the parameters it binds.
// Owns the text it binds, so values may be temporaries.
class Filters {
 public:
  // Appends `clause` (" AND x = ?") and binds `value` to its placeholder.
  void Text(std::string_view clause, std::string value) {
    where_ += clause;
    owned_.push_back(std::move(value));
    params_.emplace_back(std::string_view(owned_.back()));
  }
  // Appends `clause` and binds one integer per placeholder, in order.
  void Ints(std::string_view clause, std::initializer_list<int64_t> values) {
    where_ += clause;
    for (int64_t v : values) params_.emplace_back(v);
  }
  // Binds a parameter that follows the WHERE clause (e.g. LIMIT ?).
  void Bind(int64_t value) { params_.emplace_back(value); }
  const std::string& where() const { return where_; }
  std::span<const Value> params() const { return params_; }

 private:
  std::string where_ = "WHERE 1 = 1";
  std::vector<Value> params_;
  std::deque<std::string> owned_;  // stable addresses for the bound views
};

enum class Dialect { kSqlite, kPostgres };

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one or more statements without parameters (migrations, BEGIN).
  virtual Status ExecScript(std::string_view sql) = 0;
  // Runs one statement; `changed` receives the number of affected rows.
  virtual Status RunV(std::string_view sql, std::span<const Value> params, int64_t* changed = nullptr) = 0;
  // Runs one query, calling on_row per row until it returns false.
  virtual Status QueryV(std::string_view sql, std::span<const Value> params,
                        const std::function<bool(const Row&)>& on_row) = 0;

  Status Run(std::string_view sql, std::initializer_list<Value> params, int64_t* changed = nullptr) {
    return RunV(sql, std::span<const Value>(params.begin(), params.size()), changed);
  }
  Status Query(std::string_view sql, std::initializer_list<Value> params,
               const std::function<bool(const Row&)>& on_row) {
    return QueryV(sql, std::span<const Value>(params.begin(), params.size()), on_row);
  }
};

}  // namespace cl::sql
