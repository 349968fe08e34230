// HTTP routes of the local site: static pages from the publish directory,
// 410 for withdrawn releases, the search page, and manual interpretations.
#include <nlohmann/json.hpp>

#include "zhanqun/agent/agent_http.h"
#include "zhanqun/base/time.h"
#include "zhanqun/localization/site.h"

namespace zhanqun::agent {

using base::Status;
using net::HttpRequest;
using net::HttpResponse;
using json = nlohmann::json;

namespace {

bool SafeName(const std::string& name) {
  return !name.empty() && name[0] != '.' && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

std::string ContentType(const std::string& name) {
  auto ends = [&](const char* ext) {
    std::string e(ext);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (name == "feed.xml") return "application/atom+xml; charset=utf-8";
  if (ends(".xml")) return "application/xml; charset=utf-8";
  return "application/octet-stream";
}

HttpResponse ServeFile(Localizer& site, const std::string& rel) {
  base::Result<std::string> page = site.ReadPage(rel);
  if (!page.ok() && page.status().code() == base::Code::kNotFound) {
    return HttpResponse::Error(Status::NotFound("no such page: /" + rel));
  }
  if (!page.ok()) return HttpResponse::Error(page.status());
  HttpResponse r;
  r.content_type = ContentType(rel);
  r.headers.push_back({"Cache-Control", "no-cache"});
  r.body = std::move(page).value();
  return r;
}

HttpResponse ServeRelease(Localizer& site, const std::string& file) {
  if (!SafeName(file)) return HttpResponse::Error(Status::NotFound("no such page"));
  std::optional<std::string> id = localization::ReleaseIdFromPath("releases/" + file);
  if (id) {
    base::Result<std::string> gone = site.GonePage(*id);
    if (gone.ok()) {
      HttpResponse r = HttpResponse::Text(410, *gone);
      r.content_type = "text/html; charset=utf-8";
      return r;
    }
  }
  return ServeFile(site, "releases/" + file);
}

// The page forgives bad parameters: a filter that does not parse is left
// out of both the query and the form, so the page shows it as not applied.
void ReadSearchFilters(const HttpRequest& req, localization::SearchPageModel* model,
                       search::SearchQuery* q) {
  localization::SearchFilters& f = model->filters;
  f.topic = req.Query("topic");
  if (!f.topic.empty()) q->topic = f.topic;
  f.authority = req.Query("authority");
  if (!f.authority.empty()) q->authority = f.authority;
  if (base::Result<feeds::NodeLevel> level = feeds::ParseNodeLevel(req.Query("level"));
      level.ok()) {
    f.level = *level;
    q->level = *level;
  }
  if (auto from = base::BeijingDayRangeMs(req.Query("from")); from.ok()) {
    f.date_from = req.Query("from");
    q->from_ms = from->first;
  }
  if (auto to = base::BeijingDayRangeMs(req.Query("to")); to.ok()) {
    f.date_to = req.Query("to");
    q->to_ms = to->second;
  }
  if (req.Query("sort") == "date") {
    model->sort = localization::SearchSort::kDate;
    q->sort = search::SearchSort::kDate;
  }
}

HttpResponse SearchPage(Agent& agent, const HttpRequest& req) {
  localization::SearchPageModel model;
  model.query = req.Query("q");
  search::SearchQuery q;
  ReadSearchFilters(req, &model, &q);
  int page = std::atoi(req.Query("page", "1").c_str());
  model.page = page < 1 || page > 1000 ? 1 : page;
  if (!model.query.empty()) {
    q.text = model.query;
    q.offset = static_cast<std::size_t>((model.page - 1) * model.page_size);
    q.limit = static_cast<std::size_t>(model.page_size);
    base::Result<search::SearchResults> r = agent.indexer().Search(q);
    if (r.ok()) {
      model.total = r->estimated_total;
      model.did_you_mean = r->did_you_mean;
      for (const search::SearchHit& h : r->hits) {
        model.hits.push_back(
            {h.id, h.title_html, h.snippet_html, h.doc_number, h.authority, h.published_ms});
      }
    }
  }
  base::Result<std::string> html = agent.localizer()->SearchPage(model);
  if (!html.ok()) return HttpResponse::Error(html.status());
  HttpResponse r = HttpResponse::Text(200, *html);
  r.content_type = "text/html; charset=utf-8";
  return r;
}

HttpResponse PostInterpretation(Agent& agent, const HttpRequest& req) {
  if (!agent.CheckAdminBearer(req.Header("authorization"))) {
    return HttpResponse::Error(Status::Unauthenticated(
        "missing or wrong admin token (Authorization: Bearer <token from admin_token_file>)"));
  }
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.value("release_id", json()).is_string() ||
      !j.value("html", json()).is_string()) {
    return HttpResponse::Error(Status::Invalid(
        "interpretation: expected {\"release_id\", \"html\"[, \"mode\": \"extend|replace\"]}"));
  }
  base::Result<feeds::InterpretationMode> mode =
      feeds::ParseInterpretationMode(j.value("mode", "extend"));
  if (!mode.ok()) return HttpResponse::Error(mode.status().Context("interpretation.mode"));
  base::Result<feeds::SignedEntry> se =
      agent.localizer()->WriteManual(j["release_id"], j["html"], *mode);
  if (!se.ok()) return HttpResponse::Error(se.status());
  agent.RequestSiteRefresh();
  json out = {{"origin", se->entry.log.origin}, {"seq", se->entry.log.seq}, {"hash", se->hash}};
  return HttpResponse::Json(201, out.dump() + "\n");
}

}  // namespace

bool WantsHtml(const HttpRequest& req) {
  return req.Header("accept").find("text/html") != std::string::npos;
}

HttpResponse HandleSiteSearch(Agent& agent, const HttpRequest& req) {
  return SearchPage(agent, req);
}

void RegisterSiteRoutes(Agent& agent, net::HttpServer& server) {
  Localizer* site = agent.localizer();
  if (site == nullptr) return;
  server.Route("POST", "/api/v1/interpretations",
               [&agent](const HttpRequest& req) { return PostInterpretation(agent, req); });
  server.Route("GET", "/", [site](const HttpRequest&) { return ServeFile(*site, "index.html"); });
  server.Route("GET", "/releases/{file}", [site](const HttpRequest& req) {
    return ServeRelease(*site, req.params.at("file"));
  });
  for (const char* dir : {"topics", "assets"}) {
    std::string d = dir;
    server.Route("GET", "/" + d + "/{file}", [site, d](const HttpRequest& req) {
      const std::string& f = req.params.at("file");
      if (!SafeName(f)) return HttpResponse::Error(Status::NotFound("no such page"));
      return ServeFile(*site, d + "/" + f);
    });
  }
  server.Route("GET", "/{file}", [site](const HttpRequest& req) {
    const std::string& f = req.params.at("file");
    if (!SafeName(f)) return HttpResponse::Error(Status::NotFound("no such page"));
    return ServeFile(*site, f);
  });
}

}  // namespace zhanqun::agent
