// The hub's rules for changing a node's keys (hub/node_keys.h): each returns
// the registry entry that restates the node's whole key history.
#include <catch2/catch.hpp>
#include <string>

#include "feeds/key_support.h"
#include "test_support.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/hub/node_keys.h"

namespace zhanqun::hub {
namespace {

using feeds::KeyGrant;
using feeds::KeySpan;
using testing::NewKey;

struct Keys {
  feeds::PublicKey a = NewKey().public_key();
  feeds::PublicKey b = NewKey().public_key();
  feeds::PublicKey c = NewKey().public_key();
  feeds::Node Province() const {
    feeds::Node n;
    n.code = "330000";
    n.name = "浙江省";
    n.level = feeds::NodeLevel::kProvince;
    n.parent = feeds::kHubCode;
    n.keys = {a};
    return n;
  }
};

}  // namespace

TEST_CASE("re-keying ends the open grant where the new key's begins", "[hub][keys]") {
  Keys k;
  feeds::Node n = testing::Must(RekeyNode(k.Province(), k.b, 41));
  CHECK(n.keys == std::vector<feeds::PublicKey>{k.a, k.b});
  CHECK(n.key_spans == std::vector<KeySpan>{{1, 41}, {41, 0}});
  CHECK(feeds::ValidateNode(n).ok());
  CHECK(feeds::NodeGrants(n) == std::vector<KeyGrant>{{k.a, 1, 41}, {k.b, 41, 0}});
  // Again: the second key's grant ends, the first stays as it was.
  feeds::Node again = testing::Must(RekeyNode(n, k.c, 50));
  CHECK(again.key_spans == std::vector<KeySpan>{{1, 41}, {41, 50}, {50, 0}});
}

TEST_CASE("re-keying refuses a known key, seq 0 and a start not after the open grant's",
          "[hub][keys]") {
  Keys k;
  feeds::Node n = testing::Must(RekeyNode(k.Province(), k.b, 41));
  auto same = RekeyNode(n, k.a, 60);
  REQUIRE_FALSE(same.ok());
  CHECK_THAT(same.status().message(), Catch::Contains("already one of its keys"));
  auto zero = RekeyNode(n, k.c, 0);
  REQUIRE_FALSE(zero.ok());
  CHECK_THAT(zero.status().message(), Catch::Contains("from-seq"));
  auto past = RekeyNode(n, k.c, 41);
  REQUIRE_FALSE(past.ok());
  CHECK_THAT(past.status().message(), Catch::Contains("granted from seq 41"));
  CHECK_THAT(past.status().message(), Catch::Contains("node 330000"));
}

TEST_CASE("revoking ends the open grant after the given seq, once", "[hub][keys]") {
  Keys k;
  feeds::Node n = testing::Must(RevokeNode(k.Province(), 7));
  CHECK(n.key_spans == std::vector<KeySpan>{{1, 8}});
  auto twice = RevokeNode(n, 9);
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.status().message(), Catch::Contains("nothing to revoke"));
  // Revoked, then re-keyed: the new key continues exactly where the old one
  // stopped; a gap (seq 8 signed by no key, the node stuck for good) or an
  // overlap (seq 7 signed by both) is refused.
  auto gap = RekeyNode(n, k.b, 9);
  REQUIRE_FALSE(gap.ok());
  CHECK_THAT(gap.status().message(), Catch::Contains("--from-seq 8"));
  CHECK_FALSE(RekeyNode(n, k.b, 7).ok());
  feeds::Node rekeyed = testing::Must(RekeyNode(n, k.b, 8));
  CHECK(rekeyed.key_spans == std::vector<KeySpan>{{1, 8}, {8, 0}});
  // The theft began earlier than first thought: the revocation moves back,
  // for the ended grant too; a key granted only after the point is refused.
  feeds::Node earlier = testing::Must(RevokeNode(n, 5));
  CHECK(earlier.key_spans == std::vector<KeySpan>{{1, 6}});
  auto past_new_key = RevokeNode(rekeyed, 5);
  REQUIRE_FALSE(past_new_key.ok());
  CHECK_THAT(past_new_key.status().message(), Catch::Contains("granted from seq 8"));
  // Seqs past what SQLite stores are refused.
  CHECK_FALSE(RevokeNode(k.Province(), 9223372036854775807ULL).ok());
  CHECK_FALSE(RekeyNode(k.Province(), k.b, 9223372036854775808ULL).ok());
}

TEST_CASE("a removed node has no grants and takes no key until it rejoins", "[hub][keys]") {
  Keys k;
  feeds::Node removed = testing::Must(RemoveNode(k.Province()));
  CHECK(removed.status == feeds::NodeStatus::kRemoved);
  CHECK(feeds::NodeGrants(removed).empty());
  CHECK_FALSE(RemoveNode(removed).ok());
  CHECK_THAT(RekeyNode(removed, k.b, 5).status().message(), Catch::Contains("is removed"));
  CHECK_FALSE(RevokeNode(removed, 5).ok());
  feeds::Node back = testing::Must(RejoinNode(removed, k.b));
  CHECK(back.status == feeds::NodeStatus::kActive);
  CHECK(back.epoch == 2);
}

TEST_CASE("rejoining starts a new epoch with one new key from seq 1", "[hub][keys]") {
  Keys k;
  feeds::Node rekeyed = testing::Must(RekeyNode(k.Province(), k.b, 41));
  feeds::Node n = testing::Must(RejoinNode(rekeyed, k.c));
  CHECK(n.epoch == 2);
  CHECK(n.keys == std::vector<feeds::PublicKey>{k.c});
  CHECK(n.key_spans.empty());
  CHECK(feeds::NodeGrants(n) == std::vector<KeyGrant>{{k.c, 1, 0}});
  auto old = RejoinNode(rekeyed, k.b);
  REQUIRE_FALSE(old.ok());
  CHECK_THAT(old.status().message(), Catch::Contains("already one of its keys"));
}

}  // namespace zhanqun::hub
