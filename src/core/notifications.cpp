#include "core/notifications.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/audit_states.h"
#include "crypto/crypto.h"

namespace cl {
namespace {

constexpr int kMaxAttempts = 8;

bool KnownEvent(std::string_view e) {
  if (e == "*" || e == "change.*") return true;
  if (e.substr(0, 7) != "change.") return false;
  return ParseChangeState(e.substr(7)).has_value();
}

}  // namespace

bool Subscribed(const Webhook& w, std::string_view event) {
  return std::any_of(w.events.begin(), w.events.end(),
                     [&](const std::string& e) { return e == "*" || e == "change.*" || e == event; });
}

std::optional<int64_t> RetryDelayMicros(int64_t attempts) {
  if (attempts >= kMaxAttempts) return std::nullopt;
  const int64_t seconds = std::min<int64_t>(int64_t{10} << std::max<int64_t>(0, attempts - 1), 3600);
  return seconds * kMicrosPerSecond;
}

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string signed_text = fmt::format("{}.{}", unix_seconds, body);
  return fmt::format("t={},v1={}", unix_seconds, crypto::ToHex(crypto::HmacSha256(secret, signed_text)));
}

namespace {

std::string ChatText(const Change& c) {
  std::string text = fmt::format("{} is {}: {}", c.Key(), Name(c.state), c.content.title);
  std::replace_if(
      text.begin(), text.end(), [](char ch) { return ch == '\r' || ch == '\n'; }, ' ');
  return text;
}

std::vector<std::pair<std::string, std::string>> ChatFacts(const Change& c) {
  std::vector<std::pair<std::string, std::string>> facts = {
      {"Type", std::string(Name(c.content.type))},
      {"Risk", c.assessment ? std::string(Name(c.risk)) : "not assessed"},
      {"Service", fmt::format("{} ({})", c.content.service, c.content.environment)},
      {"Requested by", c.requestor}};
  if (c.content.planned_start) facts.emplace_back("Planned start", FormatRfc3339(*c.content.planned_start));
  if (!c.content.emergency_reason.empty()) facts.emplace_back("Emergency reason", c.content.emergency_reason);
  return facts;
}

// Slack's mrkdwn treats &, < and > as markup.
std::string SlackEscape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '&') {
      out += "&amp;";
    } else if (ch == '<') {
      out += "&lt;";
    } else if (ch == '>') {
      out += "&gt;";
    } else {
      out += ch;
    }
  }
  return out;
}

nlohmann::json EventPayload(std::string_view event, std::string_view delivery_id, Timestamp now, const Change& c) {
  return {{"event", event},
          {"delivery_id", delivery_id},
          {"occurred_at", FormatRfc3339(now)},
          {"change",
           {{"key", c.Key()},
            {"title", c.content.title},
            {"state", Name(c.state)},
            {"type", Name(c.content.type)},
            {"risk", c.assessment ? nlohmann::json(Name(c.risk)) : nlohmann::json(nullptr)},
            {"service", c.content.service},
            {"environment", c.content.environment},
            {"requestor", c.requestor},
            {"implementer", c.implementer.empty() ? c.content.implementer : c.implementer},
            {"planned_start", TimeOrNull(c.content.planned_start)},
            {"planned_end", TimeOrNull(c.content.planned_end)},
            {"stakeholders", c.content.stakeholders},
            {"material_sha256", c.material_hash},
            {"url", "/api/v1/changes/" + c.Key()}}}};
}

}  // namespace

nlohmann::json ChatPayload(std::string_view format, const Change& c) {
  const std::string text = ChatText(c);
  const auto facts = ChatFacts(c);
  if (format == "slack") {
    std::string fields;
    for (const auto& [k, v] : facts) fields += fmt::format("*{}:* {}\n", k, SlackEscape(v));
    return {{"text", text},
            {"blocks",
             {{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", fmt::format("*{}*", SlackEscape(text))}}}},
              {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", fields}}}}}}};
  }
  nlohmann::json fact_set = nlohmann::json::array();
  for (const auto& [k, v] : facts) fact_set.push_back({{"title", k}, {"value", v}});
  return {{"type", "message"},
          {"attachments",
           {{{"contentType", "application/vnd.microsoft.card.adaptive"},
             {"content",
              {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"body",
                {{{"type", "TextBlock"}, {"text", text}, {"weight", "Bolder"}, {"wrap", true}},
                 {{"type", "FactSet"}, {"facts", fact_set}}}}}}}}}};
}

Status QueueChangeEvent(Tx& tx, IdGenerator& ids, Timestamp now, const Change& c, std::string_view event) {
  CL_ASSIGN_OR_RETURN(std::vector<Webhook> hooks, tx.Webhooks().List(true));
  for (const Webhook& w : hooks) {
    if (!Subscribed(w, event)) continue;
    WebhookDelivery d;
    d.id = ids.NewId("whd");
    d.webhook_id = w.id;
    d.event = std::string(event);
    d.object_id = c.Key();
    d.payload = (w.format == "changeledger" ? EventPayload(event, d.id, now, c) : ChatPayload(w.format, c)).dump();
    d.next_attempt_at = now;
    d.created_at = now;
    CL_RETURN_IF_ERROR(tx.Webhooks().InsertDelivery(d));
  }
  return Status::Ok();
}

Result<Webhook> WebhookService::Create(const Principal& who, const AuditContext& ctx, const std::string& url,
                                       const std::vector<std::string>& events, const std::string& description,
                                       const std::string& format) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kPolicyWrite));
  std::vector<FieldError> errors;
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    errors.push_back({"/url", "must be an http(s) URL"});
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (!KnownEvent(events[i])) {
      errors.push_back({fmt::format("/events/{}", i), "change.<state> (e.g. change.approved), change.* or *"});
    }
  }
  if (events.empty()) errors.push_back({"/events", "subscribe to at least one event"});
  if (format != "changeledger" && format != "slack" && format != "teams") {
    errors.push_back({"/format", "changeledger (signed JSON events), slack or teams (chat messages)"});
  }
  if (errors.empty() && guard_ != nullptr) {
    if (Status s = guard_->CheckUrl(url); !s.ok()) errors.push_back({"/url", s.message()});
  }
  if (!errors.empty()) return InvalidArgument("the webhook is not valid", std::move(errors));
  Webhook w;
  w.id = d_.ids.NewId("whk");
  w.url = url;
  w.secret = NewSecret(d_.ids, "whsec");
  w.events = events;
  w.description = description;
  w.format = format;
  w.created_by = who.username;
  w.created_at = d_.clock.Now();
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_RETURN_IF_ERROR(tx.Webhooks().Insert(w));
    AuditRecord rec{"webhook.create", "webhook", w.id};
    rec.after = WebhookAuditState(w);
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return w;
}

Result<std::vector<Webhook>> WebhookService::List(const Principal& who) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  std::vector<Webhook> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Webhooks().List(false));
    return Status::Ok();
  }));
  for (Webhook& w : out) w.secret.clear();
  return out;
}

Status WebhookService::Deactivate(const Principal& who, const AuditContext& ctx, std::string_view id) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kPolicyWrite));
  return d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::vector<Webhook> all, tx.Webhooks().List(false));
    auto it = std::find_if(all.begin(), all.end(), [&](const Webhook& w) { return w.id == id; });
    CL_RETURN_IF_ERROR(tx.Webhooks().Deactivate(id));  // names an unknown id
    if (it == all.end()) return NotFound(fmt::format("no webhook {}", id));
    AuditRecord rec{"webhook.deactivate", "webhook", std::string(id)};
    rec.before = WebhookAuditState(*it);
    it->active = false;
    rec.after = WebhookAuditState(*it);
    return d_.audit.Append(tx, ctx, rec).status();
  });
}

Result<std::vector<WebhookDelivery>> WebhookService::Deliveries(const Principal& who, std::string_view id,
                                                                int64_t limit) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  std::vector<WebhookDelivery> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::vector<Webhook> all, tx.Webhooks().List(false));
    if (std::none_of(all.begin(), all.end(), [&](const Webhook& w) { return w.id == id; })) {
      return NotFound(fmt::format("no webhook {}", id));
    }
    CL_ASSIGN_OR_RETURN(out, tx.Webhooks().Deliveries(id, limit));
    return Status::Ok();
  }));
  return out;
}

}  // namespace cl
