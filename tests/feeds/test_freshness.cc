// Head statements, clock-offset estimation and node reports.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "feeds/key_support.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {
namespace {

using json = nlohmann::json;

SecretKey NewKey() {
  base::Result<SecretKey> k = SecretKey::Generate();
  REQUIRE(k.ok());
  return std::move(*k);
}

TEST_CASE("head statements verify with the hub key and nothing else", "[freshness]") {
  SecretKey hub = NewKey();
  HeadStatement h = SignHeadStatement(hub, kHubCode, 42, "ab12", 1000, 31000);
  CHECK(h.text.rfind("origin=000000;seq=42;hash=ab12;time=1000;expires=31000;sig=", 0) == 0);
  base::Result<HeadStatement> v = VerifyHeadStatement(h.text, hub.public_key());
  REQUIRE(v.ok());
  CHECK(v->seq == 42);
  CHECK(v->time_ms == 1000);
  CHECK(v->expires_ms == 31000);
  CHECK(v->text == h.text);

  SECTION("a later expiry is a forgery") {
    std::string forged = h.text;
    forged.replace(forged.find("expires=31000"), 13, "expires=99000");
    base::Result<HeadStatement> f = VerifyHeadStatement(forged, hub.public_key());
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().code() == base::Code::kUnauthenticated);
  }
  SECTION("another key's statement is refused") {
    SecretKey other = NewKey();
    HeadStatement o = SignHeadStatement(other, kHubCode, 42, "ab12", 1000, 31000);
    CHECK_FALSE(VerifyHeadStatement(o.text, hub.public_key()).ok());
  }
  SECTION("malformed statements name what is wrong") {
    CHECK_THAT(VerifyHeadStatement("origin=000000;seq=1", hub.public_key()).status().message(),
               Catch::Contains("sig"));
    std::string no_seq = h.text;
    no_seq.replace(no_seq.find("seq=42"), 6, "seq=x");
    CHECK_THAT(VerifyHeadStatement(no_seq, hub.public_key()).status().message(),
               Catch::Contains("seq"));
    HeadStatement backwards = SignHeadStatement(hub, kHubCode, 1, "", 5000, 4000);
    CHECK_THAT(VerifyHeadStatement(backwards.text, hub.public_key()).status().message(),
               Catch::Contains("expires"));
  }
}

TEST_CASE("clock headers round-trip and reject garbage", "[freshness]") {
  base::TimeMs t1 = 0, t2 = 0;
  std::int64_t err = 0;
  REQUIRE(ParseClockHeader(FormatClockHeader(100, 250, 3), &t1, &t2, &err));
  CHECK(t1 == 100);
  CHECK(t2 == 250);
  CHECK(err == 3);
  CHECK_FALSE(ParseClockHeader("t1=5;t2=4;err=0", &t1, &t2, &err));  // answered before received
  CHECK_FALSE(ParseClockHeader("t1=5;t2=x;err=0", &t1, &t2, &err));
  CHECK_FALSE(ParseClockHeader("t1=5;t2=6", &t1, &t2, &err));
}

TEST_CASE("clock sync finds a node's offset from the hub, held long-polls included",
          "[freshness]") {
  // The node's clock is 5 minutes fast: hub = local - 300000.
  const std::int64_t truth = -300000;
  auto hub_at = [&](base::TimeMs local) { return local + truth; };
  ClockSync sync;
  CHECK_FALSE(sync.Estimate().known);
  CHECK(sync.HubTime(1234) == 1234);
  // A request held 20 s by the server, 10 ms each way on the wire.
  base::TimeMs t0 = 1'000'000;
  sync.AddSample(t0, hub_at(t0 + 10), hub_at(t0 + 20010), t0 + 20020, 0);
  ClockEstimate e = sync.Estimate();
  REQUIRE(e.known);
  CHECK(std::abs(e.offset_ms - truth) <= e.error_ms);
  CHECK(e.error_ms <= 11);
  // An asymmetric, slow sample (200 ms out, 2 ms back) is worse and loses.
  base::TimeMs s0 = 2'000'000;
  sync.AddSample(s0, hub_at(s0 + 200), hub_at(s0 + 200), s0 + 202, 0);
  e = sync.Estimate();
  CHECK(std::abs(e.offset_ms - truth) <= 10);
  CHECK(sync.HubTime(5'000'000) == 5'000'000 + e.offset_ms);
}

TEST_CASE("a server that lies in X-Zhanqun-Clock moves the estimate by at most the clamp",
          "[freshness][security]") {
  ClockSync sync;
  // A hostile parent answers a quick request as if the hub's clock were a
  // day behind ours, to keep an expired head statement looking fresh.
  const base::TimeMs t0 = 1'700'000'000'000;
  const base::TimeMs day = 24LL * 3600 * 1000;
  sync.AddSample(t0, t0 - day, t0 - day, t0 + 4, 0);
  ClockEstimate e = sync.Estimate();
  REQUIRE(e.known);
  CHECK(e.clamped);
  CHECK(e.offset_ms == -kMaxClockOffsetMs);
  // The error bound owns up to what was cut off.
  CHECK(e.error_ms >= day - kMaxClockOffsetMs);
  CHECK(sync.HubTime(t0) == t0 - kMaxClockOffsetMs);
  // The same lie forwards.
  ClockSync ahead;
  ahead.AddSample(t0, t0 + day, t0 + day, t0 + 4, 0);
  CHECK(ahead.Estimate().offset_ms == kMaxClockOffsetMs);
  // An honest 5-minute skew is inside the bound and untouched.
  ClockSync honest;
  honest.AddSample(t0, t0 - 300000 + 2, t0 - 300000 + 2, t0 + 4, 0);
  CHECK(honest.Estimate().offset_ms == -300000);
  CHECK_FALSE(honest.Estimate().clamped);
}

TEST_CASE("reports round-trip and bad fields are named", "[reports]") {
  NodeReport r;
  r.node = "330106";
  r.boot = 77;
  r.n = 3;
  r.sent_ms = 123;
  r.clock = {true, -300000, 4};
  r.upstream = "http://127.0.0.1:1";
  r.acks = {{kHubCode, Stage::kVerified, 9, 100}, {kHubCode, Stage::kLive, 8, 0}};
  r.rejected = {{kHubCode, 10, "unauthenticated: signature does not verify"}};
  base::Result<NodeReport> p = ParseReport(EncodeReport(r));
  REQUIRE(p.ok());
  CHECK(p->node == "330106");
  CHECK(p->boot == 77);
  CHECK(p->n == 3);
  CHECK(p->clock.known);
  CHECK(p->clock.offset_ms == -300000);
  REQUIRE(p->acks.size() == 2);
  CHECK(p->acks[0].at_ms == 100);
  CHECK(p->acks[1].at_ms == 0);
  REQUIRE(p->rejected.size() == 1);
  CHECK(p->rejected[0].seq == 10);

  json bad = json::parse(EncodeReport(r));
  bad["acks"][1]["stage"] = "digested";
  CHECK_THAT(ParseReport(bad.dump()).status().message(), Catch::Contains("acks[1].stage"));
  bad = json::parse(EncodeReport(r));
  bad["clock"]["error_ms"] = -1;
  CHECK_THAT(ParseReport(bad.dump()).status().message(), Catch::Contains("report.clock"));
  bad = json::parse(EncodeReport(r));
  bad["node"] = "33010";
  CHECK_THAT(ParseReport(bad.dump()).status().message(), Catch::Contains("report.node"));
}

TEST_CASE("envelopes carry children's reports byte for byte; signatures bind them", "[reports]") {
  SecretKey city = NewKey(), county = NewKey();
  NodeReport r;
  r.node = "330106";
  r.acks = {{kHubCode, Stage::kLive, 4, 10}};
  std::string body = EncodeReport(r);
  SignedReport inner{body, SignatureFor(county, body)};
  std::string env = EncodeEnvelope({"330100", {inner}, false});
  base::Result<Envelope> e = ParseEnvelope(env, SignatureFor(city, env));
  REQUIRE(e.ok());
  CHECK(e->from == "330100");
  CHECK_FALSE(e->bare);
  REQUIRE(e->reports.size() == 1);
  CHECK(e->reports[0].body == body);
  CHECK(
      VerifySignatureFor({county.public_key()}, e->reports[0].body, e->reports[0].signature).ok());
  // A relay that changes a byte of the child's report is caught.
  std::string altered = body;
  altered.replace(altered.find("\"seq\":4"), 7, "\"seq\":3");
  base::Status s = VerifySignatureFor({county.public_key()}, altered, inner.signature);
  CHECK(s.code() == base::Code::kUnauthenticated);
  // A key the node does not hold is refused by name.
  CHECK_THAT(VerifySignatureFor({city.public_key()}, body, inner.signature).message(),
             Catch::Contains("does not hold"));

  base::Result<Envelope> bare = ParseEnvelope(body, inner.signature);
  REQUIRE(bare.ok());
  CHECK(bare->bare);
  CHECK(bare->from == "330106");
  CHECK_THAT(ParseEnvelope("[]", "").status().message(), Catch::Contains("JSON object"));
  CHECK_THAT(ParseEnvelope(R"({"from":"330100","reports":[{"body":1}]})", "").status().message(),
             Catch::Contains("reports[0]"));
}

}  // namespace
}  // namespace zhanqun::feeds
