// AgentStore reads over a database that went wrong under them: every read
// is the query's error, never an empty answer, and a stored enum value
// that does not parse is kCorruption naming where it was.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "signed_origin.h"
#include "test_support.h"
#include "zhanqun/agent/agent_store.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::agent {
namespace {

using test_util::kT0;
using test_util::Origin;
using testing::Must;
using testing::TempDir;

constexpr const char* kCounty = "330106";

// A store holding a hub log (the county's registry entry, two releases),
// one interpretation layer of the county's own log and a quarantined entry.
struct FilledStore {
  TempDir dir;
  std::string path = dir.File("agent.db");
  std::unique_ptr<AgentStore> store = Must(AgentStore::Open(path));
  Origin hub{feeds::kHubCode};
  Origin county{kCounty};

  FilledStore() {
    std::vector<feeds::SignedEntry> hub_log = {
        hub.Node(kCounty, county.key().public_key(), feeds::kHubCode, feeds::NodeLevel::kCounty),
        hub.Release(), hub.Release()};
    REQUIRE(store->AppendVerified(hub_log, kT0).ok());
    feeds::Interpretation in;
    in.release_id = hub_log[1].entry.release->id;
    in.title = "解读";
    in.body_html = "<p>解读</p>";
    REQUIRE(store->AppendVerified({county.Interpretation(in)}, kT0).ok());
    REQUIRE(store->Quarantine({feeds::kHubCode, 9, "gap", "http://x", kT0, "wire"}).ok());
  }

  // A second connection on the same file (the agent's schema is at version
  // 4: given as many empty migrations, the adapter applies none).
  void Exec(const std::string& sql) {
    std::unique_ptr<sql::Db> db = Must(sql::Db::Open(path, std::vector<std::string>(4)));
    REQUIRE(db->Exec(sql).ok());
  }
};

template <typename T>
void CheckFails(const base::Result<T>& r, const char* what) {
  INFO(what);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() != base::Code::kNotFound);
  CHECK_THAT(r.status().message(), Catch::Contains("no such table"));
}

template <typename T>
void CheckCorrupt(const base::Result<T>& r, const std::string& where, const std::string& value) {
  INFO(where);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kCorruption);
  CHECK_THAT(r.status().message(), Catch::Contains(where));
  CHECK_THAT(r.status().message(), Catch::Contains("'" + value + "'"));
}

}  // namespace

TEST_CASE("agent store reads of a database whose tables are gone fail instead of answering empty",
          "[agent][store][errors]") {
  FilledStore f;
  const std::string release_id = "gov.cn/000000/2";
  // Reads before the damage: what the store holds, so that the failures below
  // are not of a store that was empty anyway.
  REQUIRE(Must(f.store->Releases()).size() == 2);
  REQUIRE(Must(f.store->Layers(release_id)).size() == 1);
  REQUIRE(Must(f.store->QuarantineCount()) == 1);
  // The heads of the logs appended to are in memory now.
  REQUIRE(Must(f.store->Head(feeds::kHubCode)) == 3);

  f.Exec(
      "DROP TABLE entries; DROP TABLE trust; DROP TABLE quarantine; DROP TABLE registry; "
      "DROP TABLE release_view; DROP TABLE layer_view; DROP TABLE topic_view");

  // Long-polls keep being served from the heads already known...
  CHECK(Must(f.store->Head(feeds::kHubCode)) == 3);
  CHECK(Must(f.store->Head(kCounty)) == 1);
  // ...but a head never read is an error, not an empty log, and is not remembered.
  CheckFails(f.store->Head("330000"), "Head");
  CheckFails(f.store->HeadOf("330000"), "HeadOf");
  CheckFails(f.store->Head("330000"), "Head again");
  CheckFails(f.store->Origins(), "Origins");
  CheckFails(f.store->FindRelease(release_id), "FindRelease");
  CheckFails(f.store->Releases(), "Releases");
  CheckFails(f.store->Layers(release_id), "Layers");
  CheckFails(f.store->Topics(), "Topics");
  CheckFails(f.store->ChangedAfter(feeds::kHubCode, 0, 3), "ChangedAfter");
  CheckFails(f.store->FindRegistryNode(kCounty), "FindRegistryNode");
  CheckFails(f.store->Ancestors(kCounty), "Ancestors");
  CheckFails(f.store->HashAt(feeds::kHubCode, 1), "HashAt");
  CheckFails(f.store->ReadRange(feeds::kHubCode, 0, 10), "ReadRange");
  CheckFails(f.store->ReadWire(feeds::kHubCode, 0, 10), "ReadWire");
  CheckFails(f.store->Wire(feeds::kHubCode, 1), "Wire");
  CheckFails(f.store->Quarantined(10), "Quarantined");
  CheckFails(f.store->QuarantineCount(), "QuarantineCount");
  CheckFails(f.store->TrustedKeys(), "TrustedKeys");
}

TEST_CASE("agent store rows carry enums, and a stored value that does not parse is corruption",
          "[agent][store][errors]") {
  FilledStore f;
  std::optional<ReleaseRef> ref = Must(f.store->FindRelease("gov.cn/000000/2"));
  REQUIRE(ref.has_value());
  CHECK(ref->status == feeds::ReleaseStatus::kActive);
  std::optional<RegistryNode> node = Must(f.store->FindRegistryNode(kCounty));
  REQUIRE(node.has_value());
  CHECK(node->level == feeds::NodeLevel::kCounty);
  CHECK_FALSE(Must(f.store->FindRegistryNode("330108")).has_value());

  f.Exec("UPDATE release_view SET status = 'vanished' WHERE id = 'gov.cn/000000/3'");
  f.Exec("UPDATE registry SET level = 'galaxy'");
  CheckCorrupt(f.store->FindRelease("gov.cn/000000/3"), "release_view.status", "vanished");
  CheckCorrupt(f.store->Releases(), "release_view.status", "vanished");
  CheckCorrupt(f.store->FindRegistryNode(kCounty), "registry.level", "galaxy");
  // A row whose values parse is still read.
  CHECK(Must(f.store->FindRelease("gov.cn/000000/2"))->status == feeds::ReleaseStatus::kActive);

  f.Exec("UPDATE trust SET public_key = 'not a key'");
  REQUIRE_FALSE(f.store->TrustedKeys().ok());
  CHECK(f.store->TrustedKeys().status().code() == base::Code::kCorruption);
  CHECK_THAT(f.store->TrustedKeys().status().message(), Catch::Contains("trust.public_key"));
}

}  // namespace zhanqun::agent
