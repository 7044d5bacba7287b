// SQL for policy versions (append-only) and findings.
#include <fmt/format.h>

#include "storage/sql/columns.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

// A policy row. Lists leave the (large) source out: kPolicySummary, every
// column but the last, at the same positions.
constexpr auto kPolicy = MakeColumns("version", "sha256", "name", "origin", "created_by", "created_at", "source");
static_assert(kPolicy["source"] == static_cast<int>(kPolicy.size()) - 1,
              "ReadPolicy reads every column but source from summaries");
constexpr auto kPolicySummary = kPolicy.First<kPolicy.size() - 1>();

constexpr auto kFinding = MakeColumns("id", "kind", "severity", "object_type", "object_id", "controls", "summary",
                                      "details", "status", "created_at");

// `with_source`: the row has every kPolicy column, not only kPolicySummary's.
PolicyVersion ReadPolicy(const Row& r, bool with_source) {
  PolicyVersion v;
  v.version = r.Int(kPolicy["version"]);
  v.sha256 = r.String(kPolicy["sha256"]);
  v.name = r.String(kPolicy["name"]);
  v.origin = r.String(kPolicy["origin"]);
  v.created_by = r.String(kPolicy["created_by"]);
  v.created_at = Timestamp{r.Int(kPolicy["created_at"])};
  if (with_source) v.source = r.String(kPolicy["source"]);
  return v;
}

}  // namespace

Result<std::optional<PolicyVersion>> SqlPolicyRepo::Latest() {
  std::optional<PolicyVersion> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM policy_versions ORDER BY version DESC LIMIT 1", kPolicy.List()), {},
               [&](const Row& r) {
                 out = ReadPolicy(r, true);
                 return false;
               }));
  return out;
}

Result<int64_t> SqlPolicyRepo::LatestNumber() {
  int64_t n = 0;
  CL_RETURN_IF_ERROR(c_.Query("SELECT COALESCE(MAX(version), 0) FROM policy_versions", {}, [&](const Row& r) {
    n = r.Int(0);
    return false;
  }));
  return n;
}

Result<std::optional<PolicyVersion>> SqlPolicyRepo::Get(int64_t version) {
  std::optional<PolicyVersion> out;
  CL_RETURN_IF_ERROR(c_.Query(fmt::format("SELECT {} FROM policy_versions WHERE version = ?", kPolicy.List()),
                              {version}, [&](const Row& r) {
                                out = ReadPolicy(r, true);
                                return false;
                              }));
  return out;
}

Result<std::vector<PolicyVersion>> SqlPolicyRepo::List() {
  std::vector<PolicyVersion> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM policy_versions ORDER BY version DESC", kPolicySummary.List()), {},
               [&](const Row& r) {
                 out.push_back(ReadPolicy(r, false));
                 return true;
               }));
  return out;
}

Result<int64_t> SqlPolicyRepo::Insert(const PolicyVersion& v) {
  int64_t version = 1;
  CL_RETURN_IF_ERROR(c_.Query("SELECT COALESCE(MAX(version), 0) + 1 FROM policy_versions", {}, [&](const Row& r) {
    version = r.Int(0);
    return false;
  }));
  CL_RETURN_IF_ERROR(
      c_.Run("INSERT INTO policy_versions (version, sha256, name, source, origin, created_by, created_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)",
             {version, v.sha256, v.name, v.source, v.origin, v.created_by, v.created_at.micros}));
  return version;
}

Result<bool> SqlFindingRepo::InsertIfNew(const Finding& f) {
  const std::string controls = nlohmann::json(f.controls).dump();
  const std::string details = f.details.dump();
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(
      c_.Run("INSERT INTO findings (id, kind, severity, object_type, object_id, controls, summary, details, "
             "status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
             "ON CONFLICT (kind, object_type, object_id) WHERE status = 'open' DO NOTHING",
             {f.id, f.kind, f.severity, f.object_type, f.object_id, controls, f.summary, details, f.status,
              f.created_at.micros},
             &changed));
  return changed > 0;
}

Result<std::vector<Finding>> SqlFindingRepo::List(const FindingQuery& q) {
  Filters f;
  if (!q.status.empty()) f.Text(" AND status = ?", q.status);
  if (!q.kind.empty()) f.Text(" AND kind = ?", q.kind);
  if (!q.object_id.empty()) f.Text(" AND object_id = ?", q.object_id);
  f.Bind(q.limit);
  std::vector<Finding> out;
  CL_RETURN_IF_ERROR(c_.QueryV(
      fmt::format("SELECT {} FROM findings {} ORDER BY created_at DESC, id LIMIT ?", kFinding.List(), f.where()),
      f.params(), [&](const Row& r) {
        Finding f;
        f.id = r.String(kFinding["id"]);
        f.kind = r.String(kFinding["kind"]);
        f.severity = r.String(kFinding["severity"]);
        f.object_type = r.String(kFinding["object_type"]);
        f.object_id = r.String(kFinding["object_id"]);
        f.controls = JsonStrings(r.Text(kFinding["controls"]));
        f.summary = r.String(kFinding["summary"]);
        f.details = nlohmann::json::parse(r.Text(kFinding["details"]), nullptr, false);
        f.status = r.String(kFinding["status"]);
        f.created_at = Timestamp{r.Int(kFinding["created_at"])};
        out.push_back(std::move(f));
        return true;
      }));
  return out;
}

}  // namespace cl::sql
