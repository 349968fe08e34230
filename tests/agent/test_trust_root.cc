// Root-anchored agents: the hub's online keys come from root-signed trust
// entries of the hub's log, and a rotation or revocation takes effect on
// every node without re-configuring it.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "agent_parts.h"
#include "zhanqun/feeds/trust.h"

namespace zhanqun::agent {
namespace {

using test_util::EventLog;
using test_util::kT0;
using test_util::Parse;

feeds::SecretKey Key() { return testing::NewKey(); }

// The hub's log as the tests write it: each entry signed by whichever key
// the test names (the hub's online key of the moment, or a thief's).
class HubLog {
 public:
  feeds::SignedEntry Append(feeds::Entry e, const feeds::SecretKey& key) {
    feeds::SignedEntry se = SignNext(std::move(e), key);
    head_ = {feeds::kHubCode, se.entry.log.seq, se.hash};
    return se;
  }
  // Signed at the next position without moving the head (a forgery).
  feeds::SignedEntry SignNext(feeds::Entry e, const feeds::SecretKey& key) const {
    e.log.origin = feeds::kHubCode;
    e.updated_ms = kT0 + static_cast<base::TimeMs>(head_.seq);
    base::Result<feeds::SignedEntry> se = feeds::SignEntry(std::move(e), head_, key);
    INFO(se.status().ToString());
    REQUIRE(se.ok());
    return std::move(se).value();
  }
  feeds::SignedEntry Release(const feeds::SecretKey& key) {
    return Append(ReleaseEntry(head_.seq + 1), key);
  }
  static feeds::Entry ReleaseEntry(std::uint64_t n) {
    feeds::Entry e;
    e.kind = feeds::EntryKind::kRelease;
    feeds::Release r;
    r.id = "gov.cn/000000/" + std::to_string(n);
    r.title = "关于印发实施方案的通知 第" + std::to_string(n) + "号";
    r.authority = "国务院办公厅";
    r.published_ms = 1550217600000;
    r.body_html = "<p>现印发实施方案。</p>";
    e.release = r;
    return e;
  }
  // A trust entry at the next seq: `statement` (seq filled in) signed by
  // `roots`, the entry itself by `online`.
  feeds::SignedEntry Trust(feeds::TrustStatement statement,
                           const std::vector<const feeds::SecretKey*>& roots,
                           const feeds::SecretKey& online) {
    statement.seq = head_.seq + 1;
    for (const feeds::SecretKey* r : roots) feeds::SignTrust(statement, *r);
    feeds::Entry e;
    e.kind = feeds::EntryKind::kTrust;
    e.trust = feeds::EncodeTrust(statement);
    return Append(std::move(e), online);
  }
  const feeds::ChainHead& head() const { return head_; }

 private:
  feeds::ChainHead head_{feeds::kHubCode, 0, feeds::kZeroHash};
};

feeds::TrustRoots RootsOf(const feeds::SecretKey& k) { return {{k.public_key()}, 1}; }

feeds::TrustStatement Certify(const feeds::TrustRoots& roots, std::vector<feeds::KeyGrant> online) {
  feeds::TrustStatement t;
  t.roots = roots;
  t.online = std::move(online);
  t.expires_ms = kT0 + 365LL * 24 * 3600 * 1000;
  return t;
}

// An agent's trust, store and applier, anchored on a root set.
struct RootedAgent {
  testing::TempDir dir;
  base::FakeClock clock{kT0};
  AgentCounters counters;
  EventLog events;
  std::unique_ptr<AgentStore> store;
  std::unique_ptr<TrustedKeys> trust;
  std::unique_ptr<LogApplier> applier;
  feeds::TrustRoots roots;

  explicit RootedAgent(feeds::TrustRoots r) : roots(std::move(r)) { Open(); }
  void Open() {
    applier.reset();
    trust.reset();
    store.reset();
    store = test_util::AgentParts::OpenStore(dir.File("agent.db"));
    trust = std::make_unique<TrustedKeys>(roots);
    REQUIRE(trust->Rebuild(*store).ok());
    applier = std::make_unique<LogApplier>("330106", *store, *trust, clock, counters, events.Sink(),
                                           ApplyHooks());
  }
  ApplyOutcome Apply(const std::vector<feeds::SignedEntry>& entries) {
    std::vector<feeds::ParsedEntry> page;
    for (const feeds::SignedEntry& se : entries) page.push_back(Parse(se.wire));
    return applier->ApplyPage(feeds::kHubCode, page, "http://parent/api/v1/feeds/000000");
  }
  std::uint64_t Head() {
    base::Result<feeds::ChainHead> h = store->HeadOf(feeds::kHubCode);
    REQUIRE(h.ok());
    return h->seq;
  }
};

TEST_CASE("a root-anchored agent trusts no hub key before the first trust entry",
          "[agent][trust][security]") {
  feeds::SecretKey root = Key(), online = Key();
  RootedAgent agent(RootsOf(root));
  HubLog hub;
  ApplyOutcome out = agent.Apply({hub.Release(online)});
  CHECK(out.applied == 0);
  CHECK(out.rejected.code() == base::Code::kUnauthenticated);
  CHECK(agent.trust->HubStatementKeys(kT0).empty());
}

TEST_CASE("an agent applies an online-key rotation certified by the root",
          "[agent][trust][security]") {
  feeds::SecretKey root = Key(), first = Key(), second = Key();
  RootedAgent agent(RootsOf(root));
  HubLog hub;
  std::vector<feeds::SignedEntry> log;
  log.push_back(hub.Trust(Certify(agent.roots, {{first.public_key(), 1, 0}}), {&root}, first));
  log.push_back(hub.Release(first));
  // Rotation at seq 3: the first key signs up to seq 2, the second from seq 3,
  // and the second key signs the entry that certifies it.
  log.push_back(
      hub.Trust(Certify(agent.roots, {{first.public_key(), 1, 3}, {second.public_key(), 3, 0}}),
                {&root}, second));
  log.push_back(hub.Release(second));
  ApplyOutcome out = agent.Apply(log);
  INFO(out.rejected.ToString());
  CHECK(out.applied == 4);
  CHECK(agent.Head() == 4);

  SECTION("the stolen old key signing after its grant ended is refused") {
    feeds::SignedEntry forged = hub.SignNext(HubLog::ReleaseEntry(5), first);
    ApplyOutcome refused = agent.Apply({forged});
    CHECK(refused.applied == 0);
    CHECK(refused.rejected.code() == base::Code::kUnauthenticated);
    CHECK_THAT(refused.rejected.message(), Catch::Contains("seq 3"));
    CHECK(agent.Head() == 4);
    CHECK(agent.Apply({hub.Release(second)}).applied == 1);
  }
  SECTION("head statements verify with the new key only") {
    HubFreshness freshness([&](base::TimeMs now) { return agent.trust->HubStatementKeys(now); },
                           agent.clock, agent.counters, agent.events.Sink(), nullptr);
    feeds::HeadStatement by_new =
        feeds::SignHeadStatement(second, feeds::kHubCode, 4, hub.head().hash, kT0, kT0 + 60'000);
    CHECK(freshness.Verify(by_new.text).ok());
    feeds::HeadStatement by_old =
        feeds::SignHeadStatement(first, feeds::kHubCode, 4, hub.head().hash, kT0 + 1, kT0 + 60'000);
    CHECK_FALSE(freshness.Verify(by_old.text).ok());
    CHECK(agent.counters.head_statements_refused == 1);
  }
  SECTION("the state survives reopening the store") {
    agent.Open();
    std::vector<feeds::PublicKey> keys = agent.trust->HubStatementKeys(kT0);
    REQUIRE(keys.size() == 1);
    CHECK(keys.front() == second.public_key());
    CHECK_FALSE(agent.Apply({hub.SignNext(HubLog::ReleaseEntry(5), first)}).rejected.ok());
    CHECK(agent.Apply({hub.Release(second)}).applied == 1);
  }
}

TEST_CASE("a trust entry without the root's signature is refused", "[agent][trust][security]") {
  feeds::SecretKey root = Key(), online = Key(), thief = Key();
  RootedAgent agent(RootsOf(root));
  HubLog hub;
  REQUIRE(
      agent.Apply({hub.Trust(Certify(agent.roots, {{online.public_key(), 1, 0}}), {&root}, online)})
          .applied == 1);
  // The thief holds the online key and certifies his own key with it.
  HubLog copy = hub;
  feeds::SignedEntry forged =
      copy.Trust(Certify(agent.roots, {{online.public_key(), 1, 2}, {thief.public_key(), 2, 0}}),
                 {&online}, online);
  ApplyOutcome out = agent.Apply({forged});
  CHECK(out.applied == 0);
  CHECK(out.rejected.code() == base::Code::kUnauthenticated);
  CHECK_THAT(out.rejected.message(), Catch::Contains("pinned root set"));
  CHECK(agent.trust->HubStatementKeys(kT0) == std::vector<feeds::PublicKey>{online.public_key()});
}

TEST_CASE("a root rotation signed by the old and new roots moves the pin",
          "[agent][trust][security]") {
  feeds::SecretKey root = Key(), next_root = Key(), online = Key();
  RootedAgent agent(RootsOf(root));
  HubLog hub;
  std::vector<feeds::SignedEntry> log;
  log.push_back(hub.Trust(Certify(agent.roots, {{online.public_key(), 1, 0}}), {&root}, online));
  SECTION("signed by the new root alone it is refused") {
    HubLog copy = hub;
    log.push_back(copy.Trust(Certify(RootsOf(next_root), {{online.public_key(), 1, 0}}),
                             {&next_root}, online));
    ApplyOutcome out = agent.Apply(log);
    CHECK(out.applied == 1);
    CHECK(agent.trust->PinnedRoots() == agent.roots);
  }
  SECTION("signed by both it is applied, and survives a restart") {
    log.push_back(hub.Trust(Certify(RootsOf(next_root), {{online.public_key(), 1, 0}}),
                            {&root, &next_root}, online));
    CHECK(agent.Apply(log).applied == 2);
    CHECK(agent.trust->PinnedRoots() == RootsOf(next_root));
    agent.Open();
    CHECK(agent.trust->PinnedRoots() == RootsOf(next_root));
    // The old root alone no longer certifies anything.
    feeds::SignedEntry old_only =
        hub.Trust(Certify(RootsOf(next_root), {{online.public_key(), 1, 0}}), {&root}, online);
    CHECK_FALSE(agent.Apply({old_only}).rejected.ok());
  }
}

}  // namespace
}  // namespace zhanqun::agent
