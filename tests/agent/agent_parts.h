// The agent's parts for tests, without the Agent: a store in a temporary
// directory, a fake clock, the trusted keys and hub freshness, a LogApplier
// whose hooks are recorded, a fake network, and an event recorder. Each
// part's test adds the part it drives on top.
#ifndef ZHANQUN_TESTS_AGENT_AGENT_PARTS_H_
#define ZHANQUN_TESTS_AGENT_AGENT_PARTS_H_

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "fake_http.h"
#include "signed_origin.h"
#include "test_support.h"
#include "zhanqun/agent/agent_counters.h"
#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/event_sink.h"
#include "zhanqun/agent/hub_freshness.h"
#include "zhanqun/agent/log_applier.h"
#include "zhanqun/agent/trusted_keys.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/feeds/freshness.h"

namespace zhanqun::agent::test_util {

struct Event {
  std::string name;
  EventFields fields;
  // The value of field `key` ("" when absent).
  std::string Field(const std::string& key) const {
    for (const auto& [k, v] : fields) {
      if (k == key) return v;
    }
    return "";
  }
};

// Records events from any thread; a test may wait for one to happen.
class EventLog {
 public:
  EventSink Sink() {
    return [this](const std::string& name, const EventFields& fields) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        events_.push_back({name, fields});
      }
      cv_.notify_all();
    };
  }
  std::vector<Event> Named(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Event> out;
    std::copy_if(events_.begin(), events_.end(), std::back_inserter(out),
                 [&](const Event& e) { return e.name == name; });
    return out;
  }
  std::size_t Count(const std::string& name) { return Named(name).size(); }
  // Waits (up to a generous bound, for a loaded machine) until `name` has
  // happened; true if it did.
  bool WaitFor(const std::string& name) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] {
      return std::any_of(events_.begin(), events_.end(),
                         [&](const Event& e) { return e.name == name; });
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

// The hub's chain the tests follow: its own registry entry and three releases.
inline std::vector<feeds::SignedEntry> HubChain(Origin& hub) {
  std::vector<feeds::SignedEntry> out;
  out.push_back(hub.Node(feeds::kHubCode, hub.key().public_key(), "", feeds::NodeLevel::kNational));
  for (int i = 0; i < 3; ++i) out.push_back(hub.Release());
  return out;
}

// A head statement of the hub's log at `seq`, issued now and valid `valid_ms`.
inline feeds::HeadStatement Statement(const Origin& hub, const base::Clock& clock,
                                      std::uint64_t seq, base::TimeMs valid_ms) {
  return feeds::SignHeadStatement(hub.key(), feeds::kHubCode, seq, hub.head().hash, clock.NowMs(),
                                  clock.NowMs() + valid_ms);
}

struct AgentParts {
  // The node these parts are: a county of 杭州 (its ancestors 330100 and 330000).
  static constexpr const char* kNode = "330106";
  testing::TempDir dir;
  base::FakeClock clock{kT0};
  Origin hub{feeds::kHubCode};
  AgentCounters counters;
  EventLog events;
  FakeHttp http;
  std::unique_ptr<AgentStore> store = OpenStore(dir.File("agent.db"));
  TrustedKeys trust{hub.key().public_key()};
  std::atomic<int> newer_statements{0};
  HubFreshness freshness{hub.key().public_key(), clock, counters, events.Sink(),
                         [this] { newer_statements++; }};
  // What the applier's hooks were told.
  std::mutex hooks_mu;
  std::vector<std::pair<std::string, std::size_t>> stored;  // origin, entries
  std::vector<std::string> rejected;                        // "origin#seq"
  LogApplier applier{kNode, *store, trust, clock, counters, events.Sink(), ApplierHooks()};

  static std::unique_ptr<AgentStore> OpenStore(const std::string& path) {
    base::Result<std::unique_ptr<AgentStore>> s = AgentStore::Open(path);
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    return std::move(s).value();
  }
  ApplyHooks ApplierHooks() {
    ApplyHooks h;
    h.stored = [this](const std::string& origin, const std::vector<feeds::SignedEntry>& e) {
      std::lock_guard<std::mutex> lock(hooks_mu);
      stored.emplace_back(origin, e.size());
    };
    h.rejected = [this](const std::string& origin, std::uint64_t seq, const std::string&) {
      std::lock_guard<std::mutex> lock(hooks_mu);
      rejected.push_back(origin + "#" + std::to_string(seq));
    };
    return h;
  }
  // Trusts `node`'s key as a verified registry entry of the hub would,
  // without storing it (the hub's chain does not move; the registry view
  // does not learn the node).
  void Trust(const Origin& node, const std::string& parent, feeds::NodeLevel level) {
    feeds::Entry e = hub.Base(feeds::EntryKind::kNode);
    e.node =
        feeds::Node{node.code(), "节点 " + node.code(), level, parent, {node.key().public_key()}};
    trust.Learn(feeds::kHubCode, hub.SignAt(e, hub.head()));
  }
  // Registers `node` as the hub would: the hub signs its registry entry and
  // the applier takes it (the hub's chain and our store both move by one).
  void Register(const Origin& node, const std::string& parent, feeds::NodeLevel level) {
    Apply(hub.Node(node.code(), node.key().public_key(), parent, level));
  }
  // The hub publishes a release and the applier takes it; its id.
  std::string HubRelease() { return Apply(hub.Release()).entry.release->id; }
  // Applies one hub entry, which must be accepted.
  feeds::SignedEntry Apply(feeds::SignedEntry se) {
    ApplyOutcome out = applier.ApplyPage(feeds::kHubCode, Page({se}), "test");
    INFO("hub#" << se.entry.log.seq);
    INFO(out.rejected.ToString());
    REQUIRE(out.rejected.ok());
    REQUIRE(out.applied == 1);
    return se;
  }
};

}  // namespace zhanqun::agent::test_util

#endif  // ZHANQUN_TESTS_AGENT_AGENT_PARTS_H_
