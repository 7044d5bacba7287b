// JSON representations of domain objects in API responses, and the Schemas
// that document them in /openapi.json. One place per object so every route
// shows it the same way.
#pragma once

#include <nlohmann/json.hpp>

#include "core/user.h"
#include "http/message.h"
#include "http/schema.h"

namespace cl::http {

nlohmann::json UserJson(const User& user);
Schema UserSchema();

nlohmann::json TokenJson(const ApiToken& token, Timestamp now);
Schema TokenSchema();

// {"items": [...], "next_after": cursor or null}
Schema PageSchema(Schema item, Schema cursor);

// A date-time string in the OpenAPI document.
Schema TimeSchema(std::string description = "");

// JSON with the object's version as ETag ("<version>").
Response VersionedJsonResponse(int status, const nlohmann::json& body, int64_t version);
// If-Match: "<version>" (quotes optional, as sent in our ETags), or nullopt
// when absent; `what` names the version in the error ("the user's version").
Result<std::optional<int64_t>> IfMatchVersion(const Request& req, std::string_view what);
// If-Match without its quotes ("" when absent).
std::string_view IfMatchTag(const Request& req);

std::vector<std::string> RoleNames();
std::vector<std::string> PermissionNameList();

}  // namespace cl::http
