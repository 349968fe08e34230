#include "zhanqun/agent/hub_freshness.h"

#include <utility>

namespace zhanqun::agent {

HubFreshness::HubFreshness(const feeds::PublicKey& hub_key, const base::Clock& clock,
                           AgentCounters& counters, EventSink sink, std::function<void()> newer)
    : hub_key_(hub_key),
      clock_(clock),
      counters_(counters),
      sink_(std::move(sink)),
      newer_(std::move(newer)) {}

void HubFreshness::Offer(const std::string& text) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (text == head_.text) return;
  }
  base::Result<feeds::HeadStatement> hs = feeds::VerifyHeadStatement(text, hub_key_);
  if (!hs.ok() || hs->origin != feeds::kHubCode) {
    counters_.head_statements_refused++;
    Emit(sink_, "head_statement_refused",
         {{"reason", hs.ok() ? "not for the hub's log" : hs.status().ToString()}});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (hs->time_ms <= head_.time_ms) return;
    head_ = std::move(*hs);
  }
  if (newer_) newer_();
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
  base::TimeMs now = HubNowMs();
  std::lock_guard<std::mutex> lock(mu_);
  return !head_.text.empty() && now > head_.expires_ms;
}

bool HubFreshness::IsUnexpired(const std::string& text) {
  base::Result<feeds::HeadStatement> st = feeds::VerifyHeadStatement(text, hub_key_);
  return st.ok() && HubNowMs() <= st->expires_ms;
}

void HubFreshness::AddClockSample(base::TimeMs t0, base::TimeMs t1, base::TimeMs t2,
                                  base::TimeMs t3, std::int64_t server_error_ms) {
  clock_sync_.AddSample(t0, t1, t2, t3, server_error_ms);
}

}  // namespace zhanqun::agent
