#include "http/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "core/clock.h"
#include "core/json_input.h"

namespace cl::http {

Schema::Schema(Kind kind, std::string description) : kind_(kind), description_(std::move(description)) {}
namespace {

const char* TypeName(Schema::Kind k) {
  switch (k) {
    case Schema::Kind::kString:
      return "string";
    case Schema::Kind::kInteger:
      return "integer";
    case Schema::Kind::kBoolean:
      return "boolean";
    case Schema::Kind::kArray:
      return "array";
    case Schema::Kind::kObject:
      return "object";
    case Schema::Kind::kAny:
      return "any";
  }
  return "any";
}

size_t Utf8Length(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

Schema Schema::String(std::string d) { return Schema(Kind::kString, std::move(d)); }
Schema Schema::Integer(std::string d) { return Schema(Kind::kInteger, std::move(d)); }
Schema Schema::Boolean(std::string d) { return Schema(Kind::kBoolean, std::move(d)); }
Schema Schema::Object(std::string d) { return Schema(Kind::kObject, std::move(d)); }
Schema Schema::Any(std::string d) { return Schema(Kind::kAny, std::move(d)); }
Schema Schema::Array(Schema items, std::string d) {
  Schema s(Kind::kArray, std::move(d));
  s.items_.push_back(std::move(items));
  return s;
}
Schema Schema::Ref(std::string name) {
  Schema s(Kind::kAny, "");
  s.ref_ = std::move(name);
  return s;
}

Schema& Schema::Field(std::string name, Schema schema, bool required) {
  props_.push_back(Prop{std::move(name), std::move(schema), required});
  return *this;
}

Schema& Schema::Values(Schema schema) {
  items_.clear();
  items_.push_back(std::move(schema));
  return *this;
}

nlohmann::json Schema::ToJsonSchema() const {
  if (!ref_.empty()) return {{"$ref", "#/components/schemas/" + ref_}};
  nlohmann::json j = nlohmann::json::object();
  if (kind_ != Kind::kAny) {
    if (nullable_) {
      j["type"] = {TypeName(kind_), "null"};
    } else {
      j["type"] = TypeName(kind_);
    }
  }
  if (!description_.empty()) j["description"] = description_;
  if (!format_.empty()) j["format"] = format_;
  if (!enum_.empty()) j["enum"] = enum_;
  if (!example_.is_null()) j["examples"] = nlohmann::json::array({example_});
  switch (kind_) {
    case Kind::kString:
      if (min_) j["minLength"] = *min_;
      if (max_) j["maxLength"] = *max_;
      break;
    case Kind::kInteger:
      if (min_) j["minimum"] = *min_;
      if (max_) j["maximum"] = *max_;
      break;
    case Kind::kArray:
      j["items"] = items_.front().ToJsonSchema();
      if (min_) j["minItems"] = *min_;
      if (max_) j["maxItems"] = *max_;
      break;
    case Kind::kObject: {
      nlohmann::json props = nlohmann::json::object();
      nlohmann::json required = nlohmann::json::array();
      for (const Prop& p : props_) {
        props[p.name] = p.schema.ToJsonSchema();
        if (p.required) required.push_back(p.name);
      }
      if (!props_.empty()) j["properties"] = props;
      if (!required.empty()) j["required"] = required;
      if (!items_.empty()) {
        j["additionalProperties"] = items_.front().ToJsonSchema();
      } else {
        j["additionalProperties"] = false;
      }
      break;
    }
    default:
      break;
  }
  return j;
}

bool Schema::CheckNumberAndEnum(const nlohmann::json& v, const std::string& ptr,
                                std::vector<FieldError>& errors) const {
  if (kind_ == Kind::kString) {
    const std::string& s = v.get_ref<const std::string&>();
    const size_t len = Utf8Length(s);
    if (min_ && static_cast<int64_t>(len) < *min_) {
      errors.push_back(
          {ptr, *min_ == 1 ? std::string("must not be empty") : fmt::format("must be at least {} characters", *min_)});
      return false;
    }
    if (max_ && static_cast<int64_t>(len) > *max_) {
      errors.push_back({ptr, fmt::format("must be at most {} characters", *max_)});
      return false;
    }
    if (!enum_.empty() && std::find(enum_.begin(), enum_.end(), s) == enum_.end()) {
      errors.push_back({ptr, fmt::format("must be one of: {}", fmt::join(enum_, ", "))});
      return false;
    }
    if (format_ == "date-time" && !ParseRfc3339(s)) {
      errors.push_back({ptr, "must be an RFC 3339 date-time such as 2026-01-31T09:00:00Z"});
      return false;
    }
  }
  if (kind_ == Kind::kInteger) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      errors.push_back({ptr, "is too large"});
      return false;
    }
    const int64_t n = v.get<int64_t>();
    if (min_ && n < *min_) {
      errors.push_back({ptr, fmt::format("must be at least {}", *min_)});
      return false;
    }
    if (max_ && n > *max_) {
      errors.push_back({ptr, fmt::format("must be at most {}", *max_)});
      return false;
    }
  }
  return true;
}

void Schema::Validate(const nlohmann::json& v, const std::string& ptr, std::vector<FieldError>& errors) const {
  const std::string where = ptr.empty() ? "/" : ptr;
  if (v.is_null()) {
    if (!nullable_ && kind_ != Kind::kAny) {
      errors.push_back(
          {where, fmt::format("must be {} {}, not null",
                              kind_ == Kind::kInteger || kind_ == Kind::kArray || kind_ == Kind::kObject ? "an" : "a",
                              TypeName(kind_))});
    }
    return;
  }
  bool type_ok = true;
  switch (kind_) {
    case Kind::kString:
      type_ok = v.is_string();
      break;
    case Kind::kInteger:
      type_ok = v.is_number_integer();
      break;
    case Kind::kBoolean:
      type_ok = v.is_boolean();
      break;
    case Kind::kArray:
      type_ok = v.is_array();
      break;
    case Kind::kObject:
      type_ok = v.is_object();
      break;
    case Kind::kAny:
      type_ok = true;
      break;
  }
  if (!type_ok) {
    errors.push_back({where, fmt::format("must be of type {}, got {}", TypeName(kind_), v.type_name())});
    return;
  }
  if (!CheckNumberAndEnum(v, where, errors)) return;
  if (kind_ == Kind::kArray) {
    if (min_ && static_cast<int64_t>(v.size()) < *min_) {
      errors.push_back({where, fmt::format("must have at least {} item(s)", *min_)});
    }
    if (max_ && static_cast<int64_t>(v.size()) > *max_) {
      errors.push_back({where, fmt::format("must have at most {} items", *max_)});
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      items_.front().Validate(v[i], fmt::format("{}/{}", ptr, i), errors);
    }
  }
  if (kind_ == Kind::kObject) {
    std::set<std::string> known;
    for (const Prop& p : props_) {
      known.insert(p.name);
      auto it = v.find(p.name);
      if (it == v.end()) {
        if (p.required) errors.push_back({ptr + "/" + EscapePointerToken(p.name), "is required"});
        continue;
      }
      p.schema.Validate(*it, ptr + "/" + EscapePointerToken(p.name), errors);
    }
    for (const auto& [key, value] : v.items()) {
      if (known.count(key)) continue;
      if (!items_.empty()) {
        items_.front().Validate(value, ptr + "/" + EscapePointerToken(key), errors);
      } else {
        errors.push_back({ptr + "/" + EscapePointerToken(key), "is not a known field"});
      }
    }
  }
}

}  // namespace cl::http
