// A whole Agent, started, with every HTTP client from a fake network: its
// threads follow, index and report without sockets, and Stop() ends a held
// long-poll. Waits are for events the agent logs, never for time.
#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent_parts.h"
#include "zhanqun/agent/agent.h"
#include "zhanqun/agent/agent_metrics.h"
#include "zhanqun/feeds/report.h"

namespace zhanqun::agent {
namespace {

using test_util::FakeHttp;
using test_util::Origin;

constexpr const char* kUp = "http://up-a";

struct StartedAgent {
  testing::TempDir dir;
  Origin hub{feeds::kHubCode};
  Origin self{"330100"};
  std::vector<feeds::SignedEntry> chain = test_util::HubChain(hub);
  test_util::EventLog events;
  FakeHttp http;
  AgentConfig config;
  std::unique_ptr<Agent> agent;

  StartedAgent() {
    config.node = self.code();
    config.parent_url = kUp;
    config.upstreams = {kUp};
    // The reporter coalesces for a second before each envelope; a short
    // heartbeat keeps the wait for its second envelope to about as long.
    config.report_interval_s = 1;
    config.data_dir = dir.File("agent");
    config.key_file = dir.File("agent.key");
    config.hub_public_key = dir.File("hub.pub");
    REQUIRE(self.key().Save(config.key_file).ok());
    testing::WriteText(config.hub_public_key,
                       feeds::FormatPublicKeyFile(hub.key().public_key(), "zhanqun hub"));
  }
  void Open() {
    base::Result<std::unique_ptr<Agent>> a =
        Agent::Open(config, base::SystemClock(), events.Sink(), http.Factory());
    INFO(a.status().ToString());
    REQUIRE(a.ok());
    agent = std::move(a).value();
  }
};

}  // namespace

TEST_CASE("a started agent follows, indexes and reports through its HTTP-client factory",
          "[agent][threads]") {
  StartedAgent f;
  const std::string feed = std::string(kUp) + "/api/v1/feeds/000000";
  const std::vector<feeds::SignedEntry> chain = f.chain;
  f.http.Route(feed, [&f, chain](const FakeHttp::Request& req) -> base::Result<net::HttpResult> {
    if (req.Query("after") == "0") return FakeHttp::FeedAnswer(feeds::kHubCode, chain, 4);
    return f.http.HoldUntilAborted(req);  // nothing new: a held long-poll
  });
  // The reporter's first envelope that says the hub's log is indexed up to 4.
  std::promise<std::string> indexed_report;
  bool seen = false;
  f.http.Route(std::string(kUp) + "/api/v1/acks", [&](const FakeHttp::Request& req) {
    base::Result<feeds::Envelope> env = feeds::ParseEnvelope(req.body, "");
    base::Result<feeds::NodeReport> own = env.ok() && !env->reports.empty()
                                              ? feeds::ParseReport(env->reports[0].body)
                                              : base::Result<feeds::NodeReport>(env.status());
    for (const feeds::StageAck& a : own.ok() ? own->acks : std::vector<feeds::StageAck>{}) {
      if (a.stage == feeds::Stage::kIndexed && a.seq == 4 && !seen) {
        seen = true;
        indexed_report.set_value(own->node);
      }
    }
    net::HttpResult answer = FakeHttp::Answer(200, "{}");
    const base::TimeMs now = base::SystemClock().NowMs();  // we play the hub
    answer.headers["x-zhanqun-clock"] = feeds::FormatClockHeader(now, now, 0);
    return base::Result<net::HttpResult>(answer);
  });
  f.Open();
  REQUIRE(f.agent->Start().ok());

  REQUIRE(f.events.WaitFor("entries_applied"));
  std::future<std::string> reported = indexed_report.get_future();
  REQUIRE(reported.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  CHECK(reported.get() == "330100");
  f.agent->Stop();  // returns although a long-poll is held

  CHECK(testing::Must(f.agent->store().Head(feeds::kHubCode)) == 4);
  CHECK(f.agent->counters().entries_verified == 4);
  CHECK(f.agent->counters().acks_sent >= 1);
  search::SearchQuery q;
  q.text = "实施方案";
  base::Result<search::SearchResults> r = f.agent->indexer().Search(q);
  REQUIRE(r.ok());
  CHECK(r->hits.size() == 3);
  CHECK(f.agent->indexer().ProgressOf(feeds::kHubCode).committed == 4);  // Stop() committed
  for (const FakeHttp::Request& req : f.http.requests()) {
    CHECK_THAT(req.url, Catch::StartsWith(kUp));
  }
}

TEST_CASE("an agent that has never held a verified head statement says STALE, not OK",
          "[agent][freshness][security]") {
  StartedAgent f;
  f.Open();  // a parent that never passes a statement on: none ever arrives
  nlohmann::json status = nlohmann::json::parse(testing::Must(f.agent->StatusJson()));
  CHECK(status["stale"] == true);
  CHECK(status["head_statement"].is_null());
  CHECK_THAT(testing::Must(AgentMetricsText(*f.agent)),
             Catch::Contains("\nzhanqun_agent_stale 1\n"));

  const base::TimeMs now = base::SystemClock().NowMs();
  REQUIRE(f.agent->freshness()
              .Offer(feeds::SignHeadStatement(f.hub.key(), feeds::kHubCode, 4, f.chain.back().hash,
                                              now, now + 600000)
                         .text)
              .ok());
  status = nlohmann::json::parse(testing::Must(f.agent->StatusJson()));
  CHECK(status["stale"] == false);
  CHECK(status["head_statement"]["seq"] == 4);
  CHECK_THAT(testing::Must(AgentMetricsText(*f.agent)),
             Catch::Contains("\nzhanqun_agent_stale 0\n"));
}

}  // namespace zhanqun::agent
