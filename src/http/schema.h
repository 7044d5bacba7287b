// Schema: a small declarative description of JSON values used twice — to
// validate request bodies (strictly: wrong types, unknown fields, limits,
// each reported as a field error with a JSON pointer) and to render the
// JSON Schema in /openapi.json, so the documentation cannot drift from what
// the server enforces. Immutable after construction; thread-safe to share.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace cl::http {

class Schema {
 public:
  enum class Kind { kString, kInteger, kBoolean, kArray, kObject, kAny };

  static Schema String(std::string description = "");
  static Schema Integer(std::string description = "");
  static Schema Boolean(std::string description = "");
  static Schema Array(Schema items, std::string description = "");
  static Schema Object(std::string description = "");
  // Free-form JSON (documented, not validated beyond being JSON).
  static Schema Any(std::string description = "");
  // A reference to a named component schema (documentation only).
  static Schema Ref(std::string name);

  Schema& Min(int64_t v) {
    min_ = v;
    return *this;
  }
  Schema& Max(int64_t v) {
    max_ = v;
    return *this;
  }
  Schema& Enum(std::vector<std::string> values) {
    enum_ = std::move(values);
    return *this;
  }
  Schema& Format(std::string f) {
    format_ = std::move(f);
    return *this;
  }
  Schema& Nullable() {
    nullable_ = true;
    return *this;
  }
  Schema& Example(nlohmann::json e) {
    example_ = std::move(e);
    return *this;
  }
  Schema& Field(std::string name, Schema schema, bool required = false);
  // Object whose values all follow one schema (maps).
  Schema& Values(Schema schema);

  Kind kind() const { return kind_; }
  nlohmann::json ToJsonSchema() const;
  // Appends one FieldError per problem; `pointer` is where `value` sits.
  void Validate(const nlohmann::json& value, const std::string& pointer, std::vector<FieldError>& errors) const;

 private:
  struct Prop;
  // Out of line: the members' destructors need Prop complete (clang).
  explicit Schema(Kind kind, std::string description);
  bool CheckNumberAndEnum(const nlohmann::json& v, const std::string& ptr, std::vector<FieldError>& errors) const;

  Kind kind_;
  std::string description_;
  std::string ref_;
  std::optional<int64_t> min_, max_;  // length, value or item count by kind
  std::vector<std::string> enum_;
  std::string format_;
  bool nullable_ = false;
  nlohmann::json example_;
  std::vector<Schema> items_;  // array items / map values (size 0 or 1)
  std::vector<Prop> props_;
};

struct Schema::Prop {
  std::string name;
  Schema schema;
  bool required;
};

}  // namespace cl::http
