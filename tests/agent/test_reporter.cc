// The reporter and the upstream watch driven one round at a time through a
// fake network: what an envelope carries, when the queues are trimmed, whose
// reports are relayed, and how the upstream is chosen. No sockets, no sleeping.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "agent_parts.h"
#include "zhanqun/agent/reporter.h"
#include "zhanqun/agent/upstream_watch.h"
#include "zhanqun/feeds/report.h"

namespace zhanqun::agent {
namespace {

using test_util::AgentParts;
using test_util::FakeHttp;
using test_util::Origin;

constexpr const char* kUpA = "http://up-a";
constexpr const char* kUpB = "http://up-b";
const std::string kAcksA = std::string(kUpA) + "/api/v1/acks";
const std::string kAcksB = std::string(kUpB) + "/api/v1/acks";

struct ReporterFixture : AgentParts {
  Origin self{"330100"};
  Origin child{"330106"};
  Upstreams upstreams{{kUpA, kUpB}};
  std::atomic<bool> frozen{false};
  std::vector<std::string> switches;
  UpstreamWatch watch{
      upstreams, freshness, *store, trust, clock, frozen, [this](const std::string& reason) {
        switches.push_back(reason);
      }};
  Reporter reporter{ReporterEnv{self.code(), self.key(), 5, upstreams, freshness, trust, watch,
                                [this](const std::string& r) { switches.push_back(r); }, clock,
                                counters, events.Sink(), http.Factory()}};

  ReporterFixture() { Trust(child, self.code(), feeds::NodeLevel::kCounty); }

  // `url` answers `status`, with the hub's clock (our clock, 2 ms later) on a 200.
  void Answer(const std::string& url, long status) {
    http.Route(url, [this, status](const FakeHttp::Request&) {
      net::HttpResult r = FakeHttp::Answer(status, status == 200 ? "{}" : "busy");
      const base::TimeMs now = clock.NowMs();
      if (status == 200) r.headers["x-zhanqun-clock"] = feeds::FormatClockHeader(now, now, 2);
      return base::Result<net::HttpResult>(r);
    });
  }
  // A child's envelope holding one report of its own, signed by `signer`.
  std::pair<std::string, std::string> ChildEnvelope(const Origin& from, const Origin& signer,
                                                    std::uint64_t n) {
    feeds::NodeReport r;
    r.node = from.code();
    r.boot = 7;
    r.n = n;
    r.sent_ms = clock.NowMs();
    const std::string body = feeds::EncodeReport(r);
    feeds::Envelope env;
    env.from = from.code();
    env.reports.push_back({body, feeds::SignatureFor(signer.key(), body)});
    const std::string text = feeds::EncodeEnvelope(env);
    return {text, feeds::SignatureFor(signer.key(), text)};
  }
  // The envelope of the `i`th request to `url`, checked against our key.
  feeds::Envelope Sent(const std::string& url, std::size_t i) {
    std::vector<FakeHttp::Request> sent = http.RequestsTo(url);
    REQUIRE(sent.size() > i);
    const std::string signature = sent[i].Header("X-Zhanqun-Signature");
    base::Status s = feeds::VerifySignatureFor({self.key().public_key()}, sent[i].body, signature);
    INFO(s.ToString());
    REQUIRE(s.ok());
    base::Result<feeds::Envelope> env = feeds::ParseEnvelope(sent[i].body, signature);
    REQUIRE(env.ok());
    return std::move(env).value();
  }
  static feeds::NodeReport Own(const feeds::Envelope& env) {
    REQUIRE(!env.reports.empty());
    base::Result<feeds::NodeReport> r = feeds::ParseReport(env.reports[0].body);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return std::move(r).value();
  }
};

}  // namespace

TEST_CASE("the reporter sends its own report first and its children's byte for byte",
          "[agent][reporter]") {
  ReporterFixture f;
  f.Answer(kAcksA, 200);
  f.reporter.RecordStages(feeds::kHubCode,
                          {{feeds::Stage::kReceived, 3}, {feeds::Stage::kVerified, 3}});
  const auto [body, signature] = f.ChildEnvelope(f.child, f.child, 1);
  base::Result<std::size_t> queued = f.reporter.AcceptChildReports(body, signature);
  INFO(queued.status().ToString());
  REQUIRE(queued.ok());
  CHECK(*queued == 1);

  REQUIRE(f.reporter.SendReports().ok());
  feeds::Envelope first = f.Sent(kAcksA, 0);
  CHECK(first.from == "330100");
  REQUIRE(first.reports.size() == 2);
  base::Result<feeds::Envelope> child_env = feeds::ParseEnvelope(body, signature);
  REQUIRE(child_env.ok());
  CHECK(first.reports[1].body == child_env->reports[0].body);
  CHECK(first.reports[1].signature == child_env->reports[0].signature);
  feeds::NodeReport own = ReporterFixture::Own(first);
  CHECK(own.node == "330100");
  CHECK(own.n == 1);
  CHECK(own.upstream == kUpA);
  CHECK(own.acks.empty());  // no stage times before the offset to the hub's clock is known
  CHECK(f.counters.acks_sent == 1);
  CHECK(f.counters.reports_relayed == 1);
  CHECK(f.freshness.ClockEstimate().known);  // from the answer's X-Zhanqun-Clock

  REQUIRE(f.reporter.SendReports().ok());
  feeds::Envelope second = f.Sent(kAcksA, 1);
  CHECK(second.reports.size() == 1);  // the child's report went up once
  feeds::NodeReport again = ReporterFixture::Own(second);
  CHECK(again.n == 2);
  CHECK(again.boot == own.boot);
  REQUIRE(again.acks.size() == 2);
  CHECK(again.acks[0].stage == feeds::Stage::kReceived);
  CHECK(again.acks[0].seq == 3);
  CHECK(again.acks[0].at_ms == test_util::kT0);
  CHECK(again.acks[1].stage == feeds::Stage::kVerified);
}

TEST_CASE("the reporter keeps what an envelope carried until the upstream answers 200",
          "[agent][reporter]") {
  ReporterFixture f;
  f.Answer(kAcksA, 200);
  REQUIRE(f.reporter.SendReports().ok());  // the clock estimate is known from here on
  f.reporter.RecordStages(feeds::kHubCode,
                          {{feeds::Stage::kReceived, 2}, {feeds::Stage::kVerified, 2}});
  f.reporter.RecordStages(feeds::kHubCode,
                          {{feeds::Stage::kReceived, 3}, {feeds::Stage::kVerified, 3}});
  f.reporter.RecordStages("330000",
                          {{feeds::Stage::kReceived, 9}});  // only the hub's log is measured
  f.reporter.NoteRejection(feeds::kHubCode, 4, "unauthenticated: bad signature");
  const auto [body, signature] = f.ChildEnvelope(f.child, f.child, 1);
  REQUIRE(f.reporter.AcceptChildReports(body, signature).ok());

  f.Answer(kAcksA, 503);
  base::Status failed = f.reporter.Round();
  CHECK_FALSE(failed.ok());
  CHECK_THAT(failed.message(), Catch::Contains("answered 503"));
  CHECK(f.counters.ack_errors == 1);
  REQUIRE(f.events.Count("ack_failed") == 1);
  CHECK(f.events.Named("ack_failed")[0].Field("upstream") == kUpA);

  f.Answer(kAcksA, 200);
  REQUIRE(f.reporter.Round().ok());
  f.Answer(kAcksA, 200);
  REQUIRE(f.reporter.Round().ok());

  // The refused envelope and the one after it carry the same: every
  // transition (two per stage), the rejection and the child's report.
  for (std::size_t i : {1, 2}) {
    feeds::Envelope env = f.Sent(kAcksA, i);
    CHECK(env.reports.size() == 2);
    feeds::NodeReport own = ReporterFixture::Own(env);
    CHECK(own.n == 2);  // a report that did not arrive is numbered again
    CHECK(own.acks.size() == 4);
    REQUIRE(own.rejected.size() == 1);
    CHECK(own.rejected[0].seq == 4);
  }
  // Delivered, they are gone; the current mark of each stage stays.
  feeds::Envelope after = f.Sent(kAcksA, 3);
  CHECK(after.reports.size() == 1);
  feeds::NodeReport own = ReporterFixture::Own(after);
  CHECK(own.n == 3);
  CHECK(own.rejected.empty());
  REQUIRE(own.acks.size() == 2);
  CHECK(own.acks[0].seq == 3);
  CHECK(own.acks[1].seq == 3);
  CHECK(f.counters.acks_sent == 3);
  CHECK(f.counters.reports_relayed == 1);
}

TEST_CASE("the reporter refuses reports signed by a revoked or removed child's key",
          "[agent][reporter][security][keys]") {
  ReporterFixture f;
  const auto [body, signature] = f.ChildEnvelope(f.child, f.child, 1);
  // The hub revokes the child's key after seq 4 of its log.
  feeds::Entry e = f.hub.Base(feeds::EntryKind::kNode);
  e.node = feeds::Node{
      f.child.code(), "子", feeds::NodeLevel::kCounty, f.self.code(), {f.child.key().public_key()}};
  e.node->key_spans = {{1, 5}};
  f.trust.Learn(feeds::kHubCode, f.hub.SignAt(e, f.hub.head()));
  CHECK_FALSE(f.trust.MaySpeak(f.child.code()));
  base::Result<std::size_t> revoked = f.reporter.AcceptChildReports(body, signature);
  REQUIRE_FALSE(revoked.ok());
  CHECK(revoked.status().code() == base::Code::kUnauthenticated);
  CHECK_THAT(revoked.status().message(), Catch::Contains("revoked"));

  // Re-keyed: the new key reports, the old one still does not.
  Origin rekeyed("330106");
  e.node->keys.push_back(rekeyed.key().public_key());
  e.node->key_spans = {{1, 5}, {5, 0}};
  f.trust.Learn(feeds::kHubCode, f.hub.SignAt(e, f.hub.head()));
  CHECK(f.trust.MaySpeak(f.child.code()));
  CHECK_FALSE(f.reporter.AcceptChildReports(body, signature).ok());
  const auto [fresh, fresh_signature] = f.ChildEnvelope(rekeyed, rekeyed, 1);
  base::Result<std::size_t> ok = f.reporter.AcceptChildReports(fresh, fresh_signature);
  INFO(ok.status().ToString());
  CHECK(ok.ok());
}

TEST_CASE("the reporter relays only reports signed by a node the hub registered",
          "[agent][reporter][security]") {
  ReporterFixture f;
  Origin stranger("110000");  // not in the registry
  const auto [body, signature] = f.ChildEnvelope(stranger, stranger, 1);
  base::Result<std::size_t> unknown = f.reporter.AcceptChildReports(body, signature);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == base::Code::kUnauthenticated);
  CHECK_THAT(unknown.status().message(), Catch::Contains("not registered"));

  const auto [forged, forged_signature] = f.ChildEnvelope(f.child, stranger, 1);
  base::Result<std::size_t> bad = f.reporter.AcceptChildReports(forged, forged_signature);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == base::Code::kUnauthenticated);

  f.Answer(kAcksA, 200);
  REQUIRE(f.reporter.SendReports().ok());
  CHECK(f.Sent(kAcksA, 0).reports.size() == 1);  // our own only
  CHECK(f.counters.reports_relayed == 0);
}

TEST_CASE("reports refused three times in a row go to the next upstream",
          "[agent][reporter][failover]") {
  ReporterFixture f;
  f.Answer(kAcksA, 500);
  f.Answer(kAcksB, 200);
  CHECK_FALSE(f.reporter.SendReports().ok());
  CHECK_FALSE(f.reporter.SendReports().ok());
  CHECK(f.switches.empty());
  CHECK_FALSE(f.reporter.SendReports().ok());
  REQUIRE(f.switches.size() == 1);
  CHECK(f.switches[0] == "upstream http://up-a refused reports");
  REQUIRE(f.reporter.SendReports().ok());
  CHECK(f.http.RequestsTo(kAcksB).size() == 1);
  CHECK(ReporterFixture::Own(f.Sent(kAcksB, 0)).upstream == kUpB);
}

TEST_CASE("the upstream watch returns to a better-ranked upstream once a probe finds it healthy",
          "[agent][reporter][failover]") {
  ReporterFixture f;
  for (int i = 0; i < 3; ++i) (void)f.upstreams.Failed(0);
  REQUIRE(f.upstreams.Current().index == 1);
  const std::string probe = std::string(kUpA) + "/api/v1/feeds/000000";
  auto serve_statement = [&](base::TimeMs valid_ms) {
    const std::string text = test_util::Statement(f.hub, f.clock, 0, valid_ms).text;
    f.http.Route(probe, [text](const FakeHttp::Request&) {
      net::HttpResult r = FakeHttp::FeedAnswer(feeds::kHubCode, {}, 0);
      r.headers["x-zhanqun-head-statement"] = text;
      return base::Result<net::HttpResult>(r);
    });
  };
  std::unique_ptr<net::HttpClient> client = f.http.Factory()();

  serve_statement(-1);  // answers, but its statement has expired: still frozen
  f.watch.Check(*client);
  CHECK(f.upstreams.Current().index == 1);
  CHECK(f.http.RequestsTo(probe).size() == 1);
  CHECK(f.http.RequestsTo(probe)[0].url == probe + "?after=0");

  serve_statement(60000);
  f.watch.Check(*client);  // within the probe interval: no probe
  CHECK(f.http.RequestsTo(probe).size() == 1);
  f.clock.Advance(UpstreamWatch::kProbeIntervalMs);
  f.watch.Check(*client);
  CHECK(f.http.RequestsTo(probe).size() == 2);
  CHECK(f.upstreams.Current().index == 0);
  REQUIRE(f.switches.size() == 1);
  CHECK(f.switches[0] == "better-ranked upstream http://up-a is healthy again");
}

TEST_CASE("the upstream watch leaves an upstream whose head statement expired, unless frozen",
          "[agent][reporter][failover]") {
  ReporterFixture f;
  std::unique_ptr<net::HttpClient> client = f.http.Factory()();
  REQUIRE(f.freshness.Offer(test_util::Statement(f.hub, f.clock, 0, 5000).text).ok());
  f.watch.Check(*client);
  CHECK(f.upstreams.Current().index == 0);  // fresh
  f.clock.Advance(5001);
  REQUIRE(f.freshness.IsStale());
  f.frozen = true;  // a frozen agent moves nowhere
  f.watch.Check(*client);
  CHECK(f.upstreams.Current().index == 0);
  f.frozen = false;
  f.watch.Check(*client);
  CHECK(f.upstreams.Current().index == 1);
  REQUIRE(f.switches.size() == 1);
  CHECK(f.switches[0] == "head statement from http://up-a expired (frozen upstream?)");
  CHECK(f.http.requests().empty());
}

namespace {

// Wall and monotonic time that move apart, as when the wall clock is stepped.
class SplitClock : public base::Clock {
 public:
  base::TimeMs NowMs() const override { return wall_.load(); }
  base::TimeMs MonotonicMs() const override { return mono_.load(); }
  void Advance(base::TimeMs ms) {
    wall_ += ms;
    mono_ += ms;
  }
  void StepWall(base::TimeMs ms) { wall_ += ms; }

 private:
  std::atomic<base::TimeMs> wall_{test_util::kT0};
  std::atomic<base::TimeMs> mono_{5000};
};

}  // namespace

TEST_CASE("an agent that never held a verified head statement is STALE",
          "[agent][freshness][security]") {
  AgentParts f;
  CHECK(f.freshness.IsStale());
  // A forged one changes nothing.
  Origin impostor(feeds::kHubCode);
  CHECK_FALSE(f.freshness.Offer(test_util::Statement(impostor, f.clock, 4, 60000).text).ok());
  CHECK(f.freshness.IsStale());
  REQUIRE(f.freshness.Offer(test_util::Statement(f.hub, f.clock, 4, 60000).text).ok());
  CHECK_FALSE(f.freshness.IsStale());
}

TEST_CASE(
    "staleness runs on the monotonic clock from receipt: a stepped wall clock changes nothing",
    "[agent][freshness]") {
  SplitClock clock;
  AgentParts f;
  HubFreshness freshness(f.hub.key().public_key(), clock, f.counters, f.events.Sink(), nullptr);
  REQUIRE(freshness.Offer(test_util::Statement(f.hub, clock, 4, 30000).text).ok());
  CHECK_FALSE(freshness.IsStale());
  clock.StepWall(-3600 * 1000);  // someone sets the wall clock an hour back
  clock.Advance(29000);
  CHECK_FALSE(freshness.IsStale());
  clock.Advance(2000);
  CHECK(freshness.IsStale());  // 31 s after a 30 s statement, whatever the wall clock says
}

TEST_CASE("a parent that lies in X-Zhanqun-Clock cannot keep an expired statement fresh",
          "[agent][freshness][security]") {
  ReporterFixture f;
  const base::TimeMs day = 24LL * 3600 * 1000;
  // The parent accepts our reports and says the hub's clock is a day behind ours.
  f.http.Route(kAcksA, [&f, day](const FakeHttp::Request&) {
    net::HttpResult r = FakeHttp::Answer(200, "{}");
    const base::TimeMs lie = f.clock.NowMs() - day;
    r.headers["x-zhanqun-clock"] = feeds::FormatClockHeader(lie, lie, 0);
    return base::Result<net::HttpResult>(r);
  });
  REQUIRE(f.reporter.SendReports().ok());
  feeds::ClockEstimate e = f.freshness.ClockEstimate();
  REQUIRE(e.known);
  CHECK(e.clamped);
  CHECK(e.offset_ms == -feeds::kMaxClockOffsetMs);
  // It serves a statement the hub issued 20 minutes ago, valid 30 s: a day
  // back, it would still look fresh; clamped, it has expired.
  const base::TimeMs now = f.clock.NowMs();
  const base::TimeMs old = now - 20 * 60 * 1000;
  CHECK_FALSE(f.freshness
                  .VerifyUnexpired(feeds::SignHeadStatement(f.hub.key(), feeds::kHubCode, 0,
                                                            f.hub.head().hash, old, old + 30000)
                                       .text)
                  .ok());
  REQUIRE(f.freshness
              .Offer(feeds::SignHeadStatement(f.hub.key(), feeds::kHubCode, 0, f.hub.head().hash,
                                              old, old + 30000)
                         .text)
              .ok());
  CHECK(f.freshness.IsStale());
  // Within the bound, the lie buys at most the statement's own life: it is
  // taken as issued no earlier than its signed time, then the monotonic
  // clock runs.
  const base::TimeMs recent = now - 5 * 60 * 1000;
  REQUIRE(f.freshness
              .Offer(feeds::SignHeadStatement(f.hub.key(), feeds::kHubCode, 0, f.hub.head().hash,
                                              recent, recent + 30000)
                         .text)
              .ok());
  CHECK_FALSE(f.freshness.IsStale());
  f.clock.Advance(30001);
  CHECK(f.freshness.IsStale());
}

TEST_CASE("a probe believes only a verified head statement, never X-Zhanqun-Head",
          "[agent][reporter][failover][security]") {
  ReporterFixture f;
  // We hold the hub's log up to 4, and a fresh statement of it.
  std::vector<feeds::SignedEntry> chain = test_util::HubChain(f.hub);
  REQUIRE(f.applier.ApplyPage(feeds::kHubCode, test_util::Page(chain), "test").applied == 4);
  REQUIRE(f.freshness.Offer(test_util::Statement(f.hub, f.clock, 4, 3600 * 1000).text).ok());
  for (int i = 0; i < 3; ++i) (void)f.upstreams.Failed(0);
  REQUIRE(f.upstreams.Current().index == 1);
  const std::string probe = std::string(kUpA) + "/api/v1/feeds/000000";
  auto serve = [&](std::vector<feeds::SignedEntry> entries, const std::string& statement) {
    f.http.Route(probe, [entries, statement](const FakeHttp::Request&) {
      net::HttpResult r = FakeHttp::FeedAnswer(feeds::kHubCode, entries, 99);  // claims 99
      if (!statement.empty()) r.headers["x-zhanqun-head-statement"] = statement;
      return base::Result<net::HttpResult>(r);
    });
  };
  std::unique_ptr<net::HttpClient> client = f.http.Factory()();
  auto probe_once = [&] {
    f.clock.Advance(UpstreamWatch::kProbeIntervalMs);
    f.watch.Check(*client);
  };
  Origin impostor(feeds::kHubCode);

  serve({}, "");  // a head header and no statement
  probe_once();
  CHECK(f.upstreams.Current().index == 1);
  serve({}, test_util::Statement(impostor, f.clock, 99, 60000).text);  // forged
  probe_once();
  CHECK(f.upstreams.Current().index == 1);
  serve({}, test_util::Statement(f.hub, f.clock, 3, 60000).text);  // signed, but behind us
  probe_once();
  CHECK(f.upstreams.Current().index == 1);
  const feeds::SignedEntry fifth = f.hub.Release();
  // Signed at 5, but the page withholds entry 5.
  serve({}, test_util::Statement(f.hub, f.clock, 5, 60000).text);
  probe_once();
  CHECK(f.upstreams.Current().index == 1);
  // Signed at 5, and an entry 5 that does not verify.
  serve({impostor.Release()}, test_util::Statement(f.hub, f.clock, 5, 60000).text);
  probe_once();
  CHECK(f.upstreams.Current().index == 1);
  CHECK(f.http.RequestsTo(probe).size() == 5);
  CHECK(f.switches.empty());

  serve({fifth}, test_util::Statement(f.hub, f.clock, 5, 60000).text);
  probe_once();
  CHECK(f.upstreams.Current().index == 0);
  REQUIRE(f.switches.size() == 1);
  CHECK(f.switches[0] == "better-ranked upstream http://up-a is healthy again");
}

TEST_CASE("the upstream watch leaves an upstream that gives no statement, after the first wait",
          "[agent][reporter][failover]") {
  ReporterFixture f;
  std::unique_ptr<net::HttpClient> client = f.http.Factory()();
  f.watch.Check(*client);  // nothing yet, but we have only just started
  CHECK(f.upstreams.Current().index == 0);
  f.clock.Advance(UpstreamWatch::kFirstStatementWaitMs);
  f.watch.Check(*client);
  CHECK(f.upstreams.Current().index == 1);
  REQUIRE(f.switches.size() == 1);
  CHECK(f.switches[0] == "no head statement that verifies from http://up-a");
}

}  // namespace zhanqun::agent
