// The cluster and release status, built from a fixed number of batched
// store reads (hub_store_status.cc) and the health rules (node_health.h).
#include "zhanqun/hub/cluster_status.h"

#include <algorithm>
#include <set>

#include "zhanqun/feeds/report.h"
#include "zhanqun/hub/hub.h"

namespace zhanqun::hub {

using base::Result;
using base::Status;
using base::TimeMs;

std::optional<LagSummary> SummarizeLags(std::vector<TimeMs> lags) {
  if (lags.empty()) return std::nullopt;
  std::sort(lags.begin(), lags.end());
  auto at = [&](double q) {
    return lags[std::min(lags.size() - 1,
                         static_cast<std::size_t>(q * static_cast<double>(lags.size())))];
  };
  return LagSummary{lags.size(), at(0.5), at(0.95), at(0.99), lags.back()};
}

std::uint64_t NodeStatus::HubSeq(const std::string& stage) const {
  auto log = stage_seqs.find(feeds::kHubCode);
  if (log == stage_seqs.end()) return 0;
  auto it = log->second.find(stage);
  return it == log->second.end() ? 0 : it->second;
}

namespace {

using StageSeqs = std::map<std::string, std::uint64_t>;  // stage -> seq

// What the store says of every node, read with the same few queries however
// many nodes there are. The reads are not one snapshot (neither were the
// per-node queries before them): a report landing in between shows in some
// figures and not yet in others, until the next request.
struct StatusRows {
  std::uint64_t head = 0;
  std::vector<NodeRow> nodes;
  std::map<std::string, NodeReportRow> reports;                   // by node
  std::map<std::string, std::map<std::string, StageSeqs>> acked;  // node -> origin -> ...
  std::map<std::string, TimeMs> last_ack_ms;                      // by node
  HubStore::LagsByNode lags;
  std::map<std::string, RejectionRow> newest_rejection;  // by node
  std::map<std::uint64_t, TimeMs> appended_ms;           // first missing entry of each node
};

std::uint64_t SeqOf(const StageSeqs& seqs, const std::string& stage) {
  auto it = seqs.find(stage);
  return it == seqs.end() ? 0 : it->second;
}

std::uint64_t HubLiveSeq(const StatusRows& r, const std::string& node) {
  auto acked = r.acked.find(node);
  if (acked == r.acked.end()) return 0;
  auto log = acked->second.find(feeds::kHubCode);
  return log == acked->second.end() ? 0 : SeqOf(log->second, "live");
}

Status ReadAcks(HubStore& store, StatusRows& r) {
  Result<std::vector<AckRow>> acks = store.Acks();
  if (!acks.ok()) return acks.status();
  for (const AckRow& a : *acks) {
    r.acked[a.node][a.origin][feeds::StageName(a.stage)] = a.seq;
    TimeMs& last = r.last_ack_ms[a.node];
    last = std::max(last, a.hub_ms);
  }
  return Status::Ok();
}

// When the first entry missing at each node was appended: one query for all.
Status ReadAppendedAt(HubStore& store, StatusRows& r) {
  std::set<std::uint64_t> due;
  for (const NodeRow& row : r.nodes) {
    std::uint64_t live = HubLiveSeq(r, row.node.code);
    if (live < r.head) due.insert(live + 1);
  }
  Result<std::map<std::uint64_t, TimeMs>> at =
      store.AppendedAtEach(feeds::kHubCode, {due.begin(), due.end()});
  if (!at.ok()) return at.status();
  r.appended_ms = std::move(*at);
  return Status::Ok();
}

Result<StatusRows> ReadStatusRows(HubStore& store) {
  StatusRows r;
  Result<std::uint64_t> head = store.Head(feeds::kHubCode);
  if (!head.ok()) return head.status();
  r.head = *head;
  Result<std::vector<NodeRow>> nodes = store.Nodes();
  if (!nodes.ok()) return nodes.status();
  r.nodes = std::move(*nodes);
  Result<std::vector<NodeReportRow>> reports = store.NodeReports();
  if (!reports.ok()) return reports.status();
  for (NodeReportRow& rep : *reports) r.reports.emplace(rep.node, std::move(rep));
  ZQ_RETURN_IF_ERROR(ReadAcks(store, r));
  Result<HubStore::LagsByNode> lags = store.AllStageLags();
  if (!lags.ok()) return lags.status();
  r.lags = std::move(*lags);
  Result<std::vector<RejectionRow>> rejections = store.NewestRejections();
  if (!rejections.ok()) return rejections.status();
  for (RejectionRow& x : *rejections) r.newest_rejection.emplace(x.node, std::move(x));
  ZQ_RETURN_IF_ERROR(ReadAppendedAt(store, r));
  return r;
}

NodeFacts FactsOf(const NodeRow& row, const StatusRows& r, TimeMs now) {
  const std::string& code = row.node.code;
  auto rep = r.reports.find(code);
  auto ack = r.last_ack_ms.find(code);
  NodeFacts f;
  f.reported = rep != r.reports.end() || ack != r.last_ack_ms.end();
  if (rep != r.reports.end()) {
    f.last_report_ms = rep->second.received_ms;
    f.head_expires_ms = rep->second.head_expires_ms;
    f.head_time_ms = rep->second.head_time_ms;
  } else if (ack != r.last_ack_ms.end()) {
    f.last_report_ms = ack->second;  // acknowledgements from before reports existed
  }
  f.hub_head = r.head;
  f.live = HubLiveSeq(r, code);
  if (f.live < r.head) {
    // An entry appended before the node was registered became due at registration.
    auto at = r.appended_ms.find(f.live + 1);
    f.oldest_missing_since_ms =
        std::max(at != r.appended_ms.end() ? at->second : now, row.added_ms);
  }
  return f;
}

NodeReportSummary SummaryOf(const NodeReportRow& rep) {
  NodeReportSummary s;
  s.via = rep.via;
  s.upstream = rep.upstream;
  if (rep.clock_known) s.clock = NodeReportSummary::Clock{rep.clock_offset_ms, rep.clock_error_ms};
  if (rep.head_seq != 0 || rep.head_time_ms != 0) {
    s.head_statement =
        NodeReportSummary::HeldHeadStatement{rep.head_seq, rep.head_time_ms, rep.head_expires_ms};
  }
  s.accepted = rep.reports;
  s.missing = rep.reports_missing;
  s.replayed = rep.reports_replayed;
  return s;
}

// Stage seqs of every log, missing entries and lags of the hub's.
void FillProgress(const NodeFacts& f, const StatusRows& r, TimeMs now, NodeStatus& s) {
  auto acked = r.acked.find(s.code);
  if (acked != r.acked.end()) s.stage_seqs = acked->second;
  StageSeqs& mine = s.stage_seqs[feeds::kHubCode];
  StageSeqs every_stage;
  for (const char* stage : feeds::kStages) every_stage[stage] = SeqOf(mine, stage);
  mine = std::move(every_stage);
  s.missing = r.head - std::min(r.head, f.live);
  s.missing_verified = r.head - std::min(r.head, mine["verified"]);
  s.oldest_missing_lag_ms = f.live < r.head ? now - f.oldest_missing_since_ms : 0;
  static const std::map<feeds::Stage, std::vector<TimeMs>> kNoLags;
  auto found = r.lags.find(s.code);
  const auto& lags = found == r.lags.end() ? kNoLags : found->second;
  for (feeds::Stage stage : feeds::kAllStages) {
    auto it = lags.find(stage);
    s.lags[feeds::StageName(stage)] = it == lags.end() ? std::nullopt : SummarizeLags(it->second);
  }
}

NodeStatus NodeStatusOf(const NodeRow& row, const StatusRows& r, const HealthTracker& health,
                        TimeMs now) {
  const feeds::Node& n = row.node;
  NodeFacts f = FactsOf(row, r, now);
  Evaluation ev = health.Evaluate(n.code, f, now);
  NodeStatus s;
  s.code = n.code;
  s.name = n.name;
  s.level = n.level;
  s.parent = n.parent;
  s.state = ev.state;
  s.why = std::move(ev.why);
  FillProgress(f, r, now, s);
  if (f.reported) s.last_contact_ms = f.last_report_ms;
  if (auto rep = r.reports.find(n.code); rep != r.reports.end()) s.report = SummaryOf(rep->second);
  if (auto x = r.newest_rejection.find(n.code); x != r.newest_rejection.end()) {
    s.last_rejection = x->second;
  }
  return s;
}

using Reached = std::map<std::string, std::map<std::string, TimeMs>>;  // node -> stage -> hub_ms

ReleaseStatus ReleaseStatusOf(const ReleaseRow& rel, const std::vector<NodeRow>& nodes,
                              const Reached& reached, TimeMs now) {
  ReleaseStatus s{rel, now, {}, {}};
  for (const NodeRow& row : nodes) {
    const feeds::Node& n = row.node;
    if (n.code == feeds::kHubCode) continue;
    ReleaseNodeProgress p{n.code, n.name, n.level, {}, std::max(rel.appended_ms, row.added_ms)};
    if (auto it = reached.find(n.code); it != reached.end()) p.reached_ms = it->second;
    (p.reached_ms.count("live") ? s.live : s.lacking).push_back(std::move(p));
  }
  return s;
}

}  // namespace

Result<ClusterStatus> Hub::ReadClusterStatus() {
  const TimeMs now = clock_.NowMs();
  Result<StatusRows> rows = ReadStatusRows(*store_);
  if (!rows.ok()) return rows.status().Context("cluster status");
  ClusterStatus s;
  s.now_ms = now;
  s.hub_head = rows->head;
  s.slo_s = config_.slo_s;
  for (NodeState st : kAllNodeStates) s.state_counts[st] = 0;
  for (const NodeRow& row : rows->nodes) {
    if (row.node.code == feeds::kHubCode) continue;
    s.nodes.push_back(NodeStatusOf(row, *rows, health_, now));
    s.state_counts[s.nodes.back().state]++;
  }
  return s;
}

Result<ReleaseStatus> Hub::ReadReleaseStatus(const std::string& id) {
  Result<std::optional<ReleaseRow>> found = store_->FindRelease(id);
  if (!found.ok()) return found.status().Context("release status of " + id);
  if (!*found) return Status::NotFound("no release with id '" + id + "'");
  const ReleaseRow& rel = **found;
  const TimeMs now = clock_.NowMs();
  Result<std::vector<AckRow>> events = store_->EventsForEach(feeds::kHubCode, {rel.seq});
  if (!events.ok()) return events.status().Context("release status of " + id);
  Reached reached;
  for (const AckRow& e : *events) reached[e.node][feeds::StageName(e.stage)] = e.hub_ms;
  Result<std::vector<NodeRow>> nodes = store_->Nodes();
  if (!nodes.ok()) return nodes.status().Context("release status of " + id);
  return ReleaseStatusOf(rel, *nodes, reached, now);
}

Result<std::vector<ReleaseStatus>> Hub::ReadReleaseStatuses(std::size_t limit) {
  Result<std::vector<ReleaseRow>> releases = store_->Releases(limit);
  if (!releases.ok()) return releases.status().Context("release status");
  const TimeMs now = clock_.NowMs();
  std::vector<std::uint64_t> seqs;
  for (const ReleaseRow& r : *releases) seqs.push_back(r.seq);
  Result<std::vector<AckRow>> events = store_->EventsForEach(feeds::kHubCode, seqs);
  if (!events.ok()) return events.status().Context("release status");
  std::map<std::uint64_t, Reached> by_seq;
  for (const AckRow& e : *events) by_seq[e.seq][e.node][feeds::StageName(e.stage)] = e.hub_ms;
  Result<std::vector<NodeRow>> nodes = store_->Nodes();
  if (!nodes.ok()) return nodes.status().Context("release status");
  std::vector<ReleaseStatus> out;
  for (const ReleaseRow& r : *releases) {
    out.push_back(ReleaseStatusOf(r, *nodes, by_seq[r.seq], now));
  }
  return out;
}

}  // namespace zhanqun::hub
