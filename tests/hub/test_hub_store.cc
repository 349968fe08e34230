#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "feeds/key_support.h"
#include "hub/hub_test_support.h"
#include "test_support.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/hub/hub_store.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::hub {
namespace {

using testing::Must;
using testing::NewKey;
using testing::TempDir;

using base::Result;
using base::Status;
using feeds::ChainHead;
using feeds::SignedEntry;

std::unique_ptr<HubStore> OpenStore(const std::string& path) {
  Result<std::unique_ptr<HubStore>> store = HubStore::Open(path);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

feeds::Entry ReleaseEntry(const std::string& id, int version = 1) {
  feeds::Release r;
  r.id = id;
  r.version = version;
  r.title = "关于 " + id + " 的通知";
  r.authority = "国务院";
  r.published_ms = 1550217600000;
  r.body_html = "<p>正文</p>";
  if (version > 1) r.status = feeds::ReleaseStatus::kAmended;
  feeds::Entry e;
  e.log.origin = feeds::kHubCode;
  e.kind = feeds::EntryKind::kRelease;
  e.updated_ms = 1550217600000;
  e.release = r;
  return e;
}

HubStore::Signer SignerFor(const feeds::SecretKey& key, feeds::Entry entry) {
  return [&key, entry](const ChainHead& head) { return feeds::SignEntry(entry, head, key); };
}

SignedEntry MustAppend(HubStore& store, const feeds::SecretKey& key, const feeds::Entry& entry,
                       base::TimeMs now_ms) {
  Result<SignedEntry> se = store.Append(feeds::kHubCode, SignerFor(key, entry), now_ms);
  INFO(se.status().ToString());
  REQUIRE(se.ok());
  return std::move(se).value();
}

// Decodes and verifies every stored entry of the hub's log in order.
std::size_t VerifyWholeLog(HubStore& store, const feeds::PublicKey& key) {
  std::vector<SignedEntry> log = testing::VerifiedHubLog(store, key);
  const ChainHead head =
      log.empty() ? ChainHead{feeds::kHubCode, 0, feeds::kZeroHash}
                  : ChainHead{feeds::kHubCode, log.back().entry.log.seq, log.back().hash};
  CHECK(Must(store.HeadOf(feeds::kHubCode)).seq == head.seq);
  CHECK(Must(store.HeadOf(feeds::kHubCode)).hash == head.hash);
  return log.size();
}

feeds::Entry NodeEntry(const std::string& code, const feeds::SecretKey& key) {
  feeds::Entry e;
  e.log.origin = feeds::kHubCode;
  e.kind = feeds::EntryKind::kNode;
  e.updated_ms = 1550217600000;
  e.node =
      feeds::Node{code, "节点" + code, feeds::NodeLevel::kCounty, "000000", {key.public_key()}};
  return e;
}

// A log of 6 entries: 330102 registered as seq 1 and 330106 as seq 4 (so its
// acks of 1..4 are catch-up), releases 2, 3, 5 and 6; acks and rejections
// of both, and acks of 330108, which is not registered.
std::unique_ptr<HubStore> StatusStore(const TempDir& dir) {
  std::unique_ptr<HubStore> store = OpenStore(dir.File("hub.db"));
  feeds::SecretKey key = NewKey();
  MustAppend(*store, key, NodeEntry("330102", key), 1000);
  MustAppend(*store, key, ReleaseEntry("r2"), 2000);
  MustAppend(*store, key, ReleaseEntry("r3"), 3000);
  MustAppend(*store, key, NodeEntry("330106", key), 4000);
  MustAppend(*store, key, ReleaseEntry("r5"), 5000);
  MustAppend(*store, key, ReleaseEntry("r6"), 6000);
  auto ack = [&](const char* node, feeds::Stage stage, std::uint64_t seq, base::TimeMs at) {
    REQUIRE(store->RecordAck(node, feeds::kHubCode, stage, seq, at).ok());
  };
  ack("330102", feeds::Stage::kVerified, 3, 3500);
  ack("330102", feeds::Stage::kLive, 2, 4100);
  ack("330102", feeds::Stage::kVerified, 6, 6900);
  ack("330106", feeds::Stage::kVerified, 5, 5300);
  ack("330106", feeds::Stage::kLive, 6, 8000);
  ack("330108", feeds::Stage::kReceived, 2, 2200);
  auto reject = [&](const char* node, std::uint64_t seq, const char* reason, base::TimeMs at) {
    REQUIRE(store->RecordRejection({node, feeds::kHubCode, seq, reason, at}).ok());
  };
  reject("330102", 3, "older", 3000);
  reject("330102", 4, "same time, recorded first", 5000);
  reject("330102", 5, "same time, recorded last", 5000);
  reject("330106", 5, "only one", 5500);
  return store;
}

}  // namespace

TEST_CASE("hub store migrations are versioned and not reapplied", "[hub][store]") {
  TempDir dir;
  const std::string path = dir.File("hub.db");
  feeds::SecretKey key = NewKey();
  {
    std::unique_ptr<HubStore> store = OpenStore(path);
    MustAppend(*store, key, ReleaseEntry("r1"), 1000);
  }
  // Reopening neither fails on existing tables nor loses rows.
  CHECK(Must(OpenStore(path)->Head(feeds::kHubCode)) == 1);

  // A program that knows no migrations learns the recorded version from the refusal.
  Result<std::unique_ptr<sql::Db>> none = sql::Db::Open(path, {});
  REQUIRE_FALSE(none.ok());
  const std::string msg = none.status().message();
  const std::string marker = "schema version ";
  std::size_t at = msg.find(marker);
  REQUIRE(at != std::string::npos);
  const int version = std::stoi(msg.substr(at + marker.size()));
  CHECK(version >= 1);

  // One that knows as many versions applies nothing (these would fail if run).
  std::vector<std::string> poison(static_cast<std::size_t>(version), "THIS IS NOT SQL");
  Result<std::unique_ptr<sql::Db>> same = sql::Db::Open(path, poison);
  INFO(same.status().ToString());
  REQUIRE(same.ok());
  CHECK((*same)->SchemaVersion() == version);
}

TEST_CASE("hub store refuses a database from a newer program", "[hub][store]") {
  TempDir dir;
  const std::string path = dir.File("hub.db");
  {
    Result<std::unique_ptr<sql::Db>> db = sql::Db::Open(path, {});
    REQUIRE(db.ok());
    REQUIRE((*db)->Exec("PRAGMA user_version=99").ok());
  }
  Result<std::unique_ptr<HubStore>> store = HubStore::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.status().message(), Catch::Contains("newer"));
}

TEST_CASE("hub store appends contiguous hash-chained entries", "[hub][store][chain]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = OpenStore(dir.File("hub.db"));
  feeds::SecretKey key = NewKey();
  CHECK(Must(store->Head(feeds::kHubCode)) == 0);
  CHECK(Must(store->HeadOf(feeds::kHubCode)).hash == feeds::kZeroHash);

  std::vector<SignedEntry> appended;
  for (int i = 1; i <= 5; ++i) {
    appended.push_back(MustAppend(*store, key, ReleaseEntry("r" + std::to_string(i)), 1000 * i));
  }
  for (std::size_t i = 0; i < appended.size(); ++i) {
    CHECK(appended[i].entry.log.seq == i + 1);
    CHECK(appended[i].entry.log.prev_hash == (i == 0 ? feeds::kZeroHash : appended[i - 1].hash));
  }
  CHECK(VerifyWholeLog(*store, key.public_key()) == 5);

  Result<std::vector<std::string>> page = store->ReadWire(feeds::kHubCode, 1, 2);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 2);
  CHECK((*page)[0] == appended[1].wire);
  CHECK((*page)[1] == appended[2].wire);
  CHECK(Must(store->Origins()) == std::vector<std::string>{feeds::kHubCode});

  Result<base::TimeMs> at = store->AppendedAt(feeds::kHubCode, 3);
  REQUIRE(at.ok());
  CHECK(*at == 3000);
  CHECK(store->AppendedAt(feeds::kHubCode, 6).status().code() == base::Code::kNotFound);
}

TEST_CASE("hub store keeps nothing when signing fails", "[hub][store]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = OpenStore(dir.File("hub.db"));
  feeds::SecretKey key = NewKey();
  MustAppend(*store, key, ReleaseEntry("r1"), 1000);
  Result<SignedEntry> failed = store->Append(
      feeds::kHubCode,
      [](const ChainHead&) -> Result<SignedEntry> { return Status::Internal("signer down"); },
      2000);
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.status().message(), Catch::Contains("signer down"));
  CHECK(Must(store->Head(feeds::kHubCode)) == 1);
  // The write transaction was released: the next append works.
  CHECK(MustAppend(*store, key, ReleaseEntry("r2"), 3000).entry.log.seq == 2);
}

TEST_CASE("hub store refuses an entry that would take an existing seq", "[hub][store][chain]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = OpenStore(dir.File("hub.db"));
  feeds::SecretKey key = NewKey();
  MustAppend(*store, key, ReleaseEntry("r1"), 1000);
  const ChainHead empty{feeds::kHubCode, 0, feeds::kZeroHash};
  feeds::Entry other = ReleaseEntry("r-other");
  Result<SignedEntry> stale = store->Append(
      feeds::kHubCode, [&](const ChainHead&) { return feeds::SignEntry(other, empty, key); }, 2000);
  REQUIRE_FALSE(stale.ok());
  CHECK(Must(store->Head(feeds::kHubCode)) == 1);
  CHECK_FALSE(Must(store->FindRelease("r-other")).has_value());
}

TEST_CASE("hub store indexes releases and keeps the latest version", "[hub][store]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = OpenStore(dir.File("hub.db"));
  feeds::SecretKey key = NewKey();
  MustAppend(*store, key, ReleaseEntry("a"), 1000);
  MustAppend(*store, key, ReleaseEntry("b"), 2000);
  MustAppend(*store, key, ReleaseEntry("a", 2), 3000);
  std::optional<ReleaseRow> a = Must(store->FindRelease("a"));
  REQUIRE(a.has_value());
  CHECK(a->version == 2);
  CHECK(a->status == feeds::ReleaseStatus::kAmended);
  CHECK(a->seq == 3);
  CHECK(a->appended_ms == 3000);
  std::vector<ReleaseRow> rows = Must(store->Releases(10));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == "a");  // newest first
  CHECK(rows[1].id == "b");
  CHECK(Must(store->Releases(1)).size() == 1);
  CHECK_FALSE(Must(store->FindRelease("nope")).has_value());
}

TEST_CASE("hub store indexes node registry entries with their key", "[hub][store]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = OpenStore(dir.File("hub.db"));
  feeds::SecretKey hub_key = NewKey();
  feeds::SecretKey node_key = NewKey();
  feeds::Entry e;
  e.log.origin = feeds::kHubCode;
  e.kind = feeds::EntryKind::kNode;
  e.updated_ms = 1550217600000;
  e.node =
      feeds::Node{"330100", "杭州市", feeds::NodeLevel::kCity, "000000", {node_key.public_key()}};
  MustAppend(*store, hub_key, e, 1234);
  std::optional<NodeRow> row = Must(store->FindNode("330100"));
  REQUIRE(row.has_value());
  CHECK(row->node == *e.node);
  CHECK(row->seq == 1);
  CHECK(row->added_ms == 1234);
  REQUIRE(Must(store->Nodes()).size() == 1);
  CHECK_FALSE(Must(store->FindNode("330106")).has_value());
}

TEST_CASE("hub store acknowledgements are cumulative and record per-entry lags",
          "[hub][store][acks]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = OpenStore(dir.File("hub.db"));
  feeds::SecretKey key = NewKey();
  for (int i = 1; i <= 3; ++i) {
    MustAppend(*store, key, ReleaseEntry("r" + std::to_string(i)), 1000 * i);
  }

  REQUIRE(store->RecordAck("330100", feeds::kHubCode, feeds::Stage::kVerified, 2, 5000).ok());
  CHECK(Must(store->StageLags("330100", feeds::Stage::kVerified)) ==
        std::vector<base::TimeMs>{4000, 3000});
  REQUIRE(
      store->RecordAck("330100", feeds::kHubCode, feeds::Stage::kVerified, 1, 9000).ok());  // older
  REQUIRE(
      store->RecordAck("330100", feeds::kHubCode, feeds::Stage::kVerified, 2, 9000).ok());  // same
  std::vector<AckRow> acks = Must(store->Acks());
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].seq == 2);
  CHECK(acks[0].hub_ms == 5000);
  CHECK(Must(store->StageLags("330100", feeds::Stage::kVerified)) ==
        std::vector<base::TimeMs>{4000, 3000});

  REQUIRE(store->RecordAck("330100", feeds::kHubCode, feeds::Stage::kVerified, 3, 10000).ok());
  CHECK(Must(store->StageLags("330100", feeds::Stage::kVerified)) ==
        std::vector<base::TimeMs>{4000, 3000, 7000});
  CHECK(Must(store->StageLags("330100", feeds::Stage::kIndexed)).empty());
}

TEST_CASE("two hub stores on one file never take the same seq", "[hub][store][chain]") {
  TempDir dir;
  const std::string path = dir.File("hub.db");
  std::unique_ptr<HubStore> a = OpenStore(path);
  std::unique_ptr<HubStore> b = OpenStore(path);  // stands in for the CLI process
  feeds::SecretKey key = NewKey();
  constexpr int kEach = 15;
  auto writer = [&](HubStore& store, const std::string& prefix, std::vector<Status>* errors) {
    for (int i = 0; i < kEach; ++i) {
      Result<SignedEntry> se = store.Append(
          feeds::kHubCode, SignerFor(key, ReleaseEntry(prefix + std::to_string(i))), 1000 + i);
      if (!se.ok()) errors->push_back(se.status());
    }
  };
  std::vector<Status> errors_a, errors_b;
  std::thread ta(writer, std::ref(*a), "a", &errors_a);
  std::thread tb(writer, std::ref(*b), "b", &errors_b);
  ta.join();
  tb.join();
  for (const Status& s : errors_a) FAIL_CHECK(s.ToString());
  for (const Status& s : errors_b) FAIL_CHECK(s.ToString());
  CHECK(VerifyWholeLog(*a, key.public_key()) == 2 * kEach);
}

TEST_CASE("hub store batched status reads agree with the per-node reads they replace",
          "[hub][store][status]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = StatusStore(dir);
  const std::vector<std::string> nodes = {"330102", "330106", "330108", "330199"};

  Result<HubStore::LagsByNode> all = store->AllStageLags();
  REQUIRE(all.ok());
  for (const std::string& node : nodes) {
    for (feeds::Stage stage : feeds::kAllStages) {
      std::vector<base::TimeMs> one = Must(store->StageLags(node, stage)), batched;
      if (all->count(node) && all->at(node).count(stage)) batched = all->at(node).at(stage);
      std::sort(one.begin(), one.end());
      std::sort(batched.begin(), batched.end());
      INFO(node << " " << feeds::StageName(stage));
      CHECK(batched == one);
    }
  }
  // Spot checks, so the agreement is not of two empty answers. Only releases
  // have events: 330102 verified 2, 3, 5 and 6; 330106 is live at 5 and 6
  // since its registration.
  CHECK(all->at("330102").at(feeds::Stage::kVerified).size() == 4);
  std::vector<base::TimeMs> live = all->at("330106").at(feeds::Stage::kLive);
  std::sort(live.begin(), live.end());
  CHECK(live == std::vector<base::TimeMs>{2000, 3000});

  Result<std::vector<RejectionRow>> newest = store->NewestRejections();
  REQUIRE(newest.ok());
  REQUIRE(newest->size() == 2);
  for (const RejectionRow& r : *newest) {
    std::vector<RejectionRow> one = Must(store->Rejections(r.node, 1));
    REQUIRE(one.size() == 1);
    CHECK(r.origin == one[0].origin);
    CHECK(r.seq == one[0].seq);
    CHECK(r.reason == one[0].reason);
    CHECK(r.hub_ms == one[0].hub_ms);
  }
  CHECK((*newest)[0].reason == "same time, recorded last");

  Result<std::map<std::uint64_t, base::TimeMs>> at =
      store->AppendedAtEach(feeds::kHubCode, {2, 5, 5, 99});
  REQUIRE(at.ok());
  CHECK(*at == std::map<std::uint64_t, base::TimeMs>{{2, 2000}, {5, 5000}});
  CHECK(*store->AppendedAt(feeds::kHubCode, 5) == 5000);

  Result<std::vector<AckRow>> events = store->EventsForEach(feeds::kHubCode, {2, 5});
  REQUIRE(events.ok());
  std::vector<AckRow> one = Must(store->EventsFor(feeds::kHubCode, 2));
  for (const AckRow& e : Must(store->EventsFor(feeds::kHubCode, 5))) one.push_back(e);
  auto key = [](const AckRow& a) { return std::tie(a.node, a.origin, a.stage, a.seq, a.hub_ms); };
  auto by_key = [&](const AckRow& a, const AckRow& b) { return key(a) < key(b); };
  std::sort(events->begin(), events->end(), by_key);
  std::sort(one.begin(), one.end(), by_key);
  REQUIRE(events->size() == one.size());
  CHECK(events->size() == 8);
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(key((*events)[i]) == key(one[i]));
}

namespace {

// A second connection on the store's file (the hub's schema is at version
// 4: given as many empty migrations, the adapter applies none).
void ExecBehind(const TempDir& dir, const std::string& sql) {
  std::unique_ptr<sql::Db> db =
      Must(sql::Db::Open(dir.File("hub.db"), std::vector<std::string>(5)));
  REQUIRE(db->Exec(sql).ok());
}

template <typename T>
void CheckFails(const Result<T>& r, const char* what) {
  INFO(what);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() != base::Code::kNotFound);
  CHECK_THAT(r.status().message(), Catch::Contains("no such table"));
}

template <typename T>
void CheckCorrupt(const Result<T>& r, const std::string& where, const std::string& value) {
  INFO(where);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kCorruption);
  CHECK_THAT(r.status().message(), Catch::Contains(where));
  CHECK_THAT(r.status().message(), Catch::Contains("'" + value + "'"));
}

}  // namespace

TEST_CASE("hub store reads of a database whose tables are gone fail instead of answering empty",
          "[hub][store][errors]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = StatusStore(dir);
  // What the store holds before the damage, so that the failures below are
  // not of a store that was empty anyway.
  REQUIRE(Must(store->Head(feeds::kHubCode)) == 6);
  REQUIRE(Must(store->Nodes()).size() == 2);
  REQUIRE(Must(store->Acks()).size() == 5);
  ExecBehind(dir,
             "DROP TABLE log; DROP TABLE releases; DROP TABLE nodes; DROP TABLE acks; "
             "DROP TABLE ack_events; DROP TABLE rejections; DROP TABLE node_reports");
  CheckFails(store->HeadOf(feeds::kHubCode), "HeadOf");
  CheckFails(store->Head(feeds::kHubCode), "Head");
  CheckFails(store->Origins(), "Origins");
  CheckFails(store->ReadWire(feeds::kHubCode, 0, 10), "ReadWire");
  CheckFails(store->FindRelease("r2"), "FindRelease");
  CheckFails(store->Releases(10), "Releases");
  CheckFails(store->FindNode("330102"), "FindNode");
  CheckFails(store->Nodes(), "Nodes");
  CheckFails(store->Topics(), "Topics");
  CheckFails(store->Acks(), "Acks");
  CheckFails(store->NodeReports(), "NodeReports");
  CheckFails(store->StageSeq("330102", feeds::kHubCode, feeds::Stage::kVerified), "StageSeq");
  CheckFails(store->EventsFor(feeds::kHubCode, 2), "EventsFor");
  CheckFails(store->EventsForEach(feeds::kHubCode, {2, 5}), "EventsForEach");
  CheckFails(store->Rejections("330102", 10), "Rejections");
  CheckFails(store->NewestRejections(), "NewestRejections");
  CheckFails(store->StageLags("330102", feeds::Stage::kVerified), "StageLags");
  CheckFails(store->AllStageLags(), "AllStageLags");
  CheckFails(store->NodeHistory("330102", 10), "NodeHistory");
  CheckFails(store->AppendedAtEach(feeds::kHubCode, {2}), "AppendedAtEach");
}

TEST_CASE("hub store rows carry enums, and a stored value that does not parse is corruption",
          "[hub][store][errors]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = StatusStore(dir);
  std::vector<AckRow> acks = Must(store->Acks());
  CHECK(std::count_if(acks.begin(), acks.end(), [](const AckRow& a) {
          return a.node == "330106" && a.stage == feeds::Stage::kLive && a.seq == 6;
        }) == 1);
  CHECK(Must(store->FindRelease("r2"))->status == feeds::ReleaseStatus::kActive);
  CHECK(Must(store->FindNode("330102"))->node.level == feeds::NodeLevel::kCounty);
  std::vector<StageEventRow> history = Must(store->NodeHistory("330106", 10));
  REQUIRE(history.size() == 3);  // seq 5 live and verified, seq 6 live
  CHECK(history[0].stage == feeds::Stage::kLive);
  CHECK(history[1].stage == feeds::Stage::kVerified);

  ExecBehind(dir, "UPDATE releases SET status = 'vanished' WHERE id = 'r3'");
  CheckCorrupt(store->FindRelease("r3"), "releases.status", "vanished");
  CheckCorrupt(store->Releases(10), "releases.status", "vanished");
  CHECK(Must(store->FindRelease("r2"))->status == feeds::ReleaseStatus::kActive);

  ExecBehind(dir, "UPDATE nodes SET level = 'galaxy' WHERE code = '330106'");
  CheckCorrupt(store->FindNode("330106"), "nodes.level", "galaxy");
  CheckCorrupt(store->Nodes(), "nodes.level", "galaxy");

  ExecBehind(dir, "UPDATE acks SET stage = 'digested' WHERE node = '330108'");
  CheckCorrupt(store->Acks(), "acks.stage", "digested");
  ExecBehind(dir,
             "UPDATE ack_events SET stage = 'digested' WHERE node = '330106' AND stage = 'live'");
  CheckCorrupt(store->EventsFor(feeds::kHubCode, 6), "ack_events.stage", "digested");
  CheckCorrupt(store->EventsForEach(feeds::kHubCode, {5, 6}), "ack_events.stage", "digested");
  CheckCorrupt(store->NodeHistory("330106", 10), "ack_events.stage", "digested");
  CheckCorrupt(store->AllStageLags(), "ack_events.stage", "digested");
}

TEST_CASE("hub store topics whose stored entry does not decode are corruption",
          "[hub][store][errors]") {
  TempDir dir;
  std::unique_ptr<HubStore> store = OpenStore(dir.File("hub.db"));
  feeds::SecretKey key = NewKey();
  feeds::Entry e;
  e.log.origin = feeds::kHubCode;
  e.kind = feeds::EntryKind::kTopic;
  e.updated_ms = 1550217600000;
  e.topic = feeds::TopicDef{"economy", "经济", ""};
  MustAppend(*store, key, e, 1000);
  REQUIRE(Must(store->Topics()).size() == 1);
  ExecBehind(dir, "UPDATE log SET wire = 'not an entry' WHERE kind = 'topic'");
  Result<std::vector<feeds::TopicDef>> topics = store->Topics();
  REQUIRE_FALSE(topics.ok());
  CHECK(topics.status().code() == base::Code::kCorruption);
  CHECK_THAT(topics.status().message(), Catch::Contains("000000#1"));
}

}  // namespace zhanqun::hub
