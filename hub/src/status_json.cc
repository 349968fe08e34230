#include "zhanqun/hub/status_json.h"

#include "zhanqun/feeds/report.h"

namespace zhanqun::hub {

using base::FormatTime;
using json = nlohmann::json;

namespace {

json LagJson(const std::optional<LagSummary>& l) {
  if (!l) return json();
  return {{"count", l->count},
          {"p50", l->p50_ms},
          {"p95", l->p95_ms},
          {"p99", l->p99_ms},
          {"max", l->max_ms}};
}

// origin -> stage seqs; the hub's log also carries what is missing and the lags.
json OriginsJson(const NodeStatus& n) {
  json o = json::object();
  for (const auto& [origin, stages] : n.stage_seqs) {
    json seqs = json::object();
    for (const auto& [stage, seq] : stages) seqs[stage] = seq;
    o[origin] = seqs;
  }
  json& hub_log = o[feeds::kHubCode];
  hub_log["missing"] = n.missing;
  hub_log["missing_verified"] = n.missing_verified;
  hub_log["oldest_missing_lag_ms"] = n.oldest_missing_lag_ms;
  json lag_ms = json::object();
  for (const auto& [stage, summary] : n.lags) lag_ms[stage] = LagJson(summary);
  hub_log["lag_ms"] = lag_ms;
  return o;
}

void AddReport(const NodeReportSummary& r, json& entry) {
  entry["via"] = r.via;
  entry["upstream"] = r.upstream;
  entry["clock"] =
      r.clock ? json{{"offset_ms", r.clock->offset_ms}, {"error_ms", r.clock->error_ms}} : json();
  entry["head_statement"] = r.head_statement
                                ? json{{"seq", r.head_statement->seq},
                                       {"issued", FormatTime(r.head_statement->issued_ms)},
                                       {"expires", FormatTime(r.head_statement->expires_ms)}}
                                : json();
  entry["reports"] = {{"accepted", r.accepted}, {"missing", r.missing}, {"replayed", r.replayed}};
}

json ProgressJson(const ReleaseNodeProgress& p, base::TimeMs appended_ms) {
  json stages = json::object();
  for (const auto& [stage, t] : p.reached_ms) {
    stages[stage] = {{"at", FormatTime(t)}, {"lag_ms", t - appended_ms}};
  }
  return {{"code", p.code},
          {"name", p.name},
          {"level", feeds::NodeLevelName(p.level)},
          {"stages", stages}};
}

}  // namespace

json NodeStatusToJson(const NodeStatus& n, base::TimeMs now_ms) {
  json entry = {{"code", n.code},
                {"name", n.name},
                {"level", feeds::NodeLevelName(n.level)},
                {"parent", n.parent},
                {"state", NodeStateName(n.state)},
                {"why", n.why},
                {"origins", OriginsJson(n)}};
  entry["last_contact"] = n.last_contact_ms ? json(FormatTime(*n.last_contact_ms)) : json();
  entry["last_contact_age_ms"] = n.last_contact_ms ? json(now_ms - *n.last_contact_ms) : json();
  if (n.report) AddReport(*n.report, entry);
  if (n.last_rejection) {
    const RejectionRow& x = *n.last_rejection;
    entry["last_rejection"] = {
        {"origin", x.origin}, {"seq", x.seq}, {"reason", x.reason}, {"at", FormatTime(x.hub_ms)}};
  }
  return entry;
}

json ClusterStatusToJson(const ClusterStatus& s) {
  json states = json::object();
  for (const auto& [state, count] : s.state_counts) states[NodeStateName(state)] = count;
  json nodes = json::array();
  for (const NodeStatus& n : s.nodes) nodes.push_back(NodeStatusToJson(n, s.now_ms));
  return {{"hub",
           {{"code", feeds::kHubCode},
            {"now", FormatTime(s.now_ms)},
            {"heads", {{feeds::kHubCode, s.hub_head}}},
            {"slo_s", s.slo_s},
            {"states", states}}},
          {"nodes", nodes}};
}

json ReleaseStatusToJson(const ReleaseStatus& s) {
  const ReleaseRow& rel = s.release;
  json live = json::array(), lacking = json::array();
  for (const ReleaseNodeProgress& p : s.live) live.push_back(ProgressJson(p, rel.appended_ms));
  for (const ReleaseNodeProgress& p : s.lacking) {
    json j = ProgressJson(p, rel.appended_ms);
    j["due_since"] = FormatTime(p.due_since_ms);
    j["waiting_ms"] = s.now_ms - p.due_since_ms;
    lacking.push_back(std::move(j));
  }
  return {{"id", rel.id},
          {"version", rel.version},
          {"status", feeds::ReleaseStatusName(rel.status)},
          {"title", rel.title},
          {"seq", rel.seq},
          {"published", FormatTime(rel.appended_ms)},
          {"live_count", s.live.size()},
          {"lacking_count", s.lacking.size()},
          {"live", live},
          {"lacking", lacking}};
}

std::string ClusterStatusJson(const ClusterStatus& s) { return ClusterStatusToJson(s).dump(2); }

std::string ReleaseStatusJson(const ReleaseStatus& s) { return ReleaseStatusToJson(s).dump(2); }

}  // namespace zhanqun::hub
