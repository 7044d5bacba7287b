#include "core/principal.h"

#include <fmt/format.h>

namespace cl {

AuditActor Principal::ToActor() const {
  const char* via_name = "system";
  switch (via) {
    case AuthVia::kSession:
      via_name = "session";
      break;
    case AuthVia::kToken:
      via_name = "token";
      break;
    case AuthVia::kLocal:
      via_name = "local";
      break;
    case AuthVia::kSystem:
      via_name = "system";
      break;
  }
  return AuditActor{user_id, username, via_name, credential_id};
}

Principal SystemPrincipal() {
  Principal p;
  p.user_id = "system";
  p.username = "system";
  p.display_name = "Changeledger";
  p.permissions.set();
  p.via = AuthVia::kSystem;
  return p;
}

Principal LocalPrincipal(const std::string& os_user) {
  Principal p;
  p.user_id = "local:" + os_user;
  p.username = "local:" + os_user;
  p.display_name = "Local operator " + os_user;
  p.permissions.set();
  p.via = AuthVia::kLocal;
  return p;
}

Status Require(const Principal& who, Permission p) {
  if (who.Can(p)) return Status::Ok();
  return PermissionDenied(fmt::format("this needs the '{}' permission, which {} does not have", PermissionName(p),
                                      who.username.empty() ? "the caller" : who.username));
}

AuditContext ContextFor(const Principal& who, std::string request_id, std::string client_ip) {
  return AuditContext{who.ToActor(), std::move(request_id), std::move(client_ip)};
}

}  // namespace cl
