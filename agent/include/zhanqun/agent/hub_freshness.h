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
#include <vector>

#include "zhanqun/agent/agent_counters.h"
#include "zhanqun/agent/event_sink.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::agent {

class HubFreshness {
 public:
  // `newer` runs (on the offering thread) when a newer statement is kept.
  HubFreshness(const feeds::PublicKey& hub_key, const base::Clock& clock, AgentCounters& counters,
               EventSink sink, std::function<void()> newer);
  // The keys that may sign head statements at a given hub time, asked on
  // every verification (a rotation takes effect at once).
  using KeySource = std::function<std::vector<feeds::PublicKey>(base::TimeMs)>;
  HubFreshness(KeySource hub_keys, const base::Clock& clock, AgentCounters& counters,
               EventSink sink, std::function<void()> newer);

  // Verifies a head statement from an upstream, keeping nothing. One that
  // does not verify (or is not for the hub's log) is counted and logged.
  base::Result<feeds::HeadStatement> Verify(const std::string& text);
  // Keeps `hs` if it is newer than the one held. REQUIRES: from Verify.
  void Keep(const feeds::HeadStatement& hs);
  // Verify, then Keep what verified.
  base::Result<feeds::HeadStatement> Offer(const std::string& text);
  // The newest verified statement ("" text when none).
  feeds::HeadStatement Newest();
  std::string NewestText();
  // True when we hold no verified statement, or when the newest one has
  // expired. Judged on the local monotonic clock from the moment it was
  // kept: the hub's clock then was at least the statement's own signed
  // time, or our (clamped) estimate of it if later. No unsigned header
  // can make us fresh.
  bool IsStale();
  // The statement in `text` when it verifies against the hub key, is for
  // the hub's log, and has not expired on our estimate of the hub's clock
  // (a probe of another upstream; nothing is kept). Else why not.
  base::Result<feeds::HeadStatement> VerifyUnexpired(const std::string& text);

  // t0/t3 our clock at send/receive; t1/t2/err from the answer's header.
  void AddClockSample(base::TimeMs t0, base::TimeMs t1, base::TimeMs t2, base::TimeMs t3,
                      std::int64_t server_error_ms);
  // Clamped to +-feeds::kMaxClockOffsetMs.
  feeds::ClockEstimate ClockEstimate() const { return clock_sync_.Estimate(); }
  // Our estimate of the hub's clock now (our own clock while unknown).
  base::TimeMs HubNowMs() const { return clock_sync_.HubTime(clock_.NowMs()); }

 private:
  base::Result<feeds::HeadStatement> VerifyQuietly(const std::string& text) const;
  // The hub's clock at least, on receiving `hs` now.
  base::TimeMs HubTimeOnReceipt(const feeds::HeadStatement& hs) const;

  const KeySource hub_keys_;
  const base::Clock& clock_;
  AgentCounters& counters_;
  const EventSink sink_;
  const std::function<void()> newer_;
  feeds::ClockSync clock_sync_;
  std::mutex mu_;                  // guards the three below
  feeds::HeadStatement head_;      // newest verified
  base::TimeMs head_hub_ms_ = 0;   // HubTimeOnReceipt(head_)
  base::TimeMs head_mono_ms_ = 0;  // our monotonic clock when head_ was kept
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_HUB_FRESHNESS_H_
