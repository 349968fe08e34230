// /console/releases: releases with their propagation summary; and
// /console/releases/{id...}: one release across the cluster as a matrix
// (rows = the national node and each province; cells = that province's
// nodes, coloured and labelled by the furthest stage reached), with an
// accessible table. JSON twins: ?format=json.
#include <algorithm>
#include <map>

#include "console_data.h"
#include "routes.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/hub/status_json.h"

namespace zhanqun::web {

using net::HttpResponse;
using json = nlohmann::json;

namespace {

constexpr std::size_t kReleaseList = 200;

// Percent-encodes an id for a path, keeping '/' and ':' readable.
std::string PathEncode(const std::string& id) {
  std::string e = net::UrlEncode(id), out;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e.compare(i, 3, "%2F") == 0 || e.compare(i, 3, "%3A") == 0) {
      out += e[i + 2] == 'F' ? '/' : ':';
      i += 2;
    } else {
      out += e[i];
    }
  }
  return out;
}

// One node's progress on one release.
struct Progress {
  std::string code, name, level, furthest;  // furthest: "" when nothing yet
  std::optional<std::int64_t> live_lag_ms;
  std::string due_since;
  std::int64_t waiting_ms = 0;
};

std::string Furthest(const hub::ReleaseNodeProgress& p) {
  std::string out;
  for (const char* st : feeds::kStages) {
    if (p.reached_ms.count(st)) out = st;
  }
  return out;
}

Progress ProgressOf(const hub::ReleaseStatus& s, const hub::ReleaseNodeProgress& n, bool live) {
  Progress p{n.code, n.name, feeds::NodeLevelName(n.level), Furthest(n), {}, "", 0};
  if (live) {
    p.live_lag_ms = n.reached_ms.at("live") - s.release.appended_ms;
  } else {
    p.due_since = base::FormatTime(n.due_since_ms);
    p.waiting_ms = s.now_ms - n.due_since_ms;
  }
  return p;
}

std::vector<Progress> ProgressOf(const hub::ReleaseStatus& s) {
  std::vector<Progress> out;
  for (const hub::ReleaseNodeProgress& n : s.live) out.push_back(ProgressOf(s, n, true));
  for (const hub::ReleaseNodeProgress& n : s.lacking) out.push_back(ProgressOf(s, n, false));
  std::sort(out.begin(), out.end(),
            [](const Progress& a, const Progress& b) { return a.code < b.code; });
  return out;
}

// GB/T 2260: the first two digits name the province.
std::string ProvinceOf(const Progress& p) {
  if (p.level == "national" || p.code.size() < 2) return "national";
  return p.code.substr(0, 2) + "0000";
}

std::string CellTitle(const Progress& p) {
  std::string t = p.name + "（" + p.code + "）：" + StageLabel(p.furthest);
  if (p.live_lag_ms) return t + "，上线用时 " + FormatDuration(*p.live_lag_ms);
  return t + "，自 " + p.due_since + " 起应到，已等待 " + FormatDuration(p.waiting_ms);
}

text::TemplateData Cell(const Progress& p) {
  text::TemplateData c;
  c.set("code", p.code);
  c.set("name", p.name);
  c.set("level", LevelLabel(p.level));
  c.set("stage_class", p.furthest.empty() ? std::string("none") : p.furthest);
  c.set("stage", StageLabel(p.furthest));
  c.set("title", CellTitle(p));
  c.set("took",
        p.live_lag_ms ? FormatDuration(*p.live_lag_ms) : "等待 " + FormatDuration(p.waiting_ms));
  c.set("due_since", p.live_lag_ms ? std::string("—") : p.due_since);
  return c;
}

text::TemplateData Matrix(const std::vector<Progress>& nodes) {
  std::map<std::string, std::vector<const Progress*>> rows;  // "national" sorts after digits
  std::map<std::string, std::string> names;
  for (const Progress& p : nodes) {
    std::string row = ProvinceOf(p);
    rows[row].push_back(&p);
    if (p.code == row) names[row] = p.name;
  }
  text::TemplateData out = text::TemplateData::List();
  auto add_row = [&](const std::string& key, const std::vector<const Progress*>& cells) {
    text::TemplateData r;
    r.set("label", key == "national" ? std::string("国家")
                                     : (names.count(key) ? names[key] : key) + "（" + key + "）");
    int live = 0;
    text::TemplateData list = text::TemplateData::List();
    for (const Progress* p : cells) {
      list.push_back(Cell(*p));
      live += p->live_lag_ms ? 1 : 0;
    }
    r.set("summary", std::to_string(live) + "/" + std::to_string(cells.size()) + " 已上线");
    r.set("cells", list);
    out.push_back(r);
  };
  if (rows.count("national")) add_row("national", rows["national"]);
  for (const auto& [key, cells] : rows) {
    if (key != "national") add_row(key, cells);
  }
  return out;
}

HttpResponse ReleasePage(const Web& w, WebContext& ctx) {
  const std::string id = ctx.req.params.at("id");
  base::Result<hub::ReleaseStatus> status = w.hub().ReadReleaseStatus(id);
  if (!status.ok()) {
    if (status.status().code() != base::Code::kNotFound) {
      return ConsoleFailure(w, ctx, status.status());
    }
    if (ctx.json) return JsonResponse(404, "{\"error\":\"no release with this id\"}\n");
    return w.ErrorPage(ctx, 404, "未找到发布", status.status().message());
  }
  if (ctx.json) return JsonResponse(200, hub::ReleaseStatusJson(*status) + "\n");
  const hub::ReleaseRow& rel = status->release;
  std::vector<Progress> nodes = ProgressOf(*status);
  text::TemplateData d;
  d.set("id", rel.id);
  d.set("id_url", PathEncode(rel.id));
  d.set("release_title", rel.title);
  d.set("version", std::to_string(rel.version));
  d.set("status", std::string(feeds::ReleaseStatusName(rel.status)));
  d.set("published", base::FormatTime(rel.appended_ms));
  d.set("live_count", std::to_string(status->live.size()));
  d.set("total", std::to_string(nodes.size()));
  d.set("rows", Matrix(nodes));
  text::TemplateData table = text::TemplateData::List();
  for (const Progress& p : nodes) table.push_back(Cell(p));
  d.set("nodes", table);
  d.set("any", !nodes.empty());
  text::TemplateData legend = text::TemplateData::List();
  for (const char* st : {"live", "indexed", "localized", "verified", "received", ""}) {
    text::TemplateData l;
    l.set("stage_class", *st ? std::string(st) : std::string("none"));
    l.set("stage", StageLabel(st));
    legend.push_back(l);
  }
  d.set("legend", legend);
  return w.Render(ctx, 200, "发布传播：" + rel.title, "console_release", d);
}

HttpResponse ReleasesPage(const Web& w, WebContext& ctx) {
  base::Result<std::vector<hub::ReleaseStatus>> all = w.hub().ReadReleaseStatuses(kReleaseList);
  if (!all.ok()) return ConsoleFailure(w, ctx, all.status());
  if (ctx.json) {
    json out = json::array();
    for (const hub::ReleaseStatus& s : *all) {
      const hub::ReleaseRow& rel = s.release;
      out.push_back({{"id", rel.id},
                     {"version", rel.version},
                     {"status", feeds::ReleaseStatusName(rel.status)},
                     {"title", rel.title},
                     {"seq", rel.seq},
                     {"published", base::FormatTime(rel.appended_ms)},
                     {"live_count", s.live.size()},
                     {"node_count", s.live.size() + s.lacking.size()}});
    }
    return JsonResponse(200, out.dump(2) + "\n");
  }
  text::TemplateData list = text::TemplateData::List();
  for (const hub::ReleaseStatus& s : *all) {
    const hub::ReleaseRow& rel = s.release;
    text::TemplateData r;
    r.set("id", rel.id);
    r.set("href", "/console/releases/" + PathEncode(rel.id));
    r.set("title", rel.title);
    r.set("version", std::to_string(rel.version));
    r.set("status", std::string(feeds::ReleaseStatusName(rel.status)));
    r.set("published", base::FormatTime(rel.appended_ms));
    r.set("live",
          std::to_string(s.live.size()) + " / " + std::to_string(s.live.size() + s.lacking.size()));
    r.set("complete", s.lacking.empty());
    list.push_back(r);
  }
  text::TemplateData d;
  d.set("releases", list);
  d.set("any", !all->empty());
  return w.Render(ctx, 200, "发布", "console_releases", d);
}

}  // namespace

void RegisterConsoleReleases(const std::shared_ptr<Web>& web, net::HttpServer& server) {
  const Web* w = web.get();
  Access admin = Access::OfRole(staff::Role::kAdmin);
  server.Route("GET", "/console/releases",
               web->Page(admin, [w](WebContext& ctx) { return ReleasesPage(*w, ctx); }));
  server.Route("GET", "/console/releases/{id...}",
               web->Page(admin, [w](WebContext& ctx) { return ReleasePage(*w, ctx); }));
}

void RegisterConsoleRoutes(const std::shared_ptr<Web>& web, net::HttpServer& server) {
  RegisterConsoleTree(web, server);
  RegisterConsoleNode(web, server);
  RegisterConsoleReleases(web, server);
}

}  // namespace zhanqun::web
