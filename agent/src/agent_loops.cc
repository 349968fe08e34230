// The agent's background threads: following, indexing, acknowledging.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "zhanqun/agent/agent.h"
#include "zhanqun/base/time.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

constexpr std::int64_t kMinBackoffMs = 250;
constexpr std::int64_t kMaxBackoffMs = 30000;
// Reports carry their own times, so batching them costs no accuracy: only
// how soon the hub's status page shows progress.
constexpr std::int64_t kReportCoalesceMs = 1000;
constexpr std::size_t kMaxRelayedPerEnvelope = 1000;

}  // namespace

void Agent::FollowLoop(const std::string& origin) {
  net::PocoHttpClient client;
  client.set_abort_flag(&abort_);
  std::int64_t backoff = kMinBackoffMs;
  while (!abort_) {
    if (frozen_) {  // fault injection: a relay that stops following but keeps serving
      if (!Sleep(500)) break;
      continue;
    }
    if (FetchOnce(origin, client)) {
      backoff = kMinBackoffMs;
      continue;
    }
    if (!Sleep(backoff)) break;
    backoff = std::min(backoff * 2, kMaxBackoffMs);
  }
}

bool Agent::FetchOnce(const std::string& origin, net::HttpClient& client) {
  std::uint64_t after = store_->Head(origin);
  Upstreams::Choice up = upstreams_.Current();
  std::string url = feeds::FeedUrl(up.url, origin, after, config_.poll_wait_s);
  counters_.fetches++;
  Result<net::HttpResult> res = client.Get(url, (config_.poll_wait_s + 15) * 1000L);
  if (abort_) return false;
  if (!res.ok() || res->status != 200) {
    counters_.fetch_errors++;
    Emit("fetch_failed",
         {{"origin", origin},
          {"url", url},
          {"error", res.ok() ? "HTTP " + std::to_string(res->status) : res.status().ToString()}});
    if (upstreams_.Failed(up.index)) NoteSwitch("upstream " + up.url + " failed repeatedly");
    return false;
  }
  upstreams_.Succeeded(up.index);
  if (auto hs = res->headers.find("x-zhanqun-head-statement"); hs != res->headers.end()) {
    OfferHeadStatement(hs->second);
  }
  Result<feeds::ParsedFeed> feed = feeds::DecodeFeed(res->body);
  if (!feed.ok()) {
    counters_.fetch_errors++;
    counters_.entries_rejected++;
    std::string sample = res->body.substr(0, 1 << 20);
    (void)store_->Quarantine({origin, after + 1, "feed rejected: " + feed.status().ToString(), url,
                              clock_.NowMs(), sample});
    Emit("feed_rejected", {{"origin", origin}, {"url", url}, {"reason", feed.status().ToString()}});
    return false;
  }
  ApplyOutcome out = ApplyPage(origin, feed->entries, url);
  if (out.applied > 0) {
    std::uint64_t head = store_->Head(origin);
    std::vector<std::pair<std::string, std::string>> fields = {
        {"origin", origin}, {"count", std::to_string(out.applied)}, {"head", std::to_string(head)}};
    // A page that leaves us behind is catch-up: say how far there is to go.
    if (auto h = res->headers.find("x-zhanqun-head"); h != res->headers.end()) {
      fields.push_back({"upstream_head", h->second});
    }
    Emit("entries_applied", std::move(fields));
    // The indexer asks for a site refresh after indexing; the layers the
    // levels above write (their own origins) are not indexed, so a layer
    // that lands after its release's refresh would wait for the site's
    // 30 s safety net.
    if (std::find(config_.origins.begin(), config_.origins.end(), origin) ==
        config_.origins.end()) {
      RequestSiteRefresh();
    }
  }
  return out.rejected.ok();
}

void Agent::IndexLoop() {
  for (;;) {
    // Every store wakes the indexer; the timed wake-up is for a due commit,
    // and a safety net otherwise.
    std::int64_t wait_ms = 60000;
    {
      std::lock_guard<std::mutex> lock(index_mu_);
      if (uncommitted_ > 0) {
        base::TimeMs at =
            std::max(uncommitted_since_ + commit_delay_ms_, last_indexed_ + kIndexIdleMs);
        wait_ms = std::clamp<std::int64_t>(at - clock_.MonotonicMs(), 0, wait_ms);
      } else if (release_pending_) {  // going idle: release the heap then
        wait_ms = std::clamp<std::int64_t>(last_indexed_ + kIndexIdleMs - clock_.MonotonicMs(), 0,
                                           wait_ms);
      }
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      index_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                         [&] { return stopping_ || index_wanted_; });
      if (stopping_) return;
      index_wanted_ = false;
    }
    Result<std::size_t> n = CatchUpIndex();
    Result<std::size_t> committed = n;
    if (n.ok()) {
      bool idle;
      {
        std::lock_guard<std::mutex> lock(index_mu_);
        idle = clock_.MonotonicMs() - last_indexed_ >= kIndexIdleMs;
      }
      if (*n > 0 || idle) committed = CommitIndex(/*force=*/false);
    }
    if (!committed.ok()) {
      Emit("index_failed", {{"error", committed.status().ToString()}});
      if (!Sleep(1000)) return;
    } else {
      ReleaseMemoryIfIdle();
    }
    if (n.ok() && *n == 0) continue;
    EnsureFollowers();
    RequestSiteRefresh();
  }
}

void Agent::AckLoop() {
  net::PocoHttpClient client;
  client.set_abort_flag(&abort_);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Every second until the clock estimate is known (it climbs the tree
      // one report round per level), then every report_interval_s.
      auto interval = clock_sync_.Estimate().known
                          ? std::chrono::milliseconds(config_.report_interval_s * 1000LL)
                          : std::chrono::milliseconds(1000);
      ack_cv_.wait_for(lock, interval, [&] { return stopping_ || ack_wanted_; });
      if (stopping_) return;
    }
    // Gather what else arrives in the next moment (our other stages, our
    // children's reports) into the same envelope.
    if (!Sleep(kReportCoalesceMs)) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ack_wanted_ = false;
    }
    CheckUpstreams(client);
    Status s = SendReports(client);
    if (!s.ok()) {
      counters_.ack_errors++;
      Emit("ack_failed", {{"upstream", upstreams_.Current().url}, {"error", s.ToString()}});
      if (!Sleep(1000)) return;
      std::lock_guard<std::mutex> lock(mu_);
      ack_wanted_ = true;
    }
  }
}

Status Agent::SendReports(net::HttpClient& client) {
  feeds::Envelope env;
  env.from = config_.node;
  const bool with_acks = ClockReadyForAcks();
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t take = std::min(relay_queue_.size(), kMaxRelayedPerEnvelope);
    env.reports.assign(relay_queue_.begin(),
                       relay_queue_.begin() + static_cast<std::ptrdiff_t>(take));
  }
  std::size_t own_rejections = 0, own_transitions = 0;
  std::string own = BuildOwnReport(with_acks, &own_rejections, &own_transitions);
  env.reports.insert(env.reports.begin(), {own, feeds::SignatureFor(key_, own)});
  std::string text = feeds::EncodeEnvelope(env);
  std::string header = std::string("X-Zhanqun-Signature: ") + feeds::SignatureFor(key_, text);
  Upstreams::Choice up = upstreams_.Current();
  base::TimeMs t0 = clock_.NowMs();
  Result<net::HttpResult> res =
      client.Post(up.url + "/api/v1/acks", text, "application/json", 30000, {header});
  base::TimeMs t3 = clock_.NowMs();
  if (!res.ok() || res->status != 200) {
    if (upstreams_.Failed(up.index)) NoteSwitch("upstream " + up.url + " refused reports");
    if (!res.ok()) return res.status();
    return Status::Unavailable(up.url + " answered " + std::to_string(res->status) + ": " +
                               res->body.substr(0, 300));
  }
  upstreams_.Succeeded(up.index);
  base::TimeMs t1 = 0, t2 = 0;
  std::int64_t err = 0;
  if (auto c = res->headers.find("x-zhanqun-clock");
      c != res->headers.end() && feeds::ParseClockHeader(c->second, &t1, &t2, &err)) {
    clock_sync_.AddSample(t0, t1, t2, t3, err);
  }
  // Head statements count only when they come with feed data (FetchOnce): a
  // relay whose following froze must go STALE even though it still reports.
  counters_.acks_sent++;
  report_n_++;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t relayed = std::min(env.reports.size() - 1, relay_queue_.size());
    relay_queue_.erase(relay_queue_.begin(),
                       relay_queue_.begin() + static_cast<std::ptrdiff_t>(relayed));
    counters_.reports_relayed += relayed;
    transitions_.erase(transitions_.begin(),
                       transitions_.begin() + static_cast<std::ptrdiff_t>(
                                                  std::min(own_transitions, transitions_.size())));
    pending_rejections_.erase(
        pending_rejections_.begin(),
        pending_rejections_.begin() +
            static_cast<std::ptrdiff_t>(std::min(own_rejections, pending_rejections_.size())));
    if (!relay_queue_.empty()) ack_wanted_ = true;  // more than one envelope's worth
  }
  return Status::Ok();
}

std::string Agent::StatusJson() {
  json origins = json::object();
  for (const std::string& origin : FollowedOrigins()) {
    feeds::ChainHead head = store_->HeadOf(origin);
    std::uint64_t indexed, committed;
    {
      std::lock_guard<std::mutex> lock(index_mu_);
      indexed = index_->IndexedSeq(origin);                                           // searchable
      committed = uncommitted_seq_.count(origin) ? committed_seq_[origin] : indexed;  // durable
    }
    origins[origin] = {{"head", head.seq},
                       {"head_hash", head.hash},
                       {"indexed", indexed},
                       {"index_committed", committed}};
  }
  json quarantine = json::array();
  for (const QuarantineRow& q : store_->Quarantined(10)) {
    quarantine.push_back({{"origin", q.origin},
                          {"seq", q.seq},
                          {"reason", q.reason},
                          {"source", q.source},
                          {"at", base::FormatTime(q.at_ms)}});
  }
  feeds::ClockEstimate clock = clock_sync_.Estimate();
  json upstreams = json::array();
  for (std::size_t i = 0; i < upstreams_.size(); ++i) upstreams.push_back(upstreams_.url(i));
  json head_statement;
  {
    std::lock_guard<std::mutex> lock(head_mu_);
    if (!head_.text.empty()) {
      head_statement = {{"seq", head_.seq},
                        {"issued", base::FormatTime(head_.time_ms)},
                        {"expires", base::FormatTime(head_.expires_ms)}};
    }
  }
  json counters = json::object();
  for (const base::Counter* c : counters_.counters()) counters[c->name()] = c->load();
  json out = {
      {"node", config_.node},
      {"parent_url", config_.parent_url},
      {"upstream", upstreams_.Current().url},
      {"upstreams", upstreams},
      {"stale", IsStale()},
      {"frozen", frozen_.load()},
      {"head_statement", head_statement},
      {"clock",
       clock.known ? json{{"offset_ms", clock.offset_ms}, {"error_ms", clock.error_ms}} : json()},
      {"origins", origins},
      {"quarantine_count", store_->QuarantineCount()},
      {"quarantine_recent", quarantine},
      {"counters", counters}};
  return out.dump(2);
}

}  // namespace zhanqun::agent
