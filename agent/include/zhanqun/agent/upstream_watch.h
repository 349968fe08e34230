// Upstream housekeeping, run on the reporter's thread before each report:
// leaves an upstream that serves only expired head statements (a frozen
// relay that still answers), or that has given us none that verified
// kFirstStatementWaitMs after start, and every kProbeIntervalMs probes the
// better-ranked upstreams to return to one that is healthy again. Failover
// on failed requests and bad pages is the followers' and the reporter's own
// (Upstreams). Only signed head statements and the local monotonic clock
// decide; no unsigned header (X-Zhanqun-Head, X-Zhanqun-Clock) makes an
// upstream look healthy.
//
// Not thread-safe: one thread (the reporter's) calls Check. Holds
// references only; everything it is given must outlive it.
#ifndef ZHANQUN_AGENT_UPSTREAM_WATCH_H_
#define ZHANQUN_AGENT_UPSTREAM_WATCH_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/hub_freshness.h"
#include "zhanqun/agent/trusted_keys.h"
#include "zhanqun/agent/upstreams.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent {

// Told why the current upstream changed (counted and logged by the owner).
using SwitchNote = std::function<void(const std::string& reason)>;

class UpstreamWatch {
 public:
  static constexpr base::TimeMs kProbeIntervalMs = 10000;
  // At start nothing is held yet, which is STALE: give the first statement
  // this long to arrive before taking it for a frozen upstream.
  static constexpr base::TimeMs kFirstStatementWaitMs = 30000;

  // While `frozen` (fault injection) nothing moves. `note` must not be empty.
  UpstreamWatch(Upstreams& upstreams, HubFreshness& freshness, AgentStore& store,
                TrustedKeys& trust, const base::Clock& clock, const std::atomic<bool>& frozen,
                SwitchNote note);

  void Check(net::HttpClient& client);
  // Healthy: answers our head's feed page with a head statement that
  // verifies and has not expired, whose seq is at least our head, and,
  // when the statement is past our head, with a page whose first entry
  // verifies onto our head (so we never return to a parent that serves a
  // broken or forked entry, or withholds).
  bool Probe(std::size_t index, net::HttpClient& client);

 private:
  Upstreams& upstreams_;
  HubFreshness& freshness_;
  AgentStore& store_;
  TrustedKeys& trust_;
  const base::Clock& clock_;
  const std::atomic<bool>& frozen_;
  const SwitchNote note_;
  const base::TimeMs started_ms_;   // monotonic
  base::TimeMs last_probe_ms_ = 0;  // monotonic
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_UPSTREAM_WATCH_H_
