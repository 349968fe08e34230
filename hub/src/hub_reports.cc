// Reports in: acknowledgements and heartbeats from the tree (the status they
// feed is built in cluster_status.cc).
#include <map>

#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/hub/hub.h"

namespace zhanqun::hub {

using base::Result;
using base::Status;

namespace {

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

}  // namespace zhanqun::hub
