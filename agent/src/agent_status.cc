// GET /api/v1/status: what each part holds, as one JSON document.
#include <nlohmann/json.hpp>

#include "zhanqun/agent/agent.h"
#include "zhanqun/base/time.h"

namespace zhanqun::agent {

using json = nlohmann::json;

namespace {

json HeadStatementJson(const feeds::HeadStatement& hs) {
  if (hs.text.empty()) return json();
  return {{"seq", hs.seq},
          {"issued", base::FormatTime(hs.time_ms)},
          {"expires", base::FormatTime(hs.expires_ms)}};
}

base::Result<json> QuarantineJson(AgentStore& store) {
  base::Result<std::vector<QuarantineRow>> recent = store.Quarantined(10);
  if (!recent.ok()) return recent.status().Context("quarantine");
  json quarantine = json::array();
  for (const QuarantineRow& q : *recent) {
    quarantine.push_back({{"origin", q.origin},
                          {"seq", q.seq},
                          {"reason", q.reason},
                          {"source", q.source},
                          {"at", base::FormatTime(q.at_ms)}});
  }
  return quarantine;
}

}  // namespace

base::Result<std::string> Agent::StatusJson() {
  json origins = json::object();
  for (const std::string& origin : FollowedOrigins()) {
    base::Result<feeds::ChainHead> head = store_->HeadOf(origin);
    if (!head.ok()) return head.status();
    Indexer::Progress p = indexer_.ProgressOf(origin);
    origins[origin] = {{"head", head->seq},
                       {"head_hash", head->hash},
                       {"indexed", p.indexed},             // searchable
                       {"index_committed", p.committed}};  // durable
  }
  // Our own log (interpretations, local topics): its head is what the hub
  // names to revoke or re-key this node's key after (docs/operations.md).
  base::Result<feeds::ChainHead> own = store_->HeadOf(config_.node);
  if (!own.ok()) return own.status();
  feeds::ClockEstimate clock = freshness_.ClockEstimate();
  json upstreams = json::array();
  for (std::size_t i = 0; i < upstreams_.size(); ++i) upstreams.push_back(upstreams_.url(i));
  base::Result<std::uint64_t> quarantine_count = store_->QuarantineCount();
  if (!quarantine_count.ok()) return quarantine_count.status().Context("quarantine");
  base::Result<json> quarantine_recent = QuarantineJson(*store_);
  if (!quarantine_recent.ok()) return quarantine_recent.status();
  json counters = json::object();
  for (const base::Counter* c : counters_.counters()) counters[c->name()] = c->load();
  json out = {
      {"node", config_.node},
      {"parent_url", config_.parent_url},
      {"upstream", upstreams_.Current().url},
      {"upstreams", upstreams},
      {"stale", freshness_.IsStale()},
      {"frozen", frozen_.load()},
      {"head_statement", HeadStatementJson(freshness_.Newest())},
      {"clock",
       clock.known ? json{{"offset_ms", clock.offset_ms}, {"error_ms", clock.error_ms}} : json()},
      {"origins", origins},
      {"own_log", {{"head", own->seq}, {"head_hash", own->hash}}},
      {"quarantine_count", *quarantine_count},
      {"quarantine_recent", *quarantine_recent},
      {"counters", counters}};
  return out.dump(2);
}

}  // namespace zhanqun::agent
