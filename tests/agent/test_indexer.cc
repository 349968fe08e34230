// The indexer's thread driven one pass at a time with a fake clock: how long
// it sleeps, when a pass commits, and when it hands memory back. The search
// index is a real one in a temporary directory.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "agent_parts.h"
#include "zhanqun/agent/indexer.h"

namespace zhanqun::agent {
namespace {

using test_util::AgentParts;
using test_util::Page;

struct IndexerFixture : AgentParts {
  std::vector<std::pair<std::string, std::uint64_t>> indexed;  // what the hook heard
  int releases = 0;
  int passes_done = 0;
  std::unique_ptr<Indexer> indexer = Open();

  std::unique_ptr<Indexer> Open() {
    base::Result<std::unique_ptr<search::SearchIndex>> index =
        search::SearchIndex::Open(dir.File("xapian"), search::SearchIndex::Mode::kWritable);
    REQUIRE(index.ok());
    IndexHooks hooks;
    hooks.indexed = [this](const std::string& origin, std::uint64_t seq) {
      indexed.emplace_back(origin, seq);
    };
    hooks.release_memory = [this] { releases++; };
    hooks.pass_done = [this] { passes_done++; };
    return std::make_unique<Indexer>(std::vector<std::string>{feeds::kHubCode}, std::move(*index),
                                     *store, clock, counters, events.Sink(), hooks);
  }
  // Stores `entries` and hands them off, as the agent's applier hook does.
  void Store(const std::vector<feeds::SignedEntry>& entries) {
    ApplyOutcome out = applier.ApplyPage(feeds::kHubCode, Page(entries), "test");
    REQUIRE(out.rejected.ok());
    REQUIRE(out.applied == entries.size());
    indexer->HandOff(feeds::kHubCode, entries);
  }
};

}  // namespace

TEST_CASE("the indexer sleeps until a commit is due, commits when idle, then releases memory",
          "[agent][index]") {
  IndexerFixture f;
  CHECK(f.indexer->NextWaitMs() == 60000);  // nothing pending: the safety net only

  f.Store(test_util::HubChain(f.hub));
  Indexer::PassOutcome pass = f.indexer->RunPass();
  REQUIRE(pass.status.ok());
  REQUIRE(pass.indexed.ok());
  CHECK(*pass.indexed == 4);
  CHECK(f.indexed == std::vector<std::pair<std::string, std::uint64_t>>{{feeds::kHubCode, 4}});
  CHECK(f.counters.index_commits == 0);  // its delay has not passed
  // The commit waits for its delay and for a quiet spell, whichever is later.
  CHECK(f.indexer->NextWaitMs() == Indexer::kIdleMs);
  f.clock.Advance(Indexer::kIdleMs - 1);
  CHECK(f.indexer->NextWaitMs() == 1);

  f.clock.Advance(1);
  pass = f.indexer->RunPass();
  REQUIRE(pass.status.ok());
  CHECK(*pass.indexed == 0);
  CHECK(f.counters.index_commits == 1);
  CHECK(f.events.Count("index_committed") == 1);
  CHECK(f.events.Named("index_committed")[0].Field("seq:000000") == "4");
  // The same pass found the indexer idle after work: the heap goes back.
  CHECK(f.counters.memory_releases == 1);
  CHECK(f.releases == 1);
  CHECK(f.indexer->NextWaitMs() == 60000);
  pass = f.indexer->RunPass();
  CHECK(f.counters.memory_releases == 1);  // once per busy spell
}

TEST_CASE("an indexer pass commits what waited its delay just after indexing the next entry",
          "[agent][index]") {
  IndexerFixture f;
  f.Store({f.hub.Release()});
  REQUIRE(f.indexer->RunPass().status.ok());
  const std::int64_t delay = f.indexer->CommitDelayMs();
  CHECK(delay >= Indexer::kCommitDelayMs / 2);
  CHECK(delay <= Indexer::kCommitDelayMs);
  f.clock.Advance(delay);
  f.Store({f.hub.Release()});  // the next entry of a stream, before the idle commit
  Indexer::PassOutcome pass = f.indexer->RunPass();
  REQUIRE(pass.status.ok());
  CHECK(*pass.indexed == 1);
  CHECK(f.counters.index_commits == 1);
  REQUIRE(f.events.Count("index_committed") == 1);
  CHECK(f.events.Named("index_committed")[0].Field("count") == "2");  // both shared one
  CHECK(f.indexer->ProgressOf(feeds::kHubCode).committed == 2);
  CHECK(f.counters.memory_releases == 0);  // busy a moment ago
}

TEST_CASE("the indexer indexes only the configured origins", "[agent][index]") {
  IndexerFixture f;
  test_util::Origin county("330106");
  f.Register(county, "330100", feeds::NodeLevel::kCounty);
  std::vector<feeds::SignedEntry> layers = {county.Layer(f.HubRelease())};
  REQUIRE(f.indexer->RunPass().indexed.ok());  // the hub's registry entry and release
  f.indexed.clear();
  REQUIRE(f.applier.ApplyPage("330106", Page(layers), "test").rejected.ok());
  f.indexer->HandOff("330106", layers);  // carried for children: not indexed here
  Indexer::PassOutcome pass = f.indexer->RunPass();
  REQUIRE(pass.indexed.ok());
  CHECK(*pass.indexed == 0);
  CHECK(f.indexer->ProgressOf("330106").indexed == 0);
  CHECK(f.indexed.empty());
}

}  // namespace zhanqun::agent
