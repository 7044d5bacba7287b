#include "core/audit_reconcile.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/audit_log.h"
#include "core/audit_reconcile_events.h"
#include "core/audit_states.h"
#include "core/change.h"
#include "core/deploy_gate.h"
#include "core/deps.h"
#include "core/policy_service.h"
#include "core/tokens.h"
#include "core/user.h"
#include "core/users.h"
#include "crypto/crypto.h"

namespace cl {
namespace {

using nlohmann::json;
using reconcile::EffectOf;
using reconcile::EventEffect;
using reconcile::Kind;
using reconcile::KindOfTable;
using reconcile::kKinds;
using reconcile::TableOf;

std::string ObjectKey(std::string_view type, std::string_view id) { return fmt::format("{}\x1f{}", type, id); }

// The object type and id ObjectKey joined.
std::pair<std::string_view, std::string_view> SplitKey(std::string_view key) {
  const size_t sep = key.find('\x1f');
  return {key.substr(0, sep), key.substr(sep + 1)};
}

// A change and what hangs off it: compared in one scan of the changes table.
bool ComparedWithChanges(std::string_view type) {
  return type == "change" || type == "approval" || type == "evidence" || type == "review";
}

const json* Member(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// What the log last said about one object.
struct Recorded {
  int64_t seq = 0;
  std::string after_digest;  // "" when the latest event removed it
  bool seen = false;         // a current row matched it
};

std::string Shown(const json* v) {
  if (v == nullptr || v->is_null()) return "absent";
  std::string s = v->dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return s;
}

class Reconciler {
 public:
  // With `accept`, every row that differs from the log is also listed there.
  explicit Reconciler(Tx& tx, std::vector<ReconcileAcceptance>* accept = nullptr) : tx_(tx), accept_(accept) {}

  Result<ReconcileReport> Run() {
    CL_RETURN_IF_ERROR(ReadLog());
    for (const Kind& k : kKinds) {
      if (BaselineOf(k.object_type) == 0) report_.unbaselined.emplace_back(k.object_type);
    }
    for (ReconcileProblem& p : breaks_) {
      // Before a kind's baseline the log's states may lack fields; the baseline re-stated every row.
      if (p.seq > BaselineOf(KindOfTable(p.table))) Add(std::move(p));
    }
    CL_RETURN_IF_ERROR(CompareChanges());
    CL_RETURN_IF_ERROR(CompareUsers());
    CL_RETURN_IF_ERROR(CompareConfiguration());
    std::vector<std::pair<const std::string*, const Recorded*>> gone;
    for (const auto& [key, rec] : recorded_) {
      if (rec.seen || rec.after_digest.empty()) continue;
      if (changes_incomplete_ && ComparedWithChanges(SplitKey(key).first)) continue;  // not compared, not known gone
      gone.emplace_back(&key, &rec);
    }
    std::ranges::sort(gone, {}, [](const auto& g) { return g.second->seq; });
    for (const auto& [k, r] : gone) {
      const Recorded& rec = *r;
      const auto [type, id] = SplitKey(*k);
      if (accept_ != nullptr)
        accept_->push_back({std::string(type), std::string(id), rec.seq, rec.after_digest, nullptr});
      Add({std::string(TableOf(type)), std::string(id), "",
           fmt::format("the {} {} is gone from the {} table, but the log (event #{}) never removed it: it was "
                       "deleted outside the log",
                       type, id, TableOf(type), rec.seq),
           rec.seq});
    }
    CL_RETURN_IF_ERROR(NameFields());
    return std::move(report_);
  }

 private:
  // The one pass over the whole log reads four fields of each event with
  // simdjson (field changes are read only for the rows that differ, NameFields).
  Status ReadLog() {
    simdjson::dom::parser parser;
    return tx_.Audit().Scan(1, 0, [&](const StoredAuditEvent& ev) {
      ++report_.events;
      std::optional<std::vector<std::string>> baseline;
      auto effect = EffectOf(parser, ev.body, &baseline);
      if (baseline) {
        report_.baseline_seq = ev.seq;
        for (std::string& kind : *baseline) kind_baseline_[std::move(kind)] = ev.seq;
      }
      if (!effect) return true;
      Recorded& r = recorded_[ObjectKey(effect->type, effect->id)];
      CheckContinuity(ev.seq, *effect, r);
      r.seq = ev.seq;
      r.after_digest.assign(effect->after_digest);
      return true;
    });
  }

  // An event's before_digest must be the state the previous event about the
  // object left: otherwise the row was edited outside the log in between and
  // the mutation of event `seq` carried the edit on (the row may look
  // reconciled now).
  void CheckContinuity(int64_t seq, const EventEffect& e, const Recorded& r) {
    if (e.before_digest.empty()) return;  // created (or re-created) by this event
    const std::string_view table = TableOf(e.type);
    if (r.seq == 0) {
      breaks_.push_back({std::string(table), std::string(e.id), "",
                         fmt::format("event #{} changed the {} {}, which the log never recorded creating: it was "
                                     "inserted outside the log",
                                     seq, e.type, e.id),
                         seq});
    } else if (e.before_digest != r.after_digest) {
      breaks_.push_back(
          {std::string(table), std::string(e.id), "",
           r.after_digest.empty()
               ? fmt::format("event #{} changed the {} {}, which the log removed at event #{}: it was restored "
                             "outside the log",
                             seq, e.type, e.id, r.seq)
               : fmt::format("the {} {} was edited outside the log between event #{} and event #{}, which found "
                             "it in a state the log never recorded (and carried the edit on)",
                             e.type, e.id, r.seq, seq),
           seq});
    }
  }

  // The latest baseline of the kind's current state shape.
  int64_t BaselineOf(std::string_view kind) const {
    const reconcile::Kind* k = reconcile::FindKind(kind);
    if (k == nullptr) return 0;
    auto it = kind_baseline_.find(k->BaselineName());
    return it == kind_baseline_.end() ? 0 : it->second;
  }

  void Add(ReconcileProblem p) {
    ++report_.problem_count;
    if (report_.problems.size() < ReconcileReport::kMaxReported) report_.problems.push_back(std::move(p));
  }

  void Check(std::string_view type, const std::string& id, json state) {
    ++report_.rows;
    const std::string key = ObjectKey(type, id);
    auto it = recorded_.find(key);
    const std::string table(TableOf(type));
    if (it == recorded_.end()) {
      if (accept_ != nullptr) accept_->push_back({std::string(type), id, 0, "", state});
      Add({table, id, "",
           fmt::format("the {} {} in the {} table was never recorded in the log: it was inserted outside it", type, id,
                       table)});
      return;
    }
    it->second.seen = true;
    if (it->second.after_digest.empty()) {
      if (accept_ != nullptr) accept_->push_back({std::string(type), id, it->second.seq, "", state});
      Add({table, id, "",
           fmt::format("the log removed the {} {} at event #{}, but the row is there", type, id, it->second.seq),
           it->second.seq});
      return;
    }
    if (AuditStateDigest(state) != it->second.after_digest) {
      if (accept_ != nullptr)
        accept_->push_back({std::string(type), id, it->second.seq, it->second.after_digest, state});
      differing_.push_back({key, table, id, it->second.seq, std::move(state)});
    }
  }

  Status CheckFile(const Evidence& e) {
    if (e.sha256.empty() || !files_checked_.insert(e.sha256).second) return Status::Ok();
    ++report_.files;
    CL_ASSIGN_OR_RETURN(std::optional<FileBlob> blob, tx_.Changes().GetBlob(e.sha256));
    if (!blob) {
      Add({"blobs", e.sha256, "data", fmt::format("the file of evidence {} ({}) is missing", e.id, e.filename)});
    } else if (crypto::ToHex(crypto::Sha256(blob->data)) != e.sha256) {
      Add({"blobs", e.sha256, "data",
           fmt::format("the file of evidence {} ({}) no longer has the SHA-256 it was recorded with: its content "
                       "was changed outside the log",
                       e.id, e.filename)});
    }
    return Status::Ok();
  }

  Status CompareChanges() {
    ChangeListQuery q;
    q.sort = ChangeSort::kNumber;
    q.descending = false;
    q.limit = 500;
    for (;;) {
      Result<std::vector<Change>> listed = tx_.Changes().List(q);
      if (listed.status().code() == ErrorCode::kDataLoss) {
        // A row that no longer reads (edited behind the application, or a
        // damaged file) is named as surely as one that reads differently;
        // the scan cannot go past it.
        changes_incomplete_ = true;
        Add({"changes", "", "", fmt::format("{}; the changes after it were not compared", listed.status().message())});
        return Status::Ok();
      }
      CL_ASSIGN_OR_RETURN(std::vector<Change> page, std::move(listed));
      for (const Change& c : page) {
        const std::string key = c.Key();
        Check("change", key, ChangeAuditState(c));
        CL_ASSIGN_OR_RETURN(std::vector<Approval> approvals, tx_.Changes().Approvals(c.id));
        for (const Approval& a : approvals) Check("approval", a.id, ApprovalAuditState(a, key));
        CL_ASSIGN_OR_RETURN(std::vector<Evidence> evidence, tx_.Changes().EvidenceOf(c.id));
        for (const Evidence& e : evidence) {
          Check("evidence", e.id, EvidenceAuditState(e, key));
          CL_RETURN_IF_ERROR(CheckFile(e));
        }
        CL_ASSIGN_OR_RETURN(std::vector<Review> reviews, tx_.Changes().Reviews(c.id));
        for (const Review& r : reviews) Check("review", r.id, ReviewAuditState(r, key));
      }
      if (static_cast<int64_t>(page.size()) < q.limit) return Status::Ok();
      q.after_number = page.back().number;
      q.after_value = page.back().number;
    }
  }

  Status CompareUsers() {
    UserListQuery q;
    q.include_disabled = true;
    q.limit = 500;
    for (;;) {
      CL_ASSIGN_OR_RETURN(std::vector<User> page, tx_.Users().List(q));
      for (const User& u : page) Check("user", u.id, UserState(u));
      if (static_cast<int64_t>(page.size()) < q.limit) return Status::Ok();
      q.after_username = page.back().username;
    }
  }

  // The rows that decide who may do what and when: API tokens (a token row
  // inserted or re-pointed grants access), outbound webhooks (a changed URL
  // sends change data elsewhere), freezes and the change policy (whose
  // source is re-hashed: an edited policy changes every later decision).
  Status CompareConfiguration() {
    CL_ASSIGN_OR_RETURN(std::vector<ApiToken> tokens, tx_.Tokens().List(""));
    for (const ApiToken& t : tokens) Check("api_token", t.id, TokenState(t));
    CL_ASSIGN_OR_RETURN(std::vector<Webhook> webhooks, tx_.Webhooks().List(false));
    for (const Webhook& w : webhooks) Check("webhook", w.id, WebhookAuditState(w));
    CL_ASSIGN_OR_RETURN(std::vector<Freeze> freezes, tx_.Pipeline().Freezes(std::nullopt));
    for (const Freeze& f : freezes) Check("freeze", f.id, FreezeJson(f));
    CL_ASSIGN_OR_RETURN(std::vector<PolicyVersion> policies, tx_.Policies().List());
    for (const PolicyVersion& listed : policies) {
      const std::string id = std::to_string(listed.version);
      Check("policy", id, PolicyAuditState(listed));
      CL_ASSIGN_OR_RETURN(std::optional<PolicyVersion> v, tx_.Policies().Get(listed.version));
      if (v && Sha256Hex(v->source) != v->sha256) {
        Add({"policy_versions", id, "source",
             fmt::format("policy version {} no longer has the SHA-256 it was recorded with: its text was changed "
                         "outside the log",
                         id)});
      }
    }
    return Status::Ok();
  }

  // For the rows whose digest differs, replay their events' field changes
  // to say which fields differ and what the log has.
  Status NameFields() {
    if (differing_.empty()) return Status::Ok();
    std::unordered_map<std::string, json> expected;
    for (const Differing& d : differing_) expected[d.key] = json::object();
    simdjson::dom::parser parser;
    CL_RETURN_IF_ERROR(tx_.Audit().Scan(1, 0, [&](const StoredAuditEvent& ev) {
      auto effect = EffectOf(parser, ev.body);
      if (!effect) return true;
      auto it = expected.find(ObjectKey(effect->type, effect->id));
      if (it == expected.end()) return true;
      simdjson::dom::object changes;
      if (effect->body["changes"].get(changes) != simdjson::SUCCESS) return true;
      for (auto [field, change] : changes) {
        simdjson::dom::element to;
        it->second[std::string(field)] = change["to"].get(to) == simdjson::SUCCESS
                                             ? json::parse(simdjson::minify(to), nullptr, false)
                                             : json(nullptr);
      }
      return true;
    }));
    for (const Differing& d : differing_) {
      const int64_t count_before = report_.problem_count;
      NameDifferences(d, "", d.state, &expected[d.key], 0);
      if (report_.problem_count == count_before) {
        Add({d.table, d.id, "",
             fmt::format("{} {} differs from what the log recorded at event #{}", d.table, d.id, d.seq), d.seq});
      }
    }
    return Status::Ok();
  }

  struct Differing;

  // Names each field of the row's state that differs from the log's,
  // descending into objects both sides have (content.rollback_plan).
  void NameDifferences(const Differing& d, const std::string& prefix, const json& row, const json* logged, int depth) {
    for (const auto& [field, value] : row.items()) {
      const std::string path = prefix.empty() ? field : fmt::format("{}.{}", prefix, field);
      const json* want = logged != nullptr ? Member(*logged, field) : nullptr;
      if (want != nullptr && *want == value) continue;
      if (want == nullptr && value.is_null()) continue;
      if (want != nullptr && want->is_object() && value.is_object() && depth < 4) {
        NameDifferences(d, path, value, want, depth + 1);
        for (const auto& [gone, was] : want->items()) {
          if (!value.contains(gone) && !was.is_null()) AddField(d, fmt::format("{}.{}", path, gone), nullptr, &was);
        }
        continue;
      }
      AddField(d, path, &value, want);
    }
  }

  void AddField(const Differing& d, const std::string& path, const json* row, const json* logged) {
    Add({d.table, d.id, path,
         fmt::format("{} {}: {} is {} in the row but {} in the log (event #{}): edited outside the log", d.table, d.id,
                     path, Shown(row), Shown(logged), d.seq),
         d.seq});
  }

  struct Differing {
    std::string key, table, id;
    int64_t seq;
    json state;
  };

  Tx& tx_;
  std::vector<ReconcileAcceptance>* accept_;
  ReconcileReport report_;
  std::unordered_map<std::string, Recorded> recorded_;
  std::unordered_map<std::string, int64_t> kind_baseline_;  // object type -> its latest baseline event
  std::unordered_set<std::string> files_checked_;
  std::vector<Differing> differing_;
  std::vector<ReconcileProblem> breaks_;  // continuity, kept until the baseline is known
  bool changes_incomplete_ = false;       // a change row did not read: the scan stopped there
};

}  // namespace

Result<ReconcileReport> ReconcileRecords(Tx& tx) { return Reconciler(tx).Run(); }

namespace {

// What a baseline event lists for object types: their current state shapes.
json BaselineNames(const std::vector<std::string>& types) {
  json out = json::array();
  for (const std::string& t : types) out.push_back(reconcile::FindKind(t)->BaselineName());
  return out;
}

}  // namespace

Result<int64_t> RecordReconcileBaseline(Tx& tx, const AuditLog& audit, const AuditContext& ctx) {
  std::vector<ReconcileAcceptance> accepted;
  CL_ASSIGN_OR_RETURN(ReconcileReport report, Reconciler(tx, &accepted).Run());
  if (report.unbaselined.empty()) return 0;  // every kind is (another process baselined it first)
  // Only the kinds without a baseline are accepted as found; the others are
  // reconciled strictly already, and their differences stay reported.
  std::erase_if(accepted, [&](const ReconcileAcceptance& a) {
    return std::ranges::find(report.unbaselined, a.object_type) == report.unbaselined.end();
  });
  for (const ReconcileAcceptance& a : accepted) {
    AuditRecord rec{std::string(kReconcileAcceptAction), a.object_type, a.object_id};
    // What the log had (its digest and event), as the before state; the row as it is, as the after.
    rec.before = {{"recorded_digest", a.recorded_digest.empty() ? json(nullptr) : json(a.recorded_digest)},
                  {"recorded_seq", a.recorded_seq == 0 ? json(nullptr) : json(a.recorded_seq)}};
    rec.after = a.state;
    rec.details = {{"reason", "accepted as found when the log was first reconciled"}};
    CL_RETURN_IF_ERROR(audit.Append(tx, ctx, rec).status());
  }
  AuditRecord base{std::string(kReconcileBaselineAction), "audit_log", "records"};
  base.details = {{"accepted_rows", accepted.size()},
                  {"rows", report.rows},
                  {"events", report.events},
                  {"kinds", BaselineNames(report.unbaselined)}};
  CL_RETURN_IF_ERROR(audit.Append(tx, ctx, base).status());
  return static_cast<int64_t>(accepted.size());
}

}  // namespace cl
