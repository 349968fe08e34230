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
  // After a restart it is still a node that may not speak (no grant rows, but
  // the registry stated it): not an upstream, not a reporter, not a signer.
  CHECK_FALSE(f.trust.MaySpeak("330108"));
  TrustedKeys restarted{f.hub.key().public_key()};
  REQUIRE(restarted.Rebuild(*f.store).ok());
  CHECK_FALSE(restarted.MaySpeak("330108"));
  CHECK_FALSE(restarted.MaySign("330108", f.sibling.key().public_key(), 1).ok());
  CHECK(restarted.MaySpeak("330100"));
  CHECK(restarted.MaySpeak("440000"));  // never stated
}

namespace {

// The hub's registry entry for the province with `keys` and their spans.
feeds::SignedEntry ProvinceKeys(Origin& hub, std::vector<feeds::PublicKey> keys,
                                std::vector<feeds::KeySpan> spans, std::uint32_t epoch = 1) {
  feeds::Entry e = hub.Base(feeds::EntryKind::kNode);
  e.node =
      feeds::Node{"330000", "节点 330000", NodeLevel::kProvince, feeds::kHubCode, std::move(keys)};
  e.node->key_spans = std::move(spans);
  e.node->epoch = epoch;
  return hub.Sign(e);
}

std::string LayerText(Fixture& f, const EntryRef& ref) {
  feeds::Entry e =
      testing::Must(feeds::DecodeStoredEntry(testing::Must(f.store->Wire(ref.origin, ref.seq))));
  REQUIRE(e.interpretation);
  return e.interpretation->body_html;
}

// The province's layer of `id` as the views show it; "" when there is none.
std::string ProvinceLayer(Fixture& f, const std::string& id) {
  for (const EntryRef& ref : testing::Must(f.store->Layers(id)))
    if (ref.origin == "330000") return LayerText(f, ref);
  return "";
}

}  // namespace

TEST_CASE("a revocation takes back what the key signed after the revocation point",
          "[agent][keys][security]") {
  Fixture f;
  const std::string a = f.HubRelease();
  const std::string b = f.HubRelease();
  // Honest layers at seq 1-2; then, the key stolen, seq 3-4 rewrite a's layer,
  // add one to b and define a topic.
  REQUIRE(
      f.ApplyFrom(f.province, {f.province.Layer(a, "省级解读"), f.province.Layer(b, "省级解读乙")})
          .rejected.ok());
  const std::vector<feeds::SignedEntry> stolen = {f.province.Layer(a, "伪造"),
                                                  f.province.Topic("伪专题")};
  REQUIRE(f.ApplyFrom(f.province, stolen).rejected.ok());
  REQUIRE(ProvinceLayer(f, a) == "<p>伪造</p>");
  REQUIRE(testing::Must(f.store->Topics()).size() == 1);

  // Revoked after seq 2.
  const feeds::SignedEntry revoke =
      f.Apply(ProvinceKeys(f.hub, {f.province.key().public_key()}, {{1, 3}}));

  CHECK(f.Head("330000") == 2);
  CHECK(testing::Must(f.store->HashAt("330000", 3)) == std::nullopt);
  CHECK(ProvinceLayer(f, a) == "<p>省级解读</p>");  // the layer it had replaced is back
  CHECK(ProvinceLayer(f, b) == "<p>省级解读乙</p>");
  CHECK(testing::Must(f.store->Topics()).empty());
  CHECK(f.counters.log_truncations == 1);
  CHECK(f.counters.entries_truncated == 2);
  CHECK(f.store->truncation_count() == 1);
  REQUIRE(f.events.Count("log_truncated") == 1);
  auto ev = f.events.Named("log_truncated")[0];
  CHECK(ev.Field("origin") == "330000");
  CHECK(ev.Field("from_seq") == "3");
  CHECK(ev.Field("removed") == "2");
  CHECK(ev.Field("registry_seq") == std::to_string(revoke.entry.log.seq));
  CHECK_THAT(ev.Field("reason"), Catch::Contains("until seq 3"));
  CHECK(f.store->TakeTruncations().empty());  // the applier took them

  // The same entries sent again are refused, naming the grant, and not stored.
  ApplyOutcome again = f.ApplyFrom(f.province, stolen);
  CHECK_FALSE(again.rejected.ok());
  CHECK_THAT(again.rejected.message(), Catch::Contains("until seq 3"));
  CHECK(f.Head("330000") == 2);

  // A re-key from seq 3: the province signs again, with its new key.
  f.province.ChangeKey();
  f.Apply(ProvinceKeys(f.hub, {revoke.entry.node->keys[0], f.province.key().public_key()},
                       {{1, 3}, {3, 0}}));
  CHECK(f.counters.log_truncations == 1);  // nothing held was outside the new grants
}

TEST_CASE("a re-key takes back what the old key signed after the point, and the new key goes on",
          "[agent][keys][security]") {
  Fixture f;
  const std::string a = f.HubRelease();
  const feeds::PublicKey old_key = f.province.key().public_key();
  REQUIRE(f.ApplyFrom(f.province, {f.province.Layer(a, "一")}).rejected.ok());
  const feeds::ChainHead honest = f.province.head();
  // Seq 2 by the old key, which an attacker holds.
  REQUIRE(f.ApplyFrom(f.province, {f.province.Layer(a, "伪")}).rejected.ok());

  // The hub re-keys the province from seq 2.
  f.province.ChangeKeyAfter(honest);
  f.Apply(ProvinceKeys(f.hub, {old_key, f.province.key().public_key()}, {{1, 2}, {2, 0}}));
  CHECK(f.Head("330000") == 1);
  CHECK(ProvinceLayer(f, a) == "<p>一</p>");
  CHECK(f.counters.entries_truncated == 1);

  // The new key signs seq 2 on, and its entries stay through a later registry entry.
  REQUIRE(f.ApplyFrom(f.province, {f.province.Layer(a, "二")}).rejected.ok());
  CHECK(ProvinceLayer(f, a) == "<p>二</p>");
  f.Apply(ProvinceKeys(f.hub, {old_key, f.province.key().public_key()}, {{1, 2}, {2, 0}}));
  CHECK(f.Head("330000") == 2);
  CHECK(f.counters.log_truncations == 1);
}

TEST_CASE("a rejoined node's new epoch replaces the log held of the old one",
          "[agent][keys][security]") {
  Fixture f;
  const std::string a = f.HubRelease();
  const std::string b = f.HubRelease();
  REQUIRE(f.ApplyFrom(f.province, {f.province.Layer(a, "旧甲"), f.province.Layer(b, "旧乙"),
                                   f.province.Topic("旧专题")})
              .rejected.ok());
  REQUIRE(f.Head("330000") == 3);

  // Disk and key lost: the hub states epoch 2 with a new key from seq 1.
  f.province.StartOver();
  f.Apply(ProvinceKeys(f.hub, {f.province.key().public_key()}, {}, 2));
  CHECK(f.Head("330000") == 0);
  CHECK(ProvinceLayer(f, a).empty());
  CHECK(ProvinceLayer(f, b).empty());
  CHECK(testing::Must(f.store->Topics()).empty());
  CHECK(f.counters.entries_truncated == 3);
  CHECK_THAT(f.events.Named("log_truncated")[0].Field("reason"),
             Catch::Contains("not granted in epoch 2"));

  // The new log starts at seq 1 and is taken like any other.
  ApplyOutcome fresh = f.ApplyFrom(f.province, {f.province.Layer(a, "新甲")});
  INFO(fresh.rejected.ToString());
  REQUIRE(fresh.rejected.ok());
  CHECK(f.Head("330000") == 1);
  CHECK(ProvinceLayer(f, a) == "<p>新甲</p>");
  CHECK(ProvinceLayer(f, b).empty());
}

TEST_CASE("a registry entry that narrows nothing held truncates nothing", "[agent][keys]") {
  Fixture f;
  const std::string a = f.HubRelease();
  REQUIRE(f.ApplyFrom(f.province, {f.province.Layer(a), f.province.Layer(a, "二")}).rejected.ok());
  f.Apply(ProvinceKeys(f.hub, {f.province.key().public_key()}, {{1, 3}}));  // revoked after 2
  CHECK(f.Head("330000") == 2);
  CHECK(f.counters.log_truncations == 0);
  CHECK(f.events.Count("log_truncated") == 0);
}

}  // namespace zhanqun::agent
