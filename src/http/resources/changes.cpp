// Change records: list with filters, sorting and cursor paging; create; read
// with everything attached; edit (new content version). Lifecycle actions,
// approvals, evidence and reviews are in change_actions.cpp.
#include <fmt/format.h>

#include <charconv>

#include "http/api.h"
#include "http/resources/change_json.h"
#include "http/resources/representations.h"

namespace cl::http {

Result<int64_t> ChangeNumber(const Ctx& ctx) {
  auto n = ParseChangeKey(ctx.Param("key"));
  if (!n) return NotFound(fmt::format("no change {}; keys look like CHG-42", ctx.Param("key")));
  return *n;
}

namespace {

// "<number>" or "<sort value>.<number>": the last row of the previous page.
Status ParseCursor(const std::string& s, ChangeListQuery& q) {
  const size_t dot = s.find('.');
  auto num = [](std::string_view v, int64_t& out) {
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    return ec == std::errc() && end == v.data() + v.size();
  };
  int64_t a = 0, b = 0;
  if (dot == std::string::npos
          ? !num(s, b)
          : (!num(std::string_view(s).substr(0, dot), a) || !num(std::string_view(s).substr(dot + 1), b))) {
    return InvalidArgument("the cursor is not valid", {{"?after", "pass next_after from the previous page"}});
  }
  if (dot != std::string::npos) q.after_value = a;
  q.after_number = b;
  return Status::Ok();
}

std::string CursorFor(const Change& c, ChangeSort sort) {
  switch (sort) {
    case ChangeSort::kPlannedStart:
      return fmt::format("{}.{}", c.content.planned_start ? c.content.planned_start->micros : 0, c.number);
    case ChangeSort::kUpdatedAt:
      return fmt::format("{}.{}", c.updated_at.micros, c.number);
    case ChangeSort::kNumber:
      break;
  }
  return std::to_string(c.number);
}

nlohmann::json ChangesJson(const std::vector<Change>& changes) {
  nlohmann::json items = nlohmann::json::array();
  for (const Change& c : changes) items.push_back(ChangeJson(c));
  return items;
}

}  // namespace

void AddChangeRoutes(Api& api, Router& router) {
  router.Add(
      Route{.method = "GET",
            .pattern = "/api/v1/changes",
            .permission = Permission::kChangesRead,
            .operation_id = "listChanges",
            .tag = "changes",
            .summary = "List change records",
            .description = "Filters combine with AND. Pages are keyset-paginated: pass next_after as after= to "
                           "get the next page.",
            .query = {{"state", Schema::String().Enum(Names(kAllChangeStates)), "Only changes in this state."},
                      {"type", Schema::String().Enum(Names(kAllChangeTypes))},
                      {"risk", Schema::String().Enum(Names(kAllRisks))},
                      {"service", Schema::String().Max(200)},
                      {"environment", Schema::String().Max(64)},
                      {"category", Schema::String().Max(64)},
                      {"requestor", Schema::String().Max(64), "Username of the requestor."},
                      {"created_from", Schema::String().Format("date-time"), "Created at or after."},
                      {"created_to", Schema::String().Format("date-time"), "Created before."},
                      {"sort",
                       Schema::String().Enum(
                           {"number", "-number", "planned_start", "-planned_start", "updated_at", "-updated_at"}),
                       "Sort order; '-' for descending (default -number, newest first)."},
                      {"after", Schema::String().Max(64), "Paging cursor: next_after of the previous page."},
                      {"limit", Schema::Integer().Min(1).Max(500), "Page size (default 50)."}},
            .response = Schema::Object()
                            .Field("items", Schema::Array(ChangeSchema(false)), true)
                            .Field("next_after", Schema::String().Nullable(), true),
            .handler = [&api](Ctx& ctx) -> Result<Response> {
              ChangeListQuery q;
              if (ctx.args.contains("state")) q.state = ParseChangeState(ctx.Arg("state"));
              if (ctx.args.contains("type")) q.type = ParseChangeType(ctx.Arg("type"));
              if (ctx.args.contains("risk")) q.risk = ParseRisk(ctx.Arg("risk"));
              q.service = ctx.Arg("service");
              q.environment = ctx.Arg("environment");
              q.category = ctx.Arg("category");
              q.requestor = ctx.Arg("requestor");
              for (const char* name : {"created_from", "created_to"}) {
                if (!ctx.args.contains(name)) continue;
                auto t = ParseRfc3339(ctx.Arg(name));
                if (!t)
                  return InvalidArgument("bad date", {{std::string("?") + name, "RFC 3339 date-time with a zone"}});
                (std::string_view(name) == "created_from" ? q.created_from : q.created_to) = *t;
              }
              std::string sort = ctx.Arg("sort", "-number");
              q.descending = sort.front() == '-';
              if (q.descending) sort.erase(0, 1);
              q.sort = sort == "planned_start" ? ChangeSort::kPlannedStart
                       : sort == "updated_at"  ? ChangeSort::kUpdatedAt
                                               : ChangeSort::kNumber;
              if (ctx.args.contains("after")) CL_RETURN_IF_ERROR(ParseCursor(ctx.Arg("after"), q));
              q.limit = ctx.IntArg("limit", 50);
              CL_ASSIGN_OR_RETURN(std::vector<Change> changes, api.services().changes.List(*ctx.principal, q));
              nlohmann::json next = nullptr;
              if (static_cast<int64_t>(changes.size()) == q.limit) next = CursorFor(changes.back(), q.sort);
              return JsonResponse(200, {{"items", ChangesJson(changes)}, {"next_after", next}});
            }});

  router.Add(
      Route{.method = "GET",
            .pattern = "/api/v1/me/pending-approvals",
            .permission = Permission::kChangesApprove,
            .operation_id = "listMyPendingApprovals",
            .tag = "changes",
            .summary = "Changes awaiting my decision",
            .description = "Submitted changes (and emergency changes taking approvals after the fact) that the caller "
                           "may approve or reject now: qualifies for a required approver role, has not decided on this "
                           "version, and segregation of duties allows it. Newest first.",
            .query = {{"limit", Schema::Integer().Min(1).Max(500), "At most this many (default 100)."}},
            .response = Schema::Object().Field("items", Schema::Array(ChangeSchema(false)), true),
            .handler = [&api](Ctx& ctx) -> Result<Response> {
              CL_ASSIGN_OR_RETURN(std::vector<Change> changes,
                                  api.services().changes.AwaitingDecision(*ctx.principal, ctx.IntArg("limit", 100)));
              return JsonResponse(200, {{"items", ChangesJson(changes)}});
            }});

  router.Add(
      Route{.method = "POST",
            .pattern = "/api/v1/changes",
            .permission = Permission::kChangesWrite,
            .offload = true,
            .inline_when_idle = true,
            .body_limit = 256 * 1024,
            .operation_id = "createChange",
            .tag = "changes",
            .summary = "Create a change record (draft)",
            .description = "The caller is the requestor. Standard changes name a template (template.id and its "
                           "parameters); the template fills in the pre-approved plans. Submit it to have the policy "
                           "assess it.",
            .request = ChangeInputSchema(true),
            .core_validates_request = true,
            .success_status = 201,
            .response = ChangeSchema(false),
            .handler = [&api](Ctx& ctx) -> Result<Response> {
              CL_ASSIGN_OR_RETURN(Change c, api.services().changes.Create(*ctx.principal, ctx.Audit(), ctx.body));
              Response r = VersionedJsonResponse(201, ChangeJson(c), c.row_version);
              r.With("Location", "/api/v1/changes/" + c.Key());
              return r;
            }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/changes/{key}",
                   .permission = Permission::kChangesRead,
                   .operation_id = "getChange",
                   .tag = "changes",
                   .summary = "Read a change with approvals, evidence, reviews and history",
                   .response = ChangeSchema(true),
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(int64_t number, ChangeNumber(ctx));
                     CL_ASSIGN_OR_RETURN(ChangeDetail d, api.services().changes.Get(*ctx.principal, number));
                     return VersionedJsonResponse(200, ChangeDetailJson(d), d.change.row_version);
                   }});

  router.Add(
      Route{.method = "PATCH",
            .pattern = "/api/v1/changes/{key}",
            .permission = Permission::kChangesWrite,
            .requires_if_match = true,
            .offload = true,
            .inline_when_idle = true,
            .body_limit = 256 * 1024,
            .operation_id = "updateChange",
            .tag = "changes",
            .summary = "Edit a change (creates a new content version)",
            .description = "Only the requestor or a change manager. Editing a material field (anything but "
                           "description and stakeholders) voids existing approvals; an approved or scheduled change "
                           "goes back to submitted. Content is locked once implementation is done. If-Match with "
                           "the ETag (row_version) is required: 428 without it, 409 if the change moved on. An edit "
                           "that changes nothing is answered with the change as it is: no new version, no audit "
                           "event.",
            .request = ChangeInputSchema(false),
            .core_validates_request = true,
            .response = ChangeSchema(false),
            .errors = {404, 409},
            .handler = [&api](Ctx& ctx) -> Result<Response> {
              CL_ASSIGN_OR_RETURN(int64_t number, ChangeNumber(ctx));
              CL_ASSIGN_OR_RETURN(std::optional<int64_t> expected, IfMatchVersion(ctx.req, "the change's row_version"));
              CL_ASSIGN_OR_RETURN(Change c,
                                  api.services().changes.Edit(*ctx.principal, ctx.Audit(), number, ctx.body, expected));
              return VersionedJsonResponse(200, ChangeJson(c), c.row_version);
            }});
}

}  // namespace cl::http
