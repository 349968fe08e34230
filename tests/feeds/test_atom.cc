#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "zhanqun/feeds/atom.h"

namespace zq = zhanqun::feeds;

namespace {

zq::Entry ReleaseEntry(std::uint64_t seq = 12) {
  zq::Entry e;
  e.log = {"330000", seq, std::string(64, 'a')};
  e.kind = zq::EntryKind::kRelease;
  e.updated_ms = 1550217600000;
  zq::Release r;
  r.id = "gov.cn/2019-02/15/content_5365924";
  r.version = 2;
  r.title = "国务院关于印发《2019年政府工作报告》的通知 <重要> & \"急\"";
  r.doc_number = "国发〔2019〕8号";
  r.authority = "浙江省人民政府";
  r.signed_date = "2019-02-14";
  r.published_ms = 1550217600123;
  r.topics = {"财政", "营商 环境"};
  r.categories = {"通知", "规范性文件"};
  r.body_html = "<p>各市、县人民政府：&amp; 现将\r\n《报告》印发给你们。</p>\n<p>\t</p>";
  r.attachments.push_back({"https://www.zj.gov.cn/a.pdf?x=1&y=2", "附件1：清单", "application/pdf",
                           std::string(64, 'f'), 123456});
  r.attachments.push_back({"http://www.zj.gov.cn/b.doc", "", "", std::string(64, '0'), 0});
  r.status = zq::ReleaseStatus::kAmended;
  e.release = r;
  return e;
}

zq::Entry NodeEntry() {
  zq::Entry e;
  e.log = {zq::kHubCode, 3, std::string(64, 'b')};
  e.kind = zq::EntryKind::kNode;
  e.updated_ms = 1550217600999;
  zq::Node n;
  n.code = "330000";
  n.name = "浙江省";
  n.level = zq::NodeLevel::kProvince;
  n.parent = zq::kHubCode;
  zq::PublicKey k1;
  k1.key_id = {1, 2, 3, 4, 5, 6, 7, 8};
  for (int i = 0; i < 32; ++i) k1.bytes[i] = static_cast<std::uint8_t>(i * 7);
  zq::PublicKey k2 = k1;
  k2.key_id[0] = 9;
  n.keys = {k1, k2};
  e.node = n;
  return e;
}

zq::Entry InterpretationEntry(std::uint64_t seq = 13) {
  zq::Entry e;
  e.log = {"330106", seq, std::string(64, 'c')};
  e.kind = zq::EntryKind::kInterpretation;
  e.updated_ms = 1550304000456;
  zq::Interpretation i;
  i.release_id = "gov.cn/2019-02/15/content_5365924";
  i.release_version = 2;
  i.mode = zq::InterpretationMode::kReplace;
  i.source = "manual";
  i.title = "西湖区解读：《2019年政府工作报告》对小微企业 & \"个体户\" 意味着什么";
  i.body_html =
      "<p>本区小微企业可在<b>区政务服务中心</b>办理减税 &amp; 降费。</p>\n"
      "<p>咨询：0571-12345</p>";
  e.interpretation = i;
  return e;
}

zq::Entry TopicEntry(std::uint64_t seq = 4) {
  zq::Entry e;
  e.log = {zq::kHubCode, seq, std::string(64, 'd')};
  e.kind = zq::EntryKind::kTopic;
  e.updated_ms = 1550217601000;
  e.topic = zq::TopicDef{"营商环境", "优化营商环境 <专题>",
                         "国务院及各地关于优化营商环境的政策文件 & 解读。"};
  return e;
}

zq::SignatureElement FakeSignature() {
  return {"0807060504030201", "RUQBAgMEBQYHCA==", "zhanqun origin=330000 seq=12 hash=abc",
          "QUJDRA=="};
}

std::string Wire(const zq::Entry& e) {
  auto canonical = zq::EncodeCanonicalEntry(e);
  REQUIRE(canonical.ok());
  auto wire = zq::AttachSignature(*canonical, FakeSignature());
  REQUIRE(wire.ok());
  return *wire;
}

zq::FeedMeta Meta() {
  zq::FeedMeta m;
  m.origin = "330000";
  m.self_url = "http://127.0.0.1:8080/feeds/330000?after=0&limit=50";
  m.title = "浙江省 政策发布 & 解读";
  m.head_seq = 12;
  m.next_url = "http://127.0.0.1:8080/feeds/330000?after=12";
  m.prev_url = "http://127.0.0.1:8080/feeds/330000/archive/1";
  m.first_url = "http://127.0.0.1:8080/feeds/330000/archive/0";
  m.hub_url = "http://127.0.0.1:8080/websub";
  m.archive = true;
  m.updated_ms = 1550217600000;
  return m;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

std::string TempFile(const std::string& contents) {
  static std::atomic<int> counter{0};
  auto path = std::filesystem::temp_directory_path() /
              ("zq_atom_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".xml");
  std::ofstream(path, std::ios::binary) << contents;
  return path.string();
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("a release entry round-trips through canonical and wire form", "[atom]") {
  zq::Entry e = ReleaseEntry();
  auto canonical = zq::EncodeCanonicalEntry(e);
  REQUIRE(canonical.ok());
  auto wire = zq::AttachSignature(*canonical, FakeSignature());
  REQUIRE(wire.ok());
  auto parsed = zq::DecodeEntry(*wire);
  REQUIRE(parsed.ok());
  CHECK(parsed->entry == e);
  CHECK(parsed->canonical == *canonical);
  CHECK(parsed->wire == *wire);
  CHECK(parsed->signature == FakeSignature());
}

TEST_CASE("a node entry round-trips with its keys", "[atom]") {
  zq::Entry e = NodeEntry();
  std::string wire = Wire(e);
  auto parsed = zq::DecodeEntry(wire);
  REQUIRE(parsed.ok());
  CHECK(parsed->entry == e);
  CHECK(parsed->canonical == *zq::EncodeCanonicalEntry(e));
  CHECK(Contains(wire, "id=\"0807060504030201\""));
}

TEST_CASE("a node entry's key history, status and epoch round trip", "[atom][keys]") {
  zq::Entry e = NodeEntry();
  e.node->key_spans = {{1, 40}, {40, 0}};
  e.node->epoch = 2;
  std::string wire = Wire(e);
  auto parsed = zq::DecodeEntry(wire);
  REQUIRE(parsed.ok());
  CHECK(parsed->entry == e);
  CHECK(Contains(wire, "until=\"40\""));
  CHECK(Contains(wire, "from=\"40\""));
  CHECK(Contains(wire, "epoch=\"2\""));
  CHECK_FALSE(Contains(wire, "status="));

  e.node->status = zq::NodeStatus::kRemoved;
  auto removed = zq::DecodeEntry(Wire(e));
  REQUIRE(removed.ok());
  CHECK(removed->entry.node->status == zq::NodeStatus::kRemoved);
  CHECK(Contains(Wire(e), "status=\"removed\""));
}

TEST_CASE("a node entry with default history encodes exactly as before key histories existed",
          "[atom][keys][compat]") {
  zq::Entry e = NodeEntry();
  std::string plain = *zq::EncodeCanonicalEntry(e);
  // Spans stated as the defaults are the same entry, byte for byte.
  e.node->key_spans = {{1, 0}, {1, 0}};
  CHECK(*zq::EncodeCanonicalEntry(e) == plain);
  for (const char* attr : {"from=", "until=", "epoch=", "status="}) {
    CHECK_FALSE(Contains(plain, attr));
  }
  auto parsed = zq::DecodeEntry(Wire(NodeEntry()));
  REQUIRE(parsed.ok());
  CHECK(parsed->entry.node->key_spans.empty());
  CHECK(parsed->entry.node->epoch == 1);
  CHECK(parsed->entry.node->status == zq::NodeStatus::kActive);
}

TEST_CASE("a node entry with a bad key span, epoch or status is refused, naming the field",
          "[atom][keys][security]") {
  zq::Entry e = NodeEntry();
  e.node->key_spans = {{5, 5}, {1, 0}};
  auto bad_span = zq::EncodeCanonicalEntry(e);
  REQUIRE_FALSE(bad_span.ok());
  CHECK(Contains(bad_span.status().message(), "until must be after from 5"));
  e.node->key_spans = {{1, 0}};
  REQUIRE_FALSE(zq::EncodeCanonicalEntry(e).ok());
  CHECK(Contains(zq::EncodeCanonicalEntry(e).status().message(), "one per key"));
  // A seq past what SQLite stores would break every agent's trust table.
  e.node->key_spans = {{9300000000000000000ULL, 0}, {1, 0}};
  auto huge = zq::EncodeCanonicalEntry(e);
  REQUIRE_FALSE(huge.ok());
  CHECK(Contains(huge.status().message(), "must be <= 9223372036854775807"));

  std::string wire = Wire(NodeEntry());
  auto bad_status =
      zq::DecodeEntry(Replace(wire, "name=\"浙江省\"", "name=\"浙江省\" status=\"gone\""));
  REQUIRE_FALSE(bad_status.ok());
  CHECK(Contains(bad_status.status().message(), "zq:node@status"));
  auto bad_epoch = zq::DecodeEntry(Replace(wire, "name=\"浙江省\"", "epoch=\"0\" name=\"浙江省\""));
  REQUIRE_FALSE(bad_epoch.ok());
  CHECK(Contains(bad_epoch.status().message(), "epoch"));
}

TEST_CASE("encoding is deterministic and the canonical form excludes the signature", "[atom]") {
  zq::Entry e = ReleaseEntry();
  auto a = zq::EncodeCanonicalEntry(e);
  auto b = zq::EncodeCanonicalEntry(e);
  REQUIRE(a.ok());
  CHECK(*a == *b);
  CHECK_THAT(*a, Catch::StartsWith("<entry xmlns=\"http://www.w3.org/2005/Atom\"><id>"));
  CHECK_FALSE(Contains(*a, "signature"));
  std::string wire = Wire(e);
  CHECK_THAT(wire, Catch::EndsWith("</zq:signature></entry>"));
  CHECK(wire.substr(0, a->size() - 8) == a->substr(0, a->size() - 8));
}

TEST_CASE("decoding accepts an XML declaration before the entry", "[atom]") {
  std::string wire = Wire(ReleaseEntry());
  auto parsed = zq::DecodeEntry("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + wire);
  REQUIRE(parsed.ok());
  CHECK(parsed->wire == wire);
}

TEST_CASE("the canonical form is unchanged when the entry is embedded in a feed", "[atom]") {
  std::string w1 = Wire(ReleaseEntry(12));
  std::string w2 = Wire(NodeEntry());
  auto feed = zq::DecodeFeed(zq::EncodeFeed(Meta(), {w1, w2}));
  REQUIRE(feed.ok());
  REQUIRE(feed->entries.size() == 2);
  CHECK(feed->entries[0].wire == w1);
  CHECK(feed->entries[0].canonical == *zq::EncodeCanonicalEntry(ReleaseEntry(12)));
  CHECK(feed->entries[0].entry == ReleaseEntry(12));
  CHECK(feed->entries[1].wire == w2);
  CHECK(feed->entries[1].entry == NodeEntry());
}

TEST_CASE("an entry relying on namespaces declared by its feed is not in wire form",
          "[atom][security]") {
  std::string wire = Wire(ReleaseEntry());
  // Strip the entry's own default namespace declaration: it is inherited.
  std::string bare = Replace(wire, "<entry xmlns=\"http://www.w3.org/2005/Atom\">", "<entry>");
  auto feed = zq::DecodeFeed(zq::EncodeFeed(Meta(), {bare}));
  REQUIRE(feed.ok());
  CHECK(feed->entries[0].canonical == *zq::EncodeCanonicalEntry(ReleaseEntry()));
  CHECK(feed->entries[0].wire == bare);
  zhanqun::base::Status s = zq::CheckWireForm(feed->entries[0]);
  CHECK(s.code() == zhanqun::base::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::StartsWith("wire form: the entry is not in canonical zhanqun "
                                            "form: at byte 6 found '>"));
}

TEST_CASE("decoding a feed recovers its metadata", "[atom]") {
  zq::FeedMeta m = Meta();
  auto feed = zq::DecodeFeed(zq::EncodeFeed(m, {}));
  REQUIRE(feed.ok());
  CHECK(feed->meta.origin == m.origin);
  CHECK(feed->meta.self_url == m.self_url);
  CHECK(feed->meta.title == m.title);
  CHECK(feed->meta.head_seq == m.head_seq);
  CHECK(feed->meta.next_url == m.next_url);
  CHECK(feed->meta.prev_url == m.prev_url);
  CHECK(feed->meta.first_url == m.first_url);
  CHECK(feed->meta.hub_url == m.hub_url);
  CHECK(feed->meta.archive);
  CHECK(feed->meta.updated_ms == m.updated_ms);
  CHECK(feed->entries.empty());

  zq::FeedMeta plain;
  plain.origin = "330000";
  plain.updated_ms = 1;
  auto p = zq::DecodeFeed(zq::EncodeFeed(plain, {}));
  REQUIRE(p.ok());
  CHECK_FALSE(p->meta.archive);
  CHECK_FALSE(p->meta.next_url.has_value());
}

TEST_CASE("a feed validates against the Atom RELAX NG schema", "[atom][interop]") {
  std::string path = TempFile(zq::EncodeFeed(Meta(), {Wire(ReleaseEntry()), Wire(NodeEntry())}));
  std::string cmd = "xmllint --noout --relaxng " + std::string(ZQ_FIXTURES_DIR) + "/atom.rng " +
                    path + " 2>/dev/null";
  CHECK(std::system(cmd.c_str()) == 0);
  std::filesystem::remove(path);
}

TEST_CASE("a lone wire entry validates against the Atom RELAX NG schema", "[atom][interop]") {
  std::string path = TempFile(Wire(ReleaseEntry()));
  std::string cmd = "xmllint --noout --relaxng " + std::string(ZQ_FIXTURES_DIR) + "/atom.rng " +
                    path + " 2>/dev/null";
  CHECK(std::system(cmd.c_str()) == 0);
  std::filesystem::remove(path);
}

TEST_CASE("a feed parses cleanly in python feedparser", "[atom][interop]") {
  std::string path = TempFile(zq::EncodeFeed(Meta(), {Wire(ReleaseEntry()), Wire(NodeEntry())}));
  // Debian's interpreter carries python3-feedparser; a pyenv one on PATH may not.
  std::string python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  std::string cmd = python +
                    " -c \"import feedparser,sys; d=feedparser.parse(sys.argv[1]); "
                    "assert not d.bozo, d.bozo_exception; assert len(d.entries)==2; "
                    "assert d.entries[0].title.startswith('国务院')\" " +
                    path;
  CHECK(std::system(cmd.c_str()) == 0);
  std::filesystem::remove(path);
}

TEST_CASE("decoding rejects a document with a DOCTYPE", "[atom][security]") {
  const std::string billion_laughs =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE lolz [\n"
      " <!ENTITY lol \"lol\">\n"
      " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
      " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
      " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
      "]>\n"
      "<entry xmlns=\"http://www.w3.org/2005/Atom\"><title>&lol4;</title></entry>";
  auto parsed = zq::DecodeEntry(billion_laughs);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().message() == "DOCTYPE is not allowed");
  auto feed = zq::DecodeFeed(billion_laughs);
  REQUIRE_FALSE(feed.ok());
  CHECK(feed.status().message() == "DOCTYPE is not allowed");
}

TEST_CASE("decoding refuses external entities", "[atom][security]") {
  const std::string xxe =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE entry [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
      "<entry xmlns=\"http://www.w3.org/2005/Atom\"><title>&xxe;</title></entry>";
  auto parsed = zq::DecodeEntry(xxe);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().message() == "DOCTYPE is not allowed");
  CHECK_FALSE(Contains(parsed.status().message(), "root:"));
}

TEST_CASE("decoding refuses an external DTD", "[atom][security]") {
  const std::string ext =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE feed SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\"/>";
  auto feed = zq::DecodeFeed(ext);
  REQUIRE_FALSE(feed.ok());
  CHECK(feed.status().message() == "DOCTYPE is not allowed");
}

TEST_CASE("decoding refuses an oversize document with a clear message", "[atom][security]") {
  zq::XmlLimits limits;
  limits.max_document_bytes = 1000;
  std::string feed = zq::EncodeFeed(Meta(), {Wire(ReleaseEntry())});
  auto parsed = zq::DecodeFeed(feed, limits);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == zhanqun::base::Code::kResourceExhausted);
  CHECK(parsed.status().message() ==
        "XML document of " + std::to_string(feed.size()) + " bytes exceeds the limit of 1000");

  zq::XmlLimits entry_limits;
  entry_limits.max_entry_bytes = 500;
  auto big_entry = zq::DecodeFeed(feed, entry_limits);
  REQUIRE_FALSE(big_entry.ok());
  CHECK(big_entry.status().code() == zhanqun::base::Code::kResourceExhausted);
  CHECK_THAT(big_entry.status().message(), Catch::StartsWith("feed: entry 1: entry: "));
  CHECK(zq::DecodeEntry(Wire(ReleaseEntry()), entry_limits).status().code() ==
        zhanqun::base::Code::kResourceExhausted);
}

TEST_CASE("decoding refuses nesting deeper than the limit", "[atom][security]") {
  std::string deep = "<entry xmlns=\"http://www.w3.org/2005/Atom\">";
  for (int i = 0; i < 100; ++i) deep += "<x>";
  for (int i = 0; i < 100; ++i) deep += "</x>";
  deep += "</entry>";
  auto parsed = zq::DecodeEntry(deep);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == zhanqun::base::Code::kResourceExhausted);
  CHECK(parsed.status().message() == "XML nesting depth exceeds the limit of 64");

  std::string very_deep;
  for (int i = 0; i < 5000; ++i) very_deep += "<x>";
  CHECK(zq::DecodeFeed(very_deep).status().code() == zhanqun::base::Code::kResourceExhausted);
}

TEST_CASE("a feed with more entries than allowed is refused", "[atom][security]") {
  zq::XmlLimits limits;
  limits.max_entries = 1;
  std::string w = Wire(ReleaseEntry());
  auto parsed = zq::DecodeFeed(zq::EncodeFeed(Meta(), {w, w}), limits);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == zhanqun::base::Code::kResourceExhausted);
  CHECK(parsed.status().message() == "feed: 2 entries exceed the limit of 1");
}

TEST_CASE("a malformed document's error names the line", "[atom]") {
  const std::string bad =
      "<entry xmlns=\"http://www.w3.org/2005/Atom\">\n"
      "<id>x</id>\n"
      "<title>t</entry>";
  auto parsed = zq::DecodeEntry(bad);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == zhanqun::base::Code::kInvalidArgument);
  CHECK_THAT(parsed.status().message(),
             Catch::StartsWith("XML parse error at line 3: Opening and ending tag mismatch"));
  auto undeclared = zq::DecodeEntry("<entry><zq:log/></entry>");
  REQUIRE_FALSE(undeclared.ok());
  CHECK(Contains(undeclared.status().message(), "zq"));
  CHECK_FALSE(zq::DecodeEntry("").ok());
}

TEST_CASE("decoding names missing and invalid fields", "[atom]") {
  std::string wire = Wire(ReleaseEntry());
  struct Case {
    std::string from, to, expected, from2 = "", to2 = "";
  };
  const std::string log_prefix = "<zq:log xmlns:zq=\"urn:zhanqun:protocol:1\" ";
  const Case cases[] = {
      {log_prefix, "<zq:logx xmlns:zq=\"urn:zhanqun:protocol:1\" ", "entry: missing <zq:log>",
       "</zq:log>", "</zq:logx>"},
      {"seq=\"12\"", "seq=\"x\"", "zq:log@seq: expected a positive integer, got 'x'"},
      {"seq=\"12\"", "seq=\"0\"", "zq:log@seq: expected a positive integer, got '0'"},
      {"seq=\"12\"", "seq=\"012\"", "zq:log@seq: expected a positive integer, got '012'"},
      {">release</zq:kind>", ">policy</zq:kind>",
       "zq:kind: expected release, node, interpretation, topic or trust, got 'policy'"},
      {"origin=\"330000\" ", "", "zq:log@origin: missing"},
      {"<id>urn:zhanqun:330000:12</id>", "<id>urn:zhanqun:330000:13</id>", "id: expected"},
      {"<updated>2019-02-15T08:00:00.000Z</updated>", "<updated>yesterday</updated>",
       "updated: time: expected RFC 3339"},
      {"status=\"amended\"", "status=\"gone\"", "zq:release@status: release status:"},
      {"sha256=\"ffff", "sha256=\"FFFF", "release.attachments[0].sha256_hex:"},
      {"keyId=\"0807060504030201\"", "keyId=\"xyz\"", "zq:signature@keyId:"},
      {"<zq:signature ", "<zq:signaturex ", "entry: missing <zq:signature>", "</zq:signature>",
       "</zq:signaturex>"},
      {"<title>", "<title>extra</title><title>", "entry: more than one <title>"},
  };
  for (const Case& c : cases) {
    INFO(c.from << " -> " << c.to);
    std::string mutated = Replace(wire, c.from, c.to);
    if (!c.from2.empty()) mutated = Replace(mutated, c.from2, c.to2);
    auto parsed = zq::DecodeEntry(mutated);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == zhanqun::base::Code::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Catch::StartsWith(c.expected));
  }
}

TEST_CASE("the signature must be the single last child element", "[atom]") {
  std::string wire = Wire(ReleaseEntry());
  auto sig_start = wire.find("<zq:signature ");
  std::string sig = wire.substr(sig_start, wire.size() - sig_start - 8);
  std::string moved = Replace(wire, "<id>", sig + "<id>");
  moved = moved.substr(0, moved.rfind(sig)) + "</entry>";
  auto a = zq::DecodeEntry(moved);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().message() == "entry: <zq:signature> must be the last child element");
  auto b = zq::DecodeEntry(Replace(wire, "</entry>", sig + "</entry>"));
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().message() == "entry: more than one <zq:signature>");
  auto canonical = zq::EncodeCanonicalEntry(ReleaseEntry());
  CHECK_FALSE(zq::AttachSignature(wire, FakeSignature()).ok());
  CHECK_FALSE(zq::DecodeEntry(*canonical).ok());
}

TEST_CASE("an honest entry's bytes are its wire form, alone and inside a feed", "[atom]") {
  for (const zq::Entry& e : {ReleaseEntry(), NodeEntry(), InterpretationEntry(), TopicEntry()}) {
    std::string wire = Wire(e);
    auto alone = zq::DecodeEntry(wire);
    REQUIRE(alone.ok());
    CHECK(alone->wire == wire);
    CHECK(zq::CheckWireForm(*alone).ok());
    auto feed = zq::DecodeFeed(zq::EncodeFeed(Meta(), {wire, wire}));
    REQUIRE(feed.ok());
    REQUIRE(feed->entries.size() == 2);
    CHECK(feed->entries[1].wire == wire);
    CHECK(zq::CheckWireForm(feed->entries[1]).ok());
  }
}

TEST_CASE("the wire form escapes the trusted comment as exclusive C14N does", "[atom][interop]") {
  zq::SignatureElement sig = FakeSignature();
  sig.trusted_comment = "zhanqun <a href=\"x\">&amp;</a> 'q' \t 浙江 >";
  auto wire = zq::AttachSignature(*zq::EncodeCanonicalEntry(ReleaseEntry()), sig);
  REQUIRE(wire.ok());
  CHECK(Contains(*wire,
                 "trustedComment=\"zhanqun &lt;a href=&quot;x&quot;>&amp;amp;&lt;/a> 'q' "
                 "&#x9; 浙江 >\">"));
  auto parsed = zq::DecodeEntry(*wire);
  REQUIRE(parsed.ok());
  CHECK(parsed->signature == sig);
  CHECK(zq::CheckWireForm(*parsed).ok());
  // An independent canonicalizer leaves the wire form unchanged.
  std::string in = TempFile(*wire);
  std::string out = in + ".c14n";
  std::string cmd = "xmllint --exc-c14n " + in + " > " + out + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream f(out, std::ios::binary);
  std::string c14n((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CHECK(c14n == *wire);
  std::filesystem::remove(in);
  std::filesystem::remove(out);
}

TEST_CASE("a relay that adds bytes to an entry is refused, naming where", "[atom][security]") {
  const std::string wire = Wire(ReleaseEntry());
  const std::string sig_open = "<zq:signature xmlns:zq=\"urn:zhanqun:protocol:1\" ";
  const std::string in_sig = "wire form: the <zq:signature> element is not in canonical form";
  const std::string in_body = "wire form: the entry is not in canonical zhanqun form";
  struct Case {
    std::string what, from, to, expected, from2 = "", to2 = "";
  };
  const Case cases[] = {
      {"whitespace in the signature's start tag", sig_open,
       "<zq:signature  xmlns:zq=\"urn:zhanqun:protocol:1\" ", in_sig},
      {"whitespace before the signature's '>'", "hash=abc\">", "hash=abc\" >", in_sig},
      {"whitespace after the signature", "</zq:signature>", "</zq:signature>\n", in_sig},
      {"a comment in the signature", ">RUQB", "><!-- relayed by 330100 -->RUQB", in_sig},
      {"an extra attribute on the signature", "keyId=", "relay=\"330100\" keyId=", in_sig},
      {"an extra child element in the signature", "</zq:signature>",
       "<zq:via xmlns:zq=\"urn:zhanqun:protocol:1\" node=\"330100\"></zq:via></zq:signature>",
       in_sig},
      {"another prefix for the signature", "<zq:signature xmlns:zq=", "<z:signature xmlns:z=",
       in_sig, "</zq:signature>", "</z:signature>"},
      {"a character reference in the signature text", ">RUQB", ">&#x52;UQB", in_sig},
      {"a character reference in a signature attribute", "keyId=\"0807", "keyId=\"&#48;807",
       in_sig},
      {"a CDATA section in the signature", ">RUQBAgMEBQYHCA==<", "><![CDATA[RUQBAgMEBQYHCA==]]><",
       in_sig},
      {"single quotes on a signature attribute", "keyId=\"0807060504030201\"",
       "keyId='0807060504030201'", in_sig},
      {"signature attributes out of C14N order",
       "globalSignature=\"QUJDRA==\" keyId=\"0807060504030201\"",
       "keyId=\"0807060504030201\" globalSignature=\"QUJDRA==\"", in_sig},
      {"whitespace between body elements", "<title>", "\n  <title>", in_body},
      {"a comment in the body", "<title>", "<!-- mirrored --><title>", in_body},
      {"a character reference in the title", "<title>国务院", "<title>&#x56FD;务院", in_body},
      {"a CDATA section in the content", "<content type=\"html\">&lt;p&gt;",
       "<content type=\"html\"><![CDATA[<p>]]>", in_body},
      {"an extra attribute in the body", "<zq:log xmlns:zq=\"urn:zhanqun:protocol:1\" ",
       "<zq:log xmlns:zq=\"urn:zhanqun:protocol:1\" relay=\"1\" ", in_body},
      {"an unknown element in the body", "<id>",
       "<zq:unknown xmlns:zq=\"urn:zhanqun:protocol:1\"></zq:unknown><id>", in_body},
      {"another prefix in the body",
       "<zq:kind xmlns:zq=\"urn:zhanqun:protocol:1\">release</zq:kind>",
       "<k:kind xmlns:k=\"urn:zhanqun:protocol:1\">release</k:kind>", in_body},
      {"an extra namespace declaration", "<entry xmlns=\"http://www.w3.org/2005/Atom\">",
       "<entry xmlns=\"http://www.w3.org/2005/Atom\" xmlns:x=\"urn:x\">", in_body},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    std::string mutated = Replace(wire, c.from, c.to);
    if (!c.from2.empty()) mutated = Replace(mutated, c.from2, c.to2);
    // The relay changed no field: the origin's signature would still verify.
    auto alone = zq::DecodeEntry(mutated);
    INFO(alone.status().ToString());
    REQUIRE(alone.ok());
    CHECK(alone->entry == ReleaseEntry());
    CHECK(alone->signature == FakeSignature());
    CHECK(alone->wire == mutated);
    zhanqun::base::Status s = zq::CheckWireForm(*alone);
    CHECK(s.code() == zhanqun::base::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::StartsWith(c.expected + ": at byte "));
    auto feed = zq::DecodeFeed(zq::EncodeFeed(Meta(), {wire, mutated}));
    REQUIRE(feed.ok());
    CHECK(zq::CheckWireForm(feed->entries[0]).ok());
    CHECK(feed->entries[1].wire == mutated);
    CHECK(zq::CheckWireForm(feed->entries[1]).message() == s.message());
  }
}

TEST_CASE("the wire form error shows both sides on one line", "[atom]") {
  const std::string wire = Wire(ReleaseEntry());
  auto parsed = zq::DecodeEntry(Replace(wire, "<title>", "\n<title>"));
  REQUIRE(parsed.ok());
  const std::size_t at = wire.find("<title>");
  CHECK_THAT(zq::CheckWireForm(*parsed).message(),
             Catch::StartsWith("wire form: the entry is not in canonical zhanqun form: at byte " +
                               std::to_string(at) + " found '\\x0A<title>国务院关于印发"));
  CHECK_THAT(zq::CheckWireForm(*parsed).message(),
             Catch::Contains("where the re-encoding has '<title>国务院关于印发"));
}

TEST_CASE("tampered text changes the recomputed canonical form", "[atom][security]") {
  std::string wire = Wire(ReleaseEntry());
  auto parsed = zq::DecodeEntry(Replace(wire, "营商 环境", "营商环境"));
  REQUIRE(parsed.ok());
  CHECK(parsed->canonical != *zq::EncodeCanonicalEntry(ReleaseEntry()));
}

TEST_CASE("encoding rejects entries that break model rules", "[atom]") {
  zq::Entry e = ReleaseEntry();
  e.release->title.clear();
  CHECK_THAT(zq::EncodeCanonicalEntry(e).status().message(), Catch::StartsWith("release.title"));
  e = ReleaseEntry();
  e.node = NodeEntry().node;
  CHECK_FALSE(zq::EncodeCanonicalEntry(e).ok());
  e = ReleaseEntry();
  e.log.prev_hash = "abc";
  CHECK_THAT(zq::EncodeCanonicalEntry(e).status().message(),
             Catch::StartsWith("entry.log.prev_hash"));
  e = ReleaseEntry();
  e.log.origin = "zj";
  CHECK_THAT(zq::EncodeCanonicalEntry(e).status().message(), Catch::StartsWith("entry.log.origin"));
  zq::SignatureElement sig = FakeSignature();
  sig.key_id = "0807060504030201\"";
  CHECK_FALSE(zq::AttachSignature(*zq::EncodeCanonicalEntry(ReleaseEntry()), sig).ok());
}

TEST_CASE("decoding a feed fails naming the entry that does not decode", "[atom]") {
  std::string good = Wire(ReleaseEntry());
  std::string bad = Replace(good, "seq=\"12\"", "seq=\"-1\"");
  auto parsed = zq::DecodeFeed(zq::EncodeFeed(Meta(), {good, bad}));
  REQUIRE_FALSE(parsed.ok());
  CHECK_THAT(parsed.status().message(), Catch::StartsWith("feed: entry 2: zq:log@seq"));
  auto not_feed = zq::DecodeFeed(good);
  REQUIRE_FALSE(not_feed.ok());
  CHECK_THAT(not_feed.status().message(), Catch::StartsWith("feed: expected an Atom <feed>"));
}

TEST_CASE("an interpretation entry round-trips through canonical and wire form", "[atom]") {
  zq::Entry e = InterpretationEntry();
  auto canonical = zq::EncodeCanonicalEntry(e);
  REQUIRE(canonical.ok());
  std::string wire = Wire(e);
  auto parsed = zq::DecodeEntry(wire);
  REQUIRE(parsed.ok());
  CHECK(parsed->entry == e);
  CHECK(parsed->canonical == *canonical);
  CHECK(parsed->wire == wire);
  for (auto mode : {zq::InterpretationMode::kExtend, zq::InterpretationMode::kReplace}) {
    for (const char* source : {"template", "manual"}) {
      e.interpretation->mode = mode;
      e.interpretation->source = source;
      e.interpretation->body_html.clear();
      auto again = zq::DecodeEntry(Wire(e));
      REQUIRE(again.ok());
      CHECK(again->entry == e);
    }
  }
}

TEST_CASE("an interpretation entry has the documented layout", "[atom]") {
  auto canonical = zq::EncodeCanonicalEntry(InterpretationEntry());
  REQUIRE(canonical.ok());
  CHECK(*canonical ==
        "<entry xmlns=\"http://www.w3.org/2005/Atom\">"
        "<id>urn:zhanqun:330106:13</id>"
        "<title>西湖区解读：《2019年政府工作报告》对小微企业 &amp; \"个体户\" 意味着什么</title>"
        "<updated>2019-02-16T08:00:00.456Z</updated>"
        "<author><name>330106</name></author>"
        "<content type=\"html\">&lt;p&gt;本区小微企业可在&lt;b&gt;区政务服务中心&lt;/b&gt;办理减税 "
        "&amp;amp; 降费。&lt;/p&gt;\n&lt;p&gt;咨询：0571-12345&lt;/p&gt;</content>"
        "<zq:log xmlns:zq=\"urn:zhanqun:protocol:1\" origin=\"330106\" prev=\"" +
            std::string(64, 'c') +
            "\" seq=\"13\"></zq:log>"
            "<zq:kind xmlns:zq=\"urn:zhanqun:protocol:1\">interpretation</zq:kind>"
            "<zq:interpretation xmlns:zq=\"urn:zhanqun:protocol:1\" mode=\"replace\" "
            "release=\"gov.cn/2019-02/15/content_5365924\" releaseVersion=\"2\" "
            "source=\"manual\"></zq:interpretation>"
            "</entry>");
}

TEST_CASE("a topic entry round-trips, with or without a description", "[atom]") {
  zq::Entry e = TopicEntry();
  auto canonical = zq::EncodeCanonicalEntry(e);
  REQUIRE(canonical.ok());
  CHECK(*canonical ==
        "<entry xmlns=\"http://www.w3.org/2005/Atom\">"
        "<id>urn:zhanqun:000000:4</id>"
        "<title>优化营商环境 &lt;专题&gt;</title>"
        "<updated>2019-02-15T08:00:01.000Z</updated>"
        "<author><name>000000</name></author>"
        "<content type=\"text\">国务院及各地关于优化营商环境的政策文件 &amp; 解读。</content>"
        "<zq:log xmlns:zq=\"urn:zhanqun:protocol:1\" origin=\"000000\" prev=\"" +
            std::string(64, 'd') +
            "\" seq=\"4\"></zq:log>"
            "<zq:kind xmlns:zq=\"urn:zhanqun:protocol:1\">topic</zq:kind>"
            "<zq:topic xmlns:zq=\"urn:zhanqun:protocol:1\" id=\"营商环境\"></zq:topic>"
            "</entry>");
  auto parsed = zq::DecodeEntry(Wire(e));
  REQUIRE(parsed.ok());
  CHECK(parsed->entry == e);
  CHECK(parsed->canonical == *canonical);

  e.topic->description.clear();
  e.topic->id = "tax-2019_v1.0";
  auto empty = zq::EncodeCanonicalEntry(e);
  REQUIRE(empty.ok());
  CHECK(Contains(*empty, "<content type=\"text\"></content>"));
  auto again = zq::DecodeEntry(Wire(e));
  REQUIRE(again.ok());
  CHECK(again->entry == e);
}

TEST_CASE("entries of every kind keep their canonical form when embedded in a feed", "[atom]") {
  const zq::Entry entries[] = {ReleaseEntry(12), NodeEntry(), InterpretationEntry(), TopicEntry()};
  std::vector<std::string> wires;
  for (const zq::Entry& e : entries) wires.push_back(Wire(e));
  auto feed = zq::DecodeFeed(zq::EncodeFeed(Meta(), wires));
  REQUIRE(feed.ok());
  REQUIRE(feed->entries.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("entry " << i);
    CHECK(feed->entries[i].wire == wires[i]);
    CHECK(feed->entries[i].canonical == *zq::EncodeCanonicalEntry(entries[i]));
    CHECK(feed->entries[i].entry == entries[i]);
  }
  // Relying on the feed's namespace declarations reads the same fields, but
  // those bytes are not the wire form.
  std::string bare = Replace(wires[2], "<entry xmlns=\"http://www.w3.org/2005/Atom\">", "<entry>");
  auto inherited = zq::DecodeFeed(zq::EncodeFeed(Meta(), {bare}));
  REQUIRE(inherited.ok());
  CHECK(inherited->entries[0].entry == entries[2]);
  CHECK(inherited->entries[0].wire == bare);
  CHECK_FALSE(zq::CheckWireForm(inherited->entries[0]).ok());
}

TEST_CASE("a feed mixing all entry kinds validates against the Atom RELAX NG schema",
          "[atom][interop]") {
  zq::Entry no_description = TopicEntry(5);
  no_description.topic->description.clear();
  std::string path = TempFile(
      zq::EncodeFeed(Meta(), {Wire(ReleaseEntry()), Wire(NodeEntry()), Wire(InterpretationEntry()),
                              Wire(TopicEntry()), Wire(no_description)}));
  std::string cmd = "xmllint --noout --relaxng " + std::string(ZQ_FIXTURES_DIR) + "/atom.rng " +
                    path + " 2>/dev/null";
  CHECK(std::system(cmd.c_str()) == 0);
  std::filesystem::remove(path);
}

TEST_CASE("reading names invalid fields of interpretation and topic entries", "[atom]") {
  struct Case {
    zq::Entry entry;
    std::string from, to, expected;
  };
  const Case cases[] = {
      {InterpretationEntry(), "mode=\"replace\"", "mode=\"merge\"",
       "zq:interpretation@mode: interpretation mode: expected extend or replace, got 'merge'"},
      {InterpretationEntry(), "source=\"manual\"", "source=\"auto\"",
       "interpretation.source: expected template or manual, got 'auto'"},
      {InterpretationEntry(), "releaseVersion=\"2\"", "releaseVersion=\"02\"",
       "zq:interpretation@releaseVersion: expected a positive integer, got '02'"},
      {InterpretationEntry(), "releaseVersion=\"2\" ", "",
       "zq:interpretation@releaseVersion: missing"},
      {InterpretationEntry(), "release=\"gov.cn/2019-02/15/content_5365924\"", "release=\"a b\"",
       "interpretation.release_id:"},
      {InterpretationEntry(), "source=\"manual\"", "source=\"manual\" stale=\"1\"",
       "wire form: the entry is not in canonical zhanqun form"},
      {InterpretationEntry(), "<author>", "<published>2019-02-15T08:00:00.000Z</published><author>",
       "wire form: the entry is not in canonical zhanqun form"},
      {InterpretationEntry(), ">interpretation</zq:kind>", ">topic</zq:kind>",
       "entry: missing <zq:topic>"},
      {TopicEntry(), "id=\"营商环境\"", "id=\"营商/环境\"", "topic.id:"},
      {TopicEntry(), "<title>优化营商环境 &lt;专题&gt;</title>", "<title></title>",
       "topic.title: required"},
      {TopicEntry(), ">topic</zq:kind>", ">interpretation</zq:kind>",
       "entry: missing <zq:interpretation>"},
      {TopicEntry(), "<content type=\"text\">", "<content type=\"html\">",
       "wire form: the entry is not in canonical zhanqun form"},
      {TopicEntry(), "</zq:topic>",
       "</zq:topic><zq:topic xmlns:zq=\"urn:zhanqun:protocol:1\" id=\"x\"></zq:topic>",
       "entry: more than one <zq:topic>"},
  };
  for (const Case& c : cases) {
    INFO(c.from << " -> " << c.to);
    std::string mutated = Replace(Wire(c.entry), c.from, c.to);
    // A field rule fails the decoding; bytes the re-encoding lacks fail the
    // wire form check.
    auto parsed = zq::DecodeEntry(mutated);
    zhanqun::base::Status s = parsed.ok() ? zq::CheckWireForm(*parsed) : parsed.status();
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == zhanqun::base::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::StartsWith(c.expected));
  }
}

TEST_CASE("encoding requires exactly the payload the kind names", "[atom]") {
  zq::Entry e = InterpretationEntry();
  e.release = ReleaseEntry().release;
  CHECK(zq::EncodeCanonicalEntry(e).status().message() ==
        "entry: kind interpretation requires interpretation set and release, node, topic, trust "
        "unset");
  e = InterpretationEntry();
  e.interpretation.reset();
  CHECK_THAT(zq::EncodeCanonicalEntry(e).status().message(),
             Catch::StartsWith("entry: kind interpretation requires interpretation set"));
  e = TopicEntry();
  e.interpretation = InterpretationEntry().interpretation;
  CHECK(zq::EncodeCanonicalEntry(e).status().message() ==
        "entry: kind topic requires topic set and release, node, interpretation, trust unset");
  e = ReleaseEntry();
  e.topic = TopicEntry().topic;
  CHECK_THAT(zq::EncodeCanonicalEntry(e).status().message(),
             Catch::StartsWith("entry: kind release requires release set"));
  e = InterpretationEntry();
  e.interpretation->title.clear();
  CHECK_THAT(zq::EncodeCanonicalEntry(e).status().message(),
             Catch::StartsWith("interpretation.title: required"));
  e = TopicEntry();
  e.topic->id = "营商 环境";
  CHECK_THAT(zq::EncodeCanonicalEntry(e).status().message(), Catch::StartsWith("topic.id:"));
}

TEST_CASE("a stored entry decodes to the fields DecodeEntry gives, without the canonical form",
          "[atom]") {
  const zq::Entry entries[] = {ReleaseEntry(12), NodeEntry(), InterpretationEntry(), TopicEntry()};
  for (const zq::Entry& e : entries) {
    const std::string wire = Wire(e);
    auto full = zq::DecodeEntry(wire);
    REQUIRE(full.ok());
    auto stored = zq::DecodeStoredEntry(wire);
    INFO(stored.status().ToString());
    REQUIRE(stored.ok());
    CHECK(*stored == e);
    CHECK(*stored == full->entry);
  }
  // Field rules and limits still hold: a damaged store is reported, not shown.
  auto bad_kind = zq::DecodeStoredEntry(Replace(Wire(ReleaseEntry()), ">release</", ">lease</"));
  REQUIRE_FALSE(bad_kind.ok());
  CHECK(Contains(bad_kind.status().ToString(), "kind"));
  auto not_entry = zq::DecodeStoredEntry("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>");
  REQUIRE_FALSE(not_entry.ok());
  zq::XmlLimits tight;
  tight.max_entry_bytes = 100;
  CHECK_FALSE(zq::DecodeStoredEntry(Wire(ReleaseEntry()), tight).ok());
  CHECK_FALSE(zq::DecodeStoredEntry("<entry").ok());
}
