// SQL for change records: the current state of a change is one row (content
// and assessment as JSON). What hangs off a change (versions, transitions,
// approvals, evidence, reviews, blobs) is in sql_change_records.cpp.
#include <fmt/format.h>

#include <algorithm>

#include "storage/sql/columns.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

constexpr auto kChange = MakeColumns(
    "id", "number", "type", "state", "risk", "requestor_id", "requestor", "implementer_id", "implementer",
    "policy_version", "content_version", "material_sha256", "content", "assessment", "verification", "submitted_at",
    "approved_at", "scheduled_at", "started_at", "implemented_at", "verified_at", "closed_at", "review_deadline",
    "retrospective_at", "needs_independent_review", "created_at", "updated_at", "row_version");

Value OptTime(const std::optional<Timestamp>& t) { return t ? Value(t->micros) : Value(Null{}); }

// The columns of a change's row that Insert sets and Update rewrites (all but
// the identity and creation columns), and their values: one list for both
// statements. Holds the JSON texts its values point into.
constexpr auto kChangeRow = MakeColumns(
    "type", "state", "risk", "service", "environment", "category", "title", "implementer_id", "implementer",
    "policy_version", "content_version", "material_sha256", "content", "assessment", "verification", "planned_start",
    "planned_end", "submitted_at", "approved_at", "scheduled_at", "started_at", "implemented_at", "verified_at",
    "closed_at", "review_deadline", "retrospective_at", "needs_independent_review", "updated_at", "row_version");

std::string AssessmentText(const Change& c);

struct ChangeRowValues {
  std::string content, assessment, verification;
  std::vector<Value> values;

  explicit ChangeRowValues(const Change& c)
      : content(ContentToJson(c.content).dump()), assessment(AssessmentText(c)), verification(c.verification.dump()) {
    values = {Name(c.content.type),
              Name(c.state),
              Name(c.risk),
              c.content.service,
              c.content.environment,
              c.content.category,
              c.content.title,
              c.implementer_id,
              c.implementer,
              c.policy_version,
              c.content_version,
              c.material_hash,
              content,
              assessment,
              verification,
              OptTime(c.content.planned_start),
              OptTime(c.content.planned_end),
              OptTime(c.submitted_at),
              OptTime(c.approved_at),
              OptTime(c.scheduled_at),
              OptTime(c.started_at),
              OptTime(c.implemented_at),
              OptTime(c.verified_at),
              OptTime(c.closed_at),
              OptTime(c.review_deadline),
              OptTime(c.retrospective_at),
              int64_t{c.needs_independent_review},
              c.updated_at.micros,
              c.row_version};
  }
  ChangeRowValues(const ChangeRowValues&) = delete;
  ChangeRowValues& operator=(const ChangeRowValues&) = delete;
};

// ", ?" for each column of kChangeRow.
std::string Placeholders() {
  std::string out;
  for (size_t i = 0; i < kChangeRow.size(); ++i) out += ", ?";
  return out;
}
std::string AssessmentText(const Change& c) {
  return c.assessment ? c.assessment->ToJson(c.content.type).dump() : std::string("null");
}

// A row whose content or assessment no longer reads is reported, never shown
// without them: a change must not lose its assessment (its risk, required
// approvers and closure evidence) silently because someone edited the row.
Result<Change> ReadChange(const Row& r) {
  Change c;
  c.id = r.String(kChange["id"]);
  c.number = r.Int(kChange["number"]);
  c.state = ParseChangeState(r.Text(kChange["state"])).value_or(ChangeState::kDraft);
  c.risk = ParseRisk(r.Text(kChange["risk"])).value_or(Risk::kLow);
  c.requestor_id = r.String(kChange["requestor_id"]);
  c.requestor = r.String(kChange["requestor"]);
  c.implementer_id = r.String(kChange["implementer_id"]);
  c.implementer = r.String(kChange["implementer"]);
  c.policy_version = r.Int(kChange["policy_version"]);
  c.content_version = r.Int(kChange["content_version"]);
  c.material_hash = r.String(kChange["material_sha256"]);
  Result<ChangeContent> content = ContentFromJson(ReadJson(r, kChange["content"]));
  if (!content.ok()) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("the stored content of CHG-{} cannot be read: {}", c.number, content.status().message()));
  }
  c.content = std::move(*content);
  if (const nlohmann::json a = ReadJson(r, kChange["assessment"]); !a.is_null()) {
    Result<Assessment> typed = AssessmentFromJson(a);
    if (!typed.ok()) return Status(ErrorCode::kDataLoss, fmt::format("CHG-{}: {}", c.number, typed.status().message()));
    c.assessment = std::move(*typed);
  }
  c.verification = ReadJson(r, kChange["verification"]);
  c.submitted_at = ReadTime(r, kChange["submitted_at"]);
  c.approved_at = ReadTime(r, kChange["approved_at"]);
  c.scheduled_at = ReadTime(r, kChange["scheduled_at"]);
  c.started_at = ReadTime(r, kChange["started_at"]);
  c.implemented_at = ReadTime(r, kChange["implemented_at"]);
  c.verified_at = ReadTime(r, kChange["verified_at"]);
  c.closed_at = ReadTime(r, kChange["closed_at"]);
  c.review_deadline = ReadTime(r, kChange["review_deadline"]);
  c.retrospective_at = ReadTime(r, kChange["retrospective_at"]);
  c.needs_independent_review = r.Int(kChange["needs_independent_review"]) != 0;
  c.created_at = Timestamp{r.Int(kChange["created_at"])};
  c.updated_at = Timestamp{r.Int(kChange["updated_at"])};
  c.row_version = r.Int(kChange["row_version"]);
  return c;
}

// A row reader's step: keeps the change, or stops the scan at the first
// row that does not read and keeps why.
bool Collect(Result<Change> read, std::vector<Change>& out, Status& unreadable) {
  if (!read.ok()) {
    unreadable = read.status();
    return false;
  }
  out.push_back(std::move(*read));
  return true;
}

const char* SortColumn(ChangeSort s) {
  switch (s) {
    case ChangeSort::kPlannedStart:
      return "COALESCE(planned_start, 0)";
    case ChangeSort::kUpdatedAt:
      return "updated_at";
    case ChangeSort::kNumber:
      break;
  }
  return "number";
}

}  // namespace

std::optional<Timestamp> ReadTime(const Row& r, int col) {
  if (r.IsNull(col)) return std::nullopt;
  return Timestamp{r.Int(col)};
}
nlohmann::json ReadJson(const Row& r, int col) { return nlohmann::json::parse(r.Text(col), nullptr, false); }

Result<int64_t> SqlChangeRepo::NextNumber() {
  int64_t n = 0;
  // Safe because writes are serialized (one write connection; PostgreSQL
  // will use a sequence).
  CL_RETURN_IF_ERROR(c_.Query("SELECT COALESCE(MAX(number), 0) + 1 FROM changes", {}, [&](const Row& r) {
    n = r.Int(0);
    return false;
  }));
  return n;
}

Status SqlChangeRepo::Insert(const Change& c) {
  static const std::string sql =
      fmt::format("INSERT INTO changes (id, number, requestor_id, requestor, created_at, {}) VALUES (?, ?, ?, ?, ?{})",
                  kChangeRow.List(), Placeholders());
  const ChangeRowValues row(c);
  std::vector<Value> params = {c.id, c.number, c.requestor_id, c.requestor, c.created_at.micros};
  params.insert(params.end(), row.values.begin(), row.values.end());
  return c_.RunV(sql, params);
}

Status SqlChangeRepo::Update(const Change& c) {
  static const std::string sql =
      fmt::format("UPDATE changes SET {} = ? WHERE id = ? AND row_version = ?", fmt::join(kChangeRow.names, " = ?, "));
  const ChangeRowValues row(c);
  std::vector<Value> params = row.values;
  params.push_back(c.id);
  params.push_back(c.row_version - 1);
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(c_.RunV(sql, params, &changed));
  if (changed == 0) {
    return Conflict(fmt::format("{} was changed by someone else; reload and retry", c.Key()));
  }
  return Status::Ok();
}

Result<std::vector<Change>> SqlChangeRepo::Select(const std::string& tail, std::initializer_list<Value> params) {
  std::vector<Change> out;
  Status unreadable;
  CL_RETURN_IF_ERROR(c_.Query(fmt::format("SELECT {} FROM changes {}", kChange.List(), tail), params,
                              [&](const Row& r) { return Collect(ReadChange(r), out, unreadable); }));
  CL_RETURN_IF_ERROR(unreadable);
  return out;
}

Result<std::optional<Change>> SqlChangeRepo::FindByNumber(int64_t number) {
  CL_ASSIGN_OR_RETURN(std::vector<Change> found, Select("WHERE number = ?", {number}));
  if (found.empty()) return std::optional<Change>();
  return std::optional<Change>(std::move(found.front()));
}

Result<std::vector<Change>> SqlChangeRepo::List(const ChangeListQuery& q) {
  Filters f;
  if (q.state) f.Text(" AND state = ?", std::string(Name(*q.state)));
  if (q.type) f.Text(" AND type = ?", std::string(Name(*q.type)));
  if (q.risk) f.Text(" AND risk = ?", std::string(Name(*q.risk)));
  if (!q.service.empty()) f.Text(" AND service = ?", q.service);
  if (!q.environment.empty()) f.Text(" AND environment = ?", q.environment);
  if (!q.category.empty()) f.Text(" AND category = ?", q.category);
  if (!q.requestor.empty()) f.Text(" AND requestor = ?", q.requestor);
  if (q.created_from) f.Ints(" AND created_at >= ?", {q.created_from->micros});
  if (q.created_to) f.Ints(" AND created_at < ?", {q.created_to->micros});
  const std::string col = SortColumn(q.sort);
  const char* dir = q.descending ? "DESC" : "ASC";
  const char* cmp = q.descending ? "<" : ">";
  if (q.after_number) {
    if (q.sort == ChangeSort::kNumber) {
      f.Ints(fmt::format(" AND number {} ?", cmp), {*q.after_number});
    } else {
      const int64_t v = q.after_value.value_or(0);
      f.Ints(fmt::format(" AND ({0} {1} ? OR ({0} = ? AND number {1} ?))", col, cmp), {v, v, *q.after_number});
    }
  }
  f.Bind(q.limit);
  const std::string sql = fmt::format("SELECT {} FROM changes {} ORDER BY {} {}, number {} LIMIT ?", kChange.List(),
                                      f.where(), col, dir, dir);
  std::vector<Change> out;
  Status unreadable;
  CL_RETURN_IF_ERROR(c_.QueryV(sql, f.params(), [&](const Row& r) { return Collect(ReadChange(r), out, unreadable); }));
  CL_RETURN_IF_ERROR(unreadable);
  return out;
}

Result<std::vector<Change>> SqlChangeRepo::OverdueEmergencies(Timestamp now) {
  return Select(
      "WHERE review_deadline IS NOT NULL AND review_deadline < ? AND state <> 'cancelled' "
      "AND (approved_at IS NULL OR retrospective_at IS NULL) "
      "AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.kind = 'emergency_review_overdue' "
      "AND f.object_type = 'change' AND f.object_id = 'CHG-' || changes.number AND f.status = 'open') "
      "ORDER BY number",
      {now.micros});
}

Result<std::vector<Change>> SqlChangeRepo::DeployCandidates(std::string_view service, std::string_view environment) {
  return Select(
      "WHERE service = ? AND environment = ? "
      "AND state IN ('draft', 'submitted', 'approved', 'scheduled', 'in_progress', 'implemented') "
      "ORDER BY number DESC LIMIT 50",
      {service, environment});
}

Result<std::vector<EmergencyPattern>> SqlChangeRepo::EmergencyPatterns(Timestamp since, int64_t min_count) {
  std::vector<EmergencyPattern> out;
  // The SELECT list below, in its order (written out: one column is
  // dialect-specific); the two must match.
  static constexpr auto kPattern = MakeColumns("service", "category", "count", "numbers", "first", "last");
  const std::string sql = fmt::format(
      "SELECT service, category, COUNT(*), {}, MIN(created_at), MAX(created_at) "
      "FROM changes WHERE type = 'emergency' AND state <> 'cancelled' AND created_at >= ? "
      "GROUP BY service, category HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, service, category",
      c_.dialect() == Dialect::kSqlite ? "GROUP_CONCAT(number)" : "string_agg(CAST(number AS TEXT), ',')");
  CL_RETURN_IF_ERROR(c_.Query(sql, {since.micros, min_count}, [&](const Row& r) {
    EmergencyPattern p;
    p.service = r.String(kPattern["service"]);
    p.category = r.String(kPattern["category"]);
    p.count = r.Int(kPattern["count"]);
    std::string_view nums = r.Text(kPattern["numbers"]);
    while (!nums.empty()) {
      const size_t comma = nums.find(',');
      p.numbers.push_back(std::stoll(std::string(nums.substr(0, comma))));
      nums = comma == std::string_view::npos ? std::string_view() : nums.substr(comma + 1);
    }
    std::sort(p.numbers.begin(), p.numbers.end());
    p.first = Timestamp{r.Int(kPattern["first"])};
    p.last = Timestamp{r.Int(kPattern["last"])};
    out.push_back(std::move(p));
    return true;
  }));
  return out;
}

}  // namespace cl::sql
