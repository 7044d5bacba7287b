// JSON representations of change records and what hangs off them, with the
// Schemas that document them (and validate change input) in /openapi.json.
#pragma once

#include <nlohmann/json.hpp>

#include "core/changes.h"
#include "http/route.h"
#include "http/schema.h"

namespace cl::http {

// The writable fields of a change (create and PATCH); null clears a field.
Schema ChangeInputSchema(bool create);

nlohmann::json ChangeJson(const Change& c);
nlohmann::json ChangeDetailJson(const ChangeDetail& d);
// `c`: the change it is on (whether it counts depends on who requested and implemented it).
nlohmann::json ApprovalJson(const Approval& a, const Change& c);
nlohmann::json EvidenceJson(const Evidence& e);
nlohmann::json ReviewJson(const Review& r);
nlohmann::json FindingJson(const Finding& f);

Schema ChangeSchema(bool detail);
// The {key} path parameter ("CHG-42" or "42") as a change number.
Result<int64_t> ChangeNumber(const Ctx& ctx);

Schema ApprovalSchema();
Schema EvidenceSchema();
Schema ReviewSchema();
Schema FindingSchema();

}  // namespace cl::http
