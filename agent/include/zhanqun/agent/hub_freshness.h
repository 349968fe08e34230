// What an agent knows of the hub's time and of how fresh its copy of the
// hub's log is: the newest verified head statement (docs/protocol.md,
// freshness.h) and the estimate of the hub's clock built from the
// X-Zhanqun-Clock answers to our reports. Followers offer the statements
// that come with feed pages; the reporter adds clock samples; the HTTP
// handlers pass both on to our children.
//
// Thread-safe. The clock and counters must outlive it.
#ifndef ZHANQUN_AGENT_HUB_FRESHNESS_H_
#define ZHANQUN_AGENT_HUB_FRESHNESS_H_

#include <functional>
#include <mutex>
#include <string>

#include "zhanqun/agent/agent_counters.h"
#include "zhanqun/agent/event_sink.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::agent {

class HubFreshness {
 public:
  // `newer` runs (on the offering thread) when a newer statement is kept.
  HubFreshness(const feeds::PublicKey& hub_key, const base::Clock& clock, AgentCounters& counters,
               EventSink sink, std::function<void()> newer);

  // Verifies a head statement from an upstream; keeps it if newer. One that
  // does not verify (or is not for the hub's log) is counted and logged.
  void Offer(const std::string& text);
  // The newest verified statement ("" text when none).
  feeds::HeadStatement Newest();
  std::string NewestText();
  // True when our newest statement has expired on the hub's clock.
  bool IsStale();
  // True when `text` verifies against the hub key and has not expired on
  // the hub's clock (a probe of another upstream; nothing is kept).
  bool IsUnexpired(const std::string& text);

  // t0/t3 our clock at send/receive; t1/t2/err from the answer's header.
  void AddClockSample(base::TimeMs t0, base::TimeMs t1, base::TimeMs t2, base::TimeMs t3,
                      std::int64_t server_error_ms);
  feeds::ClockEstimate ClockEstimate() const { return clock_sync_.Estimate(); }
  // Our estimate of the hub's clock now (our own clock while unknown).
  base::TimeMs HubNowMs() const { return clock_sync_.HubTime(clock_.NowMs()); }

 private:
  const feeds::PublicKey hub_key_;
  const base::Clock& clock_;
  AgentCounters& counters_;
  const EventSink sink_;
  const std::function<void()> newer_;
  feeds::ClockSync clock_sync_;
  std::mutex mu_;
  feeds::HeadStatement head_;  // newest verified, guarded by mu_
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_HUB_FRESHNESS_H_
