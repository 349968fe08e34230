#include "zhanqun/agent/upstream_watch.h"

#include <utility>

#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/feed_service.h"

namespace zhanqun::agent {

namespace {

constexpr long kProbeTimeoutMs = 3000;

}  // namespace

UpstreamWatch::UpstreamWatch(Upstreams& upstreams, HubFreshness& freshness, AgentStore& store,
                             TrustedKeys& trust, const base::Clock& clock,
                             const std::atomic<bool>& frozen, SwitchNote note)
    : upstreams_(upstreams),
      freshness_(freshness),
      store_(store),
      trust_(trust),
      clock_(clock),
      frozen_(frozen),
      note_(std::move(note)),
      started_ms_(clock.MonotonicMs()) {}

bool UpstreamWatch::Probe(std::size_t index, net::HttpClient& client) {
  base::Result<feeds::ChainHead> stored = store_.HeadOf(feeds::kHubCode);
  // Without our own head the upstream cannot be judged: it is not taken as healthy.
  if (!stored.ok()) return false;
  const std::uint64_t ours = stored->seq;
  base::Result<net::HttpResult> res =
      client.Get(feeds::FeedUrl(upstreams_.url(index), feeds::kHubCode, ours), kProbeTimeoutMs);
  if (!res.ok() || res->status != 200) return false;
  auto text = res->headers.find("x-zhanqun-head-statement");
  if (text == res->headers.end()) return false;
  base::Result<feeds::HeadStatement> hs = freshness_.VerifyUnexpired(text->second);
  if (!hs.ok() || hs->seq < ours) return false;
  if (hs->seq == ours) return true;
  // It says there is more: it must hand the next entry over, and it must verify.
  base::Result<feeds::ParsedFeed> page = feeds::DecodeFeed(res->body);
  return page.ok() && !page->entries.empty() && trust_.Verify(page->entries[0], *stored).ok();
}

void UpstreamWatch::Check(net::HttpClient& client) {
  if (upstreams_.size() < 2 || frozen_) return;
  Upstreams::Choice up = upstreams_.Current();
  base::TimeMs now = clock_.MonotonicMs();
  if (freshness_.IsStale()) {
    const bool held = !freshness_.NewestText().empty();
    if ((held || now - started_ms_ >= kFirstStatementWaitMs) && upstreams_.Stale(up.index)) {
      note_(held ? "head statement from " + up.url + " expired (frozen upstream?)"
                 : "no head statement that verifies from " + up.url);
      return;
    }
  }
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
