#include <gtest/gtest.h>

#include "http/schema.h"

namespace cl::http {
namespace {

Schema UserLike() {
  return Schema::Object()
      .Field("name", Schema::String().Min(2).Max(5), true)
      .Field("kind", Schema::String().Enum({"a", "b"}))
      .Field("count", Schema::Integer().Min(0).Max(10))
      .Field("tags", Schema::Array(Schema::String().Max(3)).Max(2))
      .Field("when", Schema::String().Format("date-time"))
      .Field("inner", Schema::Object().Field("flag", Schema::Boolean(), true));
}

std::vector<FieldError> Check(const Schema& s, const std::string& json) {
  std::vector<FieldError> errors;
  s.Validate(nlohmann::json::parse(json), "", errors);
  return errors;
}

TEST(SchemaTest, AcceptsAValidDocument) {
  EXPECT_TRUE(Check(UserLike(), R"({"name":"abc","kind":"a","count":3,"tags":["x"],
      "when":"2026-01-01T00:00:00Z","inner":{"flag":true}})")
                  .empty());
}

TEST(SchemaTest, ReportsEveryProblemWithAPointer) {
  const auto errors = Check(UserLike(), R"({"kind":"c","count":"3","tags":["long!"],
      "when":"yesterday","inner":{},"extra":1})");
  std::vector<std::string> fields;
  for (const auto& e : errors) fields.push_back(e.field);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"/name", "/kind", "/count", "/tags/0", "/when", "/inner/flag", "/extra"}));
}

TEST(SchemaTest, WrongTopLevelTypeAndNullAreRejected) {
  EXPECT_EQ(Check(UserLike(), "[]").at(0).message, "must be of type object, got array");
  EXPECT_EQ(Check(UserLike(), "null").at(0).field, "/");
  EXPECT_EQ(Check(UserLike(), R"({"name":null})").at(0).field, "/name");
}

TEST(SchemaTest, UnknownFieldNamesAreEscapedInThePointer) {
  // RFC 6901: '~' and '/' inside a name must not read as a path step.
  EXPECT_EQ(Check(UserLike(), R"({"name":"ab","a/b~c":1})").at(0).field, "/a~1b~0c");
}

TEST(SchemaTest, LimitsCountCharactersNotBytes) {
  EXPECT_TRUE(Check(UserLike(), R"({"name":"éééé"})").empty());
  EXPECT_FALSE(Check(UserLike(), R"({"name":"éééééé"})").empty());
}

TEST(SchemaTest, IntegersOutOfRangeOrTooBigAreRejected) {
  EXPECT_FALSE(Check(UserLike(), R"({"name":"ab","count":11})").empty());
  EXPECT_FALSE(Check(UserLike(), R"({"name":"ab","count":-1})").empty());
  EXPECT_FALSE(Check(UserLike(), R"({"name":"ab","count":18446744073709551615})").empty());
  EXPECT_FALSE(Check(UserLike(), R"({"name":"ab","count":1.5})").empty());
}

TEST(SchemaTest, RendersStrictJsonSchema) {
  const nlohmann::json j = UserLike().ToJsonSchema();
  EXPECT_EQ(j["type"], "object");
  EXPECT_EQ(j["additionalProperties"], false);
  EXPECT_EQ(j["required"], nlohmann::json::array({"name"}));
  EXPECT_EQ(j["properties"]["name"]["maxLength"], 5);
  EXPECT_EQ(j["properties"]["tags"]["maxItems"], 2);
  EXPECT_EQ(j["properties"]["when"]["format"], "date-time");
  EXPECT_EQ(Schema::String().Nullable().ToJsonSchema()["type"], nlohmann::json::array({"string", "null"}));
}

}  // namespace
}  // namespace cl::http
