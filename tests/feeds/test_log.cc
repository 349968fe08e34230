#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "feeds/key_support.h"
#include "test_support.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {
namespace {

using testing::NewKey;
using testing::TempDir;
using testing::WriteText;

Entry MakeEntry(const std::string& origin, int n) {
  Release r;
  r.id = "gov.cn/zhengce/2019/" + std::to_string(n);
  r.title = "Notice on the implementation plan, part " + std::to_string(n);
  r.doc_number = "国办发〔2019〕" + std::to_string(n) + "号";
  r.authority = "国务院办公厅";
  r.signed_date = "2019-02-15";
  r.published_ms = 1550217600000;
  r.topics = {"economy"};
  r.body_html = "<p>Body of release " + std::to_string(n) + "</p>";
  Entry e;
  e.log.origin = origin;
  e.kind = EntryKind::kRelease;
  e.updated_ms = 1550217600000 + n * 1000;
  e.release = r;
  return e;
}

ChainHead HeadAfter(const SignedEntry& e) { return {e.entry.log.origin, e.entry.log.seq, e.hash}; }

// Signs `count` consecutive entries for `origin`, starting from an empty log.
std::vector<SignedEntry> SignChain(const SecretKey& key, const std::string& origin, int count) {
  std::vector<SignedEntry> chain;
  ChainHead head{origin, 0, kZeroHash};
  for (int n = 1; n <= count; ++n) {
    base::Result<SignedEntry> signed_entry = SignEntry(MakeEntry(origin, n), head, key);
    REQUIRE(signed_entry.ok());
    head = HeadAfter(*signed_entry);
    chain.push_back(std::move(signed_entry).value());
  }
  return chain;
}

std::string ReplaceOnce(std::string s, const std::string& from, const std::string& to) {
  const std::size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

ParsedEntry Parse(const std::string& wire) {
  base::Result<ParsedEntry> parsed = DecodeEntry(wire);
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

// Applies entries in the given order, advancing the head on success.
ChainHead Apply(const std::vector<SignedEntry>& entries, const TrustStore& trust, ChainHead head) {
  for (const SignedEntry& e : entries) {
    base::Result<SignedEntry> verified = VerifyEntry(Parse(e.wire), trust, head);
    INFO(verified.status().ToString());
    REQUIRE(verified.ok());
    head = HeadAfter(*verified);
  }
  return head;
}

struct Hub {
  SecretKey key = NewKey();
  TrustStore trust;
  Hub() { trust.Add(kHubCode, key.public_key()); }
  ChainHead Empty() const { return {kHubCode, 0, kZeroHash}; }
};

}  // namespace

TEST_CASE("the trusted comment binds origin, sequence number and hash", "[feeds][log]") {
  CHECK(TrustedComment("000000", 7, "ab12") == "zhanqun origin=000000 seq=7 hash=ab12");
}

TEST_CASE("a key signs only the range of its origin's log that its grant covers",
          "[feeds][log][keys]") {
  // Key A signed 1..3, the node was re-keyed to B from seq 3: A's entry 3
  // (signed after the re-key point, as a thief holding A would) is refused,
  // and so is B signing before its grant starts.
  SecretKey a = NewKey(), b = NewKey();
  std::vector<SignedEntry> by_a = SignChain(a, "330000", 3);
  TrustStore trust;
  trust.Grant("330000", KeyGrant{a.public_key(), 1, 3});
  trust.Grant("330000", KeyGrant{b.public_key(), 3, 0});
  ChainHead head = Apply({by_a[0], by_a[1]}, trust, {"330000", 0, kZeroHash});
  base::Result<SignedEntry> late = VerifyEntry(Parse(by_a[2].wire), trust, head);
  REQUIRE(!late.ok());
  CHECK(late.status().code() == base::Code::kUnauthenticated);
  CHECK_THAT(late.status().message(),
             Catch::Contains("entry 330000#3 is signed by key " + a.public_key().KeyIdHex()) &&
                 Catch::Contains("may use only from seq 1 until seq 3"));

  base::Result<SignedEntry> by_b = SignEntry(MakeEntry("330000", 3), head, b);
  REQUIRE(by_b.ok());
  CHECK(VerifyEntry(Parse(by_b->wire), trust, head).ok());
  std::vector<SignedEntry> early = SignChain(b, "330000", 1);
  CHECK(!VerifyEntry(Parse(early[0].wire), trust, {"330000", 0, kZeroHash}).ok());

  // A registry entry restates the grants: Set replaces them all.
  trust.Set("330000", {KeyGrant{b.public_key(), 1, 0}});
  CHECK(trust.FindGrant("330000", a.public_key().KeyIdHex()) == nullptr);
  CHECK(VerifyEntry(Parse(early[0].wire), trust, {"330000", 0, kZeroHash}).ok());
}

TEST_CASE("a chain of five signed entries verifies in order", "[feeds][log]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 5);
  ChainHead head = hub.Empty();
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const SignedEntry& e = chain[i];
    CHECK(e.entry.log.seq == i + 1);
    CHECK(e.entry.log.prev_hash == (i == 0 ? kZeroHash : chain[i - 1].hash));
    CHECK(e.hash == base::Sha256Hex(e.canonical));

    ParsedEntry parsed = Parse(e.wire);
    CHECK(parsed.canonical == e.canonical);
    CHECK(parsed.entry == e.entry);
    CHECK(parsed.signature.key_id == hub.key.public_key().KeyIdHex());
    CHECK(parsed.signature.trusted_comment == TrustedComment(kHubCode, i + 1, e.hash));
    CHECK(VerifySignature(parsed, hub.trust).ok());

    base::Result<SignedEntry> verified = VerifyEntry(parsed, hub.trust, head);
    INFO(verified.status().ToString());
    REQUIRE(verified.ok());
    CHECK(verified->hash == e.hash);
    CHECK(verified->canonical == e.canonical);
    CHECK(verified->wire == parsed.wire);
    head = HeadAfter(*verified);
  }
  CHECK(head.seq == 5);
  CHECK(head.hash == chain.back().hash);
}

TEST_CASE("a hub-signed entry verifies with stock minisign", "[feeds][log][minisign]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 2);
  const ParsedEntry parsed = Parse(chain[1].wire);

  TempDir dir;
  const std::string msg = dir.File("entry.xml");
  const std::string sig = dir.File("entry.xml.minisig");
  const std::string pub = dir.File("hub.pub");
  WriteText(msg, chain[1].canonical);
  WriteText(sig, FormatMinisig(parsed.signature));
  WriteText(pub, FormatPublicKeyFile(hub.key.public_key(), "zhanqun hub"));
  const std::string cmd =
      "minisign -V -q -m '" + msg + "' -p '" + pub + "' -x '" + sig + "' >/dev/null 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);

  std::string tampered = chain[1].canonical;
  const std::size_t at = tampered.find("Notice");
  REQUIRE(at != std::string::npos);
  tampered[at] = 'M';
  WriteText(msg, tampered);
  CHECK(std::system(cmd.c_str()) != 0);
}

TEST_CASE("a skipped entry is reported as a gap", "[feeds][log][chain]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 3);
  ChainHead head = Apply({chain[0]}, hub.trust, hub.Empty());
  base::Result<SignedEntry> r = VerifyEntry(Parse(chain[2].wire), hub.trust, head);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kFailedPrecondition);
  CHECK(r.status().message() == "gap: expected 000000#2, got #3");

  base::Result<SignedEntry> first = VerifyEntry(Parse(chain[1].wire), hub.trust, hub.Empty());
  CHECK(first.status().message() == "gap: expected 000000#1, got #2");
}

TEST_CASE("an older entry is reported as a replay", "[feeds][log][chain]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 3);
  ChainHead head = Apply(chain, hub.trust, hub.Empty());
  base::Result<SignedEntry> r = VerifyEntry(Parse(chain[0].wire), hub.trust, head);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kFailedPrecondition);
  CHECK(r.status().message() == "replay: entry 000000#1 is at or before the applied head 000000#3");
}

TEST_CASE("the same entry delivered twice is rejected the second time", "[feeds][log][chain]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 2);
  ChainHead head = Apply(chain, hub.trust, hub.Empty());
  base::Result<SignedEntry> r = VerifyEntry(Parse(chain[1].wire), hub.trust, head);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kFailedPrecondition);
  CHECK(r.status().message() == "replay: entry 000000#2 is at or before the applied head 000000#2");
}

TEST_CASE("reordered entries are refused until their predecessor is applied",
          "[feeds][log][chain]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 3);
  ChainHead head = Apply({chain[0]}, hub.trust, hub.Empty());
  base::Result<SignedEntry> early = VerifyEntry(Parse(chain[2].wire), hub.trust, head);
  CHECK(early.status().code() == base::Code::kFailedPrecondition);
  head = Apply({chain[1], chain[2]}, hub.trust, head);
  CHECK(head.seq == 3);
  base::Result<SignedEntry> late = VerifyEntry(Parse(chain[1].wire), hub.trust, head);
  CHECK(late.status().code() == base::Code::kFailedPrecondition);
}

TEST_CASE("an entry naming another predecessor is reported as a fork", "[feeds][log][chain]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 1);
  const ChainHead head = HeadAfter(chain[0]);
  const std::string other_hash = base::Sha256Hex("another history");
  base::Result<SignedEntry> branch =
      SignEntry(MakeEntry(kHubCode, 2), ChainHead{kHubCode, 1, other_hash}, hub.key);
  REQUIRE(branch.ok());

  base::Result<SignedEntry> r = VerifyEntry(Parse(branch->wire), hub.trust, head);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kFailedPrecondition);
  CHECK(r.status().message() == "fork: entry 000000#2 names predecessor " + other_hash +
                                    ", but the applied entry #1 has hash " + chain[0].hash);

  base::Result<SignedEntry> bad_first =
      SignEntry(MakeEntry(kHubCode, 1), ChainHead{kHubCode, 0, other_hash}, hub.key);
  REQUIRE(bad_first.ok());
  CHECK(VerifyEntry(Parse(bad_first->wire), hub.trust, hub.Empty()).status().code() ==
        base::Code::kFailedPrecondition);
}

TEST_CASE("an entry signed by an untrusted key is rejected", "[feeds][log][security]") {
  Hub hub;
  SecretKey stranger = NewKey();
  std::vector<SignedEntry> chain = SignChain(stranger, kHubCode, 1);
  base::Result<SignedEntry> r = VerifyEntry(Parse(chain[0].wire), hub.trust, hub.Empty());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kUnauthenticated);
  CHECK(r.status().message() == "entry 000000#1 is signed by key " +
                                    stranger.public_key().KeyIdHex() +
                                    " which is not trusted for origin 000000");
  CHECK(VerifySignature(Parse(chain[0].wire), hub.trust).code() == base::Code::kUnauthenticated);
}

TEST_CASE("a key trusted for one origin cannot sign for another", "[feeds][log][security]") {
  SecretKey hub_key = NewKey();
  SecretKey province_key = NewKey();
  const std::string province = "110000";

  SECTION("hub key trusted only for the province") {
    TrustStore trust;
    trust.Add(province, hub_key.public_key());
    std::vector<SignedEntry> chain = SignChain(hub_key, kHubCode, 1);
    CHECK(VerifyEntry(Parse(chain[0].wire), trust, {kHubCode, 0, kZeroHash}).status().code() ==
          base::Code::kUnauthenticated);
  }
  SECTION("province entry signed with the hub key") {
    TrustStore trust;
    trust.Add(kHubCode, hub_key.public_key());
    trust.Add(province, province_key.public_key());
    std::vector<SignedEntry> chain = SignChain(hub_key, province, 1);
    base::Result<SignedEntry> r =
        VerifyEntry(Parse(chain[0].wire), trust, {province, 0, kZeroHash});
    CHECK(r.status().code() == base::Code::kUnauthenticated);
    CHECK_THAT(r.status().message(), Catch::Contains("not trusted for origin 110000"));
  }
}

TEST_CASE("an entry changed after signing does not verify", "[feeds][log][security]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 1);
  std::string wire = chain[0].wire;
  const std::size_t at = wire.find("Notice on the implementation plan");
  REQUIRE(at != std::string::npos);
  wire[at] = 'M';

  ParsedEntry parsed = Parse(wire);
  REQUIRE(parsed.entry.release.has_value());
  CHECK(parsed.entry.release->title.rfind("Motice", 0) == 0);
  CHECK(parsed.canonical != chain[0].canonical);
  base::Result<SignedEntry> r = VerifyEntry(parsed, hub.trust, hub.Empty());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kUnauthenticated);
  CHECK(r.status().message() ==
        "entry 000000#1: signature does not verify for key " + hub.key.public_key().KeyIdHex());
}

TEST_CASE("an entry whose signature verifies but whose bytes a relay padded is refused",
          "[feeds][log][security]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 1);
  const std::string& wire = chain[0].wire;
  const std::size_t sig_at = wire.find("<zq:signature ");
  const std::size_t text_at = wire.find('>', sig_at) + 1;
  struct Case {
    std::string what, padded, expected;
  };
  const Case cases[] = {
      {"a comment inside the signature element",
       wire.substr(0, text_at) + "<!--x-->" + wire.substr(text_at),
       "entry 000000#1: wire form: the <zq:signature> element is not in canonical form: at byte " +
           std::to_string(text_at) + " found '<!--x-->"},
      {"an attribute on the signature element",
       wire.substr(0, sig_at) + "<zq:signature via=\"330000\"" + wire.substr(sig_at + 13),
       "entry 000000#1: wire form: the <zq:signature> element is not in canonical form: at byte " +
           std::to_string(sig_at + 14) + " found 'via="},
      {"whitespace before the signature element",
       wire.substr(0, sig_at) + "\n" + wire.substr(sig_at),
       "entry 000000#1: wire form: the <zq:signature> element is not in canonical form: at byte " +
           std::to_string(sig_at) + " found '\\x0A<zq:signature"},
      {"a character reference in the body", ReplaceOnce(wire, "Notice", "&#78;otice"),
       "entry 000000#1: wire form: the entry is not in canonical zhanqun form: at byte " +
           std::to_string(wire.find("Notice")) + " found '&#78;otice"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    ParsedEntry parsed = Parse(c.padded);
    CHECK(parsed.canonical == chain[0].canonical);  // the signed content is intact
    CHECK(parsed.wire == c.padded);
    base::Result<SignedEntry> r = VerifyEntry(parsed, hub.trust, hub.Empty());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == base::Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::StartsWith(c.expected));
    CHECK(VerifySignature(parsed, hub.trust).message() == r.status().message());
  }
}

TEST_CASE("a ParsedEntry whose wire disagrees with its canonical form is refused",
          "[feeds][log][security]") {
  Hub hub;
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 2);
  ParsedEntry first = Parse(chain[0].wire);
  first.wire = chain[1].wire;  // bytes of another entry under a verified one
  base::Result<SignedEntry> r = VerifyEntry(first, hub.trust, hub.Empty());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::StartsWith("entry 000000#1: wire form: the entry is "
                                                     "not in canonical zhanqun form: at byte"));
}

TEST_CASE("a valid signature whose trusted comment names another position is rejected",
          "[feeds][log][security]") {
  Hub hub;
  Entry entry = MakeEntry(kHubCode, 1);
  entry.log.seq = 1;
  entry.log.prev_hash = kZeroHash;
  base::Result<std::string> canonical = EncodeCanonicalEntry(entry);
  REQUIRE(canonical.ok());
  const SignatureElement sig =
      SignMessage(hub.key, *canonical, TrustedComment(kHubCode, 2, base::Sha256Hex(*canonical)));
  base::Result<std::string> wire = AttachSignature(*canonical, sig);
  REQUIRE(wire.ok());

  base::Result<SignedEntry> r = VerifyEntry(Parse(*wire), hub.trust, hub.Empty());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kUnauthenticated);
  CHECK_THAT(r.status().message(), Catch::Contains("trusted comment"));
}

TEST_CASE("signing and verifying refuse a chain head of another origin", "[feeds][log]") {
  Hub hub;
  CHECK_FALSE(SignEntry(MakeEntry(kHubCode, 1), {"110000", 0, kZeroHash}, hub.key).ok());
  std::vector<SignedEntry> chain = SignChain(hub.key, kHubCode, 1);
  CHECK(VerifyEntry(Parse(chain[0].wire), hub.trust, {"110000", 0, kZeroHash}).status().code() ==
        base::Code::kFailedPrecondition);
}

// A county's own log: its key, trusted for its code only.
struct CountyLog {
  const std::string county = "330106";
  SecretKey key = NewKey();
  TrustStore trust;
  CountyLog() { trust.Add(county, key.public_key()); }
  Entry Make(EntryKind kind, base::TimeMs updated_ms) const {
    Entry e;
    e.log.origin = county;
    e.kind = kind;
    e.updated_ms = updated_ms;
    return e;
  }
};

TEST_CASE("interpretation and topic entries chain and verify like releases", "[feeds][log]") {
  CountyLog c;
  const std::string& county = c.county;
  const SecretKey& key = c.key;
  const TrustStore& trust = c.trust;
  Entry topic = c.Make(EntryKind::kTopic, 1550217600000);
  topic.topic = TopicDef{"西湖区营商环境", "西湖区优化营商环境", ""};
  Entry note = c.Make(EntryKind::kInterpretation, 1550217601000);
  note.interpretation = Interpretation{
      "gov.cn/zhengce/2019/1", 1, InterpretationMode::kExtend, "template", "西湖区解读",
      "<p>西湖区实施细则</p>"};

  ChainHead head{county, 0, kZeroHash};
  std::vector<SignedEntry> chain;
  for (const Entry& e : {topic, note}) {
    base::Result<SignedEntry> signed_entry = SignEntry(e, head, key);
    INFO(signed_entry.status().ToString());
    REQUIRE(signed_entry.ok());
    head = HeadAfter(*signed_entry);
    chain.push_back(std::move(signed_entry).value());
  }
  head = Apply(chain, trust, {county, 0, kZeroHash});
  CHECK(head.seq == 2);
  ParsedEntry parsed = Parse(chain[1].wire);
  REQUIRE(parsed.entry.interpretation.has_value());
  CHECK(*parsed.entry.interpretation == *note.interpretation);
  CHECK(parsed.entry.kind == EntryKind::kInterpretation);
}

TEST_CASE("an interpretation whose body changed after signing does not verify",
          "[feeds][log][security]") {
  CountyLog c;
  const std::string& county = c.county;
  const SecretKey& key = c.key;
  const TrustStore& trust = c.trust;
  Entry e = c.Make(EntryKind::kInterpretation, 1550217600000);
  e.interpretation = Interpretation{"gov.cn/zhengce/2019/1",      3,
                                    InterpretationMode::kReplace, "manual",
                                    "西湖区关于减税降费的解读",   "<p>申报期限延长至3月31日。</p>"};
  base::Result<SignedEntry> signed_entry = SignEntry(e, {county, 0, kZeroHash}, key);
  REQUIRE(signed_entry.ok());
  CHECK(VerifyEntry(Parse(signed_entry->wire), trust, {county, 0, kZeroHash}).ok());

  std::string wire = signed_entry->wire;
  const std::size_t at = wire.find("3月31日");
  REQUIRE(at != std::string::npos);
  wire.replace(at, 1, "6");

  ParsedEntry parsed = Parse(wire);
  REQUIRE(parsed.entry.interpretation.has_value());
  CHECK(parsed.entry.interpretation->body_html == "<p>申报期限延长至6月31日。</p>");
  CHECK(parsed.canonical != signed_entry->canonical);
  base::Result<SignedEntry> r = VerifyEntry(parsed, trust, {county, 0, kZeroHash});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kUnauthenticated);
  CHECK(r.status().message() ==
        "entry 330106#1: signature does not verify for key " + key.public_key().KeyIdHex());
}

}  // namespace zhanqun::feeds
