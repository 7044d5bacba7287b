// Binding Terraform plans and Kubernetes manifests to a change (G1, R002-06).
#include <fmt/format.h>

#include "core/audit_states.h"
#include "core/change_permits.h"
#include "core/changes.h"

namespace cl {

Result<IacAttachment> ChangeService::AttachIac(const Principal& who, const AuditContext& ctx, int64_t number,
                                               const IacUpload& upload) {
  if (!who.Can(Permission::kChangesWrite) && !who.Can(Permission::kEvidenceWrite)) {
    return PermissionDenied("attaching a plan needs changes:write or evidence:write");
  }
  if (upload.content.empty()) return InvalidDocument("the upload is empty");
  IacAttachment a;
  a.id = d_.ids.NewId("iac");
  a.format = upload.format;
  a.digest = upload.digest;
  // The digest is the SHA-256 of these bytes: it names the stored file too.
  if (!upload.digest.starts_with("sha256:") || upload.digest.size() != 71) {
    return Internal("an IaC upload without its sha256 digest");
  }
  a.sha256 = upload.digest.substr(7);
  // A name for people, never a path.
  a.filename = upload.filename.substr(
      upload.filename.find_last_of("/\\") == std::string::npos ? 0 : upload.filename.find_last_of("/\\") + 1);
  if (a.filename.size() > 200) a.filename.resize(200);
  a.size = static_cast<int64_t>(upload.content.size());
  a.categories = upload.categories;
  a.report = upload.report;
  a.added_by_id = who.user_id;
  a.added_by = who.username;
  a.created_at = d_.clock.Now();
  const std::string_view what = upload.format == "kubernetes-manifest" ? "Kubernetes manifest" : "Terraform plan";
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(Change before, Load(tx, number));
    CL_RETURN_IF_ERROR(MayAttachIac(who, before));
    // Raise answers to yes where the classification found the area; never
    // lower one. A person's earlier "no" is kept in the note.
    nlohmann::json impact = nlohmann::json::object();
    for (ImpactArea area : kAllImpactAreas) {
      if (!(upload.impact & Bit(area))) continue;
      const auto& current = before.content.impact[static_cast<size_t>(area)];
      if (current && current->answer != Answer::kNo) continue;  // yes or unknown already count
      std::string note = fmt::format("Raised by {} {}: {}", what, upload.digest.substr(0, 19),
                                     upload.reasons[static_cast<size_t>(area)]);
      if (current && !current->note.empty()) note += fmt::format(" (was no: {})", current->note);
      if (note.size() > 4000) note = note.substr(0, 3990) + " ...";
      impact[std::string(Name(area))] = {{"answer", "yes"}, {"note", note}};
      a.impact_raised.emplace_back(Name(area));
    }
    nlohmann::json patch = {{"plan_digest", upload.digest}};
    if (!impact.empty()) patch["security_impact"] = std::move(impact);
    Change after = before;
    if (before.content.plan_digest != upload.digest || !a.impact_raised.empty()) {
      CL_ASSIGN_OR_RETURN(after, ApplyEdit(tx, who, ctx, before, patch, "attach_plan"));
    }
    a.change_id = after.id;
    a.content_version = after.content_version;

    Evidence e;
    e.id = d_.ids.NewId("evd");
    e.change_id = after.id;
    e.kind = EvidenceKind::kConfigDiff;
    e.sha256 = a.sha256;
    e.filename =
        a.filename.empty() ? (upload.format == "kubernetes-manifest" ? "manifest.yaml" : "plan.json") : a.filename;
    e.content_type = upload.format == "kubernetes-manifest" ? "application/yaml" : "application/json";
    e.size = a.size;
    e.note = fmt::format("{} {}; categories: {}", what, upload.digest,
                         a.categories.empty() ? "none" : fmt::format("{}", fmt::join(a.categories, ", ")));
    e.added_by_id = who.user_id;
    e.added_by = who.username;
    e.created_at = a.created_at;
    a.evidence_id = e.id;
    CL_RETURN_IF_ERROR(tx.Changes().PutBlob({a.sha256, e.content_type, upload.content, a.created_at}));
    CL_RETURN_IF_ERROR(tx.Changes().InsertEvidence(e));
    CL_RETURN_IF_ERROR(tx.Pipeline().InsertIac(a));
    CL_RETURN_IF_ERROR(tx.Pipeline().LinkArtifact({after.id, "plan", upload.digest, "plan", a.created_at}));
    AuditRecord added{"evidence.add", "evidence", e.id};
    added.after = EvidenceAuditState(e, after.Key());
    CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, added).status());
    // The change itself was recorded by the edit above (change.attach_plan);
    // this event says what was attached, so it carries no state of the change.
    AuditRecord rec{"change.iac_attach", "change", after.Key()};
    rec.details = {{"attachment", a.id},
                   {"format", a.format},
                   {"digest", a.digest},
                   {"categories", a.categories},
                   {"impact_raised", a.impact_raised},
                   {"content_version", a.content_version},
                   {"risk", Name(after.risk)},
                   {"evidence", e.id}};
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return a;
}

}  // namespace cl
