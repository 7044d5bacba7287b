// SQL for change records and what hangs off them. The current state of a
// change is one row (content and assessment as JSON); everything an auditor
// relies on (versions, transitions, approvals, evidence, reviews) is
// appended, and only approvals' void marks and evidence status change later.
#include <fmt/format.h>

#include <algorithm>

#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

constexpr std::string_view kChangeColumns =
    "id, number, type, state, risk, requestor_id, requestor, implementer_id, implementer, "
    "policy_version, content_version, material_sha256, content, assessment, verification, "
    "submitted_at, approved_at, scheduled_at, started_at, implemented_at, verified_at, closed_at, "
    "review_deadline, retrospective_at, needs_independent_review, created_at, updated_at, "
    "row_version";

Value OptTime(const std::optional<Timestamp>& t) { return t ? Value(t->micros) : Value(Null{}); }
std::optional<Timestamp> ReadTime(const Row& r, int col) {
  if (r.IsNull(col)) return std::nullopt;
  return Timestamp{r.Int(col)};
}
nlohmann::json ReadJson(const Row& r, int col) { return nlohmann::json::parse(r.Text(col), nullptr, false); }

Change ReadChange(const Row& r) {
  Change c;
  c.id = r.String(0);
  c.number = r.Int(1);
  c.state = ParseChangeState(r.Text(3)).value_or(ChangeState::kDraft);
  c.risk = ParseRisk(r.Text(4)).value_or(Risk::kLow);
  c.requestor_id = r.String(5);
  c.requestor = r.String(6);
  c.implementer_id = r.String(7);
  c.implementer = r.String(8);
  c.policy_version = r.Int(9);
  c.content_version = r.Int(10);
  c.material_hash = r.String(11);
  if (auto content = ContentFromJson(ReadJson(r, 12)); content.ok()) c.content = std::move(*content);
  c.assessment = ReadJson(r, 13);
  c.verification = ReadJson(r, 14);
  c.submitted_at = ReadTime(r, 15);
  c.approved_at = ReadTime(r, 16);
  c.scheduled_at = ReadTime(r, 17);
  c.started_at = ReadTime(r, 18);
  c.implemented_at = ReadTime(r, 19);
  c.verified_at = ReadTime(r, 20);
  c.closed_at = ReadTime(r, 21);
  c.review_deadline = ReadTime(r, 22);
  c.retrospective_at = ReadTime(r, 23);
  c.needs_independent_review = r.Int(24) != 0;
  c.created_at = Timestamp{r.Int(25)};
  c.updated_at = Timestamp{r.Int(26)};
  c.row_version = r.Int(27);
  return c;
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
  const std::string content = ContentToJson(c.content).dump();
  const std::string assessment = c.assessment.dump();
  const std::string verification = c.verification.dump();
  return c_.Run(
      "INSERT INTO changes (id, number, type, state, risk, service, environment, category, title, "
      "requestor_id, requestor, implementer_id, implementer, policy_version, content_version, "
      "material_sha256, content, assessment, verification, planned_start, planned_end, "
      "created_at, updated_at, row_version) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {c.id,
       c.number,
       Name(c.content.type),
       Name(c.state),
       Name(c.risk),
       c.content.service,
       c.content.environment,
       c.content.category,
       c.content.title,
       c.requestor_id,
       c.requestor,
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
       c.created_at.micros,
       c.updated_at.micros,
       c.row_version});
}

Status SqlChangeRepo::Update(const Change& c) {
  const std::string content = ContentToJson(c.content).dump();
  const std::string assessment = c.assessment.dump();
  const std::string verification = c.verification.dump();
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(
      c_.Run("UPDATE changes SET type = ?, state = ?, risk = ?, service = ?, environment = ?, "
             "category = ?, title = ?, implementer_id = ?, implementer = ?, policy_version = ?, "
             "content_version = ?, material_sha256 = ?, content = ?, assessment = ?, verification = ?, "
             "planned_start = ?, planned_end = ?, submitted_at = ?, approved_at = ?, scheduled_at = ?, "
             "started_at = ?, implemented_at = ?, verified_at = ?, closed_at = ?, review_deadline = ?, "
             "retrospective_at = ?, needs_independent_review = ?, updated_at = ?, row_version = ? "
             "WHERE id = ? AND row_version = ?",
             {Name(c.content.type),
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
              c.row_version,
              c.id,
              c.row_version - 1},
             &changed));
  if (changed == 0) {
    return Conflict(fmt::format("{} was changed by someone else; reload and retry", c.Key()));
  }
  return Status::Ok();
}

Result<std::vector<Change>> SqlChangeRepo::Select(const std::string& tail, std::initializer_list<Value> params) {
  std::vector<Change> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM changes {}", kChangeColumns, tail), params, [&](const Row& r) {
        out.push_back(ReadChange(r));
        return true;
      }));
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
  const std::string sql = fmt::format("SELECT {} FROM changes {} ORDER BY {} {}, number {} LIMIT ?", kChangeColumns,
                                      f.where(), col, dir, dir);
  std::vector<Change> out;
  CL_RETURN_IF_ERROR(c_.QueryV(sql, f.params(), [&](const Row& r) {
    out.push_back(ReadChange(r));
    return true;
  }));
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
  const std::string sql = fmt::format(
      "SELECT service, category, COUNT(*), {}, MIN(created_at), MAX(created_at) "
      "FROM changes WHERE type = 'emergency' AND state <> 'cancelled' AND created_at >= ? "
      "GROUP BY service, category HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, service, category",
      c_.dialect() == Dialect::kSqlite ? "GROUP_CONCAT(number)" : "string_agg(CAST(number AS TEXT), ',')");
  CL_RETURN_IF_ERROR(c_.Query(sql, {since.micros, min_count}, [&](const Row& r) {
    EmergencyPattern p;
    p.service = r.String(0);
    p.category = r.String(1);
    p.count = r.Int(2);
    std::string_view nums = r.Text(3);
    while (!nums.empty()) {
      const size_t comma = nums.find(',');
      p.numbers.push_back(std::stoll(std::string(nums.substr(0, comma))));
      nums = comma == std::string_view::npos ? std::string_view() : nums.substr(comma + 1);
    }
    std::sort(p.numbers.begin(), p.numbers.end());
    p.first = Timestamp{r.Int(4)};
    p.last = Timestamp{r.Int(5)};
    out.push_back(std::move(p));
    return true;
  }));
  return out;
}

Status SqlChangeRepo::InsertVersion(const ChangeVersion& v) {
  const std::string content = v.content.dump();
  return c_.Run(
      "INSERT INTO change_versions (change_id, version, material_sha256, content, author_id, author, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {v.change_id, v.version, v.material_hash, content, v.author_id, v.author, v.created_at.micros});
}

Result<std::vector<ChangeVersion>> SqlChangeRepo::Versions(std::string_view change_id) {
  std::vector<ChangeVersion> out;
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT change_id, version, material_sha256, content, author_id, author, created_at "
               "FROM change_versions WHERE change_id = ? ORDER BY version",
               {change_id}, [&](const Row& r) {
                 out.push_back({r.String(0), r.Int(1), r.String(2), ReadJson(r, 3), r.String(4), r.String(5),
                                Timestamp{r.Int(6)}});
                 return true;
               }));
  return out;
}

Status SqlChangeRepo::InsertTransition(const Transition& t) {
  return c_.Run(
      "INSERT INTO change_transitions (change_id, from_state, to_state, action, actor_id, actor, at, "
      "note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {t.change_id, Name(t.from), Name(t.to), t.action, t.actor_id, t.actor, t.at.micros, t.note});
}

Result<std::vector<Transition>> SqlChangeRepo::Transitions(std::string_view change_id) {
  std::vector<Transition> out;
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT seq, change_id, from_state, to_state, action, actor_id, actor, at, note "
               "FROM change_transitions WHERE change_id = ? ORDER BY seq",
               {change_id}, [&](const Row& r) {
                 Transition t;
                 t.seq = r.Int(0);
                 t.change_id = r.String(1);
                 t.from = ParseChangeState(r.Text(2)).value_or(ChangeState::kDraft);
                 t.to = ParseChangeState(r.Text(3)).value_or(ChangeState::kDraft);
                 t.action = r.String(4);
                 t.actor_id = r.String(5);
                 t.actor = r.String(6);
                 t.at = Timestamp{r.Int(7)};
                 t.note = r.String(8);
                 out.push_back(std::move(t));
                 return true;
               }));
  return out;
}

Status SqlChangeRepo::InsertApproval(const Approval& a) {
  return c_.Run(
      "INSERT INTO approvals (id, change_id, approver_id, approver, role, decision, comment, "
      "content_version, material_sha256, retrospective, compensating, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {a.id, a.change_id, a.approver_id, a.approver, a.role, a.approve ? "approve" : "reject", a.comment,
       a.content_version, a.material_hash, int64_t{a.retrospective}, int64_t{a.compensating}, a.created_at.micros});
}

Result<std::vector<Approval>> SqlChangeRepo::Approvals(std::string_view change_id) {
  std::vector<Approval> out;
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT id, change_id, approver_id, approver, role, decision, comment, content_version, "
               "material_sha256, retrospective, compensating, created_at, voided_at, voided_reason "
               "FROM approvals WHERE change_id = ? ORDER BY created_at, id",
               {change_id}, [&](const Row& r) {
                 Approval a;
                 a.id = r.String(0);
                 a.change_id = r.String(1);
                 a.approver_id = r.String(2);
                 a.approver = r.String(3);
                 a.role = r.String(4);
                 a.approve = r.Text(5) == "approve";
                 a.comment = r.String(6);
                 a.content_version = r.Int(7);
                 a.material_hash = r.String(8);
                 a.retrospective = r.Int(9) != 0;
                 a.compensating = r.Int(10) != 0;
                 a.created_at = Timestamp{r.Int(11)};
                 a.voided_at = ReadTime(r, 12);
                 a.voided_reason = r.String(13);
                 out.push_back(std::move(a));
                 return true;
               }));
  return out;
}

Status SqlChangeRepo::VoidApproval(std::string_view id, Timestamp at, std::string_view reason) {
  return c_.Run("UPDATE approvals SET voided_at = ?, voided_reason = ? WHERE id = ? AND voided_at IS NULL",
                {at.micros, reason, id});
}

Status SqlChangeRepo::InsertEvidence(const Evidence& e) {
  return c_.Run(
      "INSERT INTO evidence (id, change_id, kind, url, sha256, filename, content_type, size, note, "
      "added_by_id, added_by, created_at, status, status_reason) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {e.id, e.change_id, Name(e.kind), e.url, e.sha256, e.filename, e.content_type, e.size, e.note, e.added_by_id,
       e.added_by, e.created_at.micros, Name(e.status), e.status_reason});
}

Result<std::vector<Evidence>> SqlChangeRepo::EvidenceOf(std::string_view change_id) {
  std::vector<Evidence> out;
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT id, change_id, kind, url, sha256, filename, content_type, size, note, added_by_id, "
               "added_by, created_at, status, status_reason FROM evidence WHERE change_id = ? "
               "ORDER BY created_at, id",
               {change_id}, [&](const Row& r) {
                 Evidence e;
                 e.id = r.String(0);
                 e.change_id = r.String(1);
                 e.kind = ParseEvidenceKind(r.Text(2)).value_or(EvidenceKind::kOther);
                 e.url = r.String(3);
                 e.sha256 = r.String(4);
                 e.filename = r.String(5);
                 e.content_type = r.String(6);
                 e.size = r.Int(7);
                 e.note = r.String(8);
                 e.added_by_id = r.String(9);
                 e.added_by = r.String(10);
                 e.created_at = Timestamp{r.Int(11)};
                 e.status = ParseEvidenceStatus(r.Text(12)).value_or(EvidenceStatus::kValid);
                 e.status_reason = r.String(13);
                 out.push_back(std::move(e));
                 return true;
               }));
  return out;
}

Status SqlChangeRepo::SetEvidenceStatus(std::string_view id, EvidenceStatus status, std::string_view reason) {
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(
      c_.Run("UPDATE evidence SET status = ?, status_reason = ? WHERE id = ?", {Name(status), reason, id}, &changed));
  if (changed == 0) return NotFound(fmt::format("no evidence {}", id));
  return Status::Ok();
}

Status SqlChangeRepo::InsertReview(const Review& r) {
  return c_.Run(
      "INSERT INTO reviews (id, change_id, kind, reviewer_id, reviewer, outcome, notes, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {r.id, r.change_id, Name(r.kind), r.reviewer_id, r.reviewer, r.outcome, r.notes, r.created_at.micros});
}

Result<std::vector<Review>> SqlChangeRepo::Reviews(std::string_view change_id) {
  std::vector<Review> out;
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT id, change_id, kind, reviewer_id, reviewer, outcome, notes, created_at FROM reviews "
               "WHERE change_id = ? ORDER BY created_at, id",
               {change_id}, [&](const Row& r) {
                 Review v;
                 v.id = r.String(0);
                 v.change_id = r.String(1);
                 v.kind = ParseReviewKind(r.Text(2)).value_or(ReviewKind::kRetrospective);
                 v.reviewer_id = r.String(3);
                 v.reviewer = r.String(4);
                 v.outcome = r.String(5);
                 v.notes = r.String(6);
                 v.created_at = Timestamp{r.Int(7)};
                 out.push_back(std::move(v));
                 return true;
               }));
  return out;
}

Status SqlChangeRepo::PutBlob(const FileBlob& b) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(b.data.data());
  return c_.Run(
      "INSERT INTO blobs (sha256, content_type, size, data, created_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (sha256) DO NOTHING",
      {b.sha256, b.content_type, static_cast<int64_t>(b.data.size()),
       sql::Blob{std::span<const uint8_t>(bytes, b.data.size())}, b.created_at.micros});
}

Result<std::optional<FileBlob>> SqlChangeRepo::GetBlob(std::string_view sha256) {
  std::optional<FileBlob> out;
  CL_RETURN_IF_ERROR(c_.Query(
      "SELECT sha256, content_type, data, created_at FROM blobs WHERE sha256 = ?", {sha256}, [&](const Row& r) {
        const auto bytes = r.Blob(2);
        out = FileBlob{r.String(0), r.String(1), std::string(bytes.begin(), bytes.end()), Timestamp{r.Int(3)}};
        return false;
      }));
  return out;
}

}  // namespace cl::sql
