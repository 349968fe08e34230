#include "zhanqun/agent/follower.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/feed_service.h"

namespace zhanqun::agent {

using base::Result;

namespace {

// A held long-poll answers within poll_wait_s; this much more is the network's.
constexpr long kPollSlackMs = 15000;
constexpr std::size_t kQuarantineSampleBytes = 1 << 20;

}  // namespace

Follower::Follower(std::string origin, FollowerEnv env)
    : origin_(std::move(origin)), env_(std::move(env)), client_(env_.http()) {
  client_->set_abort_flag(signal_.abort_flag());
}

std::int64_t Follower::RunOnce() {
  if (env_.frozen) return kFrozenPollMs;  // a relay that stops following but keeps serving
  const bool fetched = FetchOnce();
  if (retargeted_) return 0;  // not a failure: ask the new upstream now
  if (fetched) {
    backoff_ms_ = kMinBackoffMs;
    // Asking again at once would bring the same page: give the hub's log
    // a moment to deliver the release the deferred entry waits for.
    return deferred_ ? kDeferredPollMs : 0;
  }
  const std::int64_t wait = backoff_ms_;
  backoff_ms_ = std::min(backoff_ms_ * 2, kMaxBackoffMs);
  return wait;
}

void Follower::Run() {
  while (!signal_.stopping()) {
    const std::int64_t wait = RunOnce();
    if (wait > 0 && !signal_.Sleep(wait)) break;
  }
}

void Follower::Quarantine(const std::string& url, std::uint64_t after, const net::HttpResult& res,
                          const base::Status& why) {
  env_.counters.fetch_errors++;
  env_.counters.entries_rejected++;
  std::string sample = res.body.substr(0, kQuarantineSampleBytes);
  (void)env_.store.Quarantine(
      {origin_, after + 1, "feed rejected: " + why.ToString(), url, env_.clock.NowMs(), sample});
  Emit(env_.sink, "feed_rejected", {{"origin", origin_}, {"url", url}, {"reason", why.ToString()}});
}

void Follower::Applied(const net::HttpResult& res, std::size_t count) {
  Result<std::uint64_t> head = env_.store.Head(origin_);
  EventFields fields = {
      {"origin", origin_},
      {"count", std::to_string(count)},
      {"head", head.ok() ? std::to_string(*head) : "unreadable: " + head.status().ToString()}};
  // A page that leaves us behind is catch-up: say how far there is to go.
  if (auto h = res.headers.find("x-zhanqun-head"); h != res.headers.end()) {
    fields.push_back({"upstream_head", h->second});
  }
  Emit(env_.sink, "entries_applied", fields);
  // The indexer asks for a site refresh after indexing; the layers the
  // levels above write (their own origins) are not indexed, so a layer
  // that lands after its release's refresh would wait for the site's
  // 30 s safety net.
  const std::vector<std::string>& indexed = env_.config.origins;
  if (std::find(indexed.begin(), indexed.end(), origin_) == indexed.end() && env_.layers_arrived) {
    env_.layers_arrived();
  }
}

void Follower::RequestFailed(const Upstreams::Choice& up, const std::string& url,
                             const Result<net::HttpResult>& res) {
  env_.counters.fetch_errors++;
  env_.counters.upstream_failures_request++;
  Emit(env_.sink, "fetch_failed",
       {{"origin", origin_},
        {"url", url},
        {"error", res.ok() ? "HTTP " + std::to_string(res->status) : res.status().ToString()}});
  if (env_.upstreams.Failed(up.index))
    env_.note_switch("upstream " + up.url + " failed repeatedly");
}

void Follower::Misserved(const Upstreams::Choice& up, Misserve why, const std::string& detail) {
  const bool withholding = why == Misserve::kWithholding;
  (withholding ? env_.counters.upstream_failures_withholding
               : env_.counters.upstream_failures_verification)++;
  const char* reason = withholding ? "withholding" : "verification";
  Emit(env_.sink, "upstream_failed",
       {{"upstream", up.url}, {"origin", origin_}, {"reason", reason}, {"detail", detail}});
  if (env_.upstreams.Misserved(up.index, origin_)) {
    env_.note_switch("upstream " + up.url + " served the log of " + origin_ + " badly (" + reason +
                     ")");
  }
}

std::optional<feeds::HeadStatement> Follower::AnswerStatement(const net::HttpResult& res) {
  // Statements are of the hub's log: on another log's page one says nothing.
  auto hs = res.headers.find("x-zhanqun-head-statement");
  if (origin_ != feeds::kHubCode || hs == res.headers.end()) return std::nullopt;
  Result<feeds::HeadStatement> st = env_.freshness.Verify(hs->second);
  if (!st.ok()) return std::nullopt;  // counted and logged by Verify
  return std::move(*st);
}

bool Follower::FetchOnce() {
  Result<std::uint64_t> head = env_.store.Head(origin_);
  if (!head.ok()) {
    // Not the upstream's fault: no failure is counted against it.
    Emit(env_.sink, "store_failed", {{"origin", origin_}, {"error", head.status().ToString()}});
    return false;
  }
  const std::uint64_t after = *head;
  Upstreams::Choice up = env_.upstreams.Current();
  std::string url = feeds::FeedUrl(up.url, origin_, after, env_.config.poll_wait_s);
  retargeted_ = false;
  if (!signal_.BeginTransfer()) return false;
  env_.counters.fetches++;
  Result<net::HttpResult> res = client_->Get(url, env_.config.poll_wait_s * 1000L + kPollSlackMs);
  if (signal_.stopping()) return false;
  if (!res.ok() && signal_.interrupted()) {
    retargeted_ = true;
    return false;
  }
  if (!res.ok() || res->status != 200) {
    RequestFailed(up, url, res);
    return false;
  }
  env_.upstreams.Succeeded(up.index);
  return Take(up, url, after, *res);
}

bool Follower::Take(const Upstreams::Choice& up, const std::string& url, std::uint64_t after,
                    const net::HttpResult& res) {
  std::optional<feeds::HeadStatement> statement = AnswerStatement(res);
  Result<feeds::ParsedFeed> feed = feeds::DecodeFeed(res.body);
  if (!feed.ok()) {
    Quarantine(url, after, res, feed.status());
    Misserved(up, Misserve::kVerification, feed.status().ToString());
    return false;
  }
  ApplyOutcome out = env_.applier.ApplyPage(origin_, feed->entries, url);
  if (out.applied > 0) Applied(res, out.applied);
  if (!out.rejected.ok()) {
    if (out.refused) Misserved(up, Misserve::kVerification, out.rejected.ToString());
    return false;
  }
  // An entry that waits for its release is nobody's fault (LogApplier).
  deferred_ = !out.deferred.ok();
  // The upstream's own signed statement says the log goes on past our head,
  // yet it answered our request for what follows with nothing new.
  if (statement && statement->seq > after && out.applied == 0 && !deferred_) {
    Misserved(up, Misserve::kWithholding,
              "its head statement is at seq " + std::to_string(statement->seq) +
                  ", its answer after " + std::to_string(after) + " held none of it");
    return false;
  }
  // Kept only now, with the entries it came with stored: a statement is
  // passed on to our children only with what it promises, and one from an
  // upstream that serves badly never makes us look fresh.
  if (statement) env_.freshness.Keep(*statement);
  env_.upstreams.Served(up.index, origin_);
  return true;
}

}  // namespace zhanqun::agent
