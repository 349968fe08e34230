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

std::string Furthest(const json& stages) {
  std::string out;
  for (const char* st : feeds::kStages) {
    if (stages.contains(st)) out = st;
  }
  return out;
}

std::vector<Progress> ProgressOf(const json& status) {
  std::vector<Progress> out;
  for (const char* group : {"live", "lacking"}) {
    for (const json& n : status[group]) {
      Progress p{n.value("code", ""), n.value("name", ""), n.value("level", ""), "", {}, "", 0};
      const json stages = n.value("stages", json::object());
      p.furthest = Furthest(stages);
      if (stages.contains("live")) p.live_lag_ms = stages["live"].value("lag_ms", std::int64_t{0});
      p.due_since = n.value("due_since", "");
      p.waiting_ms = n.value("waiting_ms", std::int64_t{0});
      out.push_back(std::move(p));
    }
  }
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

mustache::data Cell(const Progress& p) {
  mustache::data c;
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

mustache::data Matrix(const std::vector<Progress>& nodes) {
  std::map<std::string, std::vector<const Progress*>> rows;  // "national" sorts after digits
  std::map<std::string, std::string> names;
  for (const Progress& p : nodes) {
    std::string row = ProvinceOf(p);
    rows[row].push_back(&p);
    if (p.code == row) names[row] = p.name;
  }
  mustache::data out = List();
  auto add_row = [&](const std::string& key, const std::vector<const Progress*>& cells) {
    mustache::data r;
    r.set("label", key == "national" ? std::string("国家")
                                     : (names.count(key) ? names[key] : key) + "（" + key + "）");
    int live = 0;
    mustache::data list = List();
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
  base::Result<std::string> status = w.hub().ReleaseStatusJson(id);
  if (!status.ok()) {
    if (ctx.json) return JsonResponse(404, "{\"error\":\"no release with this id\"}\n");
    return w.ErrorPage(ctx, 404, "未找到发布", status.status().message());
  }
  if (ctx.json) return JsonResponse(200, *status + "\n");
  json j = json::parse(*status);
  std::vector<Progress> nodes = ProgressOf(j);
  mustache::data d;
  d.set("id", j.value("id", ""));
  d.set("id_url", PathEncode(j.value("id", "")));
  d.set("release_title", j.value("title", ""));
  d.set("version", std::to_string(j.value("version", 0)));
  d.set("status", j.value("status", ""));
  d.set("published", j.value("published", ""));
  d.set("live_count", std::to_string(j.value("live_count", 0)));
  d.set("total", std::to_string(nodes.size()));
  d.set("rows", Matrix(nodes));
  mustache::data table = List();
  for (const Progress& p : nodes) table.push_back(Cell(p));
  d.set("nodes", table);
  d.set("any", !nodes.empty());
  mustache::data legend = List();
  for (const char* st : {"live", "indexed", "localized", "verified", "received", ""}) {
    mustache::data l;
    l.set("stage_class", *st ? std::string(st) : std::string("none"));
    l.set("stage", StageLabel(st));
    legend.push_back(l);
  }
  d.set("legend", legend);
  return w.Render(ctx, 200, "发布传播：" + j.value("title", id), "console_release", d);
}

struct ReleaseSummary {
  hub::ReleaseRow row;
  std::int64_t live = 0, total = 0;
};

std::vector<ReleaseSummary> Summaries(hub::Hub& hub) {
  std::vector<ReleaseSummary> out;
  for (const hub::ReleaseRow& r : hub.store().Releases(kReleaseList)) {
    ReleaseSummary s{r, 0, 0};
    base::Result<std::string> st = hub.ReleaseStatusJson(r.id);
    if (st.ok()) {
      json j = json::parse(*st);
      s.live = j.value("live_count", std::int64_t{0});
      s.total = s.live + j.value("lacking_count", std::int64_t{0});
    }
    out.push_back(std::move(s));
  }
  return out;
}

HttpResponse ReleasesPage(const Web& w, WebContext& ctx) {
  std::vector<ReleaseSummary> all = Summaries(w.hub());
  if (ctx.json) {
    json out = json::array();
    for (const ReleaseSummary& s : all) {
      out.push_back({{"id", s.row.id},
                     {"version", s.row.version},
                     {"status", s.row.status},
                     {"title", s.row.title},
                     {"seq", s.row.seq},
                     {"published", base::FormatTime(s.row.appended_ms)},
                     {"live_count", s.live},
                     {"node_count", s.total}});
    }
    return JsonResponse(200, out.dump(2) + "\n");
  }
  mustache::data list = List();
  for (const ReleaseSummary& s : all) {
    mustache::data r;
    r.set("id", s.row.id);
    r.set("href", "/console/releases/" + PathEncode(s.row.id));
    r.set("title", s.row.title);
    r.set("version", std::to_string(s.row.version));
    r.set("status", s.row.status);
    r.set("published", base::FormatTime(s.row.appended_ms));
    r.set("live", std::to_string(s.live) + " / " + std::to_string(s.total));
    r.set("complete", s.live == s.total);
    list.push_back(r);
  }
  mustache::data d;
  d.set("releases", list);
  d.set("any", !all.empty());
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
