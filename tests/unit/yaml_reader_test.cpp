// The strict YAML reader (ingest/yaml_reader.h) that policy files, and the
// document and baseline files after them, are read with: every problem is
// collected with its path and position.
#include <gtest/gtest.h>

#include "core/change.h"
#include "ingest/yaml_reader.h"

namespace cl::testing {
namespace {

TEST(YamlReaderTest, CollectsEveryProblemWithPathAndPosition) {
  const YAML::Node doc = YAML::Load("name: ok\ncount: many\nflag: maybe\nextra: 1\nwait: 3 days\n");
  YamlReader r;
  EXPECT_TRUE(r.Map(doc, "", {"name", "count", "flag", "wait"}));
  EXPECT_EQ(r.Str(doc["name"], "/name"), "ok");
  EXPECT_FALSE(r.Int(doc["count"], "/count", 0, 10).has_value());
  EXPECT_TRUE(r.Bool(doc["flag"], "/flag", true));  // the fallback, and an error
  EXPECT_FALSE(r.Duration(doc["wait"], "/wait").has_value());
  EXPECT_EQ(r.Str(doc["missing"], "/missing", /*required=*/true), "");
  std::vector<std::string> paths;
  for (const FieldError& e : r.errors) paths.push_back(e.field);
  EXPECT_EQ(paths, (std::vector<std::string>{"/extra", "/count", "/flag", "/wait", "/missing"}));
  EXPECT_EQ(r.errors[1].message, "line 2, column 8: must be a whole number from 0 to 10");
  EXPECT_EQ(r.errors[4].message, "required");
}

TEST(YamlReaderTest, ListsAndEnumsNameTheBadItem) {
  const YAML::Node doc = YAML::Load("risks: [low, extreme]\nnames: x\n");
  YamlReader r;
  const std::vector<Risk> risks = r.EnumList(doc["risks"], "/risks", ParseRisk, Names(kAllRisks));
  EXPECT_EQ(risks, (std::vector<Risk>{Risk::kLow}));
  EXPECT_TRUE(r.List(doc["names"], "/names").empty());
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].field, "/risks/1");
  EXPECT_NE(r.errors[0].message.find("'extreme' is not one of low, medium, high, critical"), std::string::npos);
  EXPECT_EQ(r.errors[1].field, "/names");
}

}  // namespace
}  // namespace cl::testing
