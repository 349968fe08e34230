#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "feeds/key_support.h"
#include "hub/hub_test_support.h"
#include "test_support.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/base/counters.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/hub/node_keys.h"
#include "zhanqun/hub/release_json.h"

namespace zhanqun::hub {
namespace {

using testing::HubFixture;
using testing::kT0;
using testing::MakeConfig;
using testing::MakeRelease;
using testing::Must;
using testing::NewKey;
using testing::SignatureHeader;
using testing::TempDir;

using base::Code;
using base::Result;
using base::Status;
using feeds::SignedEntry;
using json = nlohmann::json;

// Every entry of the hub's log, decoded and verified against the hub's key.
std::vector<SignedEntry> VerifiedLog(Hub& hub) {
  return testing::VerifiedHubLog(hub.store(), hub.public_key());
}

std::string AckBody(const std::string& node, const std::string& stage, std::uint64_t seq,
                    const std::string& origin = feeds::kHubCode) {
  json j = {{"node", node},
            {"acks", json::array({{{"origin", origin}, {"stage", stage}, {"seq", seq}}})}};
  return j.dump();
}

}  // namespace

// ---- init -----------------------------------------------------------------

TEST_CASE("hub init creates a key and a log holding the hub's own registry entry", "[hub][init]") {
  HubFixture f;
  std::vector<SignedEntry> log = VerifiedLog(*f.hub);
  REQUIRE(log.size() == 1);
  REQUIRE(log[0].entry.node.has_value());
  CHECK(log[0].entry.node->code == feeds::kHubCode);
  CHECK(log[0].entry.node->keys == std::vector<feeds::PublicKey>{f.hub->public_key()});
  CHECK(log[0].entry.updated_ms == kT0);
  Result<feeds::PublicKey> pub = feeds::LoadPublicKeyFile(f.config.key_file + ".pub");
  REQUIRE(pub.ok());
  CHECK(*pub == f.hub->public_key());
}

TEST_CASE("hub init refuses to run twice and leaves the first hub intact", "[hub][init]") {
  HubFixture f;
  const feeds::PublicKey first_key = f.hub->public_key();
  f.MustPublish(MakeRelease("r1"));
  f.hub.reset();

  Status again = Hub::Init(f.config, f.clock);
  REQUIRE_FALSE(again.ok());
  INFO(again.ToString());

  f.Reopen();
  CHECK(f.hub->public_key() == first_key);
  CHECK(Must(f.hub->store().Head(feeds::kHubCode)) == 2);
  CHECK(VerifiedLog(*f.hub).size() == 2);
}

TEST_CASE("hub open without init says how to fix it", "[hub][init]") {
  TempDir dir;
  base::FakeClock clock(kT0);
  Result<std::unique_ptr<Hub>> hub = Hub::Open(MakeConfig(dir), clock);
  REQUIRE_FALSE(hub.ok());
  CHECK_THAT(hub.status().message(), Catch::Contains("init"));
}

// ---- publish ----------------------------------------------------------------

TEST_CASE("hub publish assigns contiguous seqs on a verifiable hash chain", "[hub][publish]") {
  HubFixture f;
  std::vector<SignedEntry> published;
  for (int i = 1; i <= 4; ++i) {
    f.clock.Advance(1000);
    published.push_back(f.MustPublish(MakeRelease("gov.cn/" + std::to_string(i))));
  }
  std::vector<SignedEntry> log = VerifiedLog(*f.hub);
  REQUIRE(log.size() == 5);  // the hub's registry entry, then the releases
  for (std::size_t i = 0; i < published.size(); ++i) {
    CHECK(published[i].entry.log.seq == i + 2);
    CHECK(published[i].entry.log.prev_hash == log[i].hash);
    CHECK(published[i].wire == log[i + 1].wire);
    CHECK(published[i].entry.updated_ms == kT0 + 1000 * static_cast<base::TimeMs>(i + 1));
    CHECK(published[i].entry.release->version == 1);
  }
  CHECK(f.hub->counters().releases_published == 4);
  Result<base::TimeMs> at = f.hub->store().AppendedAt(feeds::kHubCode, 3);
  REQUIRE(at.ok());
  CHECK(*at == kT0 + 2000);
}

TEST_CASE("hub publish of an existing id makes the next version, amended", "[hub][publish]") {
  HubFixture f;
  f.MustPublish(MakeRelease("gov.cn/a"));
  SignedEntry second = f.MustPublish(MakeRelease("gov.cn/a"));
  REQUIRE(second.entry.release.has_value());
  CHECK(second.entry.release->version == 2);
  CHECK(second.entry.release->status == feeds::ReleaseStatus::kAmended);
  std::optional<ReleaseRow> row = Must(f.hub->store().FindRelease("gov.cn/a"));
  REQUIRE(row.has_value());
  CHECK(row->version == 2);
  CHECK(row->status == feeds::ReleaseStatus::kAmended);

  feeds::Release withdrawn = MakeRelease("gov.cn/a");
  withdrawn.status = feeds::ReleaseStatus::kWithdrawn;
  SignedEntry third = f.MustPublish(withdrawn);
  CHECK(third.entry.release->version == 3);
  CHECK(third.entry.release->status == feeds::ReleaseStatus::kWithdrawn);
}

TEST_CASE("hub publish refuses an explicit version that is not the next", "[hub][publish]") {
  HubFixture f;
  feeds::Release r = MakeRelease("gov.cn/a");
  r.version = 3;
  Result<SignedEntry> skipped = f.hub->Publish(r);
  REQUIRE_FALSE(skipped.ok());
  CHECK_THAT(skipped.status().message(), Catch::StartsWith("version"));
  CHECK_THAT(skipped.status().message(), Catch::Contains("got 3"));

  f.MustPublish(MakeRelease("gov.cn/a"));
  r.version = 1;  // already taken
  Result<SignedEntry> stale = f.hub->Publish(r);
  REQUIRE_FALSE(stale.ok());
  CHECK_THAT(stale.status().message(), Catch::Contains("version"));
  CHECK(Must(f.hub->store().Head(feeds::kHubCode)) == 2);
  CHECK(f.hub->counters().publish_rejected == 2);
}

TEST_CASE("hub publish names the field of an invalid release", "[hub][publish]") {
  HubFixture f;
  feeds::Release no_title = MakeRelease("gov.cn/a");
  no_title.title.clear();
  Result<SignedEntry> r1 = f.hub->Publish(no_title);
  REQUIRE_FALSE(r1.ok());
  CHECK(r1.status().code() == Code::kInvalidArgument);
  CHECK_THAT(r1.status().message(), Catch::Contains("release.title"));

  feeds::Release bad_id = MakeRelease("has spaces <and> tags");
  Result<SignedEntry> r2 = f.hub->Publish(bad_id);
  REQUIRE_FALSE(r2.ok());
  CHECK_THAT(r2.status().message(), Catch::Contains("release.id"));

  feeds::Release no_authority = MakeRelease("gov.cn/b");
  no_authority.authority.clear();
  Result<SignedEntry> r3 = f.hub->Publish(no_authority);
  REQUIRE_FALSE(r3.ok());
  CHECK_THAT(r3.status().message(), Catch::Contains("release.authority"));

  feeds::Release bad_date = MakeRelease("gov.cn/c");
  bad_date.signed_date = "2019-02-30";
  Result<SignedEntry> r4 = f.hub->Publish(bad_date);
  REQUIRE_FALSE(r4.ok());
  CHECK_THAT(r4.status().message(), Catch::Contains("release.signed_date"));

  CHECK(Must(f.hub->store().Head(feeds::kHubCode)) == 1);
}

TEST_CASE("hub publish sanitizes the body before signing", "[hub][publish][security]") {
  HubFixture f;
  feeds::Release r = MakeRelease("gov.cn/x");
  r.body_html = "<p onclick=\"x()\">正文</p><script>alert(1)</script>";
  SignedEntry se = f.MustPublish(r);
  CHECK_THAT(se.entry.release->body_html, !Catch::Contains("script"));
  CHECK_THAT(se.entry.release->body_html, !Catch::Contains("onclick"));
  CHECK_THAT(se.entry.release->body_html, Catch::Contains("正文"));
}

// ---- release JSON -----------------------------------------------------------

TEST_CASE("release JSON with every field parses", "[hub][json]") {
  const std::string text = R"({
    "id": "gov.cn/zhengce/2019-02/15", "version": 2, "title": "关于印发的通知",
    "doc_number": "国办发〔2019〕5号", "authority": "国务院办公厅", "signed_date": "2019-02-15",
    "published": "2019-02-15T08:00:00Z", "topics": ["economy", "tax"], "categories": ["通知"],
    "body_html": "<p>正文</p>", "status": "amended",
    "attachments": [{"href": "https://www.gov.cn/a.pdf", "title": "附件", "type": "application/pdf",
                     "sha256": "0000000000000000000000000000000000000000000000000000000000000000",
                     "length": 12}]
  })";
  Result<feeds::Release> r = ParseReleaseJson(text, kT0);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->id == "gov.cn/zhengce/2019-02/15");
  CHECK(r->version == 2);
  CHECK(r->published_ms == 1550217600000);
  CHECK(r->topics == std::vector<std::string>{"economy", "tax"});
  CHECK(r->status == feeds::ReleaseStatus::kAmended);
  REQUIRE(r->attachments.size() == 1);
  CHECK(r->attachments[0].length == 12);
  CHECK(r->attachments[0].media_type == "application/pdf");
  CHECK(feeds::ValidateRelease(*r).ok());
}

TEST_CASE("release JSON defaults published to now and version to next", "[hub][json]") {
  Result<feeds::Release> r =
      ParseReleaseJson(R"({"id": "a", "title": "t", "authority": "国务院"})", kT0);
  REQUIRE(r.ok());
  CHECK(r->published_ms == kT0);
  CHECK(r->version == 0);
  CHECK(r->status == feeds::ReleaseStatus::kActive);
}

TEST_CASE("release JSON that is malformed or not an object is refused", "[hub][json]") {
  for (const char* text : {"{", "", "{\"id\": }", "[1, 2]", "\"just a string\""}) {
    INFO(text);
    Result<feeds::Release> r = ParseReleaseJson(text, kT0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::StartsWith("release"));
  }
}

TEST_CASE("release JSON with an unknown field names it", "[hub][json]") {
  Result<feeds::Release> r =
      ParseReleaseJson(R"({"id": "a", "titel": "typo", "authority": "x"})", kT0);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("release.titel"));
  CHECK_THAT(r.status().message(), Catch::Contains("unknown field"));
}

TEST_CASE("release JSON with wrong types names the field", "[hub][json]") {
  struct Case {
    const char* text;
    const char* field;
  };
  const Case cases[] = {
      {R"({"title": 5})", "release.title"},
      {R"({"id": ["a"]})", "release.id"},
      {R"({"topics": "economy"})", "release.topics"},
      {R"({"topics": ["ok", 3]})", "release.topics"},
      {R"({"version": "2"})", "release.version"},
      {R"({"version": 0})", "release.version"},
      {R"({"version": 1.5})", "release.version"},
      {R"({"published": "yesterday"})", "release.published"},
      {R"({"status": "deleted"})", "release.status"},
      {R"({"attachments": {}})", "release.attachments"},
      {R"({"attachments": [{"href": 1}]})", "release.attachments[0]"},
      {R"({"attachments": [{"href": "https://a/b", "sha256": "x", "length": -1}]})",
       "release.attachments[0]"},
      {R"({"body_html": "<p>a</p>", "body_text": "a"})", "release.body_html"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    Result<feeds::Release> r = ParseReleaseJson(c.text, kT0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains(c.field));
  }
}

TEST_CASE("release JSON body_text becomes escaped paragraphs", "[hub][json]") {
  Result<feeds::Release> r = ParseReleaseJson(
      R"({"id": "a", "title": "t", "authority": "x", "body_text": "第一段\n\n第二段 <b>"})", kT0);
  REQUIRE(r.ok());
  CHECK_THAT(r->body_html, Catch::Contains("<p>第一段</p>"));
  CHECK_THAT(r->body_html, Catch::Contains("第二段 &lt;b&gt;"));
  CHECK_THAT(r->body_html, !Catch::Contains("<b>"));
}

TEST_CASE("release JSON body_html is sanitized", "[hub][json][security]") {
  Result<feeds::Release> r = ParseReleaseJson(
      R"({"id": "a", "title": "t", "authority": "x",
          "body_html": "<p>正文<script>alert(1)</script></p><a href=\"javascript:x()\">link</a>"})",
      kT0);
  REQUIRE(r.ok());
  CHECK_THAT(r->body_html, Catch::Contains("正文"));
  CHECK_THAT(r->body_html, !Catch::Contains("script"));
  CHECK_THAT(r->body_html, !Catch::Contains("alert"));
  CHECK_THAT(r->body_html, !Catch::Contains("javascript"));
}

TEST_CASE("release JSON with an oversize body names the field and the limit", "[hub][json]") {
  const std::string big(feeds::kMaxBodyBytes + 1, 'a');
  for (const char* field : {"body_text", "body_html"}) {
    INFO(field);
    json j = {{"id", "a"}, {"title", "t"}, {"authority", "x"}, {field, big}};
    Result<feeds::Release> r = ParseReleaseJson(j.dump(), kT0);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains(std::string("release.") + field));
    CHECK_THAT(r.status().message(), Catch::Contains(std::to_string(feeds::kMaxBodyBytes)));
  }
}

TEST_CASE("a release survives the JSON round trip", "[hub][json]") {
  feeds::Release r = MakeRelease("gov.cn/rt");
  r.version = 1;
  r.categories = {"通知"};
  r.attachments.push_back(
      {"https://www.gov.cn/a.pdf", "附件1", "application/pdf", std::string(64, 'a'), 1024});
  Result<feeds::Release> back = ParseReleaseJson(ReleaseToJson(r), 0);
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(*back == r);
}

// ---- node registry --------------------------------------------------------------

TEST_CASE("hub refuses to add a node whose code is not in the division table", "[hub][nodes]") {
  HubFixture f;
  feeds::SecretKey key = NewKey();
  Result<SignedEntry> r = f.hub->AddNode("999999", "", key.public_key());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::StartsWith("code"));
  CHECK_THAT(r.status().message(), Catch::Contains("999999"));
  Result<SignedEntry> hub_itself = f.hub->AddNode(feeds::kHubCode, "", key.public_key());
  CHECK_FALSE(hub_itself.ok());
  CHECK(Must(f.hub->store().Head(feeds::kHubCode)) == 1);
}

TEST_CASE("hub requires a node's parent to be a registered ancestor", "[hub][nodes]") {
  HubFixture f;
  feeds::SecretKey city = NewKey(), county = NewKey();

  Result<SignedEntry> early = f.hub->AddNode("330106", "330100", county.public_key());
  REQUIRE_FALSE(early.ok());
  CHECK_THAT(early.status().message(), Catch::Contains("parent"));
  CHECK_THAT(early.status().message(), Catch::Contains("not registered"));

  Result<SignedEntry> stranger = f.hub->AddNode("330106", "110000", county.public_key());
  REQUIRE_FALSE(stranger.ok());
  CHECK_THAT(stranger.status().message(), Catch::Contains("not an ancestor"));

  SignedEntry c = f.MustAddNode("330100", city.public_key());
  CHECK(c.entry.node->parent == feeds::kHubCode);  // 330000 is not registered
  CHECK(c.entry.node->level == feeds::NodeLevel::kCity);
  CHECK(c.entry.node->name == "杭州市");

  SignedEntry k = f.MustAddNode("330106", county.public_key());
  CHECK(k.entry.node->parent == "330100");  // nearest registered ancestor
  CHECK(k.entry.node->level == feeds::NodeLevel::kCounty);
  CHECK(f.hub->counters().nodes_added == 2);
}

TEST_CASE("hub accepts the hub as the explicit parent of any node", "[hub][nodes]") {
  HubFixture f;
  feeds::SecretKey city = NewKey(), county = NewKey();
  f.MustAddNode("330100", city.public_key());
  SignedEntry k = f.MustAddNode("330106", county.public_key(), feeds::kHubCode);
  CHECK(k.entry.node->parent == feeds::kHubCode);
}

TEST_CASE("hub refuses to register a node twice", "[hub][nodes]") {
  HubFixture f;
  feeds::SecretKey a = NewKey(), b = NewKey();
  f.MustAddNode("330100", a.public_key());
  Result<SignedEntry> again = f.hub->AddNode("330100", "", b.public_key());
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kAlreadyExists);
  CHECK_THAT(again.status().message(), Catch::Contains("330100"));
  std::optional<NodeRow> row = Must(f.hub->store().FindNode("330100"));
  REQUIRE(row.has_value());
  CHECK(row->node.keys == std::vector<feeds::PublicKey>{a.public_key()});
}

TEST_CASE("a registered node is announced in the signed log with its key", "[hub][nodes]") {
  HubFixture f;
  feeds::SecretKey key = NewKey();
  f.MustAddNode("330100", key.public_key());
  std::vector<SignedEntry> log = VerifiedLog(*f.hub);
  REQUIRE(log.size() == 2);
  REQUIRE(log[1].entry.node.has_value());
  CHECK(log[1].entry.kind == feeds::EntryKind::kNode);
  CHECK(log[1].entry.node->code == "330100");
  CHECK(log[1].entry.node->keys == std::vector<feeds::PublicKey>{key.public_key()});
  std::optional<NodeRow> row = Must(f.hub->store().FindNode("330100"));
  REQUIRE(row.has_value());
  CHECK(row->seq == 2);
}

// ---- moves -------------------------------------------------------------------

namespace {

// 浙江省 330000 under the hub; 杭州市 330100 and 宁波市 330200 under it; 西湖区
// 330106 registered under the province (its city came later); 海曙区 330203
// under 宁波市.
struct MoveFixture : HubFixture {
  MoveFixture() {
    MustAddNode("330000", NewKey().public_key());
    MustAddNode("330100", NewKey().public_key());
    MustAddNode("330200", NewKey().public_key());
    MustAddNode("330106", NewKey().public_key(), "330000");
    MustAddNode("330203", NewKey().public_key());
  }
  // Refuses the move, appends nothing, counts nothing; the error's message.
  std::string Refused(const std::string& code, const std::string& parent, Code want) {
    const std::uint64_t head = Must(hub->store().Head(feeds::kHubCode));
    Result<SignedEntry> r = hub->MoveNode(code, parent);
    INFO(code << " -> " << parent);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == want);
    CHECK(Must(hub->store().Head(feeds::kHubCode)) == head);
    CHECK(hub->counters().nodes_moved == 0);
    return r.status().message();
  }
};

}  // namespace

TEST_CASE("hub moves a node only to a registered parent exactly one level above it",
          "[hub][nodes][move]") {
  MoveFixture f;
  CHECK_THAT(f.Refused("330102", "330100", Code::kNotFound),
             Catch::Contains("node 330102 is not registered"));
  CHECK_THAT(f.Refused(feeds::kHubCode, "330000", Code::kInvalidArgument),
             Catch::Contains("hub (000000) has no parent"));
  CHECK_THAT(f.Refused("330106", "330000", Code::kFailedPrecondition),
             Catch::Contains("already under 330000"));
  CHECK_THAT(f.Refused("330106", "330106", Code::kInvalidArgument),
             Catch::Contains("its own parent"));
  // 330300 (温州市) is in the division table, but not registered.
  CHECK_THAT(f.Refused("330106", "330300", Code::kNotFound),
             Catch::Contains("parent: node 330300 is not registered"));
  CHECK_THAT(f.Refused("330106", "999999", Code::kNotFound),
             Catch::Contains("parent: node 999999 is not registered"));
  // Two levels above, the wrong city, the hub for a county, a county for a county.
  std::string grand = f.Refused("330106", feeds::kHubCode, Code::kInvalidArgument);
  CHECK_THAT(grand, Catch::Contains("not exactly one level above 330106"));
  CHECK_THAT(grand, Catch::Contains("puts 330106 under 330100"));
  CHECK_THAT(f.Refused("330106", "330200", Code::kInvalidArgument),
             Catch::Contains("330200 (city) is not exactly one level above 330106 (county)"));
  CHECK_THAT(f.Refused("330106", "330203", Code::kInvalidArgument),
             Catch::Contains("not exactly one level above"));
  CHECK_THAT(f.Refused("330100", "330000", Code::kFailedPrecondition), Catch::Contains("already"));
  CHECK_THAT(f.Refused("330000", "330100", Code::kInvalidArgument),
             Catch::Contains("330100 lies below 330000"));
  CHECK_THAT(f.Refused("330200", "330203", Code::kInvalidArgument),
             Catch::Contains("330203 lies below 330200"));
}

TEST_CASE("a moved node's entry restates it with the new parent and nothing else changed",
          "[hub][nodes][move]") {
  MoveFixture f;
  feeds::SecretKey second = NewKey(), third = NewKey();
  // A key history worth keeping: a new epoch, then a re-key.
  Must(f.hub->RestateNode(
      "330106", [&](const feeds::Node& n) { return RejoinNode(n, second.public_key()); }));
  SignedEntry before = Must(f.hub->RestateNode(
      "330106", [&](const feeds::Node& n) { return RekeyNode(n, third.public_key(), 7); }));
  REQUIRE(before.entry.node->key_spans.size() == 2);
  REQUIRE(before.entry.node->epoch == 2);

  SignedEntry moved = Must(f.hub->MoveNode("330106", "330100"));
  CHECK(f.hub->counters().nodes_moved == 1);
  CHECK(moved.entry.kind == feeds::EntryKind::kNode);
  feeds::Node expected = *before.entry.node;
  expected.parent = "330100";
  CHECK(*moved.entry.node == expected);
  // In the signed log too: the last entry, verified, is that node entry.
  std::vector<SignedEntry> log = VerifiedLog(*f.hub);
  REQUIRE(log.back().entry.node.has_value());
  CHECK(*log.back().entry.node == expected);
  // The <node> element is the one before, byte for byte, but for its parent.
  auto node_xml = [](std::string wire) {
    const std::size_t from = wire.find("<zq:node");
    const std::size_t to = wire.find("</zq:node>");
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    return wire.substr(from, to - from);
  };
  std::string was = node_xml(before.wire);
  const std::string old_parent = "parent=\"330000\"";
  REQUIRE(was.find(old_parent) != std::string::npos);
  was.replace(was.find(old_parent), old_parent.size(), "parent=\"330100\"");
  CHECK(node_xml(moved.wire) == was);
  // The registry the hub serves says so.
  std::optional<NodeRow> row = Must(f.hub->store().FindNode("330106"));
  REQUIRE(row.has_value());
  CHECK(row->node.parent == "330100");
  CHECK(row->entry_seq == moved.entry.log.seq);
  CHECK(row->seq < moved.entry.log.seq);  // still registered where it was: its lag history stays
  // Moved once; the same move again is refused, the counter stays.
  CHECK_FALSE(f.hub->MoveNode("330106", "330100").ok());
  CHECK(f.hub->counters().nodes_moved == 1);
}

// ---- acknowledgements -------------------------------------------------------------

TEST_CASE("hub accepts acknowledgements signed by the node's key", "[hub][acks]") {
  HubFixture f;
  feeds::SecretKey node = NewKey();
  f.MustAddNode("330100", node.public_key());
  const std::string body = AckBody("330100", "verified", 2);
  Status s = f.hub->AcceptAcks(body, SignatureHeader(node, body));
  INFO(s.ToString());
  REQUIRE(s.ok());
  std::vector<AckRow> acks = Must(f.hub->store().Acks());
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].node == "330100");
  CHECK(acks[0].stage == feeds::Stage::kVerified);
  CHECK(acks[0].seq == 2);
  CHECK(acks[0].hub_ms == kT0);
  CHECK(f.hub->counters().acks_accepted == 1);
}

TEST_CASE("hub refuses acknowledgements that do not verify or do not fit",
          "[hub][acks][security]") {
  HubFixture f;
  feeds::SecretKey node = NewKey(), other = NewKey();
  f.MustAddNode("330100", node.public_key());
  const std::string good = AckBody("330100", "verified", 2);

  SECTION("signed by a key the node does not hold") {
    Status s = f.hub->AcceptAcks(good, SignatureHeader(other, good));
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK_THAT(s.message(), Catch::Contains(other.public_key().KeyIdHex()));
    CHECK_THAT(s.message(), Catch::Contains("330100"));
  }
  SECTION("the node's key id with another key's signature") {
    std::string header = SignatureHeader(other, good);
    header.replace(6, 16, node.public_key().KeyIdHex());
    Status s = f.hub->AcceptAcks(good, header);
    CHECK(s.code() == Code::kUnauthenticated);
  }
  SECTION("body changed after signing") {
    const std::string tampered = AckBody("330100", "verified", 1);
    Status s = f.hub->AcceptAcks(tampered, SignatureHeader(node, good));
    CHECK(s.code() == Code::kUnauthenticated);
  }
  SECTION("from an unregistered node") {
    const std::string body = AckBody("330106", "verified", 1);
    Status s = f.hub->AcceptAcks(body, SignatureHeader(node, body));
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK_THAT(s.message(), Catch::Contains("unregistered"));
    CHECK_THAT(s.message(), Catch::Contains("330106"));
  }
  SECTION("an unknown stage") {
    const std::string body = AckBody("330100", "digested", 1);
    Status s = f.hub->AcceptAcks(body, SignatureHeader(node, body));
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("stage"));
    CHECK_THAT(s.message(), Catch::Contains("digested"));
  }
  SECTION("a seq beyond the head") {
    const std::string body = AckBody("330100", "verified", 3);
    Status s = f.hub->AcceptAcks(body, SignatureHeader(node, body));
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("beyond the head"));
  }
  SECTION("a malformed signature header") {
    for (const char* header : {"", "sig=abc", "keyId=00,sig=!!!", "keyId=00,sig=YWJj"}) {
      INFO(header);
      Status s = f.hub->AcceptAcks(good, header);
      CHECK(s.code() == Code::kUnauthenticated);
      CHECK_THAT(s.message(), Catch::Contains("X-Zhanqun-Signature"));
    }
  }
  SECTION("a body that is not an ack batch") {
    const std::string body = "{\"acks\": []}";
    Status s = f.hub->AcceptAcks(body, SignatureHeader(node, body));
    CHECK(s.code() == Code::kInvalidArgument);
    const std::string bad_item = R"({"node": "330100", "acks": [{"origin": "000000"}]})";
    Status s2 = f.hub->AcceptAcks(bad_item, SignatureHeader(node, bad_item));
    CHECK(s2.code() == Code::kInvalidArgument);
    CHECK_THAT(s2.message(), Catch::Contains("acks[0]"));
  }
  CHECK(Must(f.hub->store().Acks()).empty());
  CHECK(f.hub->counters().acks_accepted == 0);
  CHECK(f.hub->counters().acks_rejected >= 1);
}

TEST_CASE("hub acknowledgements are cumulative: an older seq does not move back", "[hub][acks]") {
  HubFixture f;
  feeds::SecretKey node = NewKey();
  f.MustAddNode("330100", node.public_key());
  f.MustPublish(MakeRelease("r1"));
  auto ack = [&](std::uint64_t seq) {
    const std::string body = AckBody("330100", "indexed", seq);
    Status s = f.hub->AcceptAcks(body, SignatureHeader(node, body));
    INFO(s.ToString());
    REQUIRE(s.ok());
  };
  ack(3);
  f.clock.Advance(100);
  ack(1);
  std::vector<AckRow> acks = Must(f.hub->store().Acks());
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].seq == 3);
  CHECK(acks[0].hub_ms == kT0);
}

// ---- status -----------------------------------------------------------------

TEST_CASE("hub status shows missing entries and the lag of the oldest on the fake clock",
          "[hub][status]") {
  HubFixture f;  // seq 1 appended at kT0
  feeds::SecretKey node = NewKey();
  f.MustAddNode("330100", node.public_key());  // seq 2 at kT0
  f.clock.Advance(5000);

  json s = f.StatusDoc();
  CHECK(s["hub"]["heads"][feeds::kHubCode] == 2);
  REQUIRE(s["nodes"].size() == 1);
  json mine = s["nodes"][0]["origins"][feeds::kHubCode];
  CHECK(s["nodes"][0]["code"] == "330100");
  CHECK(mine["missing"] == 2);
  CHECK(mine["oldest_missing_lag_ms"] == 5000);
  CHECK(mine["live"] == 0);
  CHECK(s["nodes"][0]["last_contact"].is_null());

  f.clock.Advance(1000);
  f.MustPublish(MakeRelease("r1"));  // seq 3 at kT0 + 6000
  const std::string body = AckBody("330100", "live", 2);
  REQUIRE(f.hub->AcceptAcks(body, SignatureHeader(node, body)).ok());
  f.clock.Advance(500);
  s = f.StatusDoc();
  mine = s["nodes"][0]["origins"][feeds::kHubCode];
  CHECK(mine["live"] == 2);
  CHECK(mine["missing"] == 1);
  CHECK(mine["oldest_missing_lag_ms"] == 500);
  CHECK(s["nodes"][0]["last_contact"] == base::FormatTime(kT0 + 6000));
  // Seqs 1 and 2 were appended before the node existed: catch-up, not lag.
  CHECK(mine["lag_ms"]["live"].is_null());

  const std::string all = AckBody("330100", "live", 3);
  REQUIRE(f.hub->AcceptAcks(all, SignatureHeader(node, all)).ok());
  mine = f.StatusDoc()["nodes"][0]["origins"][feeds::kHubCode];
  CHECK(mine["missing"] == 0);
  CHECK(mine["oldest_missing_lag_ms"] == 0);
  CHECK(mine["lag_ms"]["live"]["count"] == 1);
  CHECK(mine["lag_ms"]["live"]["max"] == 500);  // seq 3: appended kT0+6000, acked kT0+6500
}

TEST_CASE("hub records a node's reported rejection once and shows it in the status",
          "[hub][status]") {
  HubFixture f;
  feeds::SecretKey node = NewKey();
  f.MustAddNode("330100", node.public_key());
  json j = {
      {"node", "330100"},
      {"acks", json::array()},
      {"rejected", json::array({{{"origin", feeds::kHubCode},
                                 {"seq", 2},
                                 {"reason", "unauthenticated: signature does not verify"}}})}};
  const std::string body = j.dump();
  for (int i = 0; i < 3; ++i) {  // a follower retrying reports the same entry again
    REQUIRE(f.hub->AcceptAcks(body, SignatureHeader(node, body)).ok());
  }
  CHECK(Must(f.hub->store().Rejections("330100", 10)).size() == 1);
  json s = f.StatusDoc();
  CHECK(s["nodes"][0]["last_rejection"]["seq"] == 2);
  CHECK(s["nodes"][0]["last_rejection"]["reason"] == "unauthenticated: signature does not verify");
}

TEST_CASE("hub counters are reported as JSON", "[hub][status]") {
  HubFixture f;
  f.MustPublish(MakeRelease("r1"));
  json c = json::parse(base::CountersJson(f.hub->CounterSets()));
  CHECK(c["releases_published"] == 1);
  CHECK(c["publish_rejected"] == 0);
}

TEST_CASE("hub lists national topics with the newest definition of each id", "[hub][topics]") {
  HubFixture f;
  CHECK(Must(f.hub->store().Topics()).empty());
  REQUIRE(f.hub->AddTopic({"营商环境", "优化营商环境", "first"}).ok());
  REQUIRE(f.hub->AddTopic({"乡村振兴", "乡村振兴", ""}).ok());
  REQUIRE(f.hub->AddTopic({"营商环境", "优化营商环境专题", "second"}).ok());
  std::vector<feeds::TopicDef> topics = Must(f.hub->store().Topics());
  REQUIRE(topics.size() == 2);
  CHECK(topics[0].id == "乡村振兴");
  CHECK(topics[1].id == "营商环境");
  CHECK(topics[1].title == "优化营商环境专题");
  CHECK(topics[1].description == "second");
}

}  // namespace zhanqun::hub
