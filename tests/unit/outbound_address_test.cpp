// Which addresses a user-given URL may reach (server/outbound_http.h): the
// special-purpose ranges are refused, IPv4 hidden in IPv6 forms included,
// unless the operator's allow-list names the network.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

#include "server/outbound_http.h"

namespace cl {
namespace {

std::array<uint8_t, 16> Address(const char* text) {
  sockaddr_storage ss{};
  if (inet_pton(AF_INET, text, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
    ss.ss_family = AF_INET;
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr), 1) << text;
    ss.ss_family = AF_INET6;
  }
  std::array<uint8_t, 16> out{};
  EXPECT_TRUE(ToMappedAddress(reinterpret_cast<sockaddr*>(&ss), out));
  return out;
}

TEST(OutboundAddressTest, SpecialPurposeAddressesAreRefused) {
  for (const char* a : {"127.0.0.1",
                        "127.255.0.9",
                        "10.0.0.1",
                        "172.16.5.4",
                        "172.31.255.255",
                        "192.168.1.1",
                        "169.254.169.254",
                        "100.64.0.1",
                        "0.0.0.0",
                        "224.0.0.251",
                        "255.255.255.255",
                        "198.18.0.1",
                        "192.0.2.7",
                        "::1",
                        "::",
                        "fe80::1",
                        "fd12:3456::1",
                        "ff02::1",
                        "::ffff:127.0.0.1",
                        "::ffff:169.254.169.254",
                        "64:ff9b::a9fe:a9fe",
                        "2002:7f00:1::1",
                        "2001:db8::1",
                        "::7f00:1"}) {
    EXPECT_NE(RefusalReason(Address(a), {}), "") << a;
  }
  EXPECT_NE(RefusalReason(Address("169.254.169.254"), {}).find("link-local"), std::string::npos);
}

TEST(OutboundAddressTest, PublicAddressesPass) {
  for (const char* a : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "1.1.1.1",
                        "2606:4700:4700::1111", "2a00:1450:4001:81c::200e", "::ffff:8.8.8.8"}) {
    EXPECT_EQ(RefusalReason(Address(a), {}), "") << a;
  }
}

TEST(OutboundAddressTest, TheAllowListOpensOnlyTheNetworksItNames) {
  const std::vector<IpNetwork> allowed = {ParseIpNetwork("10.20.0.0/16").value(), ParseIpNetwork("fd00::/8").value(),
                                          ParseIpNetwork("127.0.0.1").value()};
  EXPECT_EQ(RefusalReason(Address("10.20.3.4"), allowed), "");
  EXPECT_EQ(RefusalReason(Address("::ffff:10.20.3.4"), allowed), "");
  EXPECT_EQ(RefusalReason(Address("fd00::5"), allowed), "");
  EXPECT_EQ(RefusalReason(Address("127.0.0.1"), allowed), "");
  EXPECT_NE(RefusalReason(Address("127.0.0.2"), allowed), "");
  EXPECT_NE(RefusalReason(Address("10.21.0.1"), allowed), "");
  EXPECT_NE(RefusalReason(Address("169.254.169.254"), allowed), "");
}

TEST(OutboundAddressTest, NetworksAreParsedStrictly) {
  for (const char* bad :
       {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/8x", "10.0.0/8", "::/129", "example.com", "10.0.0.0/-1"}) {
    EXPECT_FALSE(ParseIpNetwork(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseIpNetwork("10.0.0.0/8").value().prefix, 104);
  EXPECT_EQ(ParseIpNetwork("::1").value().prefix, 128);
}

TEST(OutboundAddressTest, UrlsWithCredentialsOrOtherSchemesAreRefusedBeforeResolving) {
  const OutboundHttp client;
  EXPECT_FALSE(client.CheckUrl("ftp://files.example.com/x").ok());
  EXPECT_FALSE(client.CheckUrl("file:///etc/passwd").ok());
  EXPECT_FALSE(client.CheckUrl("gopher://127.0.0.1:6379/_INFO").ok());
  const Status creds = client.CheckUrl("https://user:pw@hooks.example.com/");
  EXPECT_NE(creds.message().find("credentials"), std::string::npos) << creds.message();
  EXPECT_FALSE(client.CheckUrl("not a url").ok());
}

}  // namespace
}  // namespace cl
