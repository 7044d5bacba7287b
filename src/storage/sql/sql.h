// A minimal SQL connection interface that the SQL repositories are written
// against once, so SQLite and PostgreSQL share every query. Statements use
// '?' placeholders (backends translate); values are bound, never spliced.
// A connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace cl::sql {

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

enum class Dialect { kSqlite, kPostgres };

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one or more statements without parameters (migrations, BEGIN).
  virtual Status ExecScript(std::string_view sql) = 0;
  // Runs one statement; `changed` receives the number of affected rows.
  virtual Status RunV(std::string_view sql, std::span<const Value> params,
                      int64_t* changed = nullptr) = 0;
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
