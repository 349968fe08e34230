// Tests of the agent's verification path: the LogApplier and what it leaves
// in the AgentStore, and of the Indexer after it, driven directly through an
// opened Agent (no threads, no network).

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fake_http.h"
#include "feeds/key_support.h"
#include "signed_origin.h"
#include "test_support.h"
#include "zhanqun/agent/agent.h"
#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/config.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::agent {
namespace {

using test_util::FakeHttp;
using test_util::kT0;
using test_util::NewKey;
using test_util::Origin;
using test_util::Page;
using test_util::Parse;
using testing::Must;
using testing::TempDir;

using base::Code;
using base::Result;
using base::Status;
using feeds::ParsedEntry;
using feeds::SignedEntry;

constexpr const char* kCounty = "330106";
constexpr const char* kSource = "http://127.0.0.1:9/api/v1/feeds/000000?after=0";

// Replaces the first CJK character of the entry's <title> with "XYZ": still
// well-formed XML, but no longer what was signed.
std::string TamperTitle(std::string wire) {
  std::size_t title = wire.find("<title");
  REQUIRE(title != std::string::npos);
  std::size_t text = wire.find('>', title);
  REQUIRE(text != std::string::npos);
  ++text;
  REQUIRE(static_cast<unsigned char>(wire[text]) >= 0xE0);  // a 3-byte UTF-8 lead byte
  wire.replace(text, 3, "XYZ");
  return wire;
}

// The hub's chain the tests share: its own registry entry, three releases,
// the registry entry of county 330106, one more release.
struct HubChain {
  Origin hub{feeds::kHubCode};
  Origin county{kCounty};
  std::vector<SignedEntry> entries;

  HubChain() {
    entries.push_back(
        hub.Node(feeds::kHubCode, hub.key().public_key(), "", feeds::NodeLevel::kNational));
    for (int i = 0; i < 3; ++i) entries.push_back(hub.Release());
    entries.push_back(
        hub.Node(kCounty, county.key().public_key(), feeds::kHubCode, feeds::NodeLevel::kCounty));
    entries.push_back(hub.Release());
  }
  // Entries [from, to) as a parsed page (0-based indexes).
  std::vector<ParsedEntry> Slice(std::size_t from, std::size_t to) const {
    return Page(std::vector<SignedEntry>(entries.begin() + static_cast<std::ptrdiff_t>(from),
                                         entries.begin() + static_cast<std::ptrdiff_t>(to)));
  }
};

struct Event {
  std::string name;
  std::vector<std::pair<std::string, std::string>> fields;
};

// An agent for node 330100 pointed at a parent that is never contacted.
struct AgentFixture {
  TempDir dir;
  FakeHttp http;  // no routes: every request would be refused
  base::FakeClock clock{kT0};
  HubChain chain;
  AgentConfig config;
  std::mutex events_mu;
  std::vector<Event> events;
  std::unique_ptr<Agent> agent;

  AgentFixture() {
    config.node = "330100";
    config.parent_url = "http://127.0.0.1:9";
    config.hub_url = "http://127.0.0.1:9";
    config.data_dir = dir.File("agent");
    config.key_file = dir.File("agent.key");
    config.hub_public_key = dir.File("hub.pub");
    config.origins = {feeds::kHubCode, kCounty};
    std::unique_ptr<feeds::SecretKey> own = NewKey();
    Status saved = own->Save(config.key_file);
    INFO(saved.ToString());
    REQUIRE(saved.ok());
    std::ofstream pub(config.hub_public_key);
    pub << feeds::FormatPublicKeyFile(chain.hub.key().public_key(), "zhanqun hub");
    pub.close();
    REQUIRE(pub.good());
    Open();
  }
  ~AgentFixture() { agent.reset(); }

  void Open() {
    agent.reset();
    Result<std::unique_ptr<Agent>> opened = Agent::Open(
        config, clock,
        [this](const std::string& event,
               const std::vector<std::pair<std::string, std::string>>& fields) {
          std::lock_guard<std::mutex> lock(events_mu);
          events.push_back({event, fields});
        },
        http.Factory());
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    agent = std::move(opened).value();
  }

  ApplyOutcome Apply(const std::vector<ParsedEntry>& page,
                     const std::string& origin = feeds::kHubCode) {
    return agent->applier().ApplyPage(origin, page, kSource);
  }
  // Applies and expects every entry to be new and accepted.
  void MustApply(const std::vector<ParsedEntry>& page,
                 const std::string& origin = feeds::kHubCode) {
    ApplyOutcome out = Apply(page, origin);
    INFO(out.rejected.ToString());
    REQUIRE(out.rejected.ok());
    REQUIRE(out.applied == page.size());
  }
  feeds::ChainHead Head(const std::string& origin = feeds::kHubCode) {
    return Must(agent->store().HeadOf(origin));
  }
  std::size_t CountEvents(const std::string& name) {
    std::lock_guard<std::mutex> lock(events_mu);
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(),
                                                  [&](const Event& e) { return e.name == name; }));
  }
  bool Trusts(const std::string& origin, const feeds::PublicKey& key) {
    for (const auto& [o, k] : Must(agent->store().TrustedKeys())) {
      if (o == origin && k == key) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("agent ApplyPage stores an in-order page and advances the head", "[agent][apply]") {
  AgentFixture f;
  ApplyOutcome out = f.Apply(f.chain.Slice(0, 4));
  INFO(out.rejected.ToString());
  CHECK(out.rejected.ok());
  CHECK(out.applied == 4);
  CHECK(out.duplicates == 0);
  feeds::ChainHead head = f.Head();
  CHECK(head.seq == 4);
  CHECK(head.hash == f.chain.entries[3].hash);

  // Stored byte for byte as received, so the agent can relay them.
  Result<std::vector<std::string>> wires = f.agent->store().ReadWire(feeds::kHubCode, 0, 100);
  REQUIRE(wires.ok());
  REQUIRE(wires->size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK((*wires)[i] == f.chain.entries[i].wire);

  f.MustApply(f.chain.Slice(4, 6));
  CHECK(f.Head().seq == 6);
  CHECK(f.agent->counters().entries_verified == 6);
  CHECK(Must(f.agent->store().QuarantineCount()) == 0);
}

TEST_CASE("agent ApplyPage of a page it already holds changes nothing", "[agent][apply]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 4));
  const feeds::ChainHead before = f.Head();

  ApplyOutcome again = f.Apply(f.chain.Slice(0, 4));
  CHECK(again.rejected.ok());
  CHECK(again.applied == 0);
  CHECK(again.duplicates == 4);
  CHECK(f.Head().seq == before.seq);
  CHECK(f.Head().hash == before.hash);
  CHECK(f.agent->counters().duplicates_ignored == 4);
  CHECK(f.agent->counters().entries_verified == 4);
  CHECK(Must(f.agent->store().QuarantineCount()) == 0);

  // A page overlapping what we hold applies just the new tail.
  ApplyOutcome overlap = f.Apply(f.chain.Slice(2, 6));
  CHECK(overlap.rejected.ok());
  CHECK(overlap.duplicates == 2);
  CHECK(overlap.applied == 2);
  CHECK(f.Head().seq == 6);
}

TEST_CASE("agent ApplyPage rejects a gap and quarantines the entry", "[agent][apply][chain]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 2));
  ApplyOutcome out = f.Apply(f.chain.Slice(3, 5));  // seq 3 is missing
  REQUIRE_FALSE(out.rejected.ok());
  CHECK(out.rejected.code() == Code::kFailedPrecondition);
  CHECK_THAT(out.rejected.message(), Catch::Contains("gap"));
  CHECK(out.applied == 0);
  CHECK(f.Head().seq == 2);
  CHECK(f.Head().hash == f.chain.entries[1].hash);

  std::vector<QuarantineRow> q = Must(f.agent->store().Quarantined(10));
  REQUIRE(q.size() == 1);  // only the first offending entry; the rest was not looked at
  CHECK(q[0].origin == feeds::kHubCode);
  CHECK(q[0].seq == 4);
  CHECK_THAT(q[0].reason, Catch::Contains("gap"));
  CHECK(q[0].source == kSource);
  CHECK(q[0].wire == f.chain.entries[3].wire);
  CHECK(q[0].at_ms == kT0);
  CHECK(f.agent->counters().entries_rejected == 1);
  CHECK(f.CountEvents("entry_rejected") == 1);

  // The missing entry arrives: the chain continues.
  f.MustApply(f.chain.Slice(2, 5));
  CHECK(f.Head().seq == 5);
}

TEST_CASE("agent ApplyPage rejects a replayed older entry with different content",
          "[agent][apply][chain][security]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 3));
  // The genuine hub key signs another seq 2 (a fork of its own history).
  const feeds::ChainHead after_first{feeds::kHubCode, 1, f.chain.entries[0].hash};
  feeds::Entry other = f.chain.hub.Base(feeds::EntryKind::kRelease);
  other.release = f.chain.entries[1].entry.release;
  other.release->title = "另一个版本的通知";
  SignedEntry replay = f.chain.hub.SignAt(other, after_first);
  REQUIRE(replay.entry.log.seq == 2);

  ApplyOutcome out = f.Apply(Page({replay}));
  REQUIRE_FALSE(out.rejected.ok());
  CHECK(out.rejected.code() == Code::kFailedPrecondition);
  CHECK_THAT(out.rejected.message(), Catch::Contains("replay"));
  CHECK(out.duplicates == 0);
  CHECK(f.Head().seq == 3);
  CHECK(f.Head().hash == f.chain.entries[2].hash);
  CHECK(Must(f.agent->store().HashAt(feeds::kHubCode, 2)) == f.chain.entries[1].hash);
  CHECK(Must(f.agent->store().QuarantineCount()) == 1);
}

TEST_CASE("agent ApplyPage rejects an entry that names another predecessor",
          "[agent][apply][chain][security]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 3));
  // A validly signed seq 4 that extends some other seq 3.
  const feeds::ChainHead elsewhere{feeds::kHubCode, 3, base::Sha256Hex("another history")};
  feeds::Entry e = f.chain.hub.Base(feeds::EntryKind::kRelease);
  e.release = f.chain.entries[3].entry.release;
  SignedEntry fork = f.chain.hub.SignAt(e, elsewhere);

  ApplyOutcome out = f.Apply(Page({fork}));
  REQUIRE_FALSE(out.rejected.ok());
  CHECK(out.rejected.code() == Code::kFailedPrecondition);
  CHECK_THAT(out.rejected.message(), Catch::Contains("fork"));
  CHECK(f.Head().seq == 3);
}

TEST_CASE("agent ApplyPage rejects an entry signed by a key it does not trust",
          "[agent][apply][security]") {
  AgentFixture f;
  Origin impostor(feeds::kHubCode);  // claims to be the hub, with its own key
  SignedEntry forged = impostor.Release();

  ApplyOutcome out = f.Apply(Page({forged}));
  REQUIRE_FALSE(out.rejected.ok());
  CHECK(out.rejected.code() == Code::kUnauthenticated);
  CHECK_THAT(out.rejected.message(), Catch::Contains("not trusted"));
  CHECK(out.applied == 0);
  CHECK(f.Head().seq == 0);
  std::vector<QuarantineRow> q = Must(f.agent->store().Quarantined(10));
  REQUIRE(q.size() == 1);
  CHECK_THAT(q[0].reason, Catch::Contains("not trusted"));
}

TEST_CASE("agent ApplyPage rejects a tampered entry and applies nothing after it",
          "[agent][apply][security]") {
  AgentFixture f;
  std::vector<ParsedEntry> page = f.chain.Slice(0, 5);
  const std::string tampered = TamperTitle(f.chain.entries[2].wire);
  REQUIRE(tampered != f.chain.entries[2].wire);
  page[2] = Parse(tampered);  // still decodes: the damage is only in the signed content
  REQUIRE_THAT(page[2].entry.release->title, Catch::StartsWith("XYZ"));

  ApplyOutcome out = f.Apply(page);
  REQUIRE_FALSE(out.rejected.ok());
  CHECK(out.rejected.code() == Code::kUnauthenticated);
  CHECK(out.applied == 2);  // entries before the bad one are kept
  CHECK(f.Head().seq == 2);
  CHECK(f.Head().hash == f.chain.entries[1].hash);
  CHECK_FALSE(Must(f.agent->store().HashAt(feeds::kHubCode, 4)).has_value());

  std::vector<QuarantineRow> q = Must(f.agent->store().Quarantined(10));
  REQUIRE(q.size() == 1);
  CHECK(q[0].seq == 3);
  CHECK(q[0].wire == page[2].wire);
  CHECK(q[0].source == kSource);
  CHECK_THAT(q[0].reason, Catch::Contains("unauthenticated"));
  CHECK_THAT(q[0].reason, Catch::Contains("#3"));

  // The genuine entries still apply afterwards.
  f.MustApply(f.chain.Slice(2, 6));
  CHECK(f.Head().seq == 6);
}

TEST_CASE("agent ApplyPage refuses an entry a relay added bytes to, and stores none of it",
          "[agent][apply][security]") {
  struct Pad {
    std::string what, from, to, expected;
  };
  const std::string in_sig = "the <zq:signature> element is not in canonical form";
  const std::string in_body = "the entry is not in canonical zhanqun form";
  const Pad pads[] = {
      {"a comment in the signature", "</zq:signature>", "<!-- via 330000 --></zq:signature>",
       in_sig},
      {"an attribute on the signature", "<zq:signature ", "<zq:signature relay=\"330000\" ",
       in_sig},
      {"whitespace in the body", "<title>", "\n<title>", in_body},
  };
  for (const Pad& pad : pads) {
    INFO(pad.what);
    AgentFixture f;
    std::vector<ParsedEntry> page = f.chain.Slice(0, 4);
    std::string padded = f.chain.entries[2].wire;
    padded.replace(padded.find(pad.from), pad.from.size(), pad.to);
    page[2] = Parse(padded);
    REQUIRE(page[2].canonical == f.chain.entries[2].canonical);  // its signature still verifies

    ApplyOutcome out = f.Apply(page);
    REQUIRE_FALSE(out.rejected.ok());
    CHECK(out.rejected.code() == Code::kInvalidArgument);
    CHECK_THAT(out.rejected.message(), Catch::Contains(pad.expected));
    CHECK(out.applied == 2);
    CHECK(f.Head().seq == 2);
    CHECK_FALSE(Must(f.agent->store().HashAt(feeds::kHubCode, 3)).has_value());
    std::vector<std::string> stored = Must(f.agent->store().ReadWire(feeds::kHubCode, 0, 100));
    REQUIRE(stored.size() == 2);
    CHECK(stored[1] == f.chain.entries[1].wire);

    std::vector<QuarantineRow> q = Must(f.agent->store().Quarantined(10));
    REQUIRE(q.size() == 1);
    CHECK(q[0].seq == 3);
    CHECK(q[0].wire == padded);  // kept as received, for the operator
    CHECK_THAT(q[0].reason, Catch::Contains(pad.expected));

    // The honest bytes of the same entry still apply.
    f.MustApply(f.chain.Slice(2, 4));
    CHECK(f.Head().seq == 4);
  }
}

TEST_CASE("an honest entry round-trips byte for byte through parse, verify, store and serve",
          "[agent][apply]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 6));
  feeds::AppendNotifier notifier;
  feeds::FeedServiceOptions options;
  net::HttpRequest req;
  req.method = "GET";
  req.params["origin"] = feeds::kHubCode;
  req.query["after"] = "0";
  net::HttpResponse res = feeds::ServeFeed(req, f.agent->store(), notifier, options, f.clock);
  REQUIRE(res.status == 200);
  Result<feeds::ParsedFeed> feed = feeds::DecodeFeed(res.body);
  INFO(feed.status().ToString());
  REQUIRE(feed.ok());
  REQUIRE(feed->entries.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(feed->entries[i].wire == f.chain.entries[i].wire);
    CHECK(feeds::CheckWireForm(feed->entries[i]).ok());
  }
}

TEST_CASE("agent ApplyPage rejects an entry of another origin inside a page",
          "[agent][apply][security]") {
  AgentFixture f;
  Origin county(kCounty);
  SignedEntry foreign = county.Release();
  std::vector<ParsedEntry> page = f.chain.Slice(0, 2);
  page.push_back(Parse(foreign.wire));
  page.push_back(Parse(f.chain.entries[2].wire));

  ApplyOutcome out = f.Apply(page);
  REQUIRE_FALSE(out.rejected.ok());
  CHECK_THAT(out.rejected.message(), Catch::Contains("origin " + std::string(kCounty)));
  CHECK(out.applied == 2);
  CHECK(f.Head().seq == 2);
  CHECK(f.Head(kCounty).seq == 0);
  CHECK(Must(f.agent->store().QuarantineCount()) == 1);
}

TEST_CASE("agent learns a node's key from the hub's registry and keeps it across reopening",
          "[agent][apply][trust]") {
  AgentFixture f;
  const feeds::PublicKey county_key = f.chain.county.key().public_key();
  SignedEntry county_first = f.chain.county.Layer(f.chain.entries[1].entry.release->id);

  // Before the registry entry, the county's log is not trusted.
  ApplyOutcome early = f.Apply(Page({county_first}), kCounty);
  REQUIRE_FALSE(early.rejected.ok());
  CHECK_THAT(early.rejected.message(), Catch::Contains("not trusted"));

  f.MustApply(f.chain.Slice(0, 6));
  CHECK(f.Trusts(kCounty, county_key));

  f.Open();  // a restarted agent rebuilds trust from its store
  CHECK(f.Trusts(kCounty, county_key));
  f.MustApply(Page({county_first}), kCounty);
  CHECK(f.Head(kCounty).seq == 1);
}

TEST_CASE("agent learns keys only from the hub's registry, not from a node's own log",
          "[agent][apply][trust][security]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 5));  // county 330106 is now trusted
  Origin beijing("110000");          // not registered with the hub
  // The county signs, in its own log, a registry-shaped entry for another code.
  SignedEntry claim = f.chain.county.Node("110000", beijing.key().public_key(), kCounty,
                                          feeds::NodeLevel::kProvince);
  ApplyOutcome out = f.Apply(Page({claim}), kCounty);
  CHECK(out.rejected.code() == Code::kPermissionDenied);
  CHECK_THAT(out.rejected.message(), Catch::Contains("authority rule node-from-hub"));
  CHECK_FALSE(f.Trusts("110000", beijing.key().public_key()));

  f.config.origins.push_back("110000");
  f.Open();
  CHECK_FALSE(f.Trusts("110000", beijing.key().public_key()));
  ApplyOutcome forged = f.Apply(Page({beijing.Release()}), "110000");
  REQUIRE_FALSE(forged.rejected.ok());
  CHECK(forged.rejected.code() == Code::kUnauthenticated);
}

TEST_CASE("agent indexes entries stored before a crash when it catches up",
          "[agent][apply][index]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 6));
  f.Open();  // the first agent went away before its indexer ran

  search::SearchQuery q;
  q.text = "实施方案";
  Result<search::SearchResults> before = f.agent->indexer().Search(q);
  REQUIRE(before.ok());
  CHECK(before->hits.empty());

  Result<std::size_t> caught_up = f.agent->indexer().CatchUp();
  INFO(caught_up.status().ToString());
  REQUIRE(caught_up.ok());
  CHECK(*caught_up == 6);
  CHECK(f.agent->counters().entries_indexed == 6);

  Result<search::SearchResults> after = f.agent->indexer().Search(q);
  REQUIRE(after.ok());
  CHECK(after->hits.size() == 4);  // the four releases, not the registry entries
  bool found = false;
  for (const search::SearchHit& hit : after->hits) {
    found = found || hit.title == f.chain.entries[1].entry.release->title;
  }
  CHECK(found);

  Result<std::size_t> again = f.agent->indexer().CatchUp();
  REQUIRE(again.ok());
  CHECK(*again == 0);
  f.Open();  // the index position persisted
  Result<std::size_t> reopened = f.agent->indexer().CatchUp();
  REQUIRE(reopened.ok());
  CHECK(*reopened == 0);
}

TEST_CASE("indexed entries are searchable at once and durable after the shared commit",
          "[agent][apply][index]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 3));
  f.MustApply(f.chain.Slice(3, 6));  // two pages, one commit

  Result<std::size_t> indexed = f.agent->indexer().CatchUp();
  REQUIRE(indexed.ok());
  CHECK(*indexed == 6);
  search::SearchQuery q;
  q.text = "实施方案";
  Result<search::SearchResults> now = f.agent->indexer().Search(q);
  REQUIRE(now.ok());
  CHECK(now->hits.size() == 4);  // searchable through the writer before any commit
  CHECK(f.agent->counters().index_commits == 0);
  auto origin_status = [&] {
    return nlohmann::json::parse(Must(f.agent->StatusJson()))["origins"][feeds::kHubCode];
  };
  CHECK(origin_status()["indexed"] == 6);
  CHECK(origin_status()["index_committed"] == 0);

  // Another process (the search CLI) sees only what is committed.
  Result<std::unique_ptr<search::SearchIndex>> reader =
      search::SearchIndex::Open(f.config.IndexPath(), search::SearchIndex::Mode::kReadOnly);
  REQUIRE(reader.ok());
  CHECK((*reader)->DocCount() == 0);
  CHECK((*reader)->IndexedSeq(feeds::kHubCode) == 0);

  Result<std::size_t> early = f.agent->indexer().Commit(/*force=*/false);
  REQUIRE(early.ok());
  CHECK(*early == 0);  // not due yet
  f.clock.Advance(Indexer::kCommitDelayMs);
  Result<std::size_t> due = f.agent->indexer().Commit(/*force=*/false);
  REQUIRE(due.ok());
  CHECK(*due == 6);
  CHECK(f.agent->counters().index_commits == 1);
  CHECK(f.CountEvents("index_committed") == 1);
  CHECK(origin_status()["index_committed"] == 6);

  REQUIRE((*reader)->Refresh().ok());
  CHECK((*reader)->DocCount() == 4);
  CHECK((*reader)->IndexedSeq(feeds::kHubCode) == 6);
  Result<std::size_t> nothing = f.agent->indexer().Commit(/*force=*/true);
  REQUIRE(nothing.ok());
  CHECK(*nothing == 0);
}

TEST_CASE("each batch waits its own commit delay, drawn from the second half of the bound",
          "[agent][apply][index]") {
  AgentFixture f;
  std::set<std::int64_t> delays;
  for (std::size_t i = 0; i < f.chain.entries.size(); ++i) {
    f.MustApply(f.chain.Slice(i, i + 1));
    Result<std::size_t> indexed = f.agent->indexer().CatchUp();
    REQUIRE(indexed.ok());
    REQUIRE(*indexed == 1);
    const std::int64_t delay = f.agent->indexer().CommitDelayMs();
    CHECK(delay >= Indexer::kCommitDelayMs / 2);
    CHECK(delay <= Indexer::kCommitDelayMs);
    delays.insert(delay);
    f.clock.Advance(delay - 1);
    Result<std::size_t> early = f.agent->indexer().Commit(/*force=*/false);
    REQUIRE(early.ok());
    CHECK(*early == 0);
    f.clock.Advance(1);
    Result<std::size_t> due = f.agent->indexer().Commit(/*force=*/false);
    REQUIRE(due.ok());
    CHECK(*due == 1);
  }
  CHECK(f.agent->counters().index_commits == f.chain.entries.size());
  // Drawn anew per batch: six batches waiting the very same time would mean
  // every node of a tree commits after the same entry.
  CHECK(delays.size() > 1);
}

TEST_CASE("an agent hands freed heap back once, when its indexer goes idle after releases",
          "[agent][apply][index]") {
  AgentFixture f;
  CHECK_FALSE(f.agent->indexer().ReleaseMemoryIfIdle());  // nothing indexed yet
  f.MustApply(f.chain.Slice(0, 1));                       // a registry entry: no index work
  REQUIRE(f.agent->indexer().CatchUp().ok());
  REQUIRE(f.agent->indexer().Commit(/*force=*/true).ok());
  f.clock.Advance(Indexer::kIdleMs);
  CHECK_FALSE(f.agent->indexer().ReleaseMemoryIfIdle());
  f.MustApply(f.chain.Slice(1, 4));
  REQUIRE(f.agent->indexer().CatchUp().ok());
  CHECK_FALSE(f.agent->indexer().ReleaseMemoryIfIdle());  // busy a moment ago
  f.clock.Advance(Indexer::kIdleMs);
  CHECK_FALSE(f.agent->indexer().ReleaseMemoryIfIdle());  // idle, but its batch waits for a commit
  Result<std::size_t> committed = f.agent->indexer().Commit(/*force=*/false);
  REQUIRE(committed.ok());
  CHECK(*committed == 3);
  search::SearchQuery q;
  q.text = "实施方案";
  Result<search::SearchResults> found = f.agent->indexer().Search(q);
  REQUIRE(found.ok());
  const std::size_t hits_before = found->hits.size();
  CHECK(hits_before > 0);
  f.agent->feed_pages()->Put("000000 3 4", "<feed/>");
  CHECK(f.agent->indexer().ReleaseMemoryIfIdle());
  std::string page;
  CHECK_FALSE(f.agent->feed_pages()->Find("000000 3 4", &page));  // dropped with the rest
  CHECK(f.agent->counters().memory_releases == 1);
  CHECK(f.CountEvents("memory_released") == 1);
  // The index closed its writer (a second writer could open now) and still
  // serves searches.
  {
    auto other =
        search::SearchIndex::Open(f.config.IndexPath(), search::SearchIndex::Mode::kWritable);
    CHECK(other.ok());
  }
  found = f.agent->indexer().Search(q);
  REQUIRE(found.ok());
  CHECK(found->hits.size() == hits_before);
  f.clock.Advance(Indexer::kIdleMs);
  CHECK_FALSE(f.agent->indexer().ReleaseMemoryIfIdle());  // once per busy spell
  CHECK(f.agent->counters().memory_releases == 1);

  f.MustApply(f.chain.Slice(4, 6));
  REQUIRE(f.agent->indexer().CatchUp().ok());  // reopens the writer
  found = f.agent->indexer().Search(q);
  REQUIRE(found.ok());
  CHECK(found->hits.size() == 4);
  REQUIRE(f.agent->indexer().Commit(/*force=*/true).ok());
  CHECK_FALSE(f.agent->indexer().ReleaseMemoryIfIdle());
  f.clock.Advance(Indexer::kIdleMs - 1);
  CHECK_FALSE(f.agent->indexer().ReleaseMemoryIfIdle());
  f.clock.Advance(1);
  CHECK(f.agent->indexer().ReleaseMemoryIfIdle());
  CHECK(f.agent->counters().memory_releases == 2);
}

TEST_CASE("a second agent on the same data directory is refused until the first stops",
          "[agent][apply]") {
  AgentFixture f;
  Result<std::unique_ptr<Agent>> second = Agent::Open(f.config, f.clock, nullptr, f.http.Factory());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == base::Code::kFailedPrecondition);
  const std::string why = second.status().ToString();
  INFO(why);
  CHECK(why.find(f.config.data_dir) != std::string::npos);
  CHECK(why.find("in use by another zhanqun-agent (pid " + std::to_string(::getpid()) + ")") !=
        std::string::npos);
  // The refused agent took nothing from the first, which keeps working.
  f.MustApply(f.chain.Slice(0, 2));
  f.agent.reset();
  Result<std::unique_ptr<Agent>> after = Agent::Open(f.config, f.clock, nullptr, f.http.Factory());
  INFO(after.status().ToString());
  REQUIRE(after.ok());
  CHECK(Must((*after)->store().Head(feeds::kHubCode)) == 2);
}

TEST_CASE("an agent that stops commits what it indexed", "[agent][apply][index]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 6));
  REQUIRE(f.agent->indexer().CatchUp().ok());
  CHECK(f.agent->counters().index_commits == 0);
  f.Open();  // Stop() then reopen
  CHECK(Must(f.agent->store().Head(feeds::kHubCode)) == 6);
  Result<std::size_t> again = f.agent->indexer().CatchUp();
  REQUIRE(again.ok());
  CHECK(*again == 0);  // nothing to index again: the stop committed it
  search::SearchQuery q;
  q.text = "实施方案";
  Result<search::SearchResults> r = f.agent->indexer().Search(q);
  REQUIRE(r.ok());
  CHECK(r->hits.size() == 4);
}

TEST_CASE("an indexer far behind reads the store and commits per batch", "[agent][apply][index]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 6));
  // More than one index batch (500) arrives before the indexer runs: too
  // much to hand over in memory, so it is read back from the store.
  std::vector<SignedEntry> more;
  for (int i = 0; i < 520; ++i) more.push_back(f.chain.hub.Release("-" + std::to_string(i)));
  f.MustApply(Page(more));
  Result<std::size_t> indexed = f.agent->indexer().CatchUp();
  INFO(indexed.status().ToString());
  REQUIRE(indexed.ok());
  CHECK(*indexed == 526);
  CHECK(f.agent->counters().index_commits == 1);  // the full batch; 26 wait for the next
  Result<std::size_t> rest = f.agent->indexer().Commit(/*force=*/true);
  REQUIRE(rest.ok());
  CHECK(*rest == 26);
  search::SearchQuery q;
  q.text = "实施方案";
  q.limit = 100;
  Result<search::SearchResults> r = f.agent->indexer().Search(q);
  REQUIRE(r.ok());
  CHECK(r->estimated_total == 524);  // every release, none of the two registry entries
}

TEST_CASE("agent resumes from the head it persisted", "[agent][apply]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 4));
  const feeds::ChainHead before = f.Head();
  f.Open();
  CHECK(f.Head().seq == before.seq);
  CHECK(f.Head().hash == before.hash);
  CHECK(Must(f.agent->store().Head(feeds::kHubCode)) == 4);
  f.MustApply(f.chain.Slice(4, 6));
  CHECK(f.Head().seq == 6);
}

TEST_CASE("agent status reports heads and quarantine", "[agent][apply][status]") {
  AgentFixture f;
  f.MustApply(f.chain.Slice(0, 2));
  (void)f.Apply(f.chain.Slice(3, 4));  // a gap
  const std::string status = Must(f.agent->StatusJson());
  CHECK_THAT(status, Catch::Contains("\"quarantine_count\": 1"));
  CHECK_THAT(status, Catch::Contains(f.chain.entries[1].hash));
  CHECK_THAT(status, Catch::Contains("gap"));
}

}  // namespace zhanqun::agent

namespace zhanqun::agent {
namespace {

TEST_CASE("agent store: a node's ancestors follow the registry's newest node entries",
          "[agent][store][registry]") {
  TempDir dir;
  std::unique_ptr<AgentStore> store = Must(AgentStore::Open(dir.File("agent.db")));
  Origin hub(feeds::kHubCode);
  auto node = [&](const std::string& code, const std::string& parent, feeds::NodeLevel level) {
    Status s = store->AppendVerified({hub.Node(code, NewKey()->public_key(), parent, level)}, kT0);
    INFO(s.ToString());
    REQUIRE(s.ok());
  };
  CHECK(Must(store->Ancestors(kCounty)).empty());  // not in the registry
  node(feeds::kHubCode, "", feeds::NodeLevel::kNational);
  node("330000", feeds::kHubCode, feeds::NodeLevel::kProvince);
  CHECK(Must(store->Ancestors("330000")).empty());  // under the hub
  CHECK(Must(store->Ancestors(feeds::kHubCode)).empty());
  // Registered under a city the registry does not hold (yet): the chain
  // stops there.
  node(kCounty, "330100", feeds::NodeLevel::kCounty);
  CHECK(Must(store->Ancestors(kCounty)) == std::vector<std::string>{"330100"});
  node("330100", "330000", feeds::NodeLevel::kCity);
  node("330200", "330000", feeds::NodeLevel::kCity);
  CHECK(Must(store->Ancestors(kCounty)) == std::vector<std::string>{"330100", "330000"});
  // A move is a newer node entry: the chain changes with it.
  node(kCounty, "330200", feeds::NodeLevel::kCounty);
  CHECK(Must(store->Ancestors(kCounty)) == std::vector<std::string>{"330200", "330000"});
  node(kCounty, "330000", feeds::NodeLevel::kCounty);
  CHECK(Must(store->Ancestors(kCounty)) == std::vector<std::string>{"330000"});
}

}  // namespace
}  // namespace zhanqun::agent
