#include "zhanqun/agent/upstream_watch.h"

#include <cstdlib>
#include <utility>

#include "zhanqun/feeds/feed_service.h"

namespace zhanqun::agent {

namespace {

constexpr long kProbeTimeoutMs = 3000;

}  // namespace

UpstreamWatch::UpstreamWatch(Upstreams& upstreams, HubFreshness& freshness, AgentStore& store,
                             const base::Clock& clock, const std::atomic<bool>& frozen,
                             SwitchNote note)
    : upstreams_(upstreams),
      freshness_(freshness),
      store_(store),
      clock_(clock),
      frozen_(frozen),
      note_(std::move(note)) {}

bool UpstreamWatch::Probe(std::size_t index, net::HttpClient& client) {
  base::Result<std::uint64_t> stored = store_.Head(feeds::kHubCode);
  // Without our own head the upstream cannot be judged: it is not taken as healthy.
  if (!stored.ok()) return false;
  const std::uint64_t ours = *stored;
  base::Result<net::HttpResult> res =
      client.Get(feeds::FeedUrl(upstreams_.url(index), feeds::kHubCode, ours), kProbeTimeoutMs);
  if (!res.ok() || res->status != 200) return false;
  auto hs = res->headers.find("x-zhanqun-head-statement");
  auto head = res->headers.find("x-zhanqun-head");
  if (hs == res->headers.end() || head == res->headers.end()) return false;
  return freshness_.IsUnexpired(hs->second) &&
         std::strtoull(head->second.c_str(), nullptr, 10) >= ours;
}

void UpstreamWatch::Check(net::HttpClient& client) {
  if (upstreams_.size() < 2 || frozen_) return;
  Upstreams::Choice up = upstreams_.Current();
  if (freshness_.IsStale() && upstreams_.Stale(up.index)) {
    note_("head statement from " + up.url + " expired (frozen upstream?)");
    return;
  }
  base::TimeMs now = clock_.MonotonicMs();
  if (up.index == 0 || now - last_probe_ms_ < kProbeIntervalMs) return;
  last_probe_ms_ = now;
  for (std::size_t i = 0; i < up.index; ++i) {
    if (Probe(i, client) && upstreams_.SwitchTo(i)) {
      note_("better-ranked upstream " + upstreams_.url(i) + " is healthy again");
      return;
    }
  }
}

}  // namespace zhanqun::agent
