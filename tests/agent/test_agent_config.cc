#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"
#include "zhanqun/agent/config.h"

namespace zhanqun::agent {
namespace {

using testing::TempDir;

using base::Result;
using json = nlohmann::json;

json ValidJson() {
  return {{"node", "330100"},
          {"parent_url", "http://127.0.0.1:8100/"},
          {"hub_url", "http://127.0.0.1:8100"},
          {"data_dir", "data/agent"},
          {"key_file", "agent.key"},
          {"hub_public_key", "/etc/zhanqun/hub.pub"},
          {"listen", "127.0.0.1:8201"}};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Parses `j`, expects failure, and returns the problem lines.
std::vector<std::string> Problems(const json& j) {
  Result<AgentConfig> c = ParseAgentConfig(j.dump(), "/srv/zq");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == base::Code::kInvalidArgument);
  return Lines(c.status().message());
}

// Expects exactly one problem line, starting with `field`.
void ExpectOneProblem(const json& j, const std::string& field) {
  INFO(j.dump());
  std::vector<std::string> lines = Problems(j);
  INFO(Catch::Detail::stringify(lines));
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::StartsWith(field + ":"));
}

}  // namespace

TEST_CASE("a valid agent config parses with defaults", "[agent][config]") {
  Result<AgentConfig> c = ParseAgentConfig(ValidJson().dump(), "/srv/zq");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->node == "330100");
  CHECK(c->parent_url == "http://127.0.0.1:8100");  // trailing slash dropped
  CHECK(c->hub_url == "http://127.0.0.1:8100");
  CHECK(c->data_dir == "/srv/zq/data/agent");  // relative to the config's directory
  CHECK(c->key_file == "/srv/zq/agent.key");
  CHECK(c->hub_public_key == "/etc/zhanqun/hub.pub");  // absolute stays
  CHECK(c->listen_host == "127.0.0.1");
  CHECK(c->listen_port == 8201);
  CHECK(c->public_url == "http://127.0.0.1:8201");
  CHECK(c->origins == std::vector<std::string>{"000000"});
  CHECK(c->poll_wait_s == 25);
  CHECK(c->page_size == 100);
  CHECK(c->max_wait_s == 30);
  CHECK(c->http_threads == 64);
  CHECK(c->DbPath() == "/srv/zq/data/agent/agent.db");
  CHECK(c->IndexPath() == "/srv/zq/data/agent/xapian");
}

TEST_CASE("agent config optional settings override the defaults", "[agent][config]") {
  json j = ValidJson();
  j["public_url"] = "https://zq.hangzhou.gov.cn/";
  j["origins"] = {"000000", "330000"};
  j["poll_wait_s"] = 5;
  j["page_size"] = 50;
  j["max_wait_s"] = 0;
  j["http_threads"] = 8;
  j["listen"] = "0.0.0.0:0";
  Result<AgentConfig> c = ParseAgentConfig(j.dump(), "/srv/zq");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->public_url == "https://zq.hangzhou.gov.cn");
  CHECK(c->origins == std::vector<std::string>{"000000", "330000"});
  CHECK(c->poll_wait_s == 5);
  CHECK(c->page_size == 50);
  CHECK(c->max_wait_s == 0);
  CHECK(c->http_threads == 8);
  CHECK(c->listen_host == "0.0.0.0");
  CHECK(c->listen_port == 0);
}

TEST_CASE("agent config names a bad node code", "[agent][config]") {
  for (const json& bad : {json("12345"), json("000000"), json("33010a"), json(330100), json("")}) {
    json j = ValidJson();
    j["node"] = bad;
    ExpectOneProblem(j, "node");
  }
}

TEST_CASE("agent config names a bad URL", "[agent][config]") {
  for (const char* field : {"parent_url", "hub_url", "public_url"}) {
    for (const json& bad : {json("ftp://hub"), json("127.0.0.1:8100"), json(8100)}) {
      json j = ValidJson();
      j[field] = bad;
      ExpectOneProblem(j, field);
    }
  }
}

TEST_CASE("agent config names a bad listen address", "[agent][config]") {
  for (const char* bad : {"localhost", ":8100", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:99999",
                          "127.0.0.1:-1", "127.0.0.1:80x"}) {
    json j = ValidJson();
    j["listen"] = bad;
    ExpectOneProblem(j, "listen");
  }
}

TEST_CASE("agent config names an unknown setting", "[agent][config]") {
  json j = ValidJson();
  j["pol_wait_s"] = 5;
  ExpectOneProblem(j, "pol_wait_s");
  std::vector<std::string> lines = Problems(j);
  CHECK_THAT(lines[0], Catch::Contains("unknown"));
}

TEST_CASE("agent config names out-of-range and mistyped numbers", "[agent][config]") {
  struct Case {
    const char* field;
    json value;
  };
  const Case cases[] = {
      {"poll_wait_s", 0}, {"poll_wait_s", 121}, {"poll_wait_s", "25"},
      {"page_size", 0},   {"page_size", 1001},  {"page_size", 2.5},
      {"max_wait_s", -1}, {"http_threads", 1},  {"http_threads", 100000},
  };
  for (const Case& c : cases) {
    json j = ValidJson();
    j[c.field] = c.value;
    ExpectOneProblem(j, c.field);
  }
}

TEST_CASE("agent config names bad origins", "[agent][config]") {
  for (const json& bad : {json::array(), json("000000"), json({"000000", "abc"})}) {
    json j = ValidJson();
    j["origins"] = bad;
    ExpectOneProblem(j, "origins");
  }
}

TEST_CASE("agent config reports every missing required setting, one line each", "[agent][config]") {
  std::vector<std::string> lines = Problems(json::object());
  // The trust anchor is trust_root (or the legacy hub_public_key): one line.
  const std::vector<std::string> required = {"node",     "parent_url", "hub_url", "data_dir",
                                             "key_file", "trust_root", "listen"};
  INFO(Catch::Detail::stringify(lines));
  REQUIRE(lines.size() == required.size());
  for (const std::string& field : required) {
    int found = 0;
    for (const std::string& line : lines) {
      if (line.rfind(field + ":", 0) == 0) {
        ++found;
        CHECK_THAT(line, Catch::Contains("required"));
      }
    }
    CHECK(found == 1);
  }
}

TEST_CASE("agent config takes trust_root and its threshold instead of hub_public_key",
          "[agent][config]") {
  json j = ValidJson();
  j.erase("hub_public_key");
  j["trust_root"] = "/etc/zhanqun/roots.pub";
  j["trust_threshold"] = 2;
  Result<AgentConfig> c = ParseAgentConfig(j.dump(), "/etc/zhanqun");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->trust_root == "/etc/zhanqun/roots.pub");
  CHECK(c->trust_threshold == 2);
  CHECK(c->hub_public_key.empty());
  j["hub_public_key"] = "/etc/zhanqun/hub.pub";
  ExpectOneProblem(j, "trust_root and hub_public_key");
}

TEST_CASE("agent config reports several different problems together", "[agent][config]") {
  json j = ValidJson();
  j["node"] = "abc";
  j["parent_url"] = "gopher://x";
  j["listen"] = "nowhere";
  j["colour"] = "red";
  j.erase("hub_url");
  std::vector<std::string> lines = Problems(j);
  INFO(Catch::Detail::stringify(lines));
  REQUIRE(lines.size() == 5);
  for (const char* field : {"node:", "parent_url:", "listen:", "colour:", "hub_url:"}) {
    bool found = false;
    for (const std::string& line : lines) found = found || line.rfind(field, 0) == 0;
    CHECK(found);
  }
}

TEST_CASE("agent config that is not a JSON object is refused", "[agent][config]") {
  for (const char* text : {"", "{", "[]", "42"}) {
    Result<AgentConfig> c = ParseAgentConfig(text, "/srv");
    CHECK_FALSE(c.ok());
  }
}

TEST_CASE("agent config loaded from a file resolves paths beside it and prefixes errors",
          "[agent][config]") {
  TempDir dir;
  const std::string path = dir.File("agent.json");
  {
    std::ofstream out(path);
    out << ValidJson().dump();
  }
  Result<AgentConfig> c = LoadAgentConfig(path);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->key_file == dir.File("agent.key"));

  json bad = ValidJson();
  bad["node"] = "x";
  bad["listen"] = "y";
  {
    std::ofstream out(path, std::ios::trunc);
    out << bad.dump();
  }
  Result<AgentConfig> b = LoadAgentConfig(path);
  REQUIRE_FALSE(b.ok());
  std::vector<std::string> lines = Lines(b.status().message());
  REQUIRE(lines.size() == 2);
  for (const std::string& line : lines) CHECK_THAT(line, Catch::StartsWith(path + ": "));

  Result<AgentConfig> missing = LoadAgentConfig(dir.File("nope.json"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == base::Code::kNotFound);
}

}  // namespace zhanqun::agent
