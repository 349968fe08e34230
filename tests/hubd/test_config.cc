// hub.json as the daemon reads it: the core's settings, the staff's
// "accounts" and the desk's "review_levels" and "sources", every problem on
// its own line naming its field.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "zhanqun/desk/desk.h"
#include "zhanqun/hubd/config.h"
#include "zhanqun/staff/staff.h"

namespace zhanqun::hubd {
namespace {

using base::Result;

template <typename T>
T Must(base::Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

TEST_CASE("hub config reads and validates the accounts settings", "[hub][config]") {
  const std::string base = R"({"data_dir":"d","divisions_file":"x.csv")";
  Result<Config> c = ParseConfig(
      base + R"(,"accounts":{"session_ttl_s":3600,"session_idle_s":600,"argon2_t_cost":2}})",
      "/etc");
  REQUIRE(c.ok());
  CHECK(c->accounts.session_ttl_s == 3600);
  CHECK(c->accounts.session_idle_s == 600);
  CHECK(c->accounts.argon2_t_cost == 2);
  CHECK(c->accounts.argon2_m_cost_kib == 64 * 1024);
  CHECK(staff::Staff::AccountsDbPath(c->hub.data_dir) == "/etc/d/accounts.db");
  Result<Config> bad = ParseConfig(
      base + R"(,"accounts":{"session_ttl_s":600,"session_idle_s":3600,"colour":1}})", "/etc");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("accounts.colour: unknown setting"));
  CHECK_THAT(bad.status().message(),
             Catch::Contains("accounts.session_idle_s: must not be longer than session_ttl_s"));
  Result<Config> low = ParseConfig(base + R"(,"accounts":{"argon2_m_cost_kib":8}})", "");
  REQUIRE_FALSE(low.ok());
  CHECK_THAT(low.status().message(), Catch::Contains("accounts.argon2_m_cost_kib: expected"));
}

TEST_CASE("hub config reads review levels and names a bad value", "[hub][desk][config]") {
  const std::string base = R"({"data_dir": "/d", "divisions_file": "/x.csv")";
  Config dflt = Must(ParseConfig(base + "}", ""));
  CHECK(dflt.desk.review_levels == std::vector<std::string>{"初审", "复审", "终审"});
  Config two = Must(ParseConfig(base + R"(, "review_levels": ["初审", "终审"]})", ""));
  CHECK(two.desk.review_levels == std::vector<std::string>{"初审", "终审"});
  desk::DeskOptions o = desk::DeskOptionsFromConfig(two.desk);
  CHECK(o.review_levels == two.desk.review_levels);
  CHECK(o.attachments_dir == "/d/attachments");
  CHECK(two.desk.DeskDbPath() == "/d/desk.db");
  for (const char* bad :
       {R"([])", R"(["a","b","c","d","e","f"])", R"(["a", ""])", R"("初审")", R"([1])"}) {
    base::Result<Config> r = ParseConfig(base + ", \"review_levels\": " + bad + "}", "");
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().rfind("review_levels: expected an array of 1..5", 0) == 0);
  }
}

std::string ConfigWith(const std::string& sources) {
  return R"({"data_dir": "/tmp/d", "divisions_file": "/tmp/x.csv", "sources": )" + sources + "}";
}

TEST_CASE("sources in hub.json are parsed with their defaults", "[hub][ingest][config]") {
  auto c = ParseConfig(ConfigWith(R"([
    {"name": "gov-cn", "url": "https://www.gov.cn/rss.xml", "authority": "国务院"},
    {"name": "mof_1", "url": "http://mof.example/a.xml", "authority": "财政部", "interval_s": 60,
     "timeout_s": 5, "trusted": true, "topics": ["finance"], "max_items": 10}])"),
                       "");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  REQUIRE(c->desk.sources.size() == 2);
  CHECK(c->desk.sources[0].interval_s == 300);
  CHECK(c->desk.sources[0].timeout_s == 20);
  CHECK_FALSE(c->desk.sources[0].trusted);
  CHECK(c->desk.sources[0].max_items == 50);
  CHECK(c->desk.sources[1].trusted);
  CHECK(c->desk.sources[1].topics == std::vector<std::string>{"finance"});
  CHECK(c->desk.IngestDbPath() == "/tmp/d/ingest.db");
}

TEST_CASE("bad sources are refused with one line per problem naming the field",
          "[hub][ingest][config]") {
  auto c = ParseConfig(ConfigWith(R"([
    {"name": "Bad Name", "url": "https://a.example/", "authority": "甲"},
    {"name": "dup", "url": "ftp://a.example/", "authority": "乙", "interval_s": 5},
    {"name": "dup", "url": "https://b.example/", "topics": "x", "colour": "red"}])"),
                       "");
  REQUIRE_FALSE(c.ok());
  const std::string m = c.status().message();
  CHECK(m.find("sources[0] (Bad Name): name: expected 1-40 characters of a-z 0-9 _ -") !=
        std::string::npos);
  CHECK(m.find("sources[1] (dup): url: expected an http:// or https:// URL") != std::string::npos);
  CHECK(m.find("sources[1] (dup): interval_s: expected an integer in 10..") != std::string::npos);
  CHECK(m.find("sources[2] (dup): authority: required") != std::string::npos);
  CHECK(m.find("sources[2] (dup): topics: expected an array of non-empty strings") !=
        std::string::npos);
  CHECK(m.find("sources[2] (dup): colour: unknown setting") != std::string::npos);
  CHECK(m.find("sources[2] (dup): name: duplicate of an earlier source") != std::string::npos);
  CHECK_FALSE(ParseConfig(ConfigWith(R"({"name": "x"})"), "").ok());
}

TEST_CASE("hub.json names unknown settings, bad values and a bad listen address, one line each",
          "[hubd][config]") {
  Result<Config> r = ParseConfig(
      R"({"data_dir": "d", "divisions_file": "x.csv", "colour": 1, "listen": "nowhere",
          "page_size": 0, "head_interval_s": 40, "head_expiry_s": 30})",
      "/etc");
  REQUIRE_FALSE(r.ok());
  const std::string m = r.status().message();
  CHECK(m ==
        "colour: unknown setting\n"
        "listen: expected host:port, got 'nowhere'\n"
        "page_size: expected an integer in 1..1000\n"
        "head_expiry_s: must be longer than head_interval_s (40)");
  CHECK(ParseConfig("[1]", "").status().message() == "not a JSON object");
  Config c = Must(ParseConfig(R"({"data_dir": "d", "divisions_file": "x.csv",
                                  "listen": "0.0.0.0:8200", "public_url": "https://hub.example/"})",
                              "/etc"));
  CHECK(c.hub.data_dir == "/etc/d");
  CHECK(c.hub.key_file == "/etc/d/hub.key");
  CHECK(c.hub.listen_host == "0.0.0.0");
  CHECK(c.hub.listen_port == 8200);
  CHECK(c.hub.public_url == "https://hub.example");
  CHECK(c.desk.data_dir == "/etc/d");
  CHECK(c.desk.public_url == "https://hub.example");
}

}  // namespace
}  // namespace zhanqun::hubd
