#include "zhanqun/agent/hub_freshness.h"

#include <algorithm>
#include <utility>

namespace zhanqun::agent {

HubFreshness::HubFreshness(const feeds::PublicKey& hub_key, const base::Clock& clock,
                           AgentCounters& counters, EventSink sink, std::function<void()> newer)
    : HubFreshness([hub_key](base::TimeMs) { return std::vector<feeds::PublicKey>{hub_key}; },
                   clock, counters, std::move(sink), std::move(newer)) {}

HubFreshness::HubFreshness(KeySource hub_keys, const base::Clock& clock, AgentCounters& counters,
                           EventSink sink, std::function<void()> newer)
    : hub_keys_(std::move(hub_keys)),
      clock_(clock),
      counters_(counters),
      sink_(std::move(sink)),
      newer_(std::move(newer)) {}

base::Result<feeds::HeadStatement> HubFreshness::VerifyQuietly(const std::string& text) const {
  const std::vector<feeds::PublicKey> keys = hub_keys_(HubNowMs());
  if (keys.empty()) {
    return base::Status::Unauthenticated(
        "head statement: no hub online key is certified now (no trust entry yet, or it expired)");
  }
  base::Result<feeds::HeadStatement> hs = feeds::VerifyHeadStatement(text, keys.front());
  for (std::size_t i = 1; i < keys.size() && !hs.ok(); ++i) {
    hs = feeds::VerifyHeadStatement(text, keys[i]);
  }
  if (hs.ok() && hs->origin != feeds::kHubCode) {
    return base::Status::Invalid("head statement: not for the hub's log");
  }
  return hs;
}

base::TimeMs HubFreshness::HubTimeOnReceipt(const feeds::HeadStatement& hs) const {
  // The hub signed it at `time`, so its clock is past that now, whatever an
  // upstream's clock header made us believe.
  return std::max(hs.time_ms, HubNowMs());
}

base::Result<feeds::HeadStatement> HubFreshness::Verify(const std::string& text) {
  {
    // Long-polls bring the same statement again and again: verified once is enough.
    std::lock_guard<std::mutex> lock(mu_);
    if (!head_.text.empty() && text == head_.text) return head_;
  }
  base::Result<feeds::HeadStatement> hs = VerifyQuietly(text);
  if (!hs.ok()) {
    counters_.head_statements_refused++;
    Emit(sink_, "head_statement_refused", {{"reason", hs.status().ToString()}});
  }
  return hs;
}

void HubFreshness::Keep(const feeds::HeadStatement& hs) {
  const base::TimeMs hub_ms = HubTimeOnReceipt(hs);
  const base::TimeMs mono_ms = clock_.MonotonicMs();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (hs.time_ms <= head_.time_ms) return;
    head_ = hs;
    head_hub_ms_ = hub_ms;
    head_mono_ms_ = mono_ms;
  }
  if (newer_) newer_();
}

base::Result<feeds::HeadStatement> HubFreshness::Offer(const std::string& text) {
  base::Result<feeds::HeadStatement> hs = Verify(text);
  if (hs.ok()) Keep(*hs);
  return hs;
}

feeds::HeadStatement HubFreshness::Newest() {
  std::lock_guard<std::mutex> lock(mu_);
  return head_;
}

std::string HubFreshness::NewestText() {
  std::lock_guard<std::mutex> lock(mu_);
  return head_.text;
}

bool HubFreshness::IsStale() {
  const base::TimeMs mono_ms = clock_.MonotonicMs();
  std::lock_guard<std::mutex> lock(mu_);
  if (head_.text.empty()) return true;  // never held one: nothing says we are current
  return head_hub_ms_ + (mono_ms - head_mono_ms_) > head_.expires_ms;
}

base::Result<feeds::HeadStatement> HubFreshness::VerifyUnexpired(const std::string& text) {
  base::Result<feeds::HeadStatement> hs = VerifyQuietly(text);
  if (!hs.ok()) return hs;
  if (HubTimeOnReceipt(*hs) > hs->expires_ms) {
    return base::Status::Unavailable("head statement of seq " + std::to_string(hs->seq) +
                                     " has expired");
  }
  return hs;
}

void HubFreshness::AddClockSample(base::TimeMs t0, base::TimeMs t1, base::TimeMs t2,
                                  base::TimeMs t3, std::int64_t server_error_ms) {
  clock_sync_.AddSample(t0, t1, t2, t3, server_error_ms);
}

}  // namespace zhanqun::agent
