// SQL for IaC attachments, deployments, freezes and inbound webhook deliveries.
#include <fmt/format.h>

#include "storage/sql/columns.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

constexpr auto kIac =
    MakeColumns("id", "change_id", "format", "digest", "sha256", "filename", "size", "categories", "impact_raised",
                "report", "content_version", "evidence_id", "added_by_id", "added_by", "created_at");
constexpr auto kDeployment = MakeColumns("id", "kind", "service", "environment", "commit_sha", "image_digest",
                                         "plan_digest", "change_id", "change_number", "decision", "reasons", "flags",
                                         "source", "status", "url", "actor_id", "actor", "created_at");
constexpr auto kFreeze = MakeColumns("id", "description", "environments", "start_at", "end_at", "allow_types",
                                     "created_by", "created_at", "lifted_at", "lifted_by");
constexpr auto kDelivery =
    MakeColumns("source", "delivery_id", "event", "action", "outcome", "result", "received_at", "content_digest");
constexpr auto kArtifact = MakeColumns("change_id", "kind", "value", "source", "created_at");

std::string Dump(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

nlohmann::json ParseOr(std::string_view text, nlohmann::json fallback) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

Deployment ReadDeployment(const Row& r) {
  Deployment d;
  d.id = r.String(kDeployment["id"]);
  d.kind = r.String(kDeployment["kind"]);
  d.service = r.String(kDeployment["service"]);
  d.environment = r.String(kDeployment["environment"]);
  d.artifact = {r.String(kDeployment["commit_sha"]), r.String(kDeployment["image_digest"]),
                r.String(kDeployment["plan_digest"])};
  d.change_id = r.String(kDeployment["change_id"]);
  d.change_number = r.Int(kDeployment["change_number"]);
  d.decision = r.String(kDeployment["decision"]);
  d.reasons = ParseOr(r.Text(kDeployment["reasons"]), nlohmann::json::array());
  d.flags = JsonStrings(r.Text(kDeployment["flags"]));
  d.source = r.String(kDeployment["source"]);
  d.status = r.String(kDeployment["status"]);
  d.url = r.String(kDeployment["url"]);
  d.actor_id = r.String(kDeployment["actor_id"]);
  d.actor = r.String(kDeployment["actor"]);
  d.created_at = Timestamp{r.Int(kDeployment["created_at"])};
  return d;
}

Freeze ReadFreeze(const Row& r) {
  Freeze f;
  f.id = r.String(kFreeze["id"]);
  f.description = r.String(kFreeze["description"]);
  f.environments = JsonStrings(r.Text(kFreeze["environments"]));
  f.start = Timestamp{r.Int(kFreeze["start_at"])};
  f.end = Timestamp{r.Int(kFreeze["end_at"])};
  for (const std::string& t : JsonStrings(r.Text(kFreeze["allow_types"]))) {
    if (auto type = ParseChangeType(t)) f.allow_types.push_back(*type);
  }
  f.created_by = r.String(kFreeze["created_by"]);
  f.created_at = Timestamp{r.Int(kFreeze["created_at"])};
  if (!r.IsNull(kFreeze["lifted_at"])) f.lifted_at = Timestamp{r.Int(kFreeze["lifted_at"])};
  f.lifted_by = r.String(kFreeze["lifted_by"]);
  return f;
}

}  // namespace

std::vector<std::string> JsonStrings(std::string_view text) {
  std::vector<std::string> out;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

Status SqlPipelineRepo::InsertIac(const IacAttachment& a) {
  return c_.Run(
      fmt::format("INSERT INTO iac_attachments ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kIac.List()),
      {a.id, a.change_id, a.format, a.digest, a.sha256, a.filename, a.size, Dump(a.categories), Dump(a.impact_raised),
       a.report.dump(), a.content_version, a.evidence_id, a.added_by_id, a.added_by, a.created_at.micros});
}

Result<std::vector<IacAttachment>> SqlPipelineRepo::IacOf(std::string_view change_id) {
  std::vector<IacAttachment> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM iac_attachments WHERE change_id = ? ORDER BY created_at, id", kIac.List()),
               {change_id}, [&](const Row& r) {
                 IacAttachment a;
                 a.id = r.String(kIac["id"]);
                 a.change_id = r.String(kIac["change_id"]);
                 a.format = r.String(kIac["format"]);
                 a.digest = r.String(kIac["digest"]);
                 a.sha256 = r.String(kIac["sha256"]);
                 a.filename = r.String(kIac["filename"]);
                 a.size = r.Int(kIac["size"]);
                 a.categories = JsonStrings(r.Text(kIac["categories"]));
                 a.impact_raised = JsonStrings(r.Text(kIac["impact_raised"]));
                 a.report = ParseOr(r.Text(kIac["report"]), nlohmann::json::object());
                 a.content_version = r.Int(kIac["content_version"]);
                 a.evidence_id = r.String(kIac["evidence_id"]);
                 a.added_by_id = r.String(kIac["added_by_id"]);
                 a.added_by = r.String(kIac["added_by"]);
                 a.created_at = Timestamp{r.Int(kIac["created_at"])};
                 out.push_back(std::move(a));
                 return true;
               }));
  return out;
}

Status SqlPipelineRepo::InsertDeployment(const Deployment& d) {
  return c_.Run(
      fmt::format("INSERT INTO deployments ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  kDeployment.List()),
      {d.id, d.kind, d.service, d.environment, d.artifact.commit_sha, d.artifact.image_digest, d.artifact.plan_digest,
       d.change_id, d.change_number, d.decision, d.reasons.dump(), Dump(d.flags), d.source, d.status, d.url, d.actor_id,
       d.actor, d.created_at.micros});
}

Result<std::vector<Deployment>> SqlPipelineRepo::Deployments(const DeploymentQuery& q) {
  Filters f;
  if (!q.change_id.empty()) f.Text(" AND change_id = ?", q.change_id);
  if (!q.service.empty()) f.Text(" AND service = ?", q.service);
  if (!q.environment.empty()) f.Text(" AND environment = ?", q.environment);
  if (!q.kind.empty()) f.Text(" AND kind = ?", q.kind);
  f.Bind(q.limit);
  std::vector<Deployment> out;
  CL_RETURN_IF_ERROR(c_.QueryV(fmt::format("SELECT {} FROM deployments {} ORDER BY created_at DESC, id DESC LIMIT ?",
                                           kDeployment.List(), f.where()),
                               f.params(), [&](const Row& r) {
                                 out.push_back(ReadDeployment(r));
                                 return true;
                               }));
  return out;
}

Status SqlPipelineRepo::InsertFreeze(const Freeze& f) {
  std::vector<std::string> types;
  for (ChangeType t : f.allow_types) types.emplace_back(Name(t));
  return c_.Run(fmt::format("INSERT INTO freezes ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kFreeze.List()),
                {f.id, f.description, Dump(f.environments), f.start.micros, f.end.micros, Dump(types), f.created_by,
                 f.created_at.micros, f.lifted_at ? Value(f.lifted_at->micros) : Value(Null{}), f.lifted_by});
}

Result<std::vector<Freeze>> SqlPipelineRepo::Freezes(std::optional<Timestamp> ending_after) {
  std::vector<Freeze> out;
  auto row = [&](const Row& r) {
    out.push_back(ReadFreeze(r));
    return true;
  };
  if (ending_after) {
    CL_RETURN_IF_ERROR(c_.Query(fmt::format("SELECT {} FROM freezes WHERE lifted_at IS NULL AND end_at > ? "
                                            "ORDER BY start_at, id",
                                            kFreeze.List()),
                                {ending_after->micros}, row));
  } else {
    CL_RETURN_IF_ERROR(
        c_.Query(fmt::format("SELECT {} FROM freezes ORDER BY start_at DESC, id LIMIT 500", kFreeze.List()), {}, row));
  }
  return out;
}

Status SqlPipelineRepo::LiftFreeze(std::string_view id, Timestamp at, std::string_view by) {
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(c_.Run("UPDATE freezes SET lifted_at = ?, lifted_by = ? WHERE id = ? AND lifted_at IS NULL",
                            {at.micros, by, id}, &changed));
  if (changed == 0) return NotFound(fmt::format("no active freeze {}", id));
  return Status::Ok();
}

Status SqlPipelineRepo::LinkArtifact(const ArtifactLink& l) {
  return c_.Run(
      "INSERT INTO change_artifacts (change_id, kind, value, source, created_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (change_id, kind, value) DO NOTHING",
      {l.change_id, l.kind, l.value, l.source, l.created_at.micros});
}

Result<std::vector<ArtifactLink>> SqlPipelineRepo::ArtifactsOf(std::string_view change_id) {
  std::vector<ArtifactLink> out;
  CL_RETURN_IF_ERROR(c_.Query(
      fmt::format("SELECT {} FROM change_artifacts WHERE change_id = ? ORDER BY created_at, kind, value",
                  kArtifact.List()),
      {change_id}, [&](const Row& r) {
        out.push_back({r.String(kArtifact["change_id"]), r.String(kArtifact["kind"]), r.String(kArtifact["value"]),
                       r.String(kArtifact["source"]), Timestamp{r.Int(kArtifact["created_at"])}});
        return true;
      }));
  return out;
}

Result<std::vector<int64_t>> SqlPipelineRepo::ChangesWithArtifact(std::string_view kind, std::string_view value) {
  std::vector<int64_t> out;
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT c.number FROM change_artifacts a JOIN changes c ON c.id = a.change_id "
               "WHERE a.kind = ? AND a.value = ? ORDER BY c.number",
               {kind, value}, [&](const Row& r) {
                 out.push_back(r.Int(0));
                 return true;
               }));
  return out;
}

Result<bool> SqlPipelineRepo::InsertDeliveryIfNew(const InboundDelivery& d) {
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(
      c_.Run(fmt::format("INSERT INTO inbound_deliveries ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                         kDelivery.List()),
             {d.source, d.delivery_id, d.event, d.action, d.outcome, d.result.dump(), d.received_at.micros,
              d.content_digest.empty() ? Value() : Value(std::string_view(d.content_digest))},
             &changed));
  return changed > 0;
}

Result<std::optional<InboundDelivery>> SqlPipelineRepo::FindDelivery(std::string_view source,
                                                                     std::string_view delivery_id,
                                                                     std::string_view content_digest) {
  std::optional<InboundDelivery> out;
  CL_RETURN_IF_ERROR(c_.Query(
      fmt::format("SELECT {} FROM inbound_deliveries WHERE source = ? AND (delivery_id = ? OR content_digest = ?) "
                  "ORDER BY received_at LIMIT 1",
                  kDelivery.List()),
      {source, delivery_id, content_digest.empty() ? Value() : Value(std::string_view(content_digest))},
      [&](const Row& r) {
        out = InboundDelivery{r.String(kDelivery["source"]),
                              r.String(kDelivery["delivery_id"]),
                              r.String(kDelivery["event"]),
                              r.String(kDelivery["action"]),
                              r.String(kDelivery["outcome"]),
                              ParseOr(r.Text(kDelivery["result"]), nlohmann::json::object()),
                              Timestamp{r.Int(kDelivery["received_at"])},
                              r.IsNull(kDelivery["content_digest"]) ? "" : r.String(kDelivery["content_digest"])};
        return false;
      }));
  return out;
}

Result<int64_t> SqlPipelineRepo::ControlEpoch() {
  int64_t n = -1;
  CL_RETURN_IF_ERROR(c_.Query("SELECT n FROM control_epoch WHERE id = 1", {}, [&](const Row& r) {
    n = r.Int(0);
    return false;
  }));
  if (n < 0) return Internal("the control_epoch row is missing");
  return n;
}

}  // namespace cl::sql
