// Every route of /openapi.json, fed what an attacker or a broken client
// sends: malformed, deep, huge, wrong-type, NUL and invalid UTF-8 bodies,
// wrong types field by field, bad path and query parameters, oversized
// headers. Each answer must be a 4xx problem+json (never a 5xx, never
// success), and the database must hold exactly what it held before. The
// route table is read from the server, so a new route is swept the day it
// is added. Runs on SQLite and PostgreSQL (api_pg.*).
#include "tests/api/change_api_fixture.h"

namespace cl::testing {
namespace {

struct Operation {
  std::string method;
  std::string pattern;
  nlohmann::json spec;
};

std::vector<Operation> Operations(const nlohmann::json& openapi) {
  std::vector<Operation> out;
  for (const auto& [pattern, item] : openapi["paths"].items()) {
    for (const auto& [method, spec] : item.items()) {
      std::string m = method;
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.push_back({m, pattern, spec});
    }
  }
  return out;
}

// The pattern with every {param} replaced: by `bad` for `which`, and by a
// value naming a real resource elsewhere.
std::string Fill(const std::string& pattern, const std::string& which = "", const std::string& bad = "") {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '{') {
      out += pattern[i++];
      continue;
    }
    const size_t end = pattern.find('}', i);
    const std::string name = pattern.substr(i + 1, end - i - 1);
    if (name == which) {
      out += bad;
    } else if (name == "key") {
      out += "CHG-1";
    } else if (name == "version") {
      out += "1";
    } else {
      out += "unknown";
    }
    i = end + 1;
  }
  return out;
}

// A value of the wrong JSON type for a property schema.
nlohmann::json WrongType(const nlohmann::json& schema) {
  const nlohmann::json type = schema.value("type", nlohmann::json());
  const std::string t = type.is_array() ? type[0].get<std::string>() : type.is_string() ? type.get<std::string>() : "";
  if (t == "string") return nlohmann::json::object({{"not", "a string"}});
  if (t == "integer") return "12";
  if (t == "boolean") return "true";
  if (t == "array") return "not an array";
  if (t == "object") return nlohmann::json::array({1, 2});
  return nullptr;  // free-form: nothing is the wrong type; see the bodies below
}

std::vector<std::pair<std::string, std::string>> BadBodies() {
  std::string many = "[0";
  for (int i = 0; i < 120'000; ++i) many += ",0";
  return {
      {"truncated", R"({"title":)"},
      {"trailing garbage", "{} {}"},
      {"not an object", "[]"},
      {"a bare string", R"("x")"},
      {"null", "null"},
      {"number beyond double", R"({"x":1e999})"},
      {"deep", std::string(100'000, '[') + std::string(100'000, ']')},
      {"deep object",
       [] {
         std::string s;
         for (int i = 0; i < 20'000; ++i) s += "{\"a\":";
         return s + "1" + std::string(20'000, '}');
       }()},
      {"too many values", many + "]"},
      {"NUL", R"({"title":"a\u0000b","username":"a\u0000","url":"http://x\u0000"})"},
      {"NUL key", R"({"\u0000":1})"},
      {"invalid UTF-8", "{\"title\":\"\xff\xfe\"}"},
      {"overlong UTF-8", "{\"title\":\"\xc0\xaf\"}"},
      {"lone surrogate", R"({"title":"\ud800"})"},
  };
}

class BadInputSweepTest : public ChangeApiTest {
 protected:
  // Fails the test unless `r` is a 4xx problem.
  void ExpectRefused(const Reply& r, const std::string& what) {
    EXPECT_GE(r.status, 400) << what << ": " << r.body.substr(0, 300);
    EXPECT_LT(r.status, 500) << what << ": " << r.body.substr(0, 300);
    if (r.status >= 400) {
      EXPECT_EQ(r.Header("content-type"), "application/problem+json") << what;
      const nlohmann::json p = nlohmann::json::parse(r.body, nullptr, false);
      EXPECT_TRUE(p.is_object() && p.value("status", 0) == r.status) << what << ": " << r.body.substr(0, 300);
    }
    ++requests_;
  }
  Reply Send(const Operation& op, const std::string& path, const std::string& body,
             const std::string& content_type = "application/json") {
    std::map<std::string, std::string> h = {{"Authorization", "Bearer " + server().Admin().token},
                                            {"Content-Type", content_type}};
    if (op.method == "PATCH") h["If-Match"] = "\"1\"";  // past the If-Match check, to the body
    return http().Send(op.method, path, body, h);
  }
  int requests_ = 0;
};

TEST_F(BadInputSweepTest, EveryRouteRefusesBadInputWithA4xxAndStoresNothing) {
  ASSERT_EQ(Create(NormalChange("staging", false)), "CHG-1");
  server().Admin();
  const nlohmann::json openapi = server().api().OpenApi();
  const std::vector<Operation> ops = Operations(openapi);
  ASSERT_GT(ops.size(), 50u);
  const std::string before = server().DatabaseDigest();
  const int64_t audit = server().AuditCount();

  for (const Operation& op : ops) {
    SCOPED_TRACE(op.method + " " + op.pattern);
    // Bad path parameters.
    for (const nlohmann::json& param : op.spec.value("parameters", nlohmann::json::array())) {
      if (param["in"] != "path") continue;
      for (const char* bad : {"1abc", "%2B1", "%00", "%ZZ", "..%2F..%2Fetc", "CHG-0", "%E2%80%AE", "%FF"}) {
        ExpectRefused(Send(op, Fill(op.pattern, param["name"], bad), "{}"), std::string("path ") + bad);
      }
      ExpectRefused(Send(op, Fill(op.pattern, param["name"], std::string(2000, '7')), "{}"), "long path parameter");
    }
    const std::string path = Fill(op.pattern);
    // Bad query parameters.
    ExpectRefused(Send(op, path + "?no_such_parameter=1", ""), "unknown query parameter");
    ExpectRefused(Send(op, path + "?%ZZ=1", ""), "bad query escape");
    if (op.method == "GET" && path.find('{') == std::string::npos) {
      for (const nlohmann::json& param : op.spec.value("parameters", nlohmann::json::array())) {
        if (param["in"] != "query") continue;
        const std::string type = param["schema"].value("type", "");
        const std::string value = type == "integer" ? "1x" : type == "boolean" ? "yes" : "a%00b";
        ExpectRefused(Send(op, path + "?" + param["name"].get<std::string>() + "=" + value, ""),
                      "query " + param["name"].get<std::string>());
      }
    }
    // Bad bodies, to every route that changes data (webhooks too: unsigned).
    if (op.method == "GET" || op.method == "HEAD" || op.method == "DELETE") continue;
    for (const auto& [what, body] : BadBodies()) ExpectRefused(Send(op, path, body), what);
    // Larger than any JSON route takes: refused from its Content-Length, and
    // the server may close before the client has sent it all (so raw TCP).
    const std::string huge_head =
        op.method + " " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + server().Admin().token +
        "\r\nContent-Type: application/json\r\nIf-Match: \"1\"\r\nContent-Length: " + std::to_string(30u << 20) +
        "\r\n\r\n";
    const std::string huge = RawExchange(server().port(), huge_head + std::string(64 * 1024, ' '));
    EXPECT_TRUE(huge.starts_with("HTTP/1.1 4")) << "huge body: " << huge.substr(0, 200);
    ++requests_;
    ExpectRefused(Send(op, path, "{\"a\":1}", "application/x-www-form-urlencoded"), "form body");
    // Each field of a JSON body with the wrong type, the rest left out.
    if (!op.spec.contains("requestBody")) continue;
    const nlohmann::json& content = op.spec["requestBody"]["content"];
    if (!content.contains("application/json") || !content["application/json"]["schema"].contains("properties"))
      continue;
    for (const auto& [name, prop] : content["application/json"]["schema"]["properties"].items()) {
      const nlohmann::json wrong = WrongType(prop);
      if (!wrong.is_null()) ExpectRefused(Send(op, path, nlohmann::json{{name, wrong}}.dump()), "wrong type " + name);
    }
  }
  // Headers no route gets to see.
  const std::string huge_header =
      "GET /api/v1/changes HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(40'000, 'h') + "\r\n\r\n";
  EXPECT_EQ(RawExchange(server().port(), huge_header).substr(0, 12), "HTTP/1.1 431");
  static constexpr char kNulHeader[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n";
  const std::string nul_header(kNulHeader, sizeof kNulHeader - 1);
  EXPECT_EQ(RawExchange(server().port(), nul_header).substr(0, 12), "HTTP/1.1 400");

  EXPECT_GT(requests_, 1000);
  EXPECT_EQ(http().Get("/healthz").status, 200);
  EXPECT_EQ(server().AuditCount(), audit);
  EXPECT_EQ(server().DatabaseDigest(), before) << "a refused request changed the database";
}

}  // namespace
}  // namespace cl::testing
