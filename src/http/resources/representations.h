// JSON representations of domain objects in API responses, and the Schemas
// that document them in /openapi.json. One place per object so every route
// shows it the same way.
#pragma once

#include <nlohmann/json.hpp>

#include "core/user.h"
#include "http/schema.h"

namespace cl::http {

nlohmann::json UserJson(const User& user);
Schema UserSchema();

nlohmann::json TokenJson(const ApiToken& token, Timestamp now);
Schema TokenSchema();

// {"items": [...], "next_after": cursor or null}
Schema PageSchema(Schema item, Schema cursor);

std::vector<std::string> RoleNames();
std::vector<std::string> PermissionNameList();

}  // namespace cl::http
