#include "zhanqun/agent/agent_http.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "zhanqun/agent/agent_metrics.h"
#include "zhanqun/base/metrics.h"
#include "zhanqun/base/time.h"

namespace zhanqun::agent {

using base::Status;
using net::HttpRequest;
using net::HttpResponse;
using json = nlohmann::json;

namespace {

bool ParseSize(const std::string& s, std::size_t max, std::size_t* out) {
  if (s.empty() || s.size() > 6) return false;
  std::size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

// Reads the optional filter and sort parameters shared with the search page;
// a bad value is an error naming its parameter.
Status ParseSearchFilters(const HttpRequest& req, search::SearchQuery* q) {
  if (!req.Query("topic").empty()) q->topic = req.Query("topic");
  if (!req.Query("authority").empty()) q->authority = req.Query("authority");
  if (const std::string level = req.Query("level"); !level.empty()) {
    base::Result<feeds::NodeLevel> parsed = feeds::ParseNodeLevel(level);
    if (!parsed.ok()) {
      return Status::Invalid("level: expected national, province, city or county, got \"" + level +
                             "\"");
    }
    q->level = *parsed;
  }
  if (const std::string from = req.Query("from"); !from.empty()) {
    auto day = base::BeijingDayRangeMs(from);
    if (!day.ok()) return day.status().Context("from");
    q->from_ms = day->first;
  }
  if (const std::string to = req.Query("to"); !to.empty()) {
    auto day = base::BeijingDayRangeMs(to);
    if (!day.ok()) return day.status().Context("to");
    q->to_ms = day->second;
  }
  if (q->from_ms && q->to_ms && *q->from_ms > *q->to_ms) {
    return Status::Invalid("to: must not be before from");
  }
  const std::string sort = req.Query("sort", "relevance");
  if (sort == "date") {
    q->sort = search::SearchSort::kDate;
  } else if (sort != "relevance") {
    return Status::Invalid("sort: expected relevance or date, got \"" + sort + "\"");
  }
  return Status::Ok();
}

HttpResponse HandleSearch(Agent& agent, const HttpRequest& req) {
  // Browsers get the search page; API clients (curl, scripts) get JSON.
  if (agent.localizer() != nullptr && WantsHtml(req)) return HandleSiteSearch(agent, req);
  search::SearchQuery q;
  q.text = req.Query("q");
  if (q.text.empty()) return HttpResponse::Error(Status::Invalid("q: required"));
  if (Status s = ParseSearchFilters(req, &q); !s.ok()) return HttpResponse::Error(s);
  if (!ParseSize(req.Query("offset", "0"), 100000, &q.offset)) {
    return HttpResponse::Error(Status::Invalid("offset: expected an integer 0..100000"));
  }
  if (!ParseSize(req.Query("limit", "10"), 100, &q.limit) || q.limit == 0) {
    return HttpResponse::Error(Status::Invalid("limit: expected an integer 1..100"));
  }
  base::Result<search::SearchResults> r = agent.indexer().Search(q);
  if (!r.ok()) return HttpResponse::Error(r.status());
  return HttpResponse::Json(200, SearchResultsJson(q.text, *r) + "\n");
}

// A child's envelope of reports; answered with our estimate of the hub's
// clock, so the child can estimate its own offset through us.
HttpResponse HandleChildReports(Agent& agent, const HttpRequest& req) {
  base::TimeMs t1 = agent.freshness().HubNowMs();
  base::Result<std::size_t> queued =
      agent.reporter().AcceptChildReports(req.body, req.Header("x-zhanqun-signature"));
  HttpResponse resp = queued.ok() ? HttpResponse::Json(200, json{{"queued", *queued}}.dump() + "\n")
                                  : HttpResponse::Error(queued.status());
  feeds::ClockEstimate clock = agent.freshness().ClockEstimate();
  if (clock.known) {
    resp.headers.push_back(
        {feeds::kClockHeader,
         feeds::FormatClockHeader(t1, agent.freshness().HubNowMs(), clock.error_ms)});
  }
  return resp;
}

}  // namespace

std::string SearchResultsJson(const std::string& query, const search::SearchResults& r) {
  json hits = json::array();
  for (const search::SearchHit& h : r.hits) {
    hits.push_back({{"id", h.id},
                    {"version", h.version},
                    {"title", h.title},
                    {"title_html", h.title_html},
                    {"doc_number", h.doc_number},
                    {"authority", h.authority},
                    {"published", base::FormatTime(h.published_ms)},
                    {"score", h.score},
                    {"snippet_html", h.snippet_html}});
  }
  json out = {{"query", query}, {"total", r.estimated_total}, {"hits", hits}};
  if (r.did_you_mean) out["did_you_mean"] = *r.did_you_mean;
  return out.dump(2);
}

base::Result<std::unique_ptr<feeds::WebSubHub>> OpenAgentWebSub(Agent& agent) {
  const AgentConfig& c = agent.config();
  feeds::WebSubOptions o =
      c.websub.Options(c.public_url, c.WebSubDbPath(), "zhanqun relay " + c.node, c.page_size);
  return feeds::WebSubHub::Open(o, agent.store(), agent.notifier(), agent.clock());
}

void RegisterAgentRoutes(Agent& agent, net::HttpServer& server, feeds::WebSubHub* websub,
                         PushSubscriber* push) {
  feeds::FeedServiceOptions feed_options;
  feed_options.base_url = agent.config().public_url;
  if (websub != nullptr) feed_options.websub_hub_url = websub->options().HubUrl();
  feed_options.title = "zhanqun relay " + agent.config().node;
  feed_options.page_size = agent.config().page_size;
  feed_options.max_wait_s = agent.config().max_wait_s;
  // Every append and head statement here notifies, and nothing else writes
  // our store: a held long-poll needs no re-checks of its own.
  feed_options.recheck_ms = std::max(1, agent.config().max_wait_s) * 1000;
  feed_options.page_cache = agent.feed_pages();
  feed_options.head_statement = [&agent](const std::string& origin) {
    return origin == feeds::kHubCode ? agent.freshness().NewestText() : std::string();
  };
  server.Route("GET", "/api/v1/feeds/{origin}", [&agent, feed_options](const HttpRequest& req) {
    return feeds::ServeFeed(req, agent.store(), agent.notifier(), feed_options, agent.clock());
  });
  server.Route("POST", "/api/v1/acks",
               [&agent](const HttpRequest& req) { return HandleChildReports(agent, req); });
  server.Route("GET", "/api/v1/feeds/{origin}/head",
               [&agent, feed_options](const HttpRequest& req) {
                 return feeds::ServeFeedHead(req, agent.store(), feed_options);
               });
  if (websub != nullptr) {
    server.Route("POST", websub->options().hub_path,
                 [websub](const HttpRequest& req) { return websub->HandleRequest(req); });
  }
  if (push != nullptr) push->RegisterRoutes(server);
  server.Route("GET", "/search",
               [&agent](const HttpRequest& req) { return HandleSearch(agent, req); });
  server.Route("GET", "/api/v1/status", [&agent](const HttpRequest&) {
    base::Result<std::string> status = agent.StatusJson();
    if (!status.ok()) return HttpResponse::ServerError(status.status());
    return HttpResponse::Json(200, *status + "\n");
  });
  server.Route("GET", "/api/v1/counters", [&agent, websub, push](const HttpRequest&) {
    std::vector<const base::CounterSet*> sets = {&agent.counters()};
    std::vector<std::pair<std::string, std::uint64_t>> values;
    if (websub != nullptr) {
      sets.push_back(&websub->counters());
      values.emplace_back("websub_subscriptions", websub->SubscriptionCount());
    }
    if (push != nullptr) sets.push_back(&push->counters());
    return HttpResponse::Json(200, base::CountersJson(sets, values) + "\n");
  });
  server.Route("GET", "/metrics", [&agent](const HttpRequest&) {
    base::Result<std::string> text = AgentMetricsText(agent);
    if (!text.ok()) return HttpResponse::ServerError(text.status());
    HttpResponse r = HttpResponse::Text(200, *text);
    r.content_type = base::kMetricsContentType;
    return r;
  });
  server.Route("GET", "/healthz",
               [](const HttpRequest&) { return HttpResponse::Text(200, "ok\n"); });
  RegisterSiteRoutes(agent, server);  // last: its "/{file}" route matches any top-level name
}

}  // namespace zhanqun::agent
