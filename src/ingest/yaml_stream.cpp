#include "ingest/yaml_stream.h"

#include <fmt/format.h>
#include <yaml.h>

#include <charconv>
#include <map>
#include <memory>

namespace cl {
namespace {

nlohmann::json Scalar(const yaml_event_t& e) {
  const std::string_view v(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
  if (e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return std::string(v);
  if (v.empty() || v == "null" || v == "~" || v == "Null" || v == "NULL") return nullptr;
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  int64_t n = 0;
  const char* b = v.data();
  const char* end = b + v.size();
  if (*b == '+') ++b;
  if (b != end && (*b != '0' || end - b == 1 || (*b == '-' && end - b > 1))) {
    auto [p, ec] = std::from_chars(b, end, n);
    if (ec == std::errc() && p == end) return n;
  }
  return std::string(v);
}

class Builder {
 public:
  explicit Builder(const YamlLimits& l) : limits_(l) {}

  // Handles one event; returns a problem (empty when fine).
  std::string Event(const yaml_event_t& e) {
    switch (e.type) {
      case YAML_DOCUMENT_START_EVENT:
        if (++documents_ > limits_.max_documents) return fmt::format("more than {} documents", limits_.max_documents);
        stack_.clear();
        anchors_.clear();
        root_ = nullptr;
        line_ = static_cast<int>(e.start_mark.line) + 1;
        return "";
      case YAML_DOCUMENT_END_EVENT:
        docs_.push_back({std::move(root_), line_});
        root_ = nullptr;
        return "";
      case YAML_SCALAR_EVENT:
        return Add(Scalar(e), Anchor(e.data.scalar.anchor));
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(reinterpret_cast<const char*>(e.data.alias.anchor));
        if (it == anchors_.end()) return "an alias to an unknown anchor";
        // Copies count against the node budget: no exponential expansion.
        nodes_ += it->second.second;
        if (nodes_ > limits_.max_nodes) return fmt::format("more than {} nodes (alias expansion)", limits_.max_nodes);
        return Add(it->second.first, "");
      }
      case YAML_SEQUENCE_START_EVENT:
        return Open(nlohmann::json::array(), Anchor(e.data.sequence_start.anchor));
      case YAML_MAPPING_START_EVENT:
        return Open(nlohmann::json::object(), Anchor(e.data.mapping_start.anchor));
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        return Close();
      default:
        return "";
    }
  }

  std::vector<YamlDoc> Take() { return std::move(docs_); }

 private:
  struct Frame {
    nlohmann::json value;
    std::string anchor;
    size_t first_node = 0;
    std::string pending_key;
    bool have_key = false;
  };

  static std::string Anchor(const yaml_char_t* a) { return a ? reinterpret_cast<const char*>(a) : ""; }

  std::string Open(nlohmann::json container, std::string anchor) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      return fmt::format("nested deeper than {} levels", limits_.max_depth);
    }
    if (++nodes_ > limits_.max_nodes) return fmt::format("more than {} nodes", limits_.max_nodes);
    stack_.push_back({std::move(container), std::move(anchor), nodes_, "", false});
    return "";
  }

  std::string Close() {
    if (stack_.empty()) return "unbalanced collection end";
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (!f.anchor.empty()) anchors_[f.anchor] = {f.value, nodes_ - f.first_node + 1};
    return Place(std::move(f.value));
  }

  std::string Add(nlohmann::json v, const std::string& anchor) {
    if (++nodes_ > limits_.max_nodes) return fmt::format("more than {} nodes", limits_.max_nodes);
    if (!anchor.empty()) anchors_[anchor] = {v, 1};
    return Place(std::move(v));
  }

  std::string Place(nlohmann::json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return "";
    }
    Frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(v));
    } else if (!top.have_key) {
      if (v.is_object() || v.is_array()) return "a mapping key must be a scalar";
      top.pending_key = v.is_string() ? v.get<std::string>() : v.dump();
      top.have_key = true;
    } else {
      top.value[top.pending_key] = std::move(v);
      top.have_key = false;
    }
    return "";
  }

  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  std::map<std::string, std::pair<nlohmann::json, size_t>> anchors_;  // value, nodes in it
  nlohmann::json root_;
  std::vector<YamlDoc> docs_;
  size_t nodes_ = 0;
  size_t documents_ = 0;
  int line_ = 0;
};

}  // namespace

Result<std::vector<YamlDoc>> ParseYamlStream(std::string_view text, const YamlLimits& limits) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return Internal("libyaml could not start");
  std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> guard(&parser, yaml_parser_delete);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  Builder b(limits);
  while (true) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      return InvalidDocument(fmt::format("not valid YAML: line {}, column {}: {}", parser.problem_mark.line + 1,
                                         parser.problem_mark.column + 1,
                                         parser.problem ? parser.problem : "syntax error"));
    }
    std::unique_ptr<yaml_event_t, void (*)(yaml_event_t*)> event_guard(&event, yaml_event_delete);
    const yaml_event_type_t type = event.type;
    const std::string problem = b.Event(event);
    if (!problem.empty()) {
      return InvalidDocument(fmt::format("not accepted YAML: line {}: {}", event.start_mark.line + 1, problem));
    }
    if (type == YAML_STREAM_END_EVENT) break;
  }
  return b.Take();
}

}  // namespace cl
