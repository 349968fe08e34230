// The follower's loop driven one round at a time through a fake network:
// what it asks for, what it applies, how it backs off and fails over, and
// what it refuses. No sockets, no sleeping.
#include <catch2/catch.hpp>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "agent_parts.h"
#include "zhanqun/agent/follower.h"

namespace zhanqun::agent {
namespace {

using test_util::AgentParts;
using test_util::FakeHttp;
using test_util::Origin;

constexpr const char* kUpA = "http://up-a";
constexpr const char* kUpB = "http://up-b";
const std::string kHubFeedA = std::string(kUpA) + "/api/v1/feeds/000000";
const std::string kHubFeedB = std::string(kUpB) + "/api/v1/feeds/000000";

struct FollowerFixture : AgentParts {
  AgentConfig config = Config();
  Upstreams upstreams{{kUpA, kUpB}};
  std::vector<std::string> switches;  // reasons, in order
  int layers_arrived = 0;
  std::atomic<bool> frozen{false};
  std::vector<feeds::SignedEntry> chain = test_util::HubChain(hub);

  static AgentConfig Config() {
    AgentConfig c;
    c.node = "330100";
    c.origins = {feeds::kHubCode};
    return c;
  }
  FollowerEnv Env() {
    return FollowerEnv{config,
                       *store,
                       upstreams,
                       applier,
                       freshness,
                       clock,
                       counters,
                       events.Sink(),
                       http.Factory(),
                       [this](const std::string& reason) { switches.push_back(reason); },
                       [this] { layers_arrived++; },
                       frozen};
  }
  // `prefix` serves `entries` to a request after 0, and an empty page after that.
  void Serve(const std::string& prefix, std::vector<feeds::SignedEntry> entries,
             const std::string& statement = "") {
    http.Route(prefix, [entries, statement](const FakeHttp::Request& req) {
      const std::string& origin = entries.front().entry.log.origin;
      net::HttpResult r = FakeHttp::FeedAnswer(
          origin, req.Query("after") == "0" ? entries : std::vector<feeds::SignedEntry>{},
          entries.size());
      if (!statement.empty()) r.headers["x-zhanqun-head-statement"] = statement;
      return base::Result<net::HttpResult>(r);
    });
  }
  // `prefix` answers a request after N with pages[N] (an empty page for any
  // other N), each with `statement` when it is not empty.
  void ServePages(const std::string& prefix,
                  std::map<std::string, std::vector<feeds::SignedEntry>> pages,
                  const std::string& statement, std::uint64_t head) {
    http.Route(prefix, [pages, statement, head](const FakeHttp::Request& req) {
      auto page = pages.find(req.Query("after"));
      net::HttpResult r = FakeHttp::FeedAnswer(
          feeds::kHubCode, page == pages.end() ? std::vector<feeds::SignedEntry>{} : page->second,
          head);
      if (!statement.empty()) r.headers["x-zhanqun-head-statement"] = statement;
      return base::Result<net::HttpResult>(r);
    });
  }
  // Follows the chain (4 entries) from upstream A, with a statement at 4.
  void HoldChain(Follower& follower) {
    ServePages(kHubFeedA, {{"0", chain}}, test_util::Statement(hub, clock, 4, 60000).text, 4);
    REQUIRE(follower.FetchOnce());
    REQUIRE(testing::Must(store->HeadOf(feeds::kHubCode)).seq == 4);
  }
  void Fail(const std::string& prefix, long status) {
    http.Route(prefix, [status](const FakeHttp::Request&) {
      return base::Result<net::HttpResult>(FakeHttp::Answer(status, "unavailable"));
    });
  }
};

}  // namespace

TEST_CASE("a follower applies a fetched page and then asks for what follows its new head",
          "[agent][follower]") {
  FollowerFixture f;
  const feeds::HeadStatement statement = test_util::Statement(f.hub, f.clock, 4, 60000);
  f.Serve(kHubFeedA, f.chain, statement.text);
  Follower follower(feeds::kHubCode, f.Env());

  CHECK(follower.FetchOnce());
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 4);
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).hash == f.chain.back().hash);
  CHECK(f.counters.fetches == 1);
  CHECK(f.counters.entries_verified == 4);
  REQUIRE(f.events.Count("entries_applied") == 1);
  const test_util::Event applied = f.events.Named("entries_applied")[0];
  CHECK(applied.Field("count") == "4");
  CHECK(applied.Field("head") == "4");
  CHECK(applied.Field("upstream_head") == "4");
  // The statement that came with the page is verified and kept.
  CHECK(f.freshness.NewestText() == statement.text);
  CHECK(f.newer_statements == 1);

  CHECK(follower.FetchOnce());  // nothing new: an empty page
  std::vector<FakeHttp::Request> sent = f.http.requests();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].url == kHubFeedA + "?after=0&wait=25");
  CHECK(sent[0].timeout_ms == 40000);  // the long-poll's wait and 15 s for the network
  CHECK(sent[1].url == kHubFeedA + "?after=4&wait=25");
  CHECK(f.counters.entries_verified == 4);
  CHECK(f.events.Count("entries_applied") == 1);
  CHECK(f.layers_arrived == 0);  // the hub's log is indexed: the indexer asks the site
}

TEST_CASE("a follower backs off, doubling, and fails over after three failures in a row",
          "[agent][follower][failover]") {
  FollowerFixture f;
  f.Fail(kHubFeedA, 503);
  f.Serve(kHubFeedB, f.chain);
  Follower follower(feeds::kHubCode, f.Env());

  CHECK(follower.RunOnce() == 250);
  CHECK(follower.RunOnce() == 500);
  CHECK(f.switches.empty());
  CHECK(follower.RunOnce() == 1000);
  CHECK(f.upstreams.Current().url == kUpB);
  REQUIRE(f.switches.size() == 1);
  CHECK(f.switches[0] == "upstream http://up-a failed repeatedly");
  CHECK(f.counters.fetch_errors == 3);
  CHECK(f.counters.upstream_failures_request == 3);
  REQUIRE(f.events.Count("fetch_failed") == 3);
  CHECK(f.events.Named("fetch_failed")[0].Field("error") == "HTTP 503");

  CHECK(follower.RunOnce() == 0);  // the next upstream answers: at once again
  CHECK(f.http.requests().back().url == kHubFeedB + "?after=0&wait=25");
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 4);

  f.Fail(kHubFeedB, 500);
  CHECK(follower.RunOnce() == 250);  // the backoff started over
  CHECK(follower.RunOnce() == 500);
}

TEST_CASE("a follower's backoff stops doubling at its bound", "[agent][follower]") {
  FollowerFixture f;
  Follower follower(feeds::kHubCode, f.Env());  // no route: every request is refused
  std::int64_t wait = 0;
  for (int i = 0; i < 12; ++i) wait = follower.RunOnce();
  CHECK(wait == Follower::kMaxBackoffMs);
  CHECK(f.counters.fetch_errors == 12);
}

TEST_CASE("a follower quarantines an undecodable page and an entry that does not verify",
          "[agent][follower][security]") {
  FollowerFixture f;
  f.http.Route(kHubFeedA, [](const FakeHttp::Request&) {
    return base::Result<net::HttpResult>(FakeHttp::Answer(200, "<html>not a feed</html>"));
  });
  Follower follower(feeds::kHubCode, f.Env());

  CHECK_FALSE(follower.FetchOnce());
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 0);
  std::vector<QuarantineRow> q = testing::Must(f.store->Quarantined(10));
  REQUIRE(q.size() == 1);
  CHECK(q[0].seq == 1);
  CHECK_THAT(q[0].reason, Catch::StartsWith("feed rejected: "));
  CHECK(q[0].source == kHubFeedA + "?after=0&wait=25");
  CHECK(q[0].wire == "<html>not a feed</html>");
  CHECK(f.counters.fetch_errors == 1);
  CHECK(f.counters.entries_rejected == 1);
  CHECK(f.events.Count("feed_rejected") == 1);
  CHECK(f.switches.empty());  // the upstream answered; its page was bad

  Origin impostor(feeds::kHubCode);  // signs as the hub with a key nobody trusts
  f.Serve(kHubFeedA, {impostor.Release()});
  CHECK_FALSE(follower.FetchOnce());
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 0);
  CHECK(testing::Must(f.store->QuarantineCount()) == 2);
  CHECK(f.rejected == std::vector<std::string>{"000000#1"});
  CHECK(f.events.Count("entry_rejected") == 1);
  CHECK(f.events.Count("entries_applied") == 0);
}

TEST_CASE("a parent that keeps serving a broken or forked entry loses us to the next upstream",
          "[agent][follower][failover][security]") {
  FollowerFixture f;
  Follower follower(feeds::kHubCode, f.Env());
  f.HoldChain(follower);
  // The hub goes on to 5 and 6; upstream B has them.
  std::vector<feeds::SignedEntry> more = {f.hub.Release(), f.hub.Release()};
  f.clock.Advance(1000);
  const std::string fresh = test_util::Statement(f.hub, f.clock, 6, 60000).text;
  f.ServePages(kHubFeedB, {{"4", more}}, fresh, 6);

  std::vector<feeds::SignedEntry> bad;
  Origin impostor(feeds::kHubCode);  // signs as the hub with a key nobody trusts
  Origin province("330000");
  SECTION("an entry whose signature does not verify") { bad = {impostor.Release()}; }
  SECTION("a fork: another entry 4, signed by the hub, and a 5 on top of it") {
    feeds::Entry e = f.chain[3].entry;
    e.release->title += "（另一版本）";
    feeds::SignedEntry fork4 = f.hub.SignAt(e, {feeds::kHubCode, 3, f.chain[2].hash});
    feeds::Entry e5 = more[0].entry;
    bad = {fork4, f.hub.SignAt(e5, {feeds::kHubCode, 4, fork4.hash})};
  }
  SECTION("an entry of another origin inside the hub's feed") {
    f.Trust(province, feeds::kHubCode, feeds::NodeLevel::kProvince);
    bad = {province.Release()};
  }
  f.ServePages(kHubFeedA, {{"4", bad}}, fresh, 6);

  CHECK(follower.RunOnce() == 250);
  // The parent still accepts our reports: that must not reset the count.
  f.upstreams.Succeeded(0);
  CHECK(follower.RunOnce() == 500);
  CHECK(f.switches.empty());
  CHECK(follower.RunOnce() == 1000);
  REQUIRE(f.switches.size() == 1);
  CHECK(f.switches[0] == "upstream http://up-a served the log of 000000 badly (verification)");
  CHECK(f.upstreams.Current().url == kUpB);
  CHECK(f.counters.upstream_failures_verification == 3);
  CHECK(f.counters.upstream_failures_withholding == 0);
  CHECK(f.counters.upstream_failures_request == 0);
  std::vector<test_util::Event> failed = f.events.Named("upstream_failed");
  REQUIRE(failed.size() == 3);
  CHECK(failed[0].Field("reason") == "verification");
  CHECK(failed[0].Field("upstream") == kUpA);
  // Each refusal is quarantined, as before (the same entry takes one row).
  CHECK(testing::Must(f.store->QuarantineCount()) == 1);
  CHECK(f.rejected.size() == 3);
  // The statement that came with the broken pages was not kept.
  CHECK(
      testing::Must(feeds::VerifyHeadStatement(f.freshness.NewestText(), f.hub.key().public_key()))
          .seq == 4);

  // The entries verify from the other upstream, and the subtree receives them.
  CHECK(follower.RunOnce() == 0);
  CHECK(f.http.requests().back().url == kHubFeedB + "?after=4&wait=25");
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 6);
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).hash == more.back().hash);
  CHECK(f.freshness.NewestText() == fresh);
}

TEST_CASE("an undecodable page is a verification failure of the upstream",
          "[agent][follower][failover][security]") {
  FollowerFixture f;
  f.http.Route(kHubFeedA, [](const FakeHttp::Request&) {
    return base::Result<net::HttpResult>(FakeHttp::Answer(200, "<html>not a feed</html>"));
  });
  f.Serve(kHubFeedB, f.chain);
  Follower follower(feeds::kHubCode, f.Env());
  for (int i = 0; i < 3; ++i) CHECK(follower.RunOnce() > 0);
  CHECK(f.counters.upstream_failures_verification == 3);
  CHECK(f.upstreams.Current().url == kUpB);
  CHECK(follower.RunOnce() == 0);
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 4);
}

TEST_CASE("a parent whose head statement shows entries it never delivers loses us",
          "[agent][follower][failover][security]") {
  FollowerFixture f;
  Follower follower(feeds::kHubCode, f.Env());
  f.HoldChain(follower);
  const std::string held = f.freshness.NewestText();
  std::vector<feeds::SignedEntry> more = {f.hub.Release(), f.hub.Release()};
  // The parent passes on the hub's statement at 6, signed and fresh...
  f.clock.Advance(1000);
  const std::string fresh = test_util::Statement(f.hub, f.clock, 6, 60000).text;
  f.ServePages(kHubFeedB, {{"4", more}}, fresh, 6);
  SECTION("...and answers after=4 with an empty page") { f.ServePages(kHubFeedA, {}, fresh, 6); }
  SECTION("...and answers after=4 with entries we hold already") {
    f.ServePages(kHubFeedA, {{"4", {f.chain[2], f.chain[3]}}}, fresh, 6);
  }

  CHECK(follower.RunOnce() == 250);
  f.upstreams.Succeeded(0);  // our reports still go through
  CHECK(follower.RunOnce() == 500);
  CHECK(follower.RunOnce() == 1000);
  REQUIRE(f.switches.size() == 1);
  CHECK(f.switches[0] == "upstream http://up-a served the log of 000000 badly (withholding)");
  CHECK(f.counters.upstream_failures_withholding == 3);
  CHECK(f.counters.upstream_failures_verification == 0);
  std::vector<test_util::Event> failed = f.events.Named("upstream_failed");
  REQUIRE(failed.size() == 3);
  CHECK(failed[0].Field("reason") == "withholding");
  CHECK_THAT(failed[0].Field("detail"), Catch::Contains("seq 6"));
  // Nothing was refused: there was nothing to quarantine.
  CHECK(testing::Must(f.store->QuarantineCount()) == 0);
  // Its statement did not make us look fresh while it held the entries back.
  CHECK(f.freshness.NewestText() == held);

  CHECK(follower.RunOnce() == 0);
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 6);
  CHECK(f.freshness.NewestText() == fresh);
}

TEST_CASE("an empty long-poll whose head statement is at our head is not withholding",
          "[agent][follower][failover]") {
  FollowerFixture f;
  Follower follower(feeds::kHubCode, f.Env());
  f.HoldChain(follower);
  // Nothing new at the hub: a newer statement of the same head, and an older one.
  f.clock.Advance(5000);
  const std::string same_head = test_util::Statement(f.hub, f.clock, 4, 60000).text;
  f.ServePages(kHubFeedA, {}, same_head, 4);
  for (int i = 0; i < 5; ++i) CHECK(follower.RunOnce() == 0);
  CHECK(f.freshness.NewestText() == same_head);
  f.ServePages(kHubFeedA, {}, test_util::Statement(f.hub, f.clock, 2, 60000).text, 4);
  for (int i = 0; i < 5; ++i) CHECK(follower.RunOnce() == 0);
  CHECK(f.counters.upstream_failures_withholding == 0);
  CHECK(f.events.Count("upstream_failed") == 0);
  CHECK(f.switches.empty());
}

TEST_CASE("a follower refuses a head statement the hub did not sign but applies the page",
          "[agent][follower][security]") {
  FollowerFixture f;
  Origin impostor(feeds::kHubCode);
  const feeds::HeadStatement forged = test_util::Statement(impostor, f.clock, 9, 60000);
  f.Serve(kHubFeedA, f.chain, forged.text);
  Follower follower(feeds::kHubCode, f.Env());

  CHECK(follower.FetchOnce());
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 4);
  CHECK(f.freshness.NewestText().empty());
  CHECK(f.counters.head_statements_refused == 1);
  CHECK(f.events.Count("head_statement_refused") == 1);
  CHECK(f.newer_statements == 0);
}

TEST_CASE("a frozen follower asks nothing of its upstream until it thaws", "[agent][follower]") {
  FollowerFixture f;
  f.Serve(kHubFeedA, f.chain);
  f.frozen = true;
  Follower follower(feeds::kHubCode, f.Env());
  CHECK(follower.RunOnce() == Follower::kFrozenPollMs);
  CHECK(follower.RunOnce() == Follower::kFrozenPollMs);
  CHECK(f.http.requests().empty());
  f.frozen = false;
  CHECK(follower.RunOnce() == 0);
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 4);
}

TEST_CASE("a follower of an ancestor's log asks for a site refresh when its layers arrive",
          "[agent][follower][site]") {
  FollowerFixture f;
  Origin province("330000");  // carried for the site, not indexed here
  REQUIRE(f.applier.ApplyPage(feeds::kHubCode, test_util::Page(f.chain), "test").rejected.ok());
  f.Register(province, feeds::kHubCode, feeds::NodeLevel::kProvince);
  const std::string id = f.HubRelease();
  f.Serve(std::string(kUpA) + "/api/v1/feeds/330000", {province.Layer(id), province.Layer(id)});
  Follower follower("330000", f.Env());
  CHECK(follower.FetchOnce());
  CHECK(testing::Must(f.store->HeadOf("330000")).seq == 2);
  CHECK(f.layers_arrived == 1);
  CHECK(follower.FetchOnce());  // nothing new, nothing to refresh
  CHECK(f.layers_arrived == 1);
}

TEST_CASE("stopping a follower ends the long-poll it holds", "[agent][follower]") {
  FollowerFixture f;
  std::promise<void> polling;
  f.http.Route(kHubFeedA, [&](const FakeHttp::Request& req) {
    polling.set_value();
    return f.http.HoldUntilAborted(req);
  });
  Follower follower(feeds::kHubCode, f.Env());
  std::thread loop([&] { follower.Run(); });
  polling.get_future().wait();
  follower.Stop();
  loop.join();  // a Stop that did not reach the held request would hang here
  CHECK(f.http.requests().size() == 1);
  CHECK(f.counters.fetch_errors == 0);  // an aborted request is not a failure
}

TEST_CASE("a long-poll held at an upstream we left ends at once and asks the new one",
          "[agent][follower][failover]") {
  // The county's poll of the province's log sat at the hub for its whole
  // wait after the province came back: a retarget ends it, uncounted.
  FollowerFixture f;
  std::promise<void> polling;
  f.http.Route(kHubFeedB, [&](const FakeHttp::Request& req) {
    polling.set_value();
    return f.http.HoldUntilAborted(req);
  });
  f.Serve(kHubFeedA, f.chain);
  REQUIRE(f.upstreams.SwitchTo(1));
  Follower follower(feeds::kHubCode, f.Env());
  std::future<std::int64_t> round =
      std::async(std::launch::async, [&] { return follower.RunOnce(); });
  polling.get_future().wait();
  REQUIRE(f.upstreams.SwitchTo(0));  // a probe found the parent healthy again
  follower.Retarget();
  CHECK(round.get() == 0);  // no backoff: the next round is at once
  CHECK(f.counters.fetch_errors == 0);
  CHECK(f.counters.upstream_failures_request == 0);
  CHECK(f.upstreams.Current().url == kUpA);  // the interrupted request moved nothing

  CHECK(follower.RunOnce() == 0);
  CHECK(f.http.requests().back().url == kHubFeedA + "?after=0&wait=25");
  CHECK(testing::Must(f.store->HeadOf(feeds::kHubCode)).seq == 4);
}

}  // namespace zhanqun::agent
