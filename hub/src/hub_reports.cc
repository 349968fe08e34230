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

// A read the reports need failed: the sender should retry (503), not take
// its reports for refused.
Status StoreUnavailable(const Status& s) {
  return Status::Unavailable("hub store could not be read: " + s.ToString());
}

// Node rows by code, looked up once per envelope.
class NodeCache {
 public:
  explicit NodeCache(HubStore& store) : store_(store) {}
  // nullptr when `code` is not registered.
  Result<const NodeRow*> Find(const std::string& code) {
    auto it = rows_.find(code);
    if (it == rows_.end()) {
      Result<std::optional<NodeRow>> row = store_.FindNode(code);
      if (!row.ok()) return StoreUnavailable(row.status().Context("node " + code));
      it = rows_.emplace(code, std::move(*row)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  HubStore& store_;
  std::map<std::string, std::optional<NodeRow>> rows_;
};

}  // namespace

Result<feeds::HeadStatement> Hub::VerifyOwnHeadStatement(const std::string& text) {
  Result<feeds::HeadStatement> hs = feeds::VerifyHeadStatement(text, public_key());
  if (hs.ok()) return hs;
  // Just after a rotation, nodes still hold the statement the previous key
  // signed: it counts while it speaks of a head that key's grant covered.
  Result<std::optional<feeds::TrustStatement>> trust = NewestTrust();
  if (!trust.ok() || !*trust) return hs;
  for (const feeds::KeyGrant& g : (*trust)->online) {
    if (g.until_seq == 0) continue;
    Result<feeds::HeadStatement> old = feeds::VerifyHeadStatement(text, g.key);
    if (old.ok() && old->seq < g.until_seq) return old;
  }
  return hs;
}

Result<Hub::AckOutcome> Hub::AcceptReports(const std::string& body, const std::string& header) {
  const base::TimeMs now = clock_.NowMs();
  auto refuse_envelope = [&](Status s) -> Result<AckOutcome> {
    counters_.acks_rejected++;
    return s;
  };
  Result<feeds::Envelope> env = feeds::ParseEnvelope(body, header);
  if (!env.ok()) return refuse_envelope(env.status());
  NodeCache nodes(*store_);
  // A store that cannot be read refuses nothing: the sender retries.
  Result<const NodeRow*> found = nodes.Find(env->from);
  if (!found.ok()) return found.status();
  const NodeRow* sender = *found;
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
  auto head_of = [&](const std::string& origin) -> Result<std::uint64_t> {
    auto it = heads.find(origin);
    if (it == heads.end()) {
      Result<std::uint64_t> head = store_->Head(origin);
      if (!head.ok()) return StoreUnavailable(head.status());
      it = heads.emplace(origin, *head).first;
    }
    return it->second;
  };
  Status first_refusal = Status::Ok();
  for (const feeds::SignedReport& sr : env->reports) {
    Result<feeds::NodeReport> report = feeds::ParseReport(sr.body);
    Status s = report.status();
    const NodeRow* node = nullptr;
    if (s.ok()) {
      Result<const NodeRow*> n = nodes.Find(report->node);
      if (!n.ok()) return n.status();
      node = *n;
      if (node == nullptr)
        s = Status::Unauthenticated("report of unregistered node " + report->node);
    }
    // A bare report was verified as the envelope; relayed ones each on their own.
    if (s.ok() && !env->bare) s = feeds::VerifySignatureFor(node->node.keys, sr.body, sr.signature);
    ReportToRecord r;
    for (std::size_t i = 0; s.ok() && i < report->acks.size(); ++i) {
      const feeds::StageAck& a = report->acks[i];
      Result<std::uint64_t> head = head_of(a.origin);
      if (!head.ok()) return head.status();
      if (a.seq > *head) {
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
      Result<feeds::HeadStatement> hs = VerifyOwnHeadStatement(report->head_statement);
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
  // The reports are recorded: a failed read from here on is the answer, and
  // the sender's retry is recognised as a replay.
  Result<std::uint64_t> head = store_->Head(feeds::kHubCode);
  if (!head.ok()) return StoreUnavailable(head.status());
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
    Result<std::uint64_t> live = store_->StageSeq(code, feeds::kHubCode, feeds::Stage::kLive);
    if (!live.ok()) return StoreUnavailable(live.status());
    health_.AddSample(code, now, *head, *live);
  }
  counters_.acks_accepted++;
  return out;
}

}  // namespace zhanqun::hub
