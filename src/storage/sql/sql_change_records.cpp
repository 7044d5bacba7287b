// SQL for what hangs off a change record. Everything an auditor relies on
// (versions, transitions, approvals, evidence, reviews) is appended, and only
// approvals' void marks and evidence status change later; file blobs are
// stored once per sha256.
#include <fmt/format.h>

#include "storage/sql/columns.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

constexpr auto kVersion =
    MakeColumns("change_id", "version", "material_sha256", "content", "author_id", "author", "created_at");
constexpr auto kTransition =
    MakeColumns("seq", "change_id", "from_state", "to_state", "action", "actor_id", "actor", "at", "note");
constexpr auto kApproval =
    MakeColumns("id", "change_id", "approver_id", "approver", "role", "decision", "comment", "content_version",
                "material_sha256", "retrospective", "compensating", "created_at", "voided_at", "voided_reason");
constexpr auto kEvidence =
    MakeColumns("id", "change_id", "kind", "url", "sha256", "filename", "content_type", "size", "note", "added_by_id",
                "added_by", "created_at", "status", "status_reason", "outcome", "snapshot_at");
constexpr auto kReview =
    MakeColumns("id", "change_id", "kind", "reviewer_id", "reviewer", "outcome", "notes", "created_at");
constexpr auto kBlob = MakeColumns("sha256", "content_type", "data", "created_at");

}  // namespace

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
      c_.Query(fmt::format("SELECT {} FROM change_versions WHERE change_id = ? ORDER BY version", kVersion.List()),
               {change_id}, [&](const Row& r) {
                 out.push_back({r.String(kVersion["change_id"]), r.Int(kVersion["version"]),
                                r.String(kVersion["material_sha256"]), ReadJson(r, kVersion["content"]),
                                r.String(kVersion["author_id"]), r.String(kVersion["author"]),
                                Timestamp{r.Int(kVersion["created_at"])}});
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
      c_.Query(fmt::format("SELECT {} FROM change_transitions WHERE change_id = ? ORDER BY seq", kTransition.List()),
               {change_id}, [&](const Row& r) {
                 Transition t;
                 t.seq = r.Int(kTransition["seq"]);
                 t.change_id = r.String(kTransition["change_id"]);
                 t.from = ParseChangeState(r.Text(kTransition["from_state"])).value_or(ChangeState::kDraft);
                 t.to = ParseChangeState(r.Text(kTransition["to_state"])).value_or(ChangeState::kDraft);
                 t.action = r.String(kTransition["action"]);
                 t.actor_id = r.String(kTransition["actor_id"]);
                 t.actor = r.String(kTransition["actor"]);
                 t.at = Timestamp{r.Int(kTransition["at"])};
                 t.note = r.String(kTransition["note"]);
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
      c_.Query(fmt::format("SELECT {} FROM approvals WHERE change_id = ? ORDER BY created_at, id", kApproval.List()),
               {change_id}, [&](const Row& r) {
                 Approval a;
                 a.id = r.String(kApproval["id"]);
                 a.change_id = r.String(kApproval["change_id"]);
                 a.approver_id = r.String(kApproval["approver_id"]);
                 a.approver = r.String(kApproval["approver"]);
                 a.role = r.String(kApproval["role"]);
                 a.approve = r.Text(kApproval["decision"]) == "approve";
                 a.comment = r.String(kApproval["comment"]);
                 a.content_version = r.Int(kApproval["content_version"]);
                 a.material_hash = r.String(kApproval["material_sha256"]);
                 a.retrospective = r.Int(kApproval["retrospective"]) != 0;
                 a.compensating = r.Int(kApproval["compensating"]) != 0;
                 a.created_at = Timestamp{r.Int(kApproval["created_at"])};
                 a.voided_at = ReadTime(r, kApproval["voided_at"]);
                 a.voided_reason = r.String(kApproval["voided_reason"]);
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
      "added_by_id, added_by, created_at, status, status_reason, outcome, snapshot_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {e.id, e.change_id, Name(e.kind), e.url, e.sha256, e.filename, e.content_type, e.size, e.note, e.added_by_id,
       e.added_by, e.created_at.micros, Name(e.status), e.status_reason, Name(e.outcome),
       e.snapshot_at ? Value(e.snapshot_at->micros) : Value(Null{})});
}

Result<std::vector<Evidence>> SqlChangeRepo::EvidenceOf(std::string_view change_id) {
  std::vector<Evidence> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM evidence WHERE change_id = ? ORDER BY created_at, id", kEvidence.List()),
               {change_id}, [&](const Row& r) {
                 Evidence e;
                 e.id = r.String(kEvidence["id"]);
                 e.change_id = r.String(kEvidence["change_id"]);
                 e.kind = ParseEvidenceKind(r.Text(kEvidence["kind"])).value_or(EvidenceKind::kOther);
                 e.url = r.String(kEvidence["url"]);
                 e.sha256 = r.String(kEvidence["sha256"]);
                 e.filename = r.String(kEvidence["filename"]);
                 e.content_type = r.String(kEvidence["content_type"]);
                 e.size = r.Int(kEvidence["size"]);
                 e.note = r.String(kEvidence["note"]);
                 e.added_by_id = r.String(kEvidence["added_by_id"]);
                 e.added_by = r.String(kEvidence["added_by"]);
                 e.created_at = Timestamp{r.Int(kEvidence["created_at"])};
                 e.status = ParseEvidenceStatus(r.Text(kEvidence["status"])).value_or(EvidenceStatus::kValid);
                 e.status_reason = r.String(kEvidence["status_reason"]);
                 // An unreadable outcome satisfies nothing (fails closed).
                 e.outcome = ParseEvidenceOutcome(r.Text(kEvidence["outcome"])).value_or(EvidenceOutcome::kUnknown);
                 e.snapshot_at = ReadTime(r, kEvidence["snapshot_at"]);
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
      c_.Query(fmt::format("SELECT {} FROM reviews WHERE change_id = ? ORDER BY created_at, id", kReview.List()),
               {change_id}, [&](const Row& r) {
                 Review v;
                 v.id = r.String(kReview["id"]);
                 v.change_id = r.String(kReview["change_id"]);
                 v.kind = ParseReviewKind(r.Text(kReview["kind"])).value_or(ReviewKind::kRetrospective);
                 v.reviewer_id = r.String(kReview["reviewer_id"]);
                 v.reviewer = r.String(kReview["reviewer"]);
                 v.outcome = r.String(kReview["outcome"]);
                 v.notes = r.String(kReview["notes"]);
                 v.created_at = Timestamp{r.Int(kReview["created_at"])};
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
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM blobs WHERE sha256 = ?", kBlob.List()), {sha256}, [&](const Row& r) {
        const auto bytes = r.Blob(kBlob["data"]);
        out = FileBlob{r.String(kBlob["sha256"]), r.String(kBlob["content_type"]),
                       std::string(bytes.begin(), bytes.end()), Timestamp{r.Int(kBlob["created_at"])}};
        return false;
      }));
  return out;
}

}  // namespace cl::sql
