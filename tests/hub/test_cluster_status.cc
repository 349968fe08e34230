// The typed cluster and release status: what it costs to build, and that
// its renderings (the JSON documents, /metrics) say what it says.
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "feeds/key_support.h"
#include "hub/hub_test_support.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/hub/cluster_status.h"
#include "zhanqun/hub/hub_metrics.h"
#include "zhanqun/hub/status_json.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::hub {
namespace {

using base::FormatTime;
using json = nlohmann::json;
using testing::HubFixture;
using testing::kT0;
using testing::MakeRelease;
using testing::NewKey;

template <typename T>
T Must(base::Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

// County codes of the division table, in file order.
std::vector<std::string> CountyCodes(const std::string& divisions_file) {
  std::ifstream in(divisions_file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    // code,name,parent_code,level,gbt2260
    std::size_t level = line.find(',', line.find(',', line.find(',') + 1) + 1) + 1;
    if (line.compare(level, 2, "3,") == 0) out.push_back(line.substr(0, 6));
  }
  return out;
}

struct Cluster : HubFixture {
  std::map<std::string, feeds::SecretKey> keys;
  std::vector<std::string> codes = CountyCodes(config.divisions_file);

  // Registers `n` more counties, publishes a release and has each new
  // county report: every other one a release behind, every third with an
  // entry it refused, each with a clock estimate and the head statement.
  void Grow(std::size_t n) {
    std::vector<std::string> added;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string code = codes.at(keys.size());
      keys.emplace(code, NewKey());
      MustAddNode(code, keys.at(code).public_key());
      added.push_back(code);
    }
    const std::uint64_t head =
        MustPublish(MakeRelease("r" + std::to_string(keys.size()))).entry.log.seq;
    const std::string statement = Must(hub->HeadStatement());
    clock.Advance(700);
    for (std::size_t i = 0; i < added.size(); ++i) {
      feeds::NodeReport r;
      r.node = added[i];
      r.boot = 1;
      r.n = keys.size();  // grows with every round
      r.clock = {true, -15, 4};
      r.head_statement = statement;
      const std::uint64_t live = i % 2 == 0 ? head : head - 1;
      r.acks = {{feeds::kHubCode, feeds::Stage::kVerified, head, 0},
                {feeds::kHubCode, feeds::Stage::kLive, live, 0}};
      if (i % 3 == 0) r.rejected = {{feeds::kHubCode, head - 1, "signature does not verify"}};
      std::string body = feeds::EncodeReport(r);
      Must(hub->AcceptReports(body, feeds::SignatureFor(keys.at(r.node), body)));
    }
  }
  // Store statements `fn` runs (sql::Db::statements, both connections).
  std::uint64_t StatementsOf(const std::function<void()>& fn) {
    const std::uint64_t before = hub->store().StatementCount();
    fn();
    return hub->store().StatementCount() - before;
  }
};

TEST_CASE("the cluster status and /metrics cost as many store queries for 30 nodes as for 3",
          "[hub][status][metrics]") {
  Cluster c;
  c.Grow(3);
  auto status = [&] { REQUIRE(c.hub->ReadClusterStatus().ok()); };
  auto metrics = [&] { REQUIRE(HubMetricsText(*c.hub).ok()); };
  const std::uint64_t status_3 = c.StatementsOf(status), metrics_3 = c.StatementsOf(metrics);
  c.Grow(27);
  ClusterStatus s = Must(c.hub->ReadClusterStatus());
  REQUIRE(s.nodes.size() == 30);
  // The 30 exercise every per-node figure: lags, entries due, rejections, reports.
  int behind = 0, rejected = 0, with_lags = 0;
  for (const NodeStatus& n : s.nodes) {
    behind += n.missing > 0 ? 1 : 0;
    rejected += n.last_rejection ? 1 : 0;
    with_lags += n.lags.at("verified") ? 1 : 0;
    REQUIRE(n.report);
  }
  CHECK(behind == 16);  // the first 3 (a release behind now), and 13 of the 27
  CHECK(rejected == 10);
  CHECK(with_lags == 30);

  CHECK(c.StatementsOf(status) == status_3);
  CHECK(c.StatementsOf(metrics) == metrics_3);
  // Head, nodes, reports, acks, lags, newest rejections, times of the entries due.
  CHECK(status_3 <= 7);
}

TEST_CASE("the console's release list costs as many store queries for 10 releases as for 1",
          "[hub][status]") {
  Cluster c;
  c.Grow(4);
  auto list = [&] { REQUIRE(c.hub->ReadReleaseStatuses(200).ok()); };
  const std::uint64_t one = c.StatementsOf(list);
  for (int i = 0; i < 3; ++i) c.Grow(3);  // a release per round
  c.MustPublish(MakeRelease("late-1"));
  for (int i = 0; i < 5; ++i) c.MustPublish(MakeRelease("late-" + std::to_string(i + 2)));
  std::vector<ReleaseStatus> all = Must(c.hub->ReadReleaseStatuses(200));
  REQUIRE(all.size() == 10);
  CHECK(c.StatementsOf(list) == one);
  // Each agrees with the release read alone.
  for (const ReleaseStatus& s : all) {
    ReleaseStatus alone = Must(c.hub->ReadReleaseStatus(s.release.id));
    INFO(s.release.id);
    CHECK(ReleaseStatusJson(s) == ReleaseStatusJson(alone));
  }
}

// A province that reported once (clock, head statement, a refused entry) and
// a city never heard from, 2 s after the report.
struct TwoNodes : HubFixture {
  feeds::SecretKey province = NewKey(), city = NewKey();
  std::string statement;
  TwoNodes() {
    MustAddNode("330000", province.public_key());  // seq 2
    MustAddNode("330100", city.public_key());      // seq 3
    clock.Advance(1000);
    MustPublish(MakeRelease("r1"));  // seq 4 at kT0 + 1000
    statement = Must(hub->HeadStatement());
    clock.Advance(500);
    feeds::NodeReport r;
    r.node = "330000";
    r.boot = 1;
    r.n = 1;
    r.clock = {true, -20, 5};
    r.head_statement = statement;
    r.upstream = "https://hub.example";
    r.acks = {{feeds::kHubCode, feeds::Stage::kVerified, 4, 0},
              {feeds::kHubCode, feeds::Stage::kLive, 4, 0}};
    r.rejected = {{feeds::kHubCode, 3, "bad"}};
    std::string body = feeds::EncodeReport(r);
    Must(hub->AcceptReports(body, feeds::SignatureFor(province, body)));
    clock.Advance(2000);  // now: kT0 + 3500
  }
};

json NoLags() {
  json lags = json::object();
  for (const char* stage : feeds::kStages) lags[stage] = nullptr;
  return lags;
}

TEST_CASE(
    "the status document has the API's exact shape: null when unknown, absent without a "
    "report",
    "[hub][status][json]") {
  TwoNodes t;
  feeds::HeadStatement held = Must(feeds::VerifyHeadStatement(t.statement, t.hub->public_key()));
  json lag = {{"count", 1}, {"p50", 500}, {"p95", 500}, {"p99", 500}, {"max", 500}};
  json province_lags = NoLags();
  province_lags["verified"] = lag;
  province_lags["live"] = lag;
  json expected = {
      {"hub",
       {{"code", "000000"},
        {"now", FormatTime(kT0 + 3500)},
        {"heads", {{"000000", 4}}},
        {"slo_s", 60},
        {"states",
         {{"OK", 1}, {"WARN", 0}, {"ERR", 0}, {"STALLED", 0}, {"OFFLINE", 1}, {"STALE", 0}}}}},
      {"nodes",
       {{{"code", "330000"},
         {"name", "浙江省"},
         {"level", "province"},
         {"parent", "000000"},
         {"state", "OK"},
         {"why", "live at the hub head"},
         {"origins",
          {{"000000",
            {{"received", 0},
             {"verified", 4},
             {"localized", 0},
             {"indexed", 0},
             {"live", 4},
             {"missing", 0},
             {"missing_verified", 0},
             {"oldest_missing_lag_ms", 0},
             {"lag_ms", province_lags}}}}},
         {"last_contact", FormatTime(kT0 + 1500)},
         {"last_contact_age_ms", 2000},
         {"via", "330000"},
         {"upstream", "https://hub.example"},
         {"clock", {{"offset_ms", -20}, {"error_ms", 5}}},
         {"head_statement",
          {{"seq", held.seq},
           {"issued", FormatTime(held.time_ms)},
           {"expires", FormatTime(held.expires_ms)}}},
         {"reports", {{"accepted", 1}, {"missing", 0}, {"replayed", 0}}},
         {"last_rejection",
          {{"origin", "000000"}, {"seq", 3}, {"reason", "bad"}, {"at", FormatTime(kT0 + 1500)}}}},
        {{"code", "330100"},
         {"name", "杭州市"},
         {"level", "city"},
         {"parent", "330000"},
         {"state", "OFFLINE"},
         {"why", "has never reported"},
         {"origins",
          {{"000000",
            {{"received", 0},
             {"verified", 0},
             {"localized", 0},
             {"indexed", 0},
             {"live", 0},
             {"missing", 4},
             {"missing_verified", 4},
             {"oldest_missing_lag_ms", 3500},  // seq 1, appended at kT0
             {"lag_ms", NoLags()}}}}},
         {"last_contact", nullptr},
         {"last_contact_age_ms", nullptr}}}}};
  // Byte for byte, as /api/v1/status and `zhanqun-hubd status` print it.
  CHECK(ClusterStatusJson(Must(t.hub->ReadClusterStatus())) == expected.dump(2));
}

TEST_CASE("the release status document has the API's exact shape", "[hub][status][json]") {
  TwoNodes t;
  json expected = {{"id", "r1"},
                   {"version", 1},
                   {"status", "active"},
                   {"title", MakeRelease("r1").title},
                   {"seq", 4},
                   {"published", FormatTime(kT0 + 1000)},
                   {"live_count", 1},
                   {"lacking_count", 1},
                   {"live",
                    {{{"code", "330000"},
                      {"name", "浙江省"},
                      {"level", "province"},
                      {"stages",
                       {{"verified", {{"at", FormatTime(kT0 + 1500)}, {"lag_ms", 500}}},
                        {"live", {{"at", FormatTime(kT0 + 1500)}, {"lag_ms", 500}}}}}}}},
                   {"lacking",
                    {{{"code", "330100"},
                      {"name", "杭州市"},
                      {"level", "city"},
                      {"stages", json::object()},
                      {"due_since", FormatTime(kT0 + 1000)},
                      {"waiting_ms", 2500}}}}};
  CHECK(ReleaseStatusJson(Must(t.hub->ReadReleaseStatus("r1"))) == expected.dump(2));
}

TEST_CASE("the typed status and its JSON rendering agree for every node", "[hub][status][json]") {
  Cluster c;
  c.Grow(5);
  c.clock.Advance(40000);  // some go OFFLINE, some are due past the SLO
  c.Grow(4);
  ClusterStatus s = Must(c.hub->ReadClusterStatus());
  json doc = json::parse(ClusterStatusJson(s));
  CHECK(doc["hub"]["heads"]["000000"] == s.hub_head);
  for (const auto& [state, count] : s.state_counts) {
    CHECK(doc["hub"]["states"][NodeStateName(state)] == count);
  }
  REQUIRE(doc["nodes"].size() == s.nodes.size());
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    const NodeStatus& n = s.nodes[i];
    json j = doc["nodes"][i];
    INFO(n.code);
    CHECK(j["code"] == n.code);
    CHECK(j["state"] == NodeStateName(n.state));
    CHECK(j["why"] == n.why);
    for (const auto& [origin, stages] : n.stage_seqs) {
      for (const auto& [stage, seq] : stages) CHECK(j["origins"][origin][stage] == seq);
    }
    json mine = j["origins"]["000000"];
    CHECK(mine["live"] == n.HubSeq("live"));
    CHECK(mine["missing"] == n.missing);
    CHECK(mine["oldest_missing_lag_ms"] == n.oldest_missing_lag_ms);
    for (const char* stage : feeds::kStages) {
      const std::optional<LagSummary>& lag = n.lags.at(stage);
      CHECK(mine["lag_ms"][stage].is_null() == !lag);
      if (lag) CHECK(mine["lag_ms"][stage]["p95"] == lag->p95_ms);
    }
    REQUIRE(n.last_contact_ms);
    CHECK(j["last_contact_age_ms"] == s.now_ms - *n.last_contact_ms);
    REQUIRE(n.report);
    CHECK(j["clock"]["offset_ms"] == n.report->clock->offset_ms);
    CHECK(j["head_statement"]["seq"] == n.report->head_statement->seq);
    CHECK(j.contains("last_rejection") == n.last_rejection.has_value());
  }
  CHECK(s.state_counts.at(NodeState::kOffline) == 5);
  CHECK(s.state_counts.at(NodeState::kOk) == 4);
}

TEST_CASE("/metrics shows the figures of the typed status", "[hub][status][metrics]") {
  Cluster c;
  c.Grow(4);
  ClusterStatus s = Must(c.hub->ReadClusterStatus());
  const std::string text = Must(HubMetricsText(*c.hub));
  INFO(text);
  for (const NodeStatus& n : s.nodes) {
    const std::string labels = "node=\"" + n.code + "\",level=\"county\"";
    const std::string log = labels + ",origin=\"000000\"} ";
    CHECK_THAT(text, Catch::Contains("zhanqun_hub_node_live_seq{" + log +
                                     std::to_string(n.HubSeq("live")) + "\n"));
    CHECK_THAT(text, Catch::Contains("zhanqun_hub_node_missing_entries{" + log +
                                     std::to_string(n.missing) + "\n"));
    CHECK_THAT(text, Catch::Contains("zhanqun_hub_node_state{" + labels + ",state=\"" +
                                     NodeStateName(n.state) + "\"} 1\n"));
  }
  CHECK_THAT(text, Catch::Contains("zhanqun_hub_nodes{state=\"OK\"} " +
                                   std::to_string(s.state_counts.at(NodeState::kOk)) + "\n"));
  // Samples within a family keep the JSON status's order: states by name.
  CHECK(text.find("zhanqun_hub_nodes{state=\"ERR\"}") <
        text.find("zhanqun_hub_nodes{state=\"WARN\"}"));
}

TEST_CASE("a store that cannot be read fails the status instead of showing an empty cluster",
          "[hub][status]") {
  TwoNodes t;
  {
    // The hub's schema is at version 4: given as many (empty) migrations,
    // the adapter applies none.
    std::unique_ptr<sql::Db> db =
        Must(sql::Db::Open(t.config.DbPath(), std::vector<std::string>(5)));
    REQUIRE(db->Exec("DROP TABLE rejections").ok());
  }
  CHECK_FALSE(t.hub->ReadClusterStatus().ok());
  CHECK_FALSE(HubMetricsText(*t.hub).ok());
}

TEST_CASE("lag summaries are nearest-rank quantiles", "[hub][status]") {
  CHECK_FALSE(SummarizeLags({}));
  std::vector<base::TimeMs> lags;
  for (base::TimeMs i = 100; i >= 1; --i) lags.push_back(i * 10);
  std::optional<LagSummary> s = SummarizeLags(lags);
  REQUIRE(s);
  CHECK(s->count == 100);
  CHECK(s->p50_ms == 510);  // index 50 of 10, 20, ..., 1000
  CHECK(s->p95_ms == 960);
  CHECK(s->p99_ms == 1000);
  CHECK(s->max_ms == 1000);
  CHECK(SummarizeLags({7})->p99_ms == 7);
}

}  // namespace
}  // namespace zhanqun::hub
