#include <gtest/gtest.h>

#include <set>

#include "core/clock.h"
#include "core/ids.h"

namespace cl {
namespace {

TEST(Rfc3339Test, FormatsUtcWithMicroseconds) {
  EXPECT_EQ(FormatRfc3339(Timestamp{0}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(Timestamp{1795425600123456}), "2026-11-23T09:20:00.123456Z");
}

TEST(Rfc3339Test, ParsesWhatItFormatsAndOffsets) {
  const Timestamp t{1795425600123456};
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
  EXPECT_EQ(ParseRfc3339("2026-11-23T10:20:00+01:00")->micros, 1795425600000000);
  EXPECT_EQ(ParseRfc3339("2026-11-23T04:50:00-04:30")->micros, 1795425600000000);
  EXPECT_EQ(ParseRfc3339("2026-11-23T09:20:00.5Z")->micros, 1795425600500000);
}

TEST(Rfc3339Test, RejectsMalformedDates) {
  for (const char* bad :
       {"", "2026-11-23", "2026-11-23T09:20:00", "2026-02-30T00:00:00Z", "2026-11-23T24:00:00Z",
        "2026-11-23T09:20:00.Z", "2026-11-23T09:20:00Zjunk", "2026-11-23 09:20:00Z", "x026-11-23T09:20:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(DurationTest, ParsesUnitsAndRejectsJunk) {
  EXPECT_EQ(ParseDuration("90d"), 90LL * 86400 * kMicrosPerSecond);
  EXPECT_EQ(ParseDuration("12h"), 12LL * 3600 * kMicrosPerSecond);
  EXPECT_EQ(ParseDuration("45s"), 45 * kMicrosPerSecond);
  for (const char* bad : {"", "d", "0d", "-1d", "10", "10w", "1.5h"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
}

TEST(IdsTest, IdsAreUrlSafeSortableAndRecognized) {
  const std::vector<uint8_t> r1(10, 0xFF), r0(10, 0x00);
  const std::string early = EncodeSortableId("usr", 1000, r1);
  const std::string late = EncodeSortableId("usr", 1001, r0);
  EXPECT_LT(early, late) << "time orders IDs regardless of the random part";
  EXPECT_EQ(early.size(), 4u + 26u);
  EXPECT_TRUE(LooksLikeId(early));
  EXPECT_EQ(early.find_first_not_of("usr_0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos);
  for (const char* bad : {"admin", "usr_", "USR_01M842VJJD20HPWB65E7717PWZ", "usr_01M842VJJD20HPWB65E7717PW",
                          "usr_01M842VJJD20HPWB65E7717PWI"}) {
    EXPECT_FALSE(LooksLikeId(bad)) << bad;
  }
}

TEST(IdsTest, DifferentRandomnessGivesDifferentIds) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::vector<uint8_t> r(10, 0);
    r[9] = static_cast<uint8_t>(i);
    seen.insert(EncodeSortableId("tok", 42, r));
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace cl
