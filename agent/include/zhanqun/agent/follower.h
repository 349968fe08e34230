// One followed origin's loop: long-polls
// GET {upstream}/api/v1/feeds/{origin}?after={head}&wait={poll_wait_s} on the
// current upstream, decodes the page and hands it to the LogApplier, then
// keeps the head statement that came with the answer. Backs off
// exponentially (kMinBackoffMs ... kMaxBackoffMs) on failure.
//
// Three kinds of failure are counted against the upstream (Upstreams), by
// cause (docs/protocol.md, "Failover"): a request that fails (network, HTTP
// status); a page that does not decode or holds an entry that does not
// verify (bad signature, fork, wrong origin; quarantined as before); and
// withholding: the answer's own verified head statement says the hub's log
// goes past our head, yet the answer delivers none of it (an empty page or
// duplicates only). Repeated failures move every part to the next upstream.
// A statement is kept only from an answer that verified and withheld
// nothing. Runs on its own thread (Run).
//
// Thread-safe only as far as Stop() goes: one thread runs the loop (or, in
// tests, calls RunOnce/FetchOnce); Stop() may come from any thread. Owns
// its HTTP client; everything FollowerEnv references must outlive it.
#ifndef ZHANQUN_AGENT_FOLLOWER_H_
#define ZHANQUN_AGENT_FOLLOWER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "zhanqun/agent/agent_counters.h"
#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/config.h"
#include "zhanqun/agent/event_sink.h"
#include "zhanqun/agent/hub_freshness.h"
#include "zhanqun/agent/log_applier.h"
#include "zhanqun/agent/upstream_watch.h"
#include "zhanqun/agent/upstreams.h"
#include "zhanqun/agent/work_signal.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent {

// What the followers of one agent share.
struct FollowerEnv {
  const AgentConfig& config;  // poll_wait_s, and origins (the ones indexed here)
  AgentStore& store;
  Upstreams& upstreams;
  LogApplier& applier;
  HubFreshness& freshness;  // offered each answer's head statement
  const base::Clock& clock;
  AgentCounters& counters;
  EventSink sink;
  net::HttpClientFactory http;
  SwitchNote note_switch;  // told when failures moved us to another upstream
  // Entries of an origin that is not indexed here (an ancestor's layers)
  // were stored: the site has work that the indexer will not ask for.
  std::function<void()> layers_arrived;
  // Fault injection: a frozen agent stops following but keeps serving.
  const std::atomic<bool>& frozen;
};

class Follower {
 public:
  static constexpr std::int64_t kMinBackoffMs = 250;
  static constexpr std::int64_t kMaxBackoffMs = 30000;
  static constexpr std::int64_t kFrozenPollMs = 500;
  // After a page whose next entry had to wait (LogApplier's deferral: an
  // interpretation of a release still on its way in the hub's log).
  static constexpr std::int64_t kDeferredPollMs = 1000;

  Follower(std::string origin, FollowerEnv env);

  // One request for the entries after our head, applied. True when the page
  // came and applied without a rejection.
  bool FetchOnce();
  // One round of the loop: a fetch (none while frozen), and how long to wait
  // before the next round (0: at once; kDeferredPollMs after a deferral;
  // else the backoff, which doubles).
  std::int64_t RunOnce();
  // Rounds until Stop().
  void Run();
  void Stop() { signal_.Stop(); }
  // The upstreams moved on: a long-poll held at the one we left ends now,
  // uncounted, and the next round asks the new one.
  void Retarget() { signal_.Interrupt(); }
  const std::string& origin() const { return origin_; }

 private:
  enum class Misserve { kVerification, kWithholding };

  // Steps of FetchOnce: the answer `res` to `url`, asked for after `after`.
  bool Take(const Upstreams::Choice& up, const std::string& url, std::uint64_t after,
            const net::HttpResult& res);
  void RequestFailed(const Upstreams::Choice& up, const std::string& url,
                     const base::Result<net::HttpResult>& res);
  // Counts, logs (upstream_failed, reason=...) and reports a bad page.
  void Misserved(const Upstreams::Choice& up, Misserve why, const std::string& detail);
  // The answer's head statement, when it has one that verifies.
  std::optional<feeds::HeadStatement> AnswerStatement(const net::HttpResult& res);
  void Applied(const net::HttpResult& res, std::size_t count);
  // An undecodable page from `url`, asked for after `after`.
  void Quarantine(const std::string& url, std::uint64_t after, const net::HttpResult& res,
                  const base::Status& why);

  const std::string origin_;
  const FollowerEnv env_;
  WorkSignal signal_;  // its stop and interrupt: nothing else wakes a follower
  std::unique_ptr<net::HttpClient> client_;
  std::int64_t backoff_ms_ = kMinBackoffMs;
  bool deferred_ = false;    // the last page stopped at a deferred entry
  bool retargeted_ = false;  // the last request was ended by Retarget()
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_FOLLOWER_H_
