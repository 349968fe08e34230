// The agent's background threads: following, indexing, acknowledging.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "zhanqun/agent/agent.h"
#include "zhanqun/feeds/http.h"

namespace zhanqun::agent {

using feeds::Result;
using feeds::Status;
using json = nlohmann::json;

namespace {

constexpr std::int64_t kMinBackoffMs = 250;
constexpr std::int64_t kMaxBackoffMs = 30000;

}  // namespace

void Agent::FollowLoop(const std::string& origin) {
  feeds::HttpClient client;
  client.set_abort_flag(&abort_);
  std::int64_t backoff = kMinBackoffMs;
  while (!abort_) {
    if (FetchOnce(origin, client)) {
      backoff = kMinBackoffMs;
      continue;
    }
    if (!Sleep(backoff)) break;
    backoff = std::min(backoff * 2, kMaxBackoffMs);
  }
}

bool Agent::FetchOnce(const std::string& origin, feeds::HttpClient& client) {
  std::uint64_t after = store_->Head(origin);
  std::string url = feeds::FeedUrl(config_.parent_url, origin, after, config_.poll_wait_s);
  counters_.fetches++;
  Result<feeds::HttpResult> res = client.Get(url, (config_.poll_wait_s + 15) * 1000L);
  if (abort_) return false;
  if (!res.ok() || res->status != 200) {
    counters_.fetch_errors++;
    Emit("fetch_failed",
         {{"origin", origin},
          {"url", url},
          {"error", res.ok() ? "HTTP " + std::to_string(res->status) : res.status().ToString()}});
    return false;
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
    Emit("entries_applied", {{"origin", origin},
                             {"count", std::to_string(out.applied)},
                             {"head", std::to_string(store_->Head(origin))}});
  }
  return out.rejected.ok();
}

void Agent::IndexLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(5), [&] { return stopping_ || index_wanted_; });
      if (stopping_) return;
      index_wanted_ = false;
    }
    Result<std::size_t> n = CatchUpIndex();
    if (!n.ok()) {
      Emit("index_failed", {{"error", n.status().ToString()}});
      if (!Sleep(1000)) return;
    }
    EnsureFollowers();
    RequestSiteRefresh();
  }
}

void Agent::AckLoop() {
  feeds::HttpClient client;
  client.set_abort_flag(&abort_);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(10), [&] { return stopping_ || ack_wanted_; });
      if (stopping_) return;
      ack_wanted_ = false;
    }
    Status s = SendAcks(client);
    if (!s.ok()) {
      counters_.ack_errors++;
      Emit("ack_failed", {{"hub", config_.hub_url}, {"error", s.ToString()}});
      if (!Sleep(1000)) return;
      std::lock_guard<std::mutex> lock(mu_);
      ack_wanted_ = true;
    }
  }
}

Status Agent::SendAcks(feeds::HttpClient& client) {
  json acks = json::array();
  std::map<std::string, std::map<std::string, std::uint64_t>> snapshot;
  std::vector<Rejection> rejections;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot = stage_seq_;
    rejections = pending_rejections_;
  }
  for (const auto& [origin, stages] : snapshot) {
    if (origin != feeds::kHubCode) continue;  // the hub measures propagation of its own log
    for (const auto& [stage, seq] : stages) {
      if (seq > 0 && seq > acked_seq_[origin][stage]) {
        acks.push_back({{"origin", origin}, {"stage", stage}, {"seq", seq}});
      }
    }
  }
  json rejected = json::array();
  for (const Rejection& r : rejections) {
    rejected.push_back({{"origin", r.origin}, {"seq", r.seq}, {"reason", r.reason}});
  }
  if (acks.empty() && rejected.empty()) return Status::Ok();
  json body = {{"node", config_.node}, {"sent", feeds::FormatTime(clock_.NowMs())}, {"acks", acks}};
  if (!rejected.empty()) body["rejected"] = rejected;
  std::string text = body.dump();
  auto sig = key_.SignRaw(text);
  std::string header =
      "X-Zhanqun-Signature: keyId=" + key_.public_key().KeyIdHex() + ",sig=" +
      feeds::Base64Encode(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
  Result<feeds::HttpResult> res =
      client.Post(config_.hub_url + "/api/v1/acks", text, "application/json", 10000, {header});
  if (!res.ok()) return res.status();
  if (res->status != 200) {
    return Status::Unavailable("hub answered " + std::to_string(res->status) + ": " +
                               res->body.substr(0, 300));
  }
  counters_.acks_sent++;
  acked_seq_ = snapshot;
  std::lock_guard<std::mutex> lock(mu_);
  pending_rejections_.erase(
      pending_rejections_.begin(),
      pending_rejections_.begin() +
          static_cast<std::ptrdiff_t>(std::min(rejections.size(), pending_rejections_.size())));
  return Status::Ok();
}

std::string Agent::StatusJson() {
  json origins = json::object();
  for (const std::string& origin : FollowedOrigins()) {
    feeds::ChainHead head = store_->HeadOf(origin);
    std::uint64_t indexed;
    {
      std::lock_guard<std::mutex> lock(index_mu_);
      indexed = index_->IndexedSeq(origin);
    }
    origins[origin] = {{"head", head.seq}, {"head_hash", head.hash}, {"indexed", indexed}};
  }
  json quarantine = json::array();
  for (const QuarantineRow& q : store_->Quarantined(10)) {
    quarantine.push_back({{"origin", q.origin},
                          {"seq", q.seq},
                          {"reason", q.reason},
                          {"source", q.source},
                          {"at", feeds::FormatTime(q.at_ms)}});
  }
  json out = {{"node", config_.node},
              {"parent_url", config_.parent_url},
              {"origins", origins},
              {"quarantine_count", store_->QuarantineCount()},
              {"quarantine_recent", quarantine},
              {"counters", json::parse(CountersJson())}};
  return out.dump(2);
}

std::string Agent::CountersJson() const {
  json j = {{"fetches", counters_.fetches.load()},
            {"fetch_errors", counters_.fetch_errors.load()},
            {"entries_received", counters_.entries_received.load()},
            {"entries_verified", counters_.entries_verified.load()},
            {"entries_indexed", counters_.entries_indexed.load()},
            {"entries_rejected", counters_.entries_rejected.load()},
            {"duplicates_ignored", counters_.duplicates_ignored.load()},
            {"acks_sent", counters_.acks_sent.load()},
            {"ack_errors", counters_.ack_errors.load()}};
  return j.dump();
}

}  // namespace zhanqun::agent
