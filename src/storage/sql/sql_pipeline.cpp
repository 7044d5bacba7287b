// SQL for IaC attachments, deployments, freezes and inbound webhook deliveries.
#include <fmt/format.h>

#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

constexpr std::string_view kIacColumns =
    "id, change_id, format, digest, sha256, filename, size, categories, impact_raised, report, content_version, "
    "evidence_id, added_by_id, added_by, created_at";
constexpr std::string_view kDeploymentColumns =
    "id, kind, service, environment, commit_sha, image_digest, plan_digest, change_id, change_number, decision, "
    "reasons, flags, source, status, url, actor_id, actor, created_at";
constexpr std::string_view kFreezeColumns =
    "id, description, environments, start_at, end_at, allow_types, created_by, created_at, lifted_at, lifted_by";
constexpr std::string_view kDeliveryColumns =
    "source, delivery_id, event, action, outcome, result, received_at, content_digest";

std::string Dump(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

nlohmann::json ParseOr(std::string_view text, nlohmann::json fallback) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

Deployment ReadDeployment(const Row& r) {
  Deployment d;
  d.id = r.String(0);
  d.kind = r.String(1);
  d.service = r.String(2);
  d.environment = r.String(3);
  d.artifact = {r.String(4), r.String(5), r.String(6)};
  d.change_id = r.String(7);
  d.change_number = r.Int(8);
  d.decision = r.String(9);
  d.reasons = ParseOr(r.Text(10), nlohmann::json::array());
  d.flags = JsonStrings(r.Text(11));
  d.source = r.String(12);
  d.status = r.String(13);
  d.url = r.String(14);
  d.actor_id = r.String(15);
  d.actor = r.String(16);
  d.created_at = Timestamp{r.Int(17)};
  return d;
}

Freeze ReadFreeze(const Row& r) {
  Freeze f;
  f.id = r.String(0);
  f.description = r.String(1);
  f.environments = JsonStrings(r.Text(2));
  f.start = Timestamp{r.Int(3)};
  f.end = Timestamp{r.Int(4)};
  for (const std::string& t : JsonStrings(r.Text(5))) {
    if (auto type = ParseChangeType(t)) f.allow_types.push_back(*type);
  }
  f.created_by = r.String(6);
  f.created_at = Timestamp{r.Int(7)};
  if (!r.IsNull(8)) f.lifted_at = Timestamp{r.Int(8)};
  f.lifted_by = r.String(9);
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
      fmt::format("INSERT INTO iac_attachments ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kIacColumns),
      {a.id, a.change_id, a.format, a.digest, a.sha256, a.filename, a.size, Dump(a.categories), Dump(a.impact_raised),
       a.report.dump(), a.content_version, a.evidence_id, a.added_by_id, a.added_by, a.created_at.micros});
}

Result<std::vector<IacAttachment>> SqlPipelineRepo::IacOf(std::string_view change_id) {
  std::vector<IacAttachment> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM iac_attachments WHERE change_id = ? ORDER BY created_at, id", kIacColumns),
               {change_id}, [&](const Row& r) {
                 IacAttachment a;
                 a.id = r.String(0);
                 a.change_id = r.String(1);
                 a.format = r.String(2);
                 a.digest = r.String(3);
                 a.sha256 = r.String(4);
                 a.filename = r.String(5);
                 a.size = r.Int(6);
                 a.categories = JsonStrings(r.Text(7));
                 a.impact_raised = JsonStrings(r.Text(8));
                 a.report = ParseOr(r.Text(9), nlohmann::json::object());
                 a.content_version = r.Int(10);
                 a.evidence_id = r.String(11);
                 a.added_by_id = r.String(12);
                 a.added_by = r.String(13);
                 a.created_at = Timestamp{r.Int(14)};
                 out.push_back(std::move(a));
                 return true;
               }));
  return out;
}

Status SqlPipelineRepo::InsertDeployment(const Deployment& d) {
  return c_.Run(
      fmt::format("INSERT INTO deployments ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  kDeploymentColumns),
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
                                           kDeploymentColumns, f.where()),
                               f.params(), [&](const Row& r) {
                                 out.push_back(ReadDeployment(r));
                                 return true;
                               }));
  return out;
}

Status SqlPipelineRepo::InsertFreeze(const Freeze& f) {
  std::vector<std::string> types;
  for (ChangeType t : f.allow_types) types.emplace_back(Name(t));
  return c_.Run(fmt::format("INSERT INTO freezes ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kFreezeColumns),
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
                                            kFreezeColumns),
                                {ending_after->micros}, row));
  } else {
    CL_RETURN_IF_ERROR(
        c_.Query(fmt::format("SELECT {} FROM freezes ORDER BY start_at DESC, id LIMIT 500", kFreezeColumns), {}, row));
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
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT change_id, kind, value, source, created_at FROM change_artifacts "
               "WHERE change_id = ? ORDER BY created_at, kind, value",
               {change_id}, [&](const Row& r) {
                 out.push_back({r.String(0), r.String(1), r.String(2), r.String(3), Timestamp{r.Int(4)}});
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
                         kDeliveryColumns),
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
                  kDeliveryColumns),
      {source, delivery_id, content_digest.empty() ? Value() : Value(std::string_view(content_digest))},
      [&](const Row& r) {
        out = InboundDelivery{r.String(0),         r.String(1),
                              r.String(2),         r.String(3),
                              r.String(4),         ParseOr(r.Text(5), nlohmann::json::object()),
                              Timestamp{r.Int(6)}, r.IsNull(7) ? "" : r.String(7)};
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
