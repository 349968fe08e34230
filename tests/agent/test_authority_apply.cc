// The authority rules as the agent applies them (LogApplier): entries an
// origin may not sign are refused before anything is stored, quarantined,
// reported to the hooks, counted per rule; an interpretation of a release
// not held yet waits for it. The verifier is county 330106 under 330100
// under 330000.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "agent_parts.h"
#include "signed_origin.h"
#include "zhanqun/agent/follower.h"

namespace zhanqun::agent {
namespace {

using base::Code;
using feeds::AuthorityRule;
using feeds::NodeLevel;
using test_util::Origin;
using test_util::Page;

struct Fixture : test_util::AgentParts {
  Origin province{"330000"};
  Origin city{"330100"};
  Origin sibling{"330108"};
  Origin self{kNode};
  Fixture() {
    Apply(hub.Node(feeds::kHubCode, hub.key().public_key(), "", NodeLevel::kNational));
    Register(province, feeds::kHubCode, NodeLevel::kProvince);
    Register(city, province.code(), NodeLevel::kCity);
    Register(self, city.code(), NodeLevel::kCounty);
    Register(sibling, city.code(), NodeLevel::kCounty);
  }
  ApplyOutcome ApplyFrom(const Origin& o, const std::vector<feeds::SignedEntry>& entries) {
    return applier.ApplyPage(o.code(), Page(entries), "http://parent/api/v1/feeds/" + o.code());
  }
  std::uint64_t Head(const std::string& origin) { return testing::Must(store->HeadOf(origin)).seq; }
};

TEST_CASE("a province key cannot replace a national release on the sites below it",
          "[agent][authority][security]") {
  Fixture f;
  feeds::SignedEntry national = f.Apply(f.hub.Release());
  const std::string id = national.entry.release->id;

  // The attacker holds 浙江省's key: in its own log, a release with the live
  // national id and a changed title, then an honest-looking layer.
  feeds::Release forged = *national.entry.release;
  forged.title = "关于暂停执行有关政策的紧急通知";
  forged.version = 2;
  ApplyOutcome out = f.ApplyFrom(f.province, {f.province.Release(forged), f.province.Layer(id)});

  REQUIRE_FALSE(out.rejected.ok());
  CHECK(out.rejected.code() == Code::kPermissionDenied);
  CHECK_THAT(out.rejected.message(), Catch::Contains("authority rule release-from-hub"));
  CHECK_THAT(out.rejected.message(), Catch::Contains("(origin=330000 seq=1)"));
  CHECK(out.applied == 0);
  CHECK(f.Head("330000") == 0);  // nothing after the refused entry either
  // The national release is what the views still show.
  std::optional<ReleaseRef> ref = testing::Must(f.store->FindRelease(id));
  REQUIRE(ref);
  CHECK(ref->at.origin == feeds::kHubCode);
  CHECK(ref->version == 1);
  // Quarantined, reported up (hooks), counted by rule.
  std::vector<QuarantineRow> q = testing::Must(f.store->Quarantined(10));
  REQUIRE(q.size() == 1);
  CHECK(q[0].origin == "330000");
  CHECK(q[0].seq == 1);
  CHECK_THAT(q[0].reason, Catch::Contains("release-from-hub"));
  CHECK(f.rejected == std::vector<std::string>{"330000#1"});
  CHECK(f.counters.Refusals(AuthorityRule::kReleaseFromHub) == 1);
  CHECK(f.counters.entries_rejected == 1);
  REQUIRE(f.events.Count("entry_rejected") == 1);
  CHECK_THAT(f.events.Named("entry_rejected")[0].Field("reason"),
             Catch::Contains("release-from-hub"));
}

TEST_CASE("a node's log cannot carry registry entries", "[agent][authority][security]") {
  Fixture f;
  Origin stranger("110000");
  // The city declares a key for 110000 (and for itself) in its own log.
  ApplyOutcome out = f.ApplyFrom(f.city, {f.city.Node("110000", stranger.key().public_key(),
                                                      feeds::kHubCode, NodeLevel::kProvince)});
  CHECK(out.rejected.code() == Code::kPermissionDenied);
  CHECK_THAT(out.rejected.message(), Catch::Contains("authority rule node-from-hub"));
  CHECK(testing::Must(f.store->FindRegistryNode("110000")) == std::nullopt);
  CHECK(f.trust.Keys("110000").empty());
  CHECK(f.counters.Refusals(AuthorityRule::kNodeFromHub) == 1);
}

TEST_CASE("the hub's log cannot carry an interpretation", "[agent][authority][security]") {
  Fixture f;
  const std::string id = f.HubRelease();
  ApplyOutcome out = f.ApplyFrom(f.hub, {f.hub.Layer(id)});
  CHECK(out.rejected.code() == Code::kPermissionDenied);
  CHECK_THAT(out.rejected.message(), Catch::Contains("authority rule interpretation-by-node"));
  CHECK(testing::Must(f.store->Layers(id)).empty());
  CHECK(f.counters.Refusals(AuthorityRule::kInterpretationByNode) == 1);
}

TEST_CASE("an interpretation of a release not held yet waits for it", "[agent][authority]") {
  Fixture f;
  // The city interpreted a release that is still on its way in the hub's log.
  feeds::SignedEntry release = f.hub.Release();
  const std::string id = release.entry.release->id;
  std::vector<feeds::SignedEntry> layers = {f.city.Layer(id)};

  ApplyOutcome early = f.ApplyFrom(f.city, layers);
  CHECK(early.rejected.ok());
  REQUIRE_FALSE(early.deferred.ok());
  CHECK_THAT(early.deferred.message(),
             Catch::Contains("authority rule interpretation-of-held-release"));
  CHECK(early.applied == 0);
  CHECK(f.Head("330100") == 0);
  CHECK(testing::Must(f.store->QuarantineCount()) == 0);  // not refused
  CHECK(f.rejected.empty());
  CHECK(f.counters.entries_deferred == 1);
  CHECK(f.counters.entries_rejected == 0);

  f.Apply(release);  // the release arrives
  ApplyOutcome later = f.ApplyFrom(f.city, layers);
  CHECK(later.rejected.ok());
  CHECK(later.deferred.ok());
  CHECK(later.applied == 1);
  std::vector<EntryRef> shown = testing::Must(f.store->Layers(id));
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].origin == "330100");
}

TEST_CASE("a topic comes from the hub or from a region that holds this node",
          "[agent][authority][security]") {
  Fixture f;
  CHECK(f.ApplyFrom(f.hub, {f.hub.Topic("国务院常务会议")}).rejected.ok());
  CHECK(f.ApplyFrom(f.province, {f.province.Topic("浙江共同富裕")}).rejected.ok());
  CHECK(f.ApplyFrom(f.city, {f.city.Topic("杭州亚运")}).rejected.ok());
  CHECK(f.ApplyFrom(f.self, {f.self.Topic("西湖")}).rejected.ok());
  // A sibling county's topic is not this county's to show.
  ApplyOutcome out = f.ApplyFrom(f.sibling, {f.sibling.Topic("余杭")});
  CHECK(out.rejected.code() == Code::kPermissionDenied);
  CHECK_THAT(out.rejected.message(), Catch::Contains("authority rule topic-in-region"));
  CHECK(testing::Must(f.store->Topics()).size() == 4);
  CHECK(f.counters.Refusals(AuthorityRule::kTopicInRegion) == 1);
}

TEST_CASE("a follower whose page stopped at a deferred entry asks again after a pause",
          "[agent][authority][follower]") {
  Fixture f;
  feeds::SignedEntry release = f.hub.Release();  // not delivered yet
  AgentConfig config;
  config.node = Fixture::kNode;
  Upstreams upstreams({"http://up-a"});
  std::atomic<bool> frozen{false};
  FollowerEnv env{config,  *f.store,   upstreams,       f.applier,        f.freshness,
                  f.clock, f.counters, f.events.Sink(), f.http.Factory(), [](const std::string&) {},
                  [] {},   frozen};
  std::vector<feeds::SignedEntry> layers = {f.city.Layer(release.entry.release->id)};
  f.http.Route("http://up-a/api/v1/feeds/330100", [&](const test_util::FakeHttp::Request&) {
    return base::Result<net::HttpResult>(
        test_util::FakeHttp::FeedAnswer("330100", layers, layers.size()));
  });
  Follower follower("330100", env);
  CHECK(follower.RunOnce() == Follower::kDeferredPollMs);
  CHECK(upstreams.Current().index == 0);  // not the upstream's fault
  f.Apply(release);
  CHECK(follower.RunOnce() == 0);
  CHECK(f.Head("330100") == 1);
}

}  // namespace
}  // namespace zhanqun::agent

namespace zhanqun::agent {
namespace {

// The hub's registry entry for `o` with key spans and status as given.
feeds::SignedEntry RegistryEntry(Origin& hub, const Origin& o, const std::string& parent,
                                 NodeLevel level, std::vector<feeds::KeySpan> spans,
                                 feeds::NodeStatus status = feeds::NodeStatus::kActive) {
  feeds::Entry e = hub.Base(feeds::EntryKind::kNode);
  e.node = feeds::Node{o.code(), "节点 " + o.code(), level, parent, {o.key().public_key()}};
  e.node->key_spans = std::move(spans);
  e.node->status = status;
  return hub.Sign(e);
}

}  // namespace

TEST_CASE("a newer registry entry replaces a node's grants: a revoked key signs nothing after",
          "[agent][keys][security]") {
  Fixture f;
  const std::string id = f.HubRelease();
  ApplyOutcome first =
      f.ApplyFrom(f.province, {f.province.Layer(id, "一"), f.province.Layer(id, "二")});
  REQUIRE(first.rejected.ok());
  REQUIRE(f.Head("330000") == 2);

  // Revoked after seq 2: the key's grant ends before seq 3.
  f.Apply(RegistryEntry(f.hub, f.province, feeds::kHubCode, NodeLevel::kProvince, {{1, 3}}));
  ApplyOutcome after = f.ApplyFrom(f.province, {f.province.Layer(id, "三")});
  REQUIRE_FALSE(after.rejected.ok());
  CHECK_THAT(after.rejected.message(), Catch::Contains("until seq 3"));
  CHECK_THAT(after.rejected.message(), Catch::Contains("entry 330000#3"));
  CHECK(f.Head("330000") == 2);
  // The node's own agent asks the same question before it signs.
  CHECK(f.trust.MaySign("330000", f.province.key().public_key(), 2).ok());
  base::Status refused = f.trust.MaySign("330000", f.province.key().public_key(), 3);
  CHECK(refused.code() == Code::kPermissionDenied);
  CHECK_THAT(refused.message(), Catch::Contains("refusing to sign"));
  CHECK_THAT(refused.message(), Catch::Contains("from seq 1 until seq 3 (origin=330000 seq=3)"));
  CHECK_THAT(f.trust.MaySign("330000", f.city.key().public_key(), 3).message(),
             Catch::Contains("not granted by the registry"));
  CHECK(f.trust.MaySign("440000", f.city.key().public_key(), 1).ok());  // not in the registry yet

  // What the store remembers for a restart is the replaced grant, not the old one added to.
  auto grants = testing::Must(f.store->TrustedGrants());
  std::vector<feeds::KeyGrant> province;
  for (const auto& [origin, g] : grants) {
    if (origin == "330000") province.push_back(g);
  }
  REQUIRE(province.size() == 1);
  CHECK(province[0] == feeds::KeyGrant{f.province.key().public_key(), 1, 3});
  TrustedKeys restarted{f.hub.key().public_key()};
  REQUIRE(restarted.Rebuild(*f.store).ok());
  feeds::ParsedEntry next = test_util::Page({f.province.Layer(id, "四")})[0];
  base::Result<feeds::SignedEntry> v =
      restarted.Verify(next, testing::Must(f.store->HeadOf("330000")));
  CHECK_FALSE(v.ok());
}

TEST_CASE("a removed node's key verifies nothing more, here or after a restart",
          "[agent][keys][security]") {
  Fixture f;
  const std::string id = f.HubRelease();
  REQUIRE(f.ApplyFrom(f.sibling, {f.sibling.Layer(id)}).rejected.ok());
  f.Apply(RegistryEntry(f.hub, f.sibling, f.city.code(), NodeLevel::kCounty, {},
                        feeds::NodeStatus::kRemoved));
  CHECK(f.trust.Keys("330108").empty());
  CHECK_FALSE(f.trust.MaySign("330108", f.sibling.key().public_key(), 2).ok());
  ApplyOutcome out = f.ApplyFrom(f.sibling, {f.sibling.Layer(id, "再")});
  REQUIRE_FALSE(out.rejected.ok());
  CHECK_THAT(out.rejected.message(), Catch::Contains("330108"));
  for (const auto& [origin, g] : testing::Must(f.store->TrustedGrants())) {
    CHECK(origin != "330108");
  }
}

}  // namespace zhanqun::agent
