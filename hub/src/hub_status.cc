// Reports in (acknowledgements and heartbeats from the tree), cluster and
// release status out.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "zhanqun/base/time.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/hub/hub.h"

namespace zhanqun::hub {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

json LagSummary(std::vector<base::TimeMs> lags) {
  if (lags.empty()) return json();
  std::sort(lags.begin(), lags.end());
  auto at = [&](double q) {
    return lags[std::min(lags.size() - 1,
                         static_cast<std::size_t>(q * static_cast<double>(lags.size())))];
  };
  return {{"count", lags.size()},
          {"p50", at(0.5)},
          {"p95", at(0.95)},
          {"p99", at(0.99)},
          {"max", lags.back()}};
}

// Node rows by code, looked up once per envelope.
class NodeCache {
 public:
  explicit NodeCache(HubStore& store) : store_(store) {}
  const NodeRow* Find(const std::string& code) {
    auto it = rows_.find(code);
    if (it == rows_.end()) it = rows_.emplace(code, store_.FindNode(code)).first;
    return it->second ? &*it->second : nullptr;
  }

 private:
  HubStore& store_;
  std::map<std::string, std::optional<NodeRow>> rows_;
};

}  // namespace

Result<Hub::AckOutcome> Hub::AcceptReports(const std::string& body, const std::string& header) {
  const base::TimeMs now = clock_.NowMs();
  auto refuse_envelope = [&](Status s) -> Result<AckOutcome> {
    counters_.acks_rejected++;
    return s;
  };
  Result<feeds::Envelope> env = feeds::ParseEnvelope(body, header);
  if (!env.ok()) return refuse_envelope(env.status());
  NodeCache nodes(*store_);
  const NodeRow* sender = nodes.Find(env->from);
  if (sender == nullptr) {
    return refuse_envelope(Status::Unauthenticated("ack from unregistered node " + env->from));
  }
  Status authentic = feeds::VerifySignatureFor(sender->node.keys, body, header);
  if (!authentic.ok()) {
    return refuse_envelope(authentic.Context("X-Zhanqun-Signature of node " + env->from));
  }
  AckOutcome out;
  std::vector<ReportToRecord> batch;
  std::map<std::string, std::uint64_t> heads;  // origin -> head, read once per envelope
  auto head_of = [&](const std::string& origin) {
    auto it = heads.find(origin);
    if (it == heads.end()) it = heads.emplace(origin, store_->Head(origin)).first;
    return it->second;
  };
  Status first_refusal = Status::Ok();
  for (const feeds::SignedReport& sr : env->reports) {
    Result<feeds::NodeReport> report = feeds::ParseReport(sr.body);
    Status s = report.status();
    const NodeRow* node = nullptr;
    if (s.ok()) {
      node = nodes.Find(report->node);
      if (node == nullptr)
        s = Status::Unauthenticated("report of unregistered node " + report->node);
    }
    // A bare report was verified as the envelope; relayed ones each on their own.
    if (s.ok() && !env->bare) s = feeds::VerifySignatureFor(node->node.keys, sr.body, sr.signature);
    ReportToRecord r;
    for (std::size_t i = 0; s.ok() && i < report->acks.size(); ++i) {
      const feeds::StageAck& a = report->acks[i];
      if (a.seq > head_of(a.origin)) {
        s = Status::Invalid("acks[" + std::to_string(i) + "].seq: " + std::to_string(a.seq) +
                            " is beyond the head of " + a.origin);
        break;
      }
      // The node's time on the hub's clock; unknown times are the receipt time.
      base::TimeMs at =
          a.at_ms > 0 && report->clock.known ? a.at_ms + report->clock.offset_ms : now;
      r.acks.push_back({report->node, a.origin, a.stage, a.seq, at});
    }
    if (s.ok() && !report->head_statement.empty()) {
      Result<feeds::HeadStatement> hs =
          feeds::VerifyHeadStatement(report->head_statement, public_key());
      if (!hs.ok()) {
        s = hs.status().Context("head_statement");
      } else {
        r.row.head_seq = hs->seq;
        r.row.head_time_ms = hs->time_ms;
        r.row.head_expires_ms = hs->expires_ms;
      }
    }
    if (!s.ok()) {
      std::string who = report.ok() ? report->node : "?";
      out.refused.push_back({who, s.ToString()});
      counters_.reports_refused++;
      if (first_refusal.ok()) first_refusal = s;
      continue;
    }
    r.row.node = report->node;
    r.row.via = env->from;
    r.row.boot = report->boot;
    r.row.n = report->n;
    r.row.received_ms = now;
    r.row.sent_ms = report->sent_ms;
    r.row.clock_known = report->clock.known;
    r.row.clock_offset_ms = report->clock.offset_ms;
    r.row.clock_error_ms = report->clock.error_ms;
    r.row.upstream = report->upstream;
    for (const feeds::ReportRejection& x : report->rejected) {
      r.rejections.push_back({report->node, x.origin, x.seq, x.reason, now});
    }
    batch.push_back(std::move(r));
  }
  if (env->bare && !first_refusal.ok()) return refuse_envelope(first_refusal);
  Result<std::vector<bool>> fresh = store_->RecordReports(batch);
  if (!fresh.ok()) return refuse_envelope(fresh.status());
  std::uint64_t head = store_->Head(feeds::kHubCode);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const std::string& code = batch[i].row.node;
    if (!(*fresh)[i]) {
      out.replayed++;
      counters_.reports_replayed++;
      continue;
    }
    out.accepted++;
    counters_.reports_accepted++;
    if (code != env->from) counters_.reports_relayed++;
    health_.AddSample(code, now, head, store_->StageSeq(code, feeds::kHubCode, "live"));
  }
  counters_.acks_accepted++;
  return out;
}

struct Hub::NodeView {
  const NodeRow* row = nullptr;
  const NodeReportRow* report = nullptr;
  std::map<std::string, std::uint64_t> stages;  // hub log: stage -> seq
  NodeFacts facts;
  Evaluation eval;
};

namespace {

json StageSeqs(const std::map<std::string, std::uint64_t>& stages) {
  json j = json::object();
  for (const char* st : feeds::kStages) {
    auto it = stages.find(st);
    j[st] = it == stages.end() ? 0 : it->second;
  }
  return j;
}

}  // namespace

std::string Hub::StatusJson() {
  const base::TimeMs now = clock_.NowMs();
  const std::uint64_t head = store_->Head(feeds::kHubCode);
  std::vector<NodeRow> rows = store_->Nodes();
  std::vector<NodeReportRow> reports = store_->NodeReports();
  std::map<std::string, const NodeReportRow*> report_of;
  for (const NodeReportRow& r : reports) report_of[r.node] = &r;
  std::map<std::string, std::map<std::string, std::map<std::string, std::uint64_t>>> acked;
  std::map<std::string, base::TimeMs> last_ack;
  for (const AckRow& a : store_->Acks()) {
    acked[a.node][a.origin][a.stage] = a.seq;
    last_ack[a.node] = std::max(last_ack[a.node], a.hub_ms);
  }
  std::map<std::string, int> state_counts;
  for (NodeState s : kAllNodeStates) state_counts[NodeStateName(s)] = 0;
  json nodes = json::array();
  for (const NodeRow& row : rows) {
    const feeds::Node& n = row.node;
    if (n.code == feeds::kHubCode) continue;
    const NodeReportRow* rep = report_of.count(n.code) ? report_of[n.code] : nullptr;
    auto& mine = acked[n.code][feeds::kHubCode];
    NodeFacts f;
    f.reported = rep != nullptr || last_ack.count(n.code) > 0;
    f.last_report_ms = rep ? rep->received_ms : last_ack[n.code];
    if (rep) {
      f.head_expires_ms = rep->head_expires_ms;
      f.head_time_ms = rep->head_time_ms;
    }
    f.hub_head = head;
    f.live = mine.count("live") ? mine["live"] : 0;
    if (f.live < head) {
      Result<base::TimeMs> at = store_->AppendedAt(feeds::kHubCode, f.live + 1);
      f.oldest_missing_since_ms = std::max(at.ok() ? *at : now, row.added_ms);
    }
    Evaluation ev = health_.Evaluate(n.code, f, now);
    state_counts[NodeStateName(ev.state)]++;

    json o = json::object();
    for (const auto& [origin, stages] : acked[n.code]) {
      json seqs = json::object();
      for (const auto& [stage, seq] : stages) seqs[stage] = seq;
      o[origin] = seqs;
    }
    json hub_log = StageSeqs(mine);
    std::uint64_t verified = mine.count("verified") ? mine["verified"] : 0;
    hub_log["missing"] = head - std::min(head, f.live);
    hub_log["missing_verified"] = head - std::min(head, verified);
    hub_log["oldest_missing_lag_ms"] = f.live < head ? now - f.oldest_missing_since_ms : 0;
    json lag_ms = json::object();
    for (const char* st : feeds::kStages) lag_ms[st] = LagSummary(store_->StageLags(n.code, st));
    hub_log["lag_ms"] = lag_ms;
    o[feeds::kHubCode] = hub_log;

    json entry = {{"code", n.code},
                  {"name", n.name},
                  {"level", feeds::NodeLevelName(n.level)},
                  {"parent", n.parent},
                  {"state", NodeStateName(ev.state)},
                  {"why", ev.why},
                  {"origins", o}};
    entry["last_contact"] = f.reported ? json(base::FormatTime(f.last_report_ms)) : json();
    entry["last_contact_age_ms"] = f.reported ? json(now - f.last_report_ms) : json();
    if (rep) {
      entry["via"] = rep->via;
      entry["upstream"] = rep->upstream;
      entry["clock"] = rep->clock_known ? json{{"offset_ms", rep->clock_offset_ms},
                                               {"error_ms", rep->clock_error_ms}}
                                        : json();
      entry["head_statement"] = rep->head_seq || rep->head_time_ms
                                    ? json{{"seq", rep->head_seq},
                                           {"issued", base::FormatTime(rep->head_time_ms)},
                                           {"expires", base::FormatTime(rep->head_expires_ms)}}
                                    : json();
      entry["reports"] = {{"accepted", rep->reports},
                          {"missing", rep->reports_missing},
                          {"replayed", rep->reports_replayed}};
    }
    std::vector<RejectionRow> rejections = store_->Rejections(n.code, 1);
    if (!rejections.empty()) {
      entry["last_rejection"] = {{"origin", rejections[0].origin},
                                 {"seq", rejections[0].seq},
                                 {"reason", rejections[0].reason},
                                 {"at", base::FormatTime(rejections[0].hub_ms)}};
    }
    nodes.push_back(std::move(entry));
  }
  json out = {{"hub",
               {{"code", feeds::kHubCode},
                {"now", base::FormatTime(now)},
                {"heads", {{feeds::kHubCode, head}}},
                {"slo_s", config_.slo_s},
                {"states", state_counts}}},
              {"nodes", nodes}};
  return out.dump(2);
}

Result<std::string> Hub::ReleaseStatusJson(const std::string& id) {
  std::optional<ReleaseRow> rel = store_->FindRelease(id);
  if (!rel) return Status::NotFound("no release with id '" + id + "'");
  const base::TimeMs now = clock_.NowMs();
  std::map<std::string, std::map<std::string, base::TimeMs>> at;  // node -> stage -> hub_ms
  for (const AckRow& e : store_->EventsFor(feeds::kHubCode, rel->seq)) {
    at[e.node][e.stage] = e.hub_ms;
  }
  json live = json::array(), lacking = json::array();
  for (const NodeRow& row : store_->Nodes()) {
    const feeds::Node& n = row.node;
    if (n.code == feeds::kHubCode) continue;
    base::TimeMs due = std::max(rel->appended_ms, row.added_ms);
    json stages = json::object();
    for (const auto& [stage, t] : at[n.code]) {
      stages[stage] = {{"at", base::FormatTime(t)}, {"lag_ms", t - rel->appended_ms}};
    }
    json j = {{"code", n.code},
              {"name", n.name},
              {"level", feeds::NodeLevelName(n.level)},
              {"stages", stages}};
    if (at[n.code].count("live")) {
      live.push_back(std::move(j));
    } else {
      j["due_since"] = base::FormatTime(due);
      j["waiting_ms"] = now - due;
      lacking.push_back(std::move(j));
    }
  }
  json out = {{"id", rel->id},
              {"version", rel->version},
              {"status", rel->status},
              {"title", rel->title},
              {"seq", rel->seq},
              {"published", base::FormatTime(rel->appended_ms)},
              {"live_count", live.size()},
              {"lacking_count", lacking.size()},
              {"live", live},
              {"lacking", lacking}};
  return out.dump(2);
}

}  // namespace zhanqun::hub
