#include "ingest/terraform_plan.h"

#include <fmt/format.h>
#include <iconv.h>
#include <simdjson.h>

#include <algorithm>

#include "ingest/iac_match.h"

namespace cl::ingest {

using simdjson::dom::element;
using simdjson::dom::element_type;

template <>
struct ValueTraits<element> {
  using V = element;
  static bool IsNull(V v) { return v.is_null(); }
  static bool IsArray(V v) { return v.type() == element_type::ARRAY; }
  static bool IsObject(V v) { return v.type() == element_type::OBJECT; }
  template <class F>
  static bool ForEachElement(V v, F&& f) {
    for (element e : simdjson::dom::array(v.get_array().value_unsafe())) {
      if (f(e)) return true;
    }
    return false;
  }
  template <class F>
  static bool ForEachField(V v, F&& f) {
    for (simdjson::dom::key_value_pair kv : simdjson::dom::object(v.get_object().value_unsafe())) {
      if (f(kv.key, kv.value)) return true;
    }
    return false;
  }
  static std::optional<V> Find(V v, std::string_view key) {
    element out;
    if (v.get_object().value_unsafe().at_key(key).get(out)) return std::nullopt;
    return out;
  }
  static std::optional<std::string_view> String(V v) {
    std::string_view s;
    if (v.get_string().get(s)) return std::nullopt;
    return s;
  }
  static bool Equals(V v, const nlohmann::json& want) {
    switch (want.type()) {
      case nlohmann::json::value_t::string: {
        std::string_view s;
        return !v.get_string().get(s) && s == want.get_ref<const std::string&>();
      }
      case nlohmann::json::value_t::boolean: {
        bool b = false;
        return !v.get_bool().get(b) && b == want.get<bool>();
      }
      case nlohmann::json::value_t::number_integer:
      case nlohmann::json::value_t::number_unsigned:
      case nlohmann::json::value_t::number_float: {
        double d = 0;
        return v.is_number() && !v.get_double().get(d) && d == want.get<double>();
      }
      case nlohmann::json::value_t::object:
        return IsObject(v) && simdjson::dom::object(v.get_object().value_unsafe()).size() == 0 && want.empty();
      case nlohmann::json::value_t::array:
        return IsArray(v) && simdjson::dom::array(v.get_array().value_unsafe()).size() == 0 && want.empty();
      default:
        return false;
    }
  }
};

namespace {

Result<std::string> Utf16ToUtf8(std::string_view bytes, const char* from) {
  if (bytes.size() % 2 != 0) return InvalidDocument("the file is UTF-16 but has an odd number of bytes (truncated?)");
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return Internal("iconv cannot convert UTF-16");
  std::string out(bytes.size() * 3 / 2 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* dst = out.data();
  size_t out_left = out.size();
  const size_t rc = iconv(cd, &in, &in_left, &dst, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) {
    return InvalidDocument(
        fmt::format("the file is not valid {} (bad code unit near byte {})", from, bytes.size() - in_left + 2));
  }
  out.resize(out.size() - out_left);
  return out;
}

// Where nlohmann's parser stops: line and column for a person (simdjson only
// says what kind of error). Runs only on the failure path.
std::string JsonErrorDetail(std::string_view text, simdjson::error_code code) {
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text);
    return "the JSON parser accepts it but simdjson does not: " + std::string(simdjson::error_message(code));
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 1: ..."
    if (size_t p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
    return what;
  }
  return simdjson::error_message(code);
}

std::string_view NormalizeAction(simdjson::dom::array actions, bool* ok) {
  *ok = true;
  std::string_view a[2];
  size_t n = 0;
  for (element e : actions) {
    std::string_view s;
    if (e.get_string().get(s) || n == 2) {
      *ok = false;
      return {};
    }
    a[n++] = s;
  }
  if (n == 2 && ((a[0] == "delete" && a[1] == "create") || (a[0] == "create" && a[1] == "delete"))) return "replace";
  if (n != 1) {
    *ok = false;
    return {};
  }
  static constexpr std::string_view kKnown[] = {"create", "update", "delete", "no-op", "read", "forget"};
  if (std::find(std::begin(kKnown), std::end(kKnown), a[0]) == std::end(kKnown)) *ok = false;
  return a[0];
}

}  // namespace

Result<std::string> DecodeText(std::string_view bytes, std::string* encoding) {
  if (bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0xFF && static_cast<uint8_t>(bytes[1]) == 0xFE) {
    *encoding = "utf-16le";
    return Utf16ToUtf8(bytes.substr(2), "UTF-16LE");
  }
  if (bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0xFE && static_cast<uint8_t>(bytes[1]) == 0xFF) {
    *encoding = "utf-16be";
    return Utf16ToUtf8(bytes.substr(2), "UTF-16BE");
  }
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    *encoding = "utf-8-bom";
    return std::string(bytes.substr(3));
  }
  *encoding = "utf-8";
  return std::string(bytes);
}

struct PlanClassifier::Impl {
  std::shared_ptr<const ClassificationRules> rules;
  RuleIndex index;
  simdjson::dom::parser parser;
  explicit Impl(std::shared_ptr<const ClassificationRules> r) : rules(std::move(r)), index(rules->terraform) {}
};

PlanClassifier::PlanClassifier(std::shared_ptr<const ClassificationRules> rules)
    : impl_(std::make_unique<Impl>(std::move(rules))) {}
PlanClassifier::~PlanClassifier() = default;
const ClassificationRules& PlanClassifier::rules() const { return *impl_->rules; }

Result<IacReport> PlanClassifier::Classify(std::string_view bytes) {
  if (bytes.size() > kMaxDocumentBytes) {
    return Status(ErrorCode::kPayloadTooLarge,
                  fmt::format("the plan is {} bytes; the limit is {} (50 MiB)", bytes.size(), kMaxDocumentBytes));
  }
  if (bytes.empty()) return InvalidDocument("the plan is empty");
  IacReport report;
  report.format = "terraform-plan";
  report.bytes = bytes.size();
  // UTF-8 input is parsed in place; only BOM'd input is copied (and transcoded).
  std::string decoded;
  std::string_view text = bytes;
  const bool plain =
      !(bytes.size() >= 2 && (static_cast<uint8_t>(bytes[0]) >= 0xFE || bytes.substr(0, 2) == "\xEF\xBB"));
  if (plain) {
    report.encoding = "utf-8";
  } else {
    CL_ASSIGN_OR_RETURN(decoded, DecodeText(bytes, &report.encoding));
    text = decoded;
  }
  element root;
  if (auto err = impl_->parser.parse(text.data(), text.size()).get(root)) {
    return InvalidDocument("the plan is not valid JSON: " + JsonErrorDetail(text, err));
  }
  simdjson::dom::object plan;
  if (root.get_object().get(plan))
    return InvalidDocument("the plan must be a JSON object (terraform show -json PLANFILE)");
  std::string_view fv;
  if (plan["format_version"].get_string().get(fv)) {
    return InvalidDocument(
        "not a Terraform plan: there is no format_version (expected the output of "
        "`terraform show -json PLANFILE`)");
  }
  report.format_version = std::string(fv);
  std::string_view tv;
  if (!plan["terraform_version"].get_string().get(tv)) report.tool_version = std::string(tv);
  simdjson::dom::array changes;
  const auto rc = plan["resource_changes"];
  if (rc.error() == simdjson::NO_SUCH_FIELD) {
    if (plan["planned_values"].error() == simdjson::SUCCESS) return report;  // a plan with nothing to change
    if (plan["values"].error() == simdjson::SUCCESS) {
      return InvalidDocument(
          "this is Terraform state, not a plan: run `terraform plan -out PLANFILE` "
          "and upload `terraform show -json PLANFILE`");
    }
    return InvalidDocument("not a Terraform plan: there is neither resource_changes nor planned_values");
  }
  if (rc.get_array().get(changes)) return InvalidDocument("not a Terraform plan: resource_changes is not a list");

  size_t i = 0;
  for (element rc_el : changes) {
    const size_t pos = i++;
    ++report.resources_total;
    // One pass over each object's keys (dom lookups are linear scans).
    simdjson::dom::object r, change;
    std::string_view address, type, mode = "managed";
    bool have_change = false;
    if (rc_el.get_object().get(r)) {
      return InvalidDocument(fmt::format("resource_changes[{}] is not a resource change object", pos));
    }
    for (simdjson::dom::key_value_pair kv : r) {
      // Most keys are none of these; the first letter rules them out cheaply.
      const char first = kv.key.empty() ? '\0' : kv.key[0];
      if (first != 'a' && first != 't' && first != 'm' && first != 'c') continue;
      if (kv.key == "address") {
        if (kv.value.get_string().get(address)) address = {};
      } else if (kv.key == "type") {
        if (kv.value.get_string().get(type)) type = {};
      } else if (kv.key == "mode") {
        if (kv.value.get_string().get(mode)) mode = "managed";
      } else if (kv.key == "change") {
        have_change = !kv.value.get_object().get(change);
      }
    }
    simdjson::dom::array actions;
    element after, before;
    bool have_actions = false, have_after = false, have_before = false;
    if (have_change) {
      for (simdjson::dom::key_value_pair kv : change) {
        const char first = kv.key.empty() ? '\0' : kv.key[0];
        if (first != 'a' && first != 'b') continue;
        if (kv.key == "actions")
          have_actions = !kv.value.get_array().get(actions);
        else if (kv.key == "after")
          have_after = (after = kv.value).type() == element_type::OBJECT;
        else if (kv.key == "before")
          have_before = (before = kv.value).type() == element_type::OBJECT;
      }
    }
    if (address.empty() || type.empty() || !have_actions) {
      return InvalidDocument(
          fmt::format("resource_changes[{}] is not a resource change: it needs address, type and change.actions", pos));
    }
    bool ok = false;
    const std::string_view action = NormalizeAction(actions, &ok);
    if (!ok) {
      return InvalidDocument(
          fmt::format("resource_changes[{}] ({}): change.actions is not a known Terraform action "
                      "list",
                      pos, address));
    }
    if (mode == "data" || action == "no-op" || action == "read" || action == "forget") continue;
    ++report.resources_changed;
    // The values a rule looks at: after the change, or before it for a delete.
    std::vector<int> hits;
    if (action != "delete" && have_after) {
      hits = impl_->index.Match(type, action, after);
    } else if (have_before) {
      hits = impl_->index.Match(type, action, before);
    } else {
      static const nlohmann::json kEmpty = nlohmann::json::object();
      hits = impl_->index.Match(type, action, &kEmpty);
    }
    AddToReport(report, *impl_->rules, impl_->rules->terraform,
                {.address = std::string(address),
                 .type = std::string(type),
                 .action = std::string(action),
                 .categories = 0,
                 .impact = 0,
                 .rules = std::move(hits)});
  }
  return report;
}

}  // namespace cl::ingest
