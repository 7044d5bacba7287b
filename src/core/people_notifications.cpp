#include "core/people_notifications.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/change_rules.h"
#include "core/sod.h"

namespace cl {
namespace {

constexpr int64_t kMaxUsers = 10000;
constexpr std::array<std::string_view, 6> kUrgencyOrder = {
    "emergency", "approval_overdue", "approval_reminder", "approval_requested", "decision", "change_update"};

// Lower is more urgent: one message per person, the most urgent one.
int Urgency(std::string_view kind) {
  for (size_t i = 0; i < kUrgencyOrder.size(); ++i) {
    if (kUrgencyOrder[i] == kind) return static_cast<int>(i);
  }
  return static_cast<int>(kUrgencyOrder.size());
}

bool Enabled(const User& u) { return !u.disabled() && u.kind == UserKind::kHuman; }

// Adds `r` unless the same person is already there with a more urgent kind.
void Add(std::vector<Recipient>& out, Recipient r) {
  auto same = [&](const Recipient& x) {
    return r.user != nullptr ? x.user == r.user : (x.user == nullptr && x.address == r.address);
  };
  auto it = std::find_if(out.begin(), out.end(), same);
  if (it == out.end()) {
    out.push_back(std::move(r));
  } else if (Urgency(r.kind) < Urgency(it->kind)) {
    *it = std::move(r);
  }
}

// Holders of the approver roles `roles` for `c` (not the actor).
void AddRoleHolders(std::vector<Recipient>& out, const Policy& p, const Change& c, const std::vector<User>& users,
                    const std::vector<std::string>& roles, std::string_view kind, std::string_view why) {
  for (const std::string& id : roles) {
    const ApproverRole* role = p.FindRole(id);
    if (role == nullptr) continue;
    for (const User& u : users) {
      if (Enabled(u) && QualifiesAs(p, *role, u.username, u.roles, c.content.service)) {
        Add(out, {&u, "", std::string(kind), fmt::format("{} {}", why, id)});
      }
    }
  }
}

const User* ByName(const std::vector<User>& users, std::string_view name) {
  auto it = std::find_if(users.begin(), users.end(), [&](const User& u) { return u.username == name; });
  return it == users.end() || !Enabled(*it) ? nullptr : &*it;
}

std::string Words(std::string_view name) {
  std::string s(name);
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string OneLine(std::string_view s) {
  std::string out(s);
  std::replace_if(
      out.begin(), out.end(), [](char ch) { return ch == '\r' || ch == '\n' || ch == '\t'; }, ' ');
  return out;
}

std::optional<Timestamp> ApprovalDue(const Change& c) {
  if (!c.submitted_at || !c.assessment || c.assessment->approval_sla_hours <= 0) return std::nullopt;
  return *c.submitted_at + c.assessment->approval_sla_hours * 3600 * kMicrosPerSecond;
}

std::string Headline(const Recipient& r, const Change& c) {
  const std::string key = c.Key();
  if (r.kind == "approval_requested") return fmt::format("{} awaits your approval", key);
  if (r.kind == "emergency") return fmt::format("Emergency change {} was raised", key);
  if (r.kind == "decision") return fmt::format("{} was {}", key, Name(c.state));
  if (r.kind == "approval_reminder") return fmt::format("Reminder: {} still awaits your approval", key);
  if (r.kind == "approval_overdue") return fmt::format("Overdue: {} has waited past its approval deadline", key);
  return fmt::format("{} is {}", key, Words(Name(c.state)));
}

struct Settings {
  const NotifySettings& notify;
  Timestamp now;
};

// Why `r` gets no e-mail ("" if they do), given their preferences.
std::string SkipReason(const Settings& s, const Recipient& r, const std::string& address,
                       const std::optional<NotificationPrefs>& prefs) {
  if (!s.notify.email) return "e-mail is not configured on this server";
  if (address.empty()) return "no e-mail address";
  if (prefs && !prefs->email) return "the recipient turned e-mail off";
  if (prefs && std::find(prefs->muted.begin(), prefs->muted.end(), r.kind) != prefs->muted.end()) {
    return fmt::format("the recipient muted {} e-mails", r.kind);
  }
  return "";
}

Status Queue(Tx& tx, IdGenerator& ids, const Settings& s, const Change& c, const std::vector<Recipient>& recipients,
             std::string_view note) {
  for (const Recipient& r : recipients) {
    const MessageText m = ChangeMessage(r, c, note);
    Notification n;
    n.id = ids.NewId("ntf");
    n.kind = r.kind;
    n.object_id = c.Key();
    n.subject = m.subject;
    n.body = m.body;
    n.link = "/changes/" + c.Key();
    n.created_at = n.next_attempt_at = s.now;
    std::optional<NotificationPrefs> prefs;
    if (r.user != nullptr) {
      n.user_id = r.user->id;
      n.recipient = r.user->username;
      n.email_to = r.user->email;
      CL_ASSIGN_OR_RETURN(prefs, tx.Notifications().Prefs(r.user->id));
    } else {
      n.recipient = n.email_to = r.address;
    }
    n.last_error = SkipReason(s, r, n.email_to, prefs);
    if (!n.last_error.empty()) n.email_status = "skipped";
    CL_RETURN_IF_ERROR(tx.Notifications().Insert(n));
  }
  return Status::Ok();
}

Result<std::vector<User>> EnabledUsers(Tx& tx) {
  UserListQuery q;
  q.include_disabled = false;
  q.limit = kMaxUsers;
  return tx.Users().List(q);
}

}  // namespace

bool IsNotificationKind(std::string_view kind) {
  return std::find(kNotificationKinds.begin(), kNotificationKinds.end(), kind) != kNotificationKinds.end();
}

std::vector<Recipient> OutstandingApprovers(const Policy& p, const Change& c, const std::vector<Approval>& approvals,
                                            const std::vector<User>& users, std::string_view kind) {
  std::vector<Recipient> out;
  if (!c.assessment) return out;
  std::vector<std::string> roles;
  for (const RoleProgress& rp : ComputeApprovalProgress(c, approvals).roles) {
    if (rp.approved_by.empty()) roles.push_back(rp.role);
  }
  AddRoleHolders(out, p, c, users, roles, kind, "you may approve as");
  // Whoever already gave a valid approval is not asked again; the requestor
  // and implementer never count, so they are not asked either.
  std::erase_if(out, [&](const Recipient& r) {
    return IsInvolved(c, r.user->username) || std::any_of(approvals.begin(), approvals.end(), [&](const Approval& a) {
             return a.valid() && a.approver == r.user->username;
           });
  });
  return out;
}

std::vector<Recipient> RecipientsOf(const Policy& p, ChangeState from, const Change& c,
                                    const std::vector<Approval>& approvals, const std::vector<User>& users,
                                    std::string_view actor) {
  std::vector<Recipient> out;
  const ChangeState to = c.state;
  const bool emergency = c.content.type == ChangeType::kEmergency;
  if (emergency && from == ChangeState::kDraft) {
    AddRoleHolders(out, p, c, users, p.emergency.retrospective_roles, "emergency", "you hold the CAB role");
    AddRoleHolders(out, p, c, users, p.emergency.escalation_roles, "emergency", "the policy escalates emergencies to");
  }
  if (to == ChangeState::kSubmitted) {
    for (Recipient& r : OutstandingApprovers(p, c, approvals, users, "approval_requested")) Add(out, std::move(r));
  }
  const User* requestor = ByName(users, c.requestor);
  if ((to == ChangeState::kApproved || to == ChangeState::kRejected) && requestor != nullptr) {
    Add(out, {requestor, "", "decision", "you requested it"});
  }
  if (to == ChangeState::kScheduled || to == ChangeState::kInProgress || to == ChangeState::kImplemented ||
      to == ChangeState::kFailed || to == ChangeState::kRolledBack) {
    for (const std::string& s : c.content.stakeholders) {
      if (const User* u = ByName(users, s)) {
        Add(out, {u, "", "change_update", "you are a stakeholder"});
      } else if (s.find('@') != std::string::npos && ValidateEmail(s, "").empty()) {
        Add(out, {nullptr, s, "change_update", "you are a stakeholder"});
      }
    }
    if (requestor != nullptr) Add(out, {requestor, "", "change_update", "you requested it"});
  }
  std::erase_if(out, [&](const Recipient& r) { return r.user != nullptr && r.user->username == actor; });
  return out;
}

MessageText ChangeMessage(const Recipient& r, const Change& c, std::string_view note) {
  MessageText m;
  const std::string title = OneLine(c.content.title);
  m.subject = fmt::format("{}: {}", Headline(r, c), title);
  std::string b = fmt::format("{}.\n\n", Headline(r, c));
  b += fmt::format("Title:        {}\n", title);
  b += fmt::format("Type:         {}{}\n", Name(c.content.type),
                   c.assessment ? fmt::format(", {} risk", Name(c.assessment->risk)) : std::string());
  b += fmt::format("Service:      {} ({})\n", c.content.service.empty() ? "-" : c.content.service,
                   c.content.environment.empty() ? "-" : c.content.environment);
  b += fmt::format("State:        {}\n", Words(Name(c.state)));
  b += fmt::format("Requested by: {}\n", c.requestor);
  if (c.content.planned_start) {
    b += fmt::format("Planned:      {} to {}\n", FormatRfc3339(*c.content.planned_start),
                     c.content.planned_end ? FormatRfc3339(*c.content.planned_end) : "-");
  }
  if (!c.content.emergency_reason.empty()) b += fmt::format("Emergency:    {}\n", c.content.emergency_reason);
  if (auto due = ApprovalDue(c); due && c.state == ChangeState::kSubmitted) {
    b += fmt::format("Approval due: {}\n", FormatRfc3339(*due));
  }
  if (!note.empty()) b += fmt::format("Note:         {}\n", note);
  b += fmt::format("\nYou are told because {}.\n", r.why);
  m.body = std::move(b);
  return m;
}

Status QueueChangeNotifications(Tx& tx, IdGenerator& ids, Timestamp now, const NotifySettings& settings,
                                const Policy& policy, ChangeState from, const Change& c, std::string_view actor,
                                std::string_view note) {
  std::vector<Approval> approvals;
  std::vector<User> users;
  const bool emergency_raised = c.content.type == ChangeType::kEmergency && from == ChangeState::kDraft;
  if (c.state == ChangeState::kSubmitted || emergency_raised) {
    // Approver roles: whoever holds them, so every account is a candidate.
    CL_ASSIGN_OR_RETURN(approvals, tx.Changes().Approvals(c.id));
    CL_ASSIGN_OR_RETURN(users, EnabledUsers(tx));
  } else {
    // Otherwise only the requestor and the stakeholders named: read just them.
    std::vector<std::string> names = c.content.stakeholders;
    names.push_back(c.requestor);
    for (const std::string& name : names) {
      if (name.find('@') != std::string::npos) continue;
      CL_ASSIGN_OR_RETURN(std::optional<User> u, tx.Users().FindByUsername(name));
      if (u && std::none_of(users.begin(), users.end(), [&](const User& x) { return x.id == u->id; })) {
        users.push_back(std::move(*u));
      }
    }
  }
  const std::vector<Recipient> to = RecipientsOf(policy, from, c, approvals, users, actor);
  return Queue(tx, ids, Settings{settings, now}, c, to, note);
}

Timestamp ReminderAt(Timestamp submitted, int64_t sla_hours) {
  return submitted + sla_hours * 3600 * kMicrosPerSecond * 3 / 4;
}

Result<int64_t> QueueApprovalDeadlines(Tx& tx, IdGenerator& ids, Timestamp now, const NotifySettings& settings,
                                       const Policy& policy) {
  ChangeListQuery q;
  q.state = ChangeState::kSubmitted;
  q.limit = 1000;
  CL_ASSIGN_OR_RETURN(std::vector<Change> waiting, tx.Changes().List(q));
  int64_t queued = 0;
  std::optional<std::vector<User>> users;
  for (const Change& c : waiting) {
    const std::optional<Timestamp> due = ApprovalDue(c);
    if (!due || now < ReminderAt(*c.submitted_at, c.assessment->approval_sla_hours)) continue;
    const std::string kind = now >= *due ? "approval_overdue" : "approval_reminder";
    CL_ASSIGN_OR_RETURN(bool told, tx.Notifications().Exists(c.Key(), kind, *c.submitted_at));
    if (told) continue;
    if (!users) {
      CL_ASSIGN_OR_RETURN(users, EnabledUsers(tx));
    }
    CL_ASSIGN_OR_RETURN(std::vector<Approval> approvals, tx.Changes().Approvals(c.id));
    std::vector<Recipient> to = OutstandingApprovers(policy, c, approvals, *users, kind);
    if (kind == "approval_overdue") {
      for (const User& u : *users) {
        if (Enabled(u) && u.HasRole(Role::kChangeManager)) Add(to, {&u, "", kind, "you manage changes"});
      }
    }
    CL_RETURN_IF_ERROR(Queue(tx, ids, Settings{settings, now}, c, to, ""));
    queued += static_cast<int64_t>(to.size());
  }
  return queued;
}

}  // namespace cl
