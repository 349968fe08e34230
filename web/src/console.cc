// /console: the cluster tree (national -> provinces -> cities -> counties)
// with a GET filter form (state, level, text), summary counts per state, and
// its JSON twin (?format=json).
#include <algorithm>
#include <set>

#include "assets.h"
#include "console_data.h"
#include "routes.h"
#include "zhanqun/hub/status_json.h"

namespace zhanqun::web {

using net::HttpResponse;
using json = nlohmann::json;

namespace {

struct TreeFilter {
  std::string state, level, text;
  bool active() const { return !state.empty() || !level.empty() || !text.empty(); }
  bool Matches(const ConsoleNode& n) const {
    if (!state.empty() && n.state != state) return false;
    if (!level.empty() && n.level != level) return false;
    if (!text.empty() && n.code.find(text) == std::string::npos &&
        n.name.find(text) == std::string::npos) {
      return false;
    }
    return true;
  }
};

// Unknown filter values are dropped (an old bookmark still shows the tree).
TreeFilter FilterFrom(const net::HttpRequest& req) {
  TreeFilter f{req.Query("state"), req.Query("level"), req.Query("q")};
  const auto& states = StateNames();
  if (std::find(states.begin(), states.end(), f.state) == states.end()) f.state.clear();
  const auto& levels = LevelNames();
  if (std::find(levels.begin(), levels.end(), f.level) == levels.end()) f.level.clear();
  return f;
}

// The chain of registered ancestors of `code`, nearest first.
std::vector<const ConsoleNode*> Ancestors(const ClusterView& v, const ConsoleNode& n) {
  std::vector<const ConsoleNode*> out;
  std::set<std::string> seen{n.code};
  for (const ConsoleNode* p = v.Find(n.parent); p != nullptr && seen.insert(p->code).second;
       p = v.Find(p->parent)) {
    out.push_back(p);
  }
  return out;
}

struct Selection {
  std::set<std::string> matched, shown;  // shown = matched + their ancestors
};

Selection Select(const ClusterView& v, const TreeFilter& f) {
  Selection s;
  for (const ConsoleNode& n : v.nodes) {
    if (!f.Matches(n)) continue;
    s.matched.insert(n.code);
    s.shown.insert(n.code);
    for (const ConsoleNode* a : Ancestors(v, n)) s.shown.insert(a->code);
  }
  return s;
}

std::string LagText(const ConsoleNode& n) {
  if (!n.lag_p50_ms) return "暂无";
  return "p50 " + FormatDuration(*n.lag_p50_ms) + " / p95 " + FormatDuration(*n.lag_p95_ms) + "（" +
         StageLabel(n.lag_stage) + "）";
}

text::TemplateData NodeItem(const ClusterView& v, const ConsoleNode& n, const Selection& sel) {
  text::TemplateData d;
  d.set("code", n.code);
  d.set("name", n.name);
  d.set("level", LevelLabel(n.level));
  d.set("state", n.state);
  d.set("why", n.why);
  d.set("lag", LagText(n));
  d.set("last_contact",
        n.last_contact.empty()
            ? std::string("从未")
            : n.last_contact + "（" + FormatDuration(n.last_contact_age_ms.value_or(0)) + "前）");
  d.set("context", sel.matched.count(n.code) == 0);
  text::TemplateData children = text::TemplateData::List();
  for (const ConsoleNode& c : v.nodes) {
    if (c.parent == n.code && c.code != n.code && sel.shown.count(c.code)) {
      children.push_back(NodeItem(v, c, sel));
    }
  }
  // Every key is set on every item: kainjow looks missing keys up in the
  // parent context, which would recurse into the parent's children.
  d.set("has_children", !children.is_empty_list());
  d.set("children", children);
  return d;
}

text::TemplateData Roots(const ClusterView& v, const Selection& sel) {
  text::TemplateData roots = text::TemplateData::List();
  for (const ConsoleNode& n : v.nodes) {
    if (sel.shown.count(n.code) && v.Find(n.parent) == nullptr) {
      roots.push_back(NodeItem(v, n, sel));
    }
  }
  return roots;
}

text::TemplateData Options(const std::vector<std::string>& values, const std::string& selected,
                           bool levels) {
  text::TemplateData list = text::TemplateData::List();
  for (const std::string& value : values) {
    text::TemplateData o;
    o.set("value", value);
    o.set("label", levels ? LevelLabel(value) : value);
    o.set("selected", value == selected);
    list.push_back(o);
  }
  return list;
}

text::TemplateData Counts(const ClusterView& v) {
  text::TemplateData list = text::TemplateData::List();
  for (const std::string& s : StateNames()) {
    text::TemplateData c;
    c.set("state", s);
    c.set("count", std::to_string(v.state_counts.at(s)));
    list.push_back(c);
  }
  return list;
}

json TreeJson(const ClusterView& v, const TreeFilter& f, const Selection& sel) {
  json nodes = json::array();
  for (const ConsoleNode& n : v.nodes) {
    if (!sel.matched.count(n.code)) continue;
    json path = json::array();
    for (const ConsoleNode* a : Ancestors(v, n)) path.insert(path.begin(), a->code);
    json o = hub::NodeStatusToJson(n.status, v.now_ms);
    o["path"] = path;
    nodes.push_back(o);
  }
  return {{"now", v.now},
          {"head", v.head},
          {"states", v.state_counts},
          {"filter", {{"state", f.state}, {"level", f.level}, {"q", f.text}}},
          {"matched", sel.matched.size()},
          {"nodes", nodes}};
}

HttpResponse ConsoleTree(const Web& w, WebContext& ctx) {
  base::Result<ClusterView> loaded = LoadCluster(w.hub());
  if (!loaded.ok()) return ConsoleFailure(w, ctx, loaded.status());
  const ClusterView& v = *loaded;
  TreeFilter f = FilterFrom(ctx.req);
  Selection sel = Select(v, f);
  if (ctx.json) return JsonResponse(200, TreeJson(v, f, sel).dump(2) + "\n");
  text::TemplateData d;
  d.set("now", v.now);
  d.set("head", std::to_string(v.head));
  d.set("total", std::to_string(v.nodes.size()));
  d.set("counts", Counts(v));
  d.set("states", Options(StateNames(), f.state, false));
  d.set("levels", Options(LevelNames(), f.level, true));
  d.set("q", f.text);
  d.set("filtered", f.active());
  d.set("matched", std::to_string(sel.matched.size()));
  d.set("roots", Roots(v, sel));
  d.set("empty", sel.matched.empty());
  d.set("json_url", PathWithQuery(ctx.req) + (ctx.req.query.empty() ? "?" : "&") + "format=json");
  d.set("tree_item",
        text::TemplateData::Partial([] { return std::string(Template("console_tree_item")); }));
  return w.Render(ctx, 200, "集群", "console_tree", d);
}

}  // namespace

void RegisterConsoleTree(const std::shared_ptr<Web>& web, net::HttpServer& server) {
  const Web* w = web.get();
  server.Route("GET", "/console",
               web->Page(Access::OfRole(staff::Role::kAdmin),
                         [w](WebContext& ctx) { return ConsoleTree(*w, ctx); }));
}

}  // namespace zhanqun::web
