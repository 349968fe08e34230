// Reports up the tree: relayed envelopes, forgery and loss, clock skew,
// head statements, node states and per-release propagation.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "feeds/key_support.h"
#include "hub/hub_test_support.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/hub/node_health.h"
#include "zhanqun/hub/node_keys.h"
#include "zhanqun/hub/status_json.h"

namespace zhanqun::hub {
namespace {

using base::Status;
using feeds::NodeReport;
using json = nlohmann::json;
using testing::HubFixture;
using testing::kT0;
using testing::MakeRelease;
using testing::NewKey;

// A province, a city under it and a county under that, each with a key.
struct Tree : HubFixture {
  feeds::SecretKey province = NewKey(), city = NewKey(), county = NewKey();
  Tree() {
    MustAddNode("330000", province.public_key());
    MustAddNode("330100", city.public_key());
    MustAddNode("330106", county.public_key());  // seq 4
  }
  std::string Report(const std::string& node, std::uint64_t boot, std::uint64_t n,
                     std::vector<feeds::StageAck> acks, feeds::ClockEstimate estimate = {},
                     const std::string& head_statement = "") {
    NodeReport r;
    r.node = node;
    r.boot = boot;
    r.n = n;
    r.clock = estimate;
    r.acks = std::move(acks);
    r.head_statement = head_statement;
    return feeds::EncodeReport(r);
  }
  feeds::SecretKey& KeyOf(const std::string& code) {
    return code == "330000" ? province : code == "330100" ? city : county;
  }
  // `from` sends its envelope holding `bodies` (each signed by its own node).
  base::Result<Hub::AckOutcome> Send(
      const std::string& from, const std::vector<std::pair<std::string, std::string>>& bodies) {
    feeds::Envelope env{from, {}, false};
    for (const auto& [node, body] : bodies) {
      env.reports.push_back({body, feeds::SignatureFor(KeyOf(node), body)});
    }
    std::string text = feeds::EncodeEnvelope(env);
    return hub->AcceptReports(text, feeds::SignatureFor(KeyOf(from), text));
  }
  json NodeStatus(const std::string& code) {
    json doc = StatusDoc();
    for (const json& n : doc["nodes"]) {
      if (n["code"] == code) return n;
    }
    FAIL("no node " << code);
    return json();
  }
};

TEST_CASE("reports relayed by a city reach the hub intact, marked with their route",
          "[hub][reports]") {
  Tree t;
  t.MustPublish(MakeRelease("r1"));  // seq 5 at kT0
  t.clock.Advance(800);
  std::string county = t.Report("330106", 9, 1, {{"000000", feeds::Stage::kLive, 5, 0}});
  std::string city = t.Report("330100", 7, 1, {{"000000", feeds::Stage::kLive, 5, 0}});
  auto out = t.Send("330100", {{"330100", city}, {"330106", county}});
  REQUIRE(out.ok());
  CHECK(out->accepted == 2);
  CHECK(out->refused.empty());
  CHECK(t.hub->counters().reports_relayed == 1);
  json c = t.NodeStatus("330106");
  CHECK(c["via"] == "330100");
  CHECK(c["origins"]["000000"]["live"] == 5);
  CHECK(c["origins"]["000000"]["lag_ms"]["live"]["max"] == 800);
}

TEST_CASE("reports signed by a revoked key are refused; the re-keyed node reports again",
          "[hub][reports][security][keys]") {
  Tree t;
  t.MustPublish(MakeRelease("r1"));
  std::string city = t.Report("330100", 7, 1, {{"000000", feeds::Stage::kLive, 5, 0}});
  REQUIRE(t.Send("330100", {{"330100", city}})->accepted == 1);
  testing::Must(
      t.hub->RestateNode("330100", [](const feeds::Node& n) { return RevokeNode(n, 10); }));
  city = t.Report("330100", 7, 2, {{"000000", feeds::Stage::kLive, 5, 0}});
  base::Result<Hub::AckOutcome> revoked = t.Send("330100", {{"330100", city}});
  REQUIRE_FALSE(revoked.ok());
  CHECK(revoked.status().code() == base::Code::kUnauthenticated);
  // Its children's reports relayed through it are refused with the envelope.
  CHECK(t.hub->counters().acks_rejected == 1);

  feeds::SecretKey fresh = NewKey();
  testing::Must(t.hub->RestateNode(
      "330100", [&](const feeds::Node& n) { return RekeyNode(n, fresh.public_key(), 11); }));
  CHECK_FALSE(t.Send("330100", {{"330100", city}}).ok());  // the old key still not
  t.city = std::move(fresh);
  base::Result<Hub::AckOutcome> ok = t.Send("330100", {{"330100", city}});
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());
  CHECK(ok->accepted == 1);
}

TEST_CASE("a node change built on a registry entry another writer replaced appends nothing",
          "[hub][keys][security]") {
  Tree t;
  // Another process (the CLI beside the serving daemon) on the same data.
  std::unique_ptr<Hub> other = std::move(Hub::Open(t.config, t.clock)).value();
  feeds::SecretKey fresh = NewKey();
  base::Result<feeds::SignedEntry> raced = t.hub->RestateNode("330100", [&](const feeds::Node& n) {
    // Between our read and our append, the other revokes the city's key.
    testing::Must(
        other->RestateNode("330100", [](const feeds::Node& m) { return RevokeNode(m, 10); }));
    return RekeyNode(n, fresh.public_key(), 20);  // built on the unrevoked entry
  });
  REQUIRE_FALSE(raced.ok());
  CHECK(raced.status().code() == base::Code::kFailedPrecondition);
  CHECK_THAT(raced.status().message(), Catch::Contains("changed meanwhile"));
  // The revocation stands: the city has no key that may report.
  std::optional<NodeRow> row = testing::Must(t.hub->store().FindNode("330100"));
  REQUIRE(row.has_value());
  CHECK(row->node.keys.empty());
  // Run again, the change is built on the revocation.
  CHECK_FALSE(
      t.hub
          ->RestateNode("330100",
                        [&](const feeds::Node& n) { return RekeyNode(n, fresh.public_key(), 20); })
          .ok());  // a gap after the revocation point
  testing::Must(t.hub->RestateNode(
      "330100", [&](const feeds::Node& n) { return RekeyNode(n, fresh.public_key(), 11); }));
}

TEST_CASE("a node's lag history survives a re-key; a rejoin registers it again",
          "[hub][reports][keys]") {
  Tree t;
  t.MustPublish(MakeRelease("r1"));  // seq 5
  t.clock.Advance(700);
  std::string county = t.Report("330106", 9, 1, {{"000000", feeds::Stage::kLive, 5, 0}});
  REQUIRE(t.Send("330106", {{"330106", county}})->accepted == 1);
  auto live_lag = [&] { return t.NodeStatus("330106")["origins"]["000000"]["lag_ms"]["live"]; };
  REQUIRE(live_lag()["count"] == 1);

  feeds::SecretKey fresh = NewKey();
  testing::Must(t.hub->RestateNode(
      "330106", [&](const feeds::Node& n) { return RekeyNode(n, fresh.public_key(), 2); }));
  CHECK(live_lag()["count"] == 1);
  CHECK(live_lag()["max"] == 700);
  // A second change reads the newest registry entry, not the first one.
  feeds::SignedEntry revoked = testing::Must(
      t.hub->RestateNode("330106", [](const feeds::Node& n) { return RevokeNode(n, 3); }));
  REQUIRE(revoked.entry.node->keys.size() == 2);
  CHECK(revoked.entry.node->key_spans[0] == feeds::KeySpan{1, 2});
  CHECK(revoked.entry.node->key_spans[1] == feeds::KeySpan{2, 4});

  feeds::SecretKey again = NewKey();
  testing::Must(t.hub->RestateNode(
      "330106", [&](const feeds::Node& n) { return RejoinNode(n, again.public_key()); }));
  const json after_rejoin = live_lag();  // the catch-up of a new epoch is not lag
  CHECK((after_rejoin.is_null() || after_rejoin["count"] == 0));
}

TEST_CASE("a relay cannot forge or alter a child's report", "[hub][reports][security]") {
  Tree t;
  t.MustPublish(MakeRelease("r1"));
  std::string county = t.Report("330106", 9, 1, {{"000000", feeds::Stage::kLive, 5, 0}});
  std::string city = t.Report("330100", 7, 1, {});
  SECTION("a report signed by the relay in the child's name is refused, the rest kept") {
    feeds::Envelope env{"330100", {}, false};
    env.reports.push_back({city, feeds::SignatureFor(t.city, city)});
    env.reports.push_back({county, feeds::SignatureFor(t.city, county)});  // forged
    std::string text = feeds::EncodeEnvelope(env);
    auto out = t.hub->AcceptReports(text, feeds::SignatureFor(t.city, text));
    REQUIRE(out.ok());
    CHECK(out->accepted == 1);
    REQUIRE(out->refused.size() == 1);
    CHECK(out->refused[0].first == "330106");
    CHECK(t.NodeStatus("330106")["origins"]["000000"]["live"] == 0);
  }
  SECTION("a child's report altered in transit is refused") {
    std::string sig = feeds::SignatureFor(t.county, county);
    std::string altered = county;
    altered.replace(altered.find("\"seq\":5"), 7, "\"seq\":4");
    feeds::Envelope env{"330100", {{altered, sig}}, false};
    std::string text = feeds::EncodeEnvelope(env);
    auto out = t.hub->AcceptReports(text, feeds::SignatureFor(t.city, text));
    REQUIRE(out.ok());
    CHECK(out->accepted == 0);
    CHECK(t.hub->counters().reports_refused == 1);
  }
  SECTION("an envelope not signed by its sender is refused whole") {
    feeds::Envelope env{"330100", {{county, feeds::SignatureFor(t.county, county)}}, false};
    std::string text = feeds::EncodeEnvelope(env);
    auto out = t.hub->AcceptReports(text, feeds::SignatureFor(t.county, text));
    REQUIRE_FALSE(out.ok());
    CHECK(out.status().code() == base::Code::kUnauthenticated);
    CHECK(t.hub->counters().acks_rejected == 1);
  }
}

TEST_CASE("a report dropped on the way shows as missing; a replay changes nothing",
          "[hub][reports]") {
  Tree t;
  t.MustPublish(MakeRelease("r1"));  // 5
  t.MustPublish(MakeRelease("r2"));  // 6
  auto send = [&](std::uint64_t n, std::uint64_t seq) {
    std::string body = t.Report("330106", 42, n, {{"000000", feeds::Stage::kLive, seq, 0}});
    auto out = t.Send("330100", {{"330106", body}});
    REQUIRE(out.ok());
    return *out;
  };
  CHECK(send(1, 4).accepted == 1);
  CHECK(send(3, 5).accepted == 1);      // report 2 never arrived
  Hub::AckOutcome replay = send(2, 6);  // an old number, even with newer content
  CHECK(replay.accepted == 0);
  CHECK(replay.replayed == 1);
  json c = t.NodeStatus("330106");
  CHECK(c["reports"]["missing"] == 1);
  CHECK(c["reports"]["replayed"] == 1);
  CHECK(c["origins"]["000000"]["live"] == 5);
  // A new boot starts a new numbering.
  std::string body = t.Report("330106", 43, 1, {{"000000", feeds::Stage::kLive, 6, 0}});
  CHECK(t.Send("330100", {{"330106", body}})->accepted == 1);
  CHECK(t.NodeStatus("330106")["reports"]["missing"] == 1);
}

TEST_CASE("lag is right when a node's clock is minutes off", "[hub][reports][clock]") {
  Tree t;
  t.MustPublish(MakeRelease("r1"));         // seq 5 appended at kT0
  const base::TimeMs skew = 5 * 60 * 1000;  // the county's clock is 5 minutes fast
  t.clock.Advance(3000);                    // the report arrives 3 s after publishing
  SECTION("with the node's offset estimate, stage times land on the hub's clock") {
    // Verified 400 ms and live 900 ms after publishing, by the county's own clock.
    std::string body = t.Report("330106", 1, 1,
                                {{"000000", feeds::Stage::kVerified, 5, kT0 + skew + 400},
                                 {"000000", feeds::Stage::kLive, 5, kT0 + skew + 900}},
                                {true, -skew, 3});
    REQUIRE(t.Send("330100", {{"330106", body}})->accepted == 1);
    json lag = t.NodeStatus("330106")["origins"]["000000"]["lag_ms"];
    CHECK(lag["verified"]["max"] == 400);
    CHECK(lag["live"]["max"] == 900);
    CHECK(t.NodeStatus("330106")["clock"]["offset_ms"] == -skew);
  }
  SECTION("without one, times are bounded by publishing and receipt: never negative") {
    std::string body =
        t.Report("330106", 1, 1, {{"000000", feeds::Stage::kLive, 5, kT0 - skew}}, {true, 0, 1});
    REQUIRE(t.Send("330100", {{"330106", body}})->accepted == 1);
    CHECK(t.NodeStatus("330106")["origins"]["000000"]["lag_ms"]["live"]["max"] == 0);
    std::string later = t.Report(
        "330106", 2, 1, {{"000000", feeds::Stage::kVerified, 5, kT0 + skew}}, {true, 0, 1});
    REQUIRE(t.Send("330100", {{"330106", later}})->accepted == 1);
    // Not inflated past the moment the hub heard of it.
    CHECK(t.NodeStatus("330106")["origins"]["000000"]["lag_ms"]["verified"]["max"] == 3000);
  }
}

TEST_CASE("the hub's head statement is re-signed on append and on its interval",
          "[hub][freshness]") {
  HubFixture f;
  std::string first = testing::Must(f.hub->HeadStatement());
  auto st = feeds::VerifyHeadStatement(first, f.hub->public_key());
  INFO(st.status().ToString());
  REQUIRE(st.ok());
  CHECK(st->seq == 1);
  CHECK(st->expires_ms == kT0 + f.config.head_expiry_s * 1000LL);
  CHECK(testing::Must(f.hub->HeadStatement()) == first);  // nothing changed: the same statement
  f.MustPublish(MakeRelease("r1"));
  auto after =
      feeds::VerifyHeadStatement(testing::Must(f.hub->HeadStatement()), f.hub->public_key());
  REQUIRE(after.ok());
  CHECK(after->seq == 2);
  f.clock.Advance(f.config.head_interval_s * 1000LL);
  auto later =
      feeds::VerifyHeadStatement(testing::Must(f.hub->HeadStatement()), f.hub->public_key());
  REQUIRE(later.ok());
  CHECK(later->time_ms == after->time_ms + f.config.head_interval_s * 1000LL);
}

TEST_CASE("node states follow explicit rules", "[hub][health]") {
  HealthRules rules{60000, 30000, 30000, 5};
  HealthTracker h(rules);
  const base::TimeMs now = 1000000;
  NodeFacts f;
  f.reported = true;
  f.last_report_ms = now - 1000;
  f.hub_head = 10;
  f.live = 10;
  f.head_time_ms = now - 2000;
  f.head_expires_ms = now + 28000;

  CHECK(h.Evaluate("a", NodeFacts{}, now).state == NodeState::kOffline);
  CHECK(h.Evaluate("a", f, now).state == NodeState::kOk);

  // Reporting and live at the head, but it never held a statement that verified.
  NodeFacts unsigned_only = f;
  unsigned_only.head_time_ms = 0;
  unsigned_only.head_expires_ms = 0;
  Evaluation never = h.Evaluate("a", unsigned_only, now);
  CHECK(never.state == NodeState::kStale);
  CHECK_THAT(never.why, Catch::Contains("never reported a head statement"));

  NodeFacts silent = f;
  silent.last_report_ms = now - 31000;
  Evaluation off = h.Evaluate("a", silent, now);
  CHECK(off.state == NodeState::kOffline);
  CHECK_THAT(off.why, Catch::Contains("31.0 s"));

  NodeFacts frozen = f;
  frozen.head_time_ms = now - 40000;
  frozen.head_expires_ms = now - 10000;
  Evaluation stale = h.Evaluate("a", frozen, now);
  CHECK(stale.state == NodeState::kStale);
  CHECK_THAT(stale.why, Catch::Contains("expired"));

  // Reporting every 10 s, stuck at 7 while the hub moves on.
  for (int i = 0; i < 5; ++i) h.AddSample("b", now - 40000 + i * 10000, 10, 7);
  NodeFacts stuck = f;
  stuck.live = 7;
  stuck.oldest_missing_since_ms = now - 45000;
  Evaluation stalled = h.Evaluate("b", stuck, now);
  CHECK(stalled.state == NodeState::kStalled);
  CHECK_THAT(stalled.why, Catch::Contains("has not moved"));

  // Advancing, but entry 9 has been due longer than the SLO.
  for (int i = 0; i < 5; ++i)
    h.AddSample("c", now - 4000 + i * 1000, 12, 6 + static_cast<std::uint64_t>(i / 2));
  NodeFacts late = f;
  late.hub_head = 12;
  late.live = 8;
  late.oldest_missing_since_ms = now - 61000;
  CHECK(h.Evaluate("c", late, now).state == NodeState::kErr);

  // Within the SLO, but falling further behind report after report.
  for (int i = 0; i < 5; ++i) {
    h.AddSample("d", now - 4000 + i * 1000, 10 + static_cast<std::uint64_t>(3 * i),
                9 + static_cast<std::uint64_t>(i));
  }
  NodeFacts behind = f;
  behind.hub_head = 22;
  behind.live = 13;
  behind.oldest_missing_since_ms = now - 5000;
  Evaluation warn = h.Evaluate("d", behind, now);
  CHECK(warn.state == NodeState::kWarn);
  CHECK_THAT(warn.why, Catch::Contains("lag grew from 1 to 9"));

  // Behind but catching up: OK.
  for (int i = 0; i < 5; ++i) {
    h.AddSample("e", now - 4000 + i * 1000, 20, 10 + static_cast<std::uint64_t>(2 * i));
  }
  NodeFacts catching = f;
  catching.hub_head = 20;
  catching.live = 18;
  catching.oldest_missing_since_ms = now - 5000;
  CHECK(h.Evaluate("e", catching, now).state == NodeState::kOk);
}

TEST_CASE("the hub shows a node STALE once the head statement it holds expires",
          "[hub][health][freshness]") {
  Tree t;
  std::string statement = testing::Must(t.hub->HeadStatement());
  std::string body =
      t.Report("330106", 1, 1, {{"000000", feeds::Stage::kLive, 4, 0}}, {true, 0, 1}, statement);
  REQUIRE(t.Send("330100", {{"330106", body}})->accepted == 1);
  CHECK(t.NodeStatus("330106")["state"] == "OK");
  // It keeps reporting, but never passes on a newer statement.
  t.clock.Advance(t.config.head_expiry_s * 1000LL + 1000);
  std::string again = t.Report("330106", 1, 2, {}, {true, 0, 1}, statement);
  REQUIRE(t.Send("330100", {{"330106", again}})->accepted == 1);
  json c = t.NodeStatus("330106");
  CHECK(c["state"] == "STALE");
  CHECK_THAT(c["why"].get<std::string>(), Catch::Contains("expired"));
  CHECK(t.StatusDoc()["hub"]["states"]["STALE"] == 1);
  // A statement that is not the hub's is refused, not believed.
  feeds::SecretKey other = NewKey();
  std::string fake =
      feeds::SignHeadStatement(other, "000000", 4, "", t.clock.NowMs(), t.clock.NowMs() + 30000)
          .text;
  std::string forged = t.Report("330106", 1, 3, {}, {true, 0, 1}, fake);
  auto out = t.Send("330100", {{"330106", forged}});
  REQUIRE(out.ok());
  CHECK(out->accepted == 0);
  CHECK(t.NodeStatus("330106")["state"] == "STALE");
}

TEST_CASE("the hub shows a node STALE, not OK, until it reports a head statement that verifies",
          "[hub][health][freshness][security]") {
  Tree t;
  // Live at the head by its own word, and reporting on time, but holding no
  // statement: nothing signed says it is current (a parent that never
  // passes statements on, or a node that claims progress it cannot show).
  std::string body =
      t.Report("330106", 1, 1, {{"000000", feeds::Stage::kLive, 4, 0}}, {true, 0, 1});
  REQUIRE(t.Send("330100", {{"330106", body}})->accepted == 1);
  json c = t.NodeStatus("330106");
  CHECK(c["state"] == "STALE");
  CHECK_THAT(c["why"].get<std::string>(), Catch::Contains("never reported a head statement"));
  CHECK(t.StatusDoc()["hub"]["states"]["STALE"] == 1);
  CHECK(t.StatusDoc()["hub"]["states"]["OK"] == 0);
  // A forged statement is refused with its report: still STALE.
  feeds::SecretKey other = NewKey();
  std::string fake =
      feeds::SignHeadStatement(other, "000000", 4, "", t.clock.NowMs(), t.clock.NowMs() + 30000)
          .text;
  REQUIRE(
      t.Send("330100", {{"330106", t.Report("330106", 1, 2, {}, {true, 0, 1}, fake)}})->accepted ==
      0);
  CHECK(t.NodeStatus("330106")["state"] == "STALE");
  // The hub's own statement, passed on: OK.
  std::string statement = testing::Must(t.hub->HeadStatement());
  REQUIRE(t.Send("330100", {{"330106", t.Report("330106", 1, 3, {}, {true, 0, 1}, statement)}})
              ->accepted == 1);
  CHECK(t.NodeStatus("330106")["state"] == "OK");
}

TEST_CASE("release status lists where a release is live and where it is still due",
          "[hub][status]") {
  Tree t;
  t.MustPublish(MakeRelease("r1"));  // seq 5
  t.clock.Advance(700);
  std::string city = t.Report("330100", 1, 1, {{"000000", feeds::Stage::kLive, 5, 0}});
  REQUIRE(t.Send("330100", {{"330100", city}})->accepted == 1);
  t.clock.Advance(300);
  auto doc = t.hub->ReadReleaseStatus("r1");
  REQUIRE(doc.ok());
  json j = json::parse(ReleaseStatusJson(*doc));
  CHECK(j["live_count"] == 1);
  CHECK(j["lacking_count"] == 2);
  CHECK(j["live"][0]["code"] == "330100");
  CHECK(j["live"][0]["stages"]["live"]["lag_ms"] == 700);
  CHECK(j["lacking"][0]["waiting_ms"] == 1000);
  CHECK(t.hub->ReadReleaseStatus("nope").status().code() == base::Code::kNotFound);
}

}  // namespace
}  // namespace zhanqun::hub
