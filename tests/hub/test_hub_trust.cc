// The hub's root of trust: init with an offline root, and rotating the
// online key (the trust entries an agent verifies, docs/protocol.md §4.1).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "feeds/key_support.h"
#include "hub_test_support.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/feeds/trust.h"

namespace zhanqun::testing {
namespace {

constexpr base::TimeMs kYear = 365LL * 24 * 3600 * 1000;

// A hub whose log begins with a trust entry by `root`.
struct RootedHub {
  TempDir dir;
  base::FakeClock clock{kT0};
  hub::HubConfig config = MakeConfig(dir);
  feeds::SecretKey root = NewKey();
  std::unique_ptr<hub::Hub> hub;

  RootedHub() {
    base::Status init = hub::Hub::InitWithRoot(config, clock, root, kYear);
    INFO(init.ToString());
    REQUIRE(init.ok());
    hub = Open();
  }
  std::unique_ptr<hub::Hub> Open() {
    base::Result<std::unique_ptr<hub::Hub>> opened = hub::Hub::Open(config, clock);
    REQUIRE(opened.ok());
    return std::move(opened).value();
  }
  feeds::TrustRoots Roots() const { return {{root.public_key()}, 1}; }
};

// Verifies the hub's whole log as a root-anchored agent would.
void VerifyAsRootedAgent(hub::HubStore& store, feeds::TrustRoots roots) {
  feeds::TrustStore trust;
  feeds::ChainHead head{feeds::kHubCode, 0, feeds::kZeroHash};
  base::Result<std::vector<std::string>> wires = store.ReadWire(feeds::kHubCode, 0, 100000);
  REQUIRE(wires.ok());
  for (const std::string& wire : *wires) {
    base::Result<feeds::ParsedEntry> parsed = feeds::DecodeEntry(wire);
    REQUIRE(parsed.ok());
    if (parsed->entry.trust) {
      base::Result<feeds::TrustStatement> t = feeds::DecodeTrust(*parsed->entry.trust);
      REQUIRE(t.ok());
      base::Result<feeds::TrustRoots> next = feeds::VerifyTrust(*t, parsed->entry.log.seq, roots);
      INFO(next.status().ToString());
      REQUIRE(next.ok());
      roots = *next;
      trust.Set(feeds::kHubCode, t->online);
    }
    base::Result<feeds::SignedEntry> v = feeds::VerifyEntry(*parsed, trust, head);
    INFO(v.status().ToString());
    REQUIRE(v.ok());
    head = {feeds::kHubCode, v->entry.log.seq, v->hash};
  }
}

TEST_CASE("a hub initialised with a root begins its log with the root's certificate",
          "[hub][trust]") {
  RootedHub h;
  base::Result<std::optional<feeds::TrustStatement>> t = h.hub->NewestTrust();
  REQUIRE(t.ok());
  REQUIRE(t->has_value());
  CHECK((*t)->seq == 1);
  CHECK((*t)->roots == h.Roots());
  REQUIRE((*t)->online.size() == 1);
  CHECK((*t)->online[0] == feeds::KeyGrant{h.hub->public_key(), 1, 0});
  CHECK((*t)->expires_ms == kT0 + kYear);
  VerifyAsRootedAgent(h.hub->store(), h.Roots());
}

TEST_CASE("rotating the online key certifies a fresh key and ends the old key's grant",
          "[hub][trust][security]") {
  RootedHub h;
  REQUIRE(h.hub->Publish(MakeRelease("r1")).ok());
  const feeds::PublicKey old_key = h.hub->public_key();
  // Another process serving the same data directory.
  std::unique_ptr<hub::Hub> serving = h.Open();
  base::Result<feeds::SignedEntry> rotated = h.hub->RotateOnlineKey({&h.root});
  INFO(rotated.status().ToString());
  REQUIRE(rotated.ok());
  const std::uint64_t seq = rotated->entry.log.seq;
  const feeds::PublicKey new_key = h.hub->public_key();
  CHECK_FALSE(new_key == old_key);
  base::Result<std::optional<feeds::TrustStatement>> t = h.hub->NewestTrust();
  REQUIRE((t.ok() && t->has_value()));
  CHECK((*t)->online == std::vector<feeds::KeyGrant>{{old_key, 1, seq}, {new_key, seq, 0}});
  struct stat st {};
  REQUIRE(::stat((h.config.key_file + ".old").c_str(), &st) == 0);
  CHECK((st.st_mode & 077) == 0);
  base::Result<feeds::SecretKey> old_file = feeds::SecretKey::Load(h.config.key_file + ".old");
  REQUIRE(old_file.ok());
  CHECK(old_file->public_key() == old_key);
  // The serving hub signs its next entry with the new key.
  REQUIRE(serving->Publish(MakeRelease("r2")).ok());
  CHECK(serving->public_key() == new_key);
  VerifyAsRootedAgent(h.hub->store(), h.Roots());
}

TEST_CASE("rotating with a key that is not the root appends nothing and keeps the key",
          "[hub][trust][security]") {
  RootedHub h;
  const feeds::PublicKey old_key = h.hub->public_key();
  base::Result<feeds::ChainHead> before = h.hub->store().HeadOf(feeds::kHubCode);
  REQUIRE(before.ok());
  feeds::SecretKey impostor = NewKey();
  base::Result<feeds::SignedEntry> rotated = h.hub->RotateOnlineKey({&impostor});
  REQUIRE_FALSE(rotated.ok());
  CHECK(rotated.status().code() == base::Code::kUnauthenticated);
  CHECK(h.hub->public_key() == old_key);
  base::Result<feeds::ChainHead> after = h.hub->store().HeadOf(feeds::kHubCode);
  REQUIRE(after.ok());
  CHECK(after->seq == before->seq);
  struct stat st {};
  CHECK(::stat((h.config.key_file + ".old").c_str(), &st) != 0);
  CHECK(::stat((h.config.key_file + ".new").c_str(), &st) != 0);
}

TEST_CASE("rotating the root keys pins a new set that the old roots and the new ones signed",
          "[hub][trust][security]") {
  RootedHub h;
  REQUIRE(h.hub->Publish(MakeRelease("r1")).ok());
  const feeds::PublicKey online = h.hub->public_key();
  feeds::SecretKey a = NewKey(), b = NewKey(), c = NewKey();
  base::Result<feeds::ChainHead> before = h.hub->store().HeadOf(feeds::kHubCode);
  REQUIRE(before.ok());

  // Refused, nothing appended: without the old root; with too few new
  // signatures for the threshold; a threshold past the set; the same set.
  CHECK(h.hub->RotateRoots({&a}, {&a, &b}, 2).status().code() == base::Code::kUnauthenticated);
  CHECK_FALSE(h.hub->RotateRoots({&h.root}, {&a, &b, &c}, 4).ok());
  CHECK_FALSE(h.hub->RotateRoots({&h.root}, {&h.root}, 1).ok());
  base::Result<feeds::ChainHead> unchanged = h.hub->store().HeadOf(feeds::kHubCode);
  REQUIRE(unchanged.ok());
  CHECK(unchanged->seq == before->seq);

  // Two of three new roots from here on.
  base::Result<feeds::SignedEntry> rotated = h.hub->RotateRoots({&h.root}, {&a, &b, &c}, 2);
  INFO(rotated.status().ToString());
  REQUIRE(rotated.ok());
  base::Result<std::optional<feeds::TrustStatement>> t = h.hub->NewestTrust();
  REQUIRE((t.ok() && t->has_value()));
  const feeds::TrustRoots next{{a.public_key(), b.public_key(), c.public_key()}, 2};
  CHECK((*t)->roots == next);
  CHECK((*t)->online == std::vector<feeds::KeyGrant>{{online, 1, 0}});  // online key unchanged
  CHECK(h.hub->public_key() == online);
  VerifyAsRootedAgent(h.hub->store(), h.Roots());  // an agent pinning the old root follows

  // The old root alone no longer rotates anything; two new roots do.
  CHECK(h.hub->RotateOnlineKey({&h.root}).status().code() == base::Code::kUnauthenticated);
  CHECK(h.hub->RotateOnlineKey({&a}).status().code() == base::Code::kUnauthenticated);
  base::Result<feeds::SignedEntry> online_rotated = h.hub->RotateOnlineKey({&a, &c});
  INFO(online_rotated.status().ToString());
  REQUIRE(online_rotated.ok());
  REQUIRE(h.hub->Publish(MakeRelease("r2")).ok());
  VerifyAsRootedAgent(h.hub->store(), h.Roots());
}

TEST_CASE("after a rotation the hub takes statements of the previous key about earlier heads only",
          "[hub][trust][reports]") {
  RootedHub h;
  feeds::SecretKey county = NewKey();
  REQUIRE(h.hub->AddNode("330000", "", county.public_key()).ok());
  REQUIRE(h.hub->Publish(MakeRelease("r1")).ok());
  base::Result<std::string> before = h.hub->HeadStatement();  // by the old key
  REQUIRE(before.ok());
  std::shared_ptr<const feeds::SecretKey> old_key =
      std::make_shared<feeds::SecretKey>(testing::Must(feeds::SecretKey::Load(h.config.key_file)));
  const std::uint64_t rotated_at = testing::Must(h.hub->RotateOnlineKey({&h.root})).entry.log.seq;
  auto send = [&](std::uint64_t n, const std::string& statement) {
    feeds::NodeReport r;
    r.node = "330000";
    r.boot = 1;
    r.n = n;
    r.head_statement = statement;
    feeds::Envelope env{"330000", {}, true};
    const std::string body = feeds::EncodeReport(r);
    env.reports.push_back({body, feeds::SignatureFor(county, body)});
    const std::string text = feeds::EncodeEnvelope(env);
    return h.hub->AcceptReports(text, feeds::SignatureFor(county, text));
  };
  // Held by nodes when the rotation happened: still counts.
  base::Result<hub::Hub::AckOutcome> held = send(1, *before);
  INFO((held.ok() ? "" : held.status().ToString()));
  REQUIRE(held.ok());
  CHECK(held->accepted == 1);
  // The previous key (perhaps stolen) speaking of the rotation point or later: refused.
  const std::string forged = feeds::SignHeadStatement(*old_key, "000000", rotated_at, "",
                                                      h.clock.NowMs(), h.clock.NowMs() + 30000)
                                 .text;
  base::Result<hub::Hub::AckOutcome> refused = send(2, forged);
  REQUIRE(refused.ok());
  CHECK(refused->accepted == 0);
}

TEST_CASE("a hub without a trust entry refuses to rotate", "[hub][trust]") {
  HubFixture f;
  feeds::SecretKey root = NewKey();
  base::Result<feeds::SignedEntry> rotated = f.hub->RotateOnlineKey({&root});
  REQUIRE_FALSE(rotated.ok());
  CHECK_THAT(rotated.status().message(), Catch::Contains("init --root-key"));
}

}  // namespace
}  // namespace zhanqun::testing
