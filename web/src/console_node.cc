// /console/nodes/{code}: one node's details and its lag history, charted as
// server-rendered SVG with a data table fallback. JSON twin: ?format=json.
#include <map>

#include "console_data.h"
#include "routes.h"
#include "svg.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/hub/status_json.h"

namespace zhanqun::web {

using net::HttpResponse;
using json = nlohmann::json;

namespace {

constexpr std::size_t kHistoryEntries = 60;
constexpr std::size_t kRejections = 20;
constexpr const char* kChartStages[] = {"received", "verified", "indexed", "live"};

struct HistoryRow {
  std::uint64_t seq = 0;
  base::TimeMs appended_ms = 0;
  std::map<std::string, base::TimeMs> lag_ms;  // stage -> lag
};

base::Result<std::vector<HistoryRow>> History(hub::Hub& hub, const std::string& code) {
  base::Result<std::vector<hub::StageEventRow>> events =
      hub.store().NodeHistory(code, kHistoryEntries);
  if (!events.ok()) return events.status().Context("history of node " + code);
  std::vector<HistoryRow> rows;
  for (const hub::StageEventRow& e : *events) {
    if (rows.empty() || rows.back().seq != e.seq) rows.push_back({e.seq, e.appended_ms, {}});
    rows.back().lag_ms[feeds::StageName(e.stage)] = e.hub_ms - e.appended_ms;
  }
  return rows;
}

LineChart Chart(const ConsoleNode& n, const std::vector<HistoryRow>& rows) {
  LineChart c;
  c.id = "lag-chart";
  c.title = n.name + "（" + n.code + "）各阶段延迟";
  c.desc = "横轴为条目发布时间（北京时间），纵轴为到达各阶段的延迟（秒），共 " +
           std::to_string(rows.size()) + " 个条目；下方表格列出相同数据。";
  c.x_label = "发布时间（北京时间）";
  c.y_label = "延迟（秒）";
  c.x_is_time_ms = true;
  for (const char* stage : kChartStages) {
    ChartSeries s{StageLabel(stage) + " " + stage, {}};
    for (const HistoryRow& r : rows) {
      auto it = r.lag_ms.find(stage);
      if (it != r.lag_ms.end()) {
        s.points.push_back(
            {static_cast<double>(r.appended_ms), static_cast<double>(it->second) / 1000.0});
      }
    }
    c.series.push_back(std::move(s));
  }
  return c;
}

text::TemplateData HistoryTable(const std::vector<HistoryRow>& rows) {
  text::TemplateData list = text::TemplateData::List();
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    text::TemplateData r;
    r.set("seq", std::to_string(it->seq));
    r.set("published", base::FormatTime(it->appended_ms));
    text::TemplateData cells = text::TemplateData::List();
    for (const char* stage : kChartStages) {
      auto lag = it->lag_ms.find(stage);
      text::TemplateData cell;
      cell.set("text", lag == it->lag_ms.end() ? std::string("—") : FormatDuration(lag->second));
      cells.push_back(cell);
    }
    r.set("cells", cells);
    list.push_back(r);
  }
  return list;
}

std::string ClockText(const hub::NodeReportSummary& r) {
  if (!r.clock) return "未知";
  return std::to_string(r.clock->offset_ms) + " 毫秒（误差 ±" + std::to_string(r.clock->error_ms) +
         " 毫秒）";
}

std::string HeadStatementText(const hub::NodeReportSummary& r) {
  if (!r.head_statement) return "无";
  const auto& h = *r.head_statement;
  return "seq " + std::to_string(h.seq) + "，签发 " + base::FormatTime(h.issued_ms) + "，过期 " +
         base::FormatTime(h.expires_ms);
}

// "key: value" facts of the node; those from its newest report only when it sent one.
text::TemplateData Facts(const ConsoleNode& n) {
  text::TemplateData list = text::TemplateData::List();
  auto add = [&](const std::string& k, const std::string& v) {
    text::TemplateData f;
    f.set("k", k);
    f.set("v", v);
    list.push_back(f);
  };
  add("级别", LevelLabel(n.level));
  add("上级", n.parent);
  add("最近联系", n.last_contact.empty() ? "从未" : n.last_contact);
  const std::optional<hub::NodeReportSummary>& r = n.status.report;
  if (r) {
    add("上游", r->upstream);
    add("报告经由", r->via);
  }
  add("时钟偏差估计", r ? ClockText(*r) : "未知");
  add("日志头声明", r ? HeadStatementText(*r) : "无");
  if (r) {
    add("报告", "已接受 " + std::to_string(r->accepted) + "，缺失 " + std::to_string(r->missing) +
                    "，重放 " + std::to_string(r->replayed));
  }
  return list;
}

text::TemplateData StageSeqs(const ConsoleNode& n) {
  text::TemplateData list = text::TemplateData::List();
  for (const char* stage : feeds::kStages) {
    text::TemplateData s;
    s.set("stage", std::string(stage));
    s.set("label", StageLabel(stage));
    s.set("seq", std::to_string(n.status.HubSeq(stage)));
    list.push_back(s);
  }
  return list;
}

text::TemplateData Rejections(const std::vector<hub::RejectionRow>& rejections) {
  text::TemplateData list = text::TemplateData::List();
  for (const hub::RejectionRow& r : rejections) {
    text::TemplateData d;
    d.set("origin", r.origin);
    d.set("seq", std::to_string(r.seq));
    d.set("reason", r.reason);
    d.set("at", base::FormatTime(r.hub_ms));
    list.push_back(d);
  }
  return list;
}

json NodeJson(const std::vector<hub::RejectionRow>& rejected, const ClusterView& v,
              const ConsoleNode& n, const std::vector<HistoryRow>& rows) {
  json history = json::array();
  for (const HistoryRow& r : rows) {
    history.push_back(
        {{"seq", r.seq}, {"published", base::FormatTime(r.appended_ms)}, {"lag_ms", r.lag_ms}});
  }
  json rejections = json::array();
  for (const hub::RejectionRow& r : rejected) {
    rejections.push_back({{"origin", r.origin},
                          {"seq", r.seq},
                          {"reason", r.reason},
                          {"at", base::FormatTime(r.hub_ms)}});
  }
  return {{"node", hub::NodeStatusToJson(n.status, v.now_ms)},
          {"history", history},
          {"rejections", rejections}};
}

HttpResponse NodePage(const Web& w, WebContext& ctx) {
  const std::string code = ctx.req.params.at("code");
  base::Result<ClusterView> loaded = LoadCluster(w.hub());
  if (!loaded.ok()) return ConsoleFailure(w, ctx, loaded.status());
  const ClusterView& v = *loaded;
  const ConsoleNode* n = v.Find(code);
  if (n == nullptr) {
    if (ctx.json) return JsonResponse(404, "{\"error\":\"no node with code " + code + "\"}\n");
    return w.ErrorPage(ctx, 404, "未找到节点", "没有代码为 " + code + " 的已注册节点。");
  }
  base::Result<std::vector<HistoryRow>> history = History(w.hub(), code);
  if (!history.ok()) return ConsoleFailure(w, ctx, history.status());
  const std::vector<HistoryRow>& rows = *history;
  base::Result<std::vector<hub::RejectionRow>> rejected =
      w.hub().store().Rejections(code, kRejections);
  if (!rejected.ok()) return ConsoleFailure(w, ctx, rejected.status().Context("rejections"));
  if (ctx.json) return JsonResponse(200, NodeJson(*rejected, v, *n, rows).dump(2) + "\n");
  text::TemplateData d;
  d.set("code", n->code);
  d.set("state", n->state);
  d.set("why", n->why);
  d.set("facts", Facts(*n));
  d.set("stages", StageSeqs(*n));
  d.set("head", std::to_string(v.head));
  d.set("chart", RenderLineChart(Chart(*n, rows)));
  text::TemplateData heads = text::TemplateData::List();
  for (const char* stage : kChartStages)
    heads.push_back(text::TemplateData("label", StageLabel(stage)));
  d.set("history_heads", heads);
  d.set("history", HistoryTable(rows));
  d.set("has_history", !rows.empty());
  text::TemplateData rej = Rejections(*rejected);
  d.set("has_rejections", !rej.is_empty_list());
  d.set("rejections", rej);
  return w.Render(ctx, 200, n->name + "（" + n->code + "）", "console_node", d);
}

}  // namespace

void RegisterConsoleNode(const std::shared_ptr<Web>& web, net::HttpServer& server) {
  const Web* w = web.get();
  server.Route("GET", "/console/nodes/{code}",
               web->Page(Access::OfRole(staff::Role::kAdmin),
                         [w](WebContext& ctx) { return NodePage(*w, ctx); }));
}

}  // namespace zhanqun::web
