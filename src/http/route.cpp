#include "http/route.h"

#include <algorithm>
#include <stdexcept>

#include "core/json_input.h"

namespace cl::http {
namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<std::string> DecodeSegment(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return std::string(s);
  auto q = ParseQuery(std::string("v=") + std::string(s));
  if (!q || q->empty()) return std::nullopt;
  // No resource name holds a control character; refused here, they never
  // reach a lookup (PostgreSQL cannot even compare text holding NUL).
  if (FindControlCharacter(q->begin()->second)) return std::nullopt;
  return q->begin()->second;
}

}  // namespace

AuditContext Ctx::Audit() const {
  return ContextFor(principal ? *principal : SystemPrincipal(), req.request_id, req.client_ip);
}

const std::string& Ctx::Param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

std::string Ctx::Arg(const std::string& name, const std::string& fallback) const {
  auto it = args.find(name);
  return it != args.end() && it->is_string() ? it->get<std::string>() : fallback;
}

int64_t Ctx::IntArg(const std::string& name, int64_t fallback) const {
  auto it = args.find(name);
  return it != args.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

bool Ctx::BoolArg(const std::string& name, bool fallback) const {
  auto it = args.find(name);
  return it != args.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

void Router::Add(Route route) {
  for (const Route& r : routes_) {
    if (r.method == route.method && r.pattern == route.pattern) {
      throw std::logic_error("duplicate route " + route.method + " " + route.pattern);
    }
  }
  if (route.handler && route.async) {
    throw std::logic_error("route " + route.method + " " + route.pattern + " has two handlers");
  }
  segments_.push_back(Split(route.pattern));
  routes_.push_back(std::move(route));
}

Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  if (path.empty() || path[0] != '/') return m;
  const std::vector<std::string> parts = Split(path);
  // HEAD is served by the GET route (the server drops the body).
  const std::string_view effective = method == "HEAD" ? std::string_view("GET") : method;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const auto& pattern = segments_[i];
    if (pattern.size() != parts.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t k = 0; k < parts.size() && ok; ++k) {
      const std::string& seg = pattern[k];
      if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
        auto decoded = DecodeSegment(parts[k]);
        if (!decoded) {
          m.bad_encoding = true;
          return m;
        }
        if (decoded->empty()) ok = false;
        params[seg.substr(1, seg.size() - 2)] = std::move(*decoded);
      } else {
        ok = seg == parts[k];
      }
    }
    if (!ok) continue;
    if (routes_[i].method == effective) {
      m.route = &routes_[i];
      m.params = std::move(params);
      return m;
    }
    m.allowed_methods.push_back(routes_[i].method);
  }
  if (std::find(m.allowed_methods.begin(), m.allowed_methods.end(), "GET") != m.allowed_methods.end()) {
    m.allowed_methods.push_back("HEAD");
  }
  return m;
}

}  // namespace cl::http
