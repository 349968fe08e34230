// Trust statements: the offline root set certifies the hub's online keys.
#include <catch2/catch.hpp>

#include "key_support.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/trust.h"

namespace zhanqun::feeds {
namespace {

using testing::NewKey;

TrustStatement Statement(std::uint64_t seq, const TrustRoots& roots, const SecretKey& online) {
  TrustStatement t;
  t.seq = seq;
  t.roots = roots;
  t.online.push_back(KeyGrant{online.public_key(), seq, 0});
  t.expires_ms = 2'000'000'000'000;
  return t;
}

TrustRoots RootsOf(std::initializer_list<const SecretKey*> keys, int threshold) {
  TrustRoots r;
  for (const SecretKey* k : keys) r.keys.push_back(k->public_key());
  r.threshold = threshold;
  return r;
}

TEST_CASE("a trust statement round-trips through its text form", "[feeds][trust]") {
  SecretKey root = NewKey(), online = NewKey(), old_online = NewKey();
  TrustStatement t = Statement(7, RootsOf({&root}, 1), online);
  t.online.insert(t.online.begin(), KeyGrant{old_online.public_key(), 1, 7});
  SignTrust(t, root);
  const std::string text = EncodeTrust(t);
  CHECK(text.starts_with("zhanqun-trust/1\norigin 000000\nseq 7\nthreshold 1\nroot "));
  base::Result<TrustStatement> back = DecodeTrust(text);
  REQUIRE(back.ok());
  CHECK(*back == t);
  CHECK(EncodeTrust(*back) == text);
  REQUIRE(VerifyTrust(*back, 7, t.roots).ok());
}

TEST_CASE("a trust statement in any other byte form is refused, naming the line",
          "[feeds][trust]") {
  SecretKey root = NewKey(), online = NewKey();
  TrustStatement t = Statement(3, RootsOf({&root}, 1), online);
  SignTrust(t, root);
  const std::string text = EncodeTrust(t);
  std::string other_origin = text;
  other_origin.replace(other_origin.find("000000"), 6, "330000");
  base::Result<TrustStatement> r = DecodeTrust(other_origin);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("line 2") != std::string::npos);
  std::string padded = text;
  padded.replace(padded.find("seq 3"), 5, "seq 03");
  CHECK_FALSE(DecodeTrust(padded).ok());
  CHECK_FALSE(DecodeTrust(text.substr(0, text.size() - 1)).ok());
  CHECK_FALSE(DecodeTrust(text + "extra\n").ok());
  CHECK_FALSE(DecodeTrust("").ok());
}

TEST_CASE("a trust statement needs the threshold of valid root signatures", "[feeds][trust]") {
  SecretKey a = NewKey(), b = NewKey(), c = NewKey(), online = NewKey();
  TrustRoots roots = RootsOf({&a, &b, &c}, 2);
  TrustStatement t = Statement(5, roots, online);
  SignTrust(t, a);
  base::Result<TrustRoots> one = VerifyTrust(t, 5, roots);
  REQUIRE_FALSE(one.ok());
  CHECK(one.status().code() == base::Code::kUnauthenticated);
  CHECK(one.status().message().find("has 1 valid signature") != std::string::npos);
  CHECK(one.status().message().find("seq 5") != std::string::npos);
  // The same key signing twice still counts once.
  t.signatures.push_back(t.signatures.front());
  CHECK_FALSE(VerifyTrust(t, 5, roots).ok());
  SignTrust(t, b);
  CHECK(VerifyTrust(t, 5, roots).ok());
}

TEST_CASE("a trust statement signed only by the online key is refused", "[feeds][trust]") {
  SecretKey root = NewKey(), online = NewKey();
  TrustRoots roots = RootsOf({&root}, 1);
  TrustStatement t = Statement(2, roots, online);
  SignTrust(t, online);
  base::Result<TrustRoots> r = VerifyTrust(t, 2, roots);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kUnauthenticated);
}

TEST_CASE("a trust statement replayed at another seq is refused", "[feeds][trust]") {
  SecretKey root = NewKey(), online = NewKey();
  TrustRoots roots = RootsOf({&root}, 1);
  TrustStatement t = Statement(4, roots, online);
  SignTrust(t, root);
  base::Result<TrustRoots> r = VerifyTrust(t, 9, roots);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("replayed") != std::string::npos);
  // Rewriting the seq breaks the root signature.
  t.seq = 9;
  for (KeyGrant& g : t.online) g.from_seq = 9;
  CHECK(VerifyTrust(t, 9, roots).status().code() == base::Code::kUnauthenticated);
}

TEST_CASE("a trust statement with a tampered online key is refused", "[feeds][trust]") {
  SecretKey root = NewKey(), online = NewKey(), thief = NewKey();
  TrustRoots roots = RootsOf({&root}, 1);
  TrustStatement t = Statement(4, roots, online);
  SignTrust(t, root);
  t.online.front().key = thief.public_key();
  CHECK(VerifyTrust(t, 4, roots).status().code() == base::Code::kUnauthenticated);
}

TEST_CASE("a root rotation needs the old roots and the new roots", "[feeds][trust]") {
  SecretKey old_root = NewKey(), new_a = NewKey(), new_b = NewKey(), online = NewKey();
  TrustRoots pinned = RootsOf({&old_root}, 1);
  TrustRoots next = RootsOf({&new_a, &new_b}, 2);
  TrustStatement t = Statement(10, next, online);
  SECTION("signed by the new roots only") {
    SignTrust(t, new_a);
    SignTrust(t, new_b);
    base::Result<TrustRoots> r = VerifyTrust(t, 10, pinned);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("pinned root set") != std::string::npos);
  }
  SECTION("signed by the old root and too few new ones") {
    SignTrust(t, old_root);
    SignTrust(t, new_a);
    base::Result<TrustRoots> r = VerifyTrust(t, 10, pinned);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("new set") != std::string::npos);
  }
  SECTION("signed by both sets, the new set is pinned after it") {
    SignTrust(t, old_root);
    SignTrust(t, new_a);
    SignTrust(t, new_b);
    base::Result<TrustRoots> r = VerifyTrust(t, 10, pinned);
    REQUIRE(r.ok());
    CHECK(*r == next);
    // The next statement needs the new roots; the old one no longer suffices.
    TrustStatement later = Statement(11, next, online);
    SignTrust(later, old_root);
    CHECK_FALSE(VerifyTrust(later, 11, *r).ok());
  }
}

TEST_CASE("trust roots and statements with impossible fields are refused", "[feeds][trust]") {
  SecretKey root = NewKey(), online = NewKey();
  CHECK_FALSE(ValidateTrustRoots(TrustRoots{}).ok());
  CHECK_FALSE(ValidateTrustRoots(RootsOf({&root}, 2)).ok());
  CHECK_FALSE(ValidateTrustRoots(RootsOf({&root, &root}, 1)).ok());
  TrustStatement t = Statement(3, RootsOf({&root}, 1), online);
  t.online.front().until_seq = 3;
  CHECK_FALSE(ValidateTrustStatement(t).ok());
  t.online.clear();
  CHECK_FALSE(ValidateTrustStatement(t).ok());
}

TEST_CASE("a trust entry signs, decodes and verifies as an entry of the hub's log",
          "[feeds][trust]") {
  SecretKey root = NewKey(), online = NewKey();
  TrustStatement t = Statement(1, RootsOf({&root}, 1), online);
  SignTrust(t, root);
  Entry e;
  e.log.origin = kHubCode;
  e.kind = EntryKind::kTrust;
  e.updated_ms = 1'700'000'000'000;
  e.trust = EncodeTrust(t);
  base::Result<SignedEntry> s = SignEntry(e, ChainHead{kHubCode, 0, kZeroHash}, online);
  REQUIRE(s.ok());
  base::Result<ParsedEntry> parsed = DecodeEntry(s->wire);
  REQUIRE(parsed.ok());
  CHECK(parsed->entry.kind == EntryKind::kTrust);
  REQUIRE(parsed->entry.trust.has_value());
  CHECK(*parsed->entry.trust == EncodeTrust(t));
  TrustStore store;
  store.Set(kHubCode, t.online);
  CHECK(VerifyEntry(*parsed, store, ChainHead{kHubCode, 0, kZeroHash}).ok());
  // A payload that is not a trust statement does not encode.
  e.trust = "not a statement\n";
  CHECK_FALSE(SignEntry(e, ChainHead{kHubCode, 0, kZeroHash}, online).ok());
}

TEST_CASE("an expired trust statement leaves no live online key", "[feeds][trust]") {
  SecretKey root = NewKey(), online = NewKey();
  TrustStatement t = Statement(3, RootsOf({&root}, 1), online);
  t.expires_ms = 1000;
  CHECK(LiveOnlineGrants(t, 999).size() == 1);
  CHECK(LiveOnlineGrants(t, 1000).empty());
}

}  // namespace
}  // namespace zhanqun::feeds
