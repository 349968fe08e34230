#include "zhanqun/hub/hub_http.h"

#include <nlohmann/json.hpp>

#include "zhanqun/base/metrics.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/hub/hub_metrics.h"
#include "zhanqun/hub/release_json.h"
#include "zhanqun/hub/status_json.h"

namespace zhanqun::hub {

using base::Result;
using base::Status;
using net::HttpRequest;
using net::HttpResponse;
using json = nlohmann::json;

namespace {

Result<std::string> ReleasesJson(Hub& hub) {
  Result<std::vector<ReleaseRow>> releases = hub.store().Releases(1000);
  if (!releases.ok()) return releases.status().Context("releases");
  json out = json::array();
  for (const ReleaseRow& r : *releases) {
    out.push_back({{"id", r.id},
                   {"version", r.version},
                   {"status", feeds::ReleaseStatusName(r.status)},
                   {"title", r.title},
                   {"seq", r.seq},
                   {"published", base::FormatTime(r.appended_ms)}});
  }
  return out.dump(2) + "\n";
}

HttpResponse ListReleases(Hub& hub) {
  Result<std::string> body = ReleasesJson(hub);
  if (!body.ok()) return HttpResponse::ServerError(body.status());
  return HttpResponse::Json(200, *body);
}

HttpResponse ListNodes(Hub& hub) {
  Result<std::vector<NodeRow>> nodes = hub.store().Nodes();
  if (!nodes.ok()) return HttpResponse::ServerError(nodes.status().Context("nodes"));
  json out = json::array();
  for (const NodeRow& r : *nodes) {
    json keys = json::array();
    for (const auto& k : r.node.keys) keys.push_back(feeds::PublicKeyBase64(k));
    out.push_back({{"code", r.node.code},
                   {"name", r.node.name},
                   {"level", feeds::NodeLevelName(r.node.level)},
                   {"parent", r.node.parent},
                   {"keys", keys},
                   {"seq", r.seq}});
  }
  return HttpResponse::Json(200, out.dump(2) + "\n");
}

// Answers with the hub's clock (NTP-style t1/t2: the sender estimates its
// offset from it); POST answers are never cached, so it is always first-hand.
HttpResponse PostAcks(Hub& hub, const HttpRequest& req) {
  base::TimeMs t1 = hub.clock().NowMs();
  Result<Hub::AckOutcome> out = hub.AcceptReports(req.body, req.Header("x-zhanqun-signature"));
  HttpResponse resp;
  if (!out.ok()) {
    resp = HttpResponse::Error(out.status());
  } else {
    json refused = json::array();
    for (const auto& [node, reason] : out->refused) {
      refused.push_back({{"node", node}, {"reason", reason}});
    }
    resp = HttpResponse::Json(
        200, json{{"accepted", out->accepted}, {"replayed", out->replayed}, {"refused", refused}}
                     .dump() +
                 "\n");
  }
  resp.headers.push_back(
      {feeds::kClockHeader, feeds::FormatClockHeader(t1, hub.clock().NowMs(), 0)});
  return resp;
}

HttpResponse ServeClusterStatus(Hub& hub) {
  Result<ClusterStatus> s = hub.ReadClusterStatus();
  if (!s.ok()) return HttpResponse::ServerError(s.status());
  return HttpResponse::Json(200, ClusterStatusJson(*s) + "\n");
}

HttpResponse ServeReleaseStatus(Hub& hub, const HttpRequest& req) {
  Result<ReleaseStatus> s = hub.ReadReleaseStatus(req.params.at("id"));
  if (!s.ok()) {
    if (s.status().code() == base::Code::kNotFound) return HttpResponse::Error(s.status());
    return HttpResponse::ServerError(s.status());
  }
  return HttpResponse::Json(200, ReleaseStatusJson(*s) + "\n");
}

HttpResponse ServeMetrics(Hub& hub) {
  Result<std::string> text = HubMetricsText(hub);
  if (!text.ok()) return HttpResponse::ServerError(text.status());
  HttpResponse r = HttpResponse::Text(200, *text);
  r.content_type = base::kMetricsContentType;
  return r;
}

}  // namespace

base::Result<std::unique_ptr<feeds::WebSubHub>> OpenHubWebSub(Hub& hub) {
  const HubConfig& c = hub.config();
  feeds::WebSubOptions o =
      c.websub.Options(c.public_url, c.WebSubDbPath(), "zhanqun hub", c.page_size);
  auto w = feeds::WebSubHub::Open(o, hub.store(), hub.notifier(), hub.clock());
  if (!w.ok()) return w.status();
  (*w)->AddDocumentTopic(c.public_url + "/api/v1/releases", "application/json; charset=utf-8",
                         [&hub]() -> Result<std::string> { return ReleasesJson(hub); });
  return w;
}

void RegisterHubRoutes(Hub& hub, net::HttpServer& server, feeds::WebSubHub* websub) {
  feeds::FeedServiceOptions feed_options;
  feed_options.base_url = hub.config().public_url;
  if (websub != nullptr) feed_options.websub_hub_url = websub->options().HubUrl();
  feed_options.title = "zhanqun hub";
  feed_options.page_size = hub.config().page_size;
  feed_options.max_wait_s = hub.config().max_wait_s;
  feed_options.page_cache = std::make_shared<feeds::FeedPageCache>();
  feed_options.head_statement = [&hub](const std::string& origin) -> Result<std::string> {
    if (origin != feeds::kHubCode) return std::string();
    return hub.HeadStatement();
  };
  server.Route("GET", "/api/v1/feeds/{origin}", [&hub, feed_options](const HttpRequest& req) {
    return feeds::ServeFeed(req, hub.store(), hub.notifier(), feed_options, hub.clock());
  });
  server.Route("GET", "/api/v1/feeds/{origin}/head", [&hub, feed_options](const HttpRequest& req) {
    return feeds::ServeFeedHead(req, hub.store(), feed_options);
  });
  if (websub != nullptr) {
    server.Route("POST", websub->options().hub_path,
                 [websub](const HttpRequest& req) { return websub->HandleRequest(req); });
  }
  server.Route("GET", "/api/v1/releases", [&hub](const HttpRequest&) { return ListReleases(hub); });
  server.Route("GET", "/api/v1/nodes", [&hub](const HttpRequest&) { return ListNodes(hub); });
  server.Route("POST", "/api/v1/acks",
               [&hub](const HttpRequest& req) { return PostAcks(hub, req); });
  server.Route("GET", "/api/v1/status",
               [&hub](const HttpRequest&) { return ServeClusterStatus(hub); });
  server.Route("GET", "/api/v1/status/releases/{id...}",
               [&hub](const HttpRequest& req) { return ServeReleaseStatus(hub, req); });
  server.Route("GET", "/api/v1/counters", [&hub, websub](const HttpRequest&) {
    std::vector<const base::CounterSet*> sets = hub.CounterSets();
    std::vector<std::pair<std::string, std::uint64_t>> values;
    if (websub != nullptr) {
      sets.push_back(&websub->counters());
      values.emplace_back("websub_subscriptions", websub->SubscriptionCount());
    }
    return HttpResponse::Json(200, base::CountersJson(sets, values) + "\n");
  });
  server.Route("GET", "/metrics", [&hub](const HttpRequest&) { return ServeMetrics(hub); });
  server.Route("GET", "/api/v1/key", [&hub](const HttpRequest&) {
    return HttpResponse::Text(200, feeds::FormatPublicKeyFile(hub.public_key(), "zhanqun hub"));
  });
  server.Route("GET", "/healthz",
               [](const HttpRequest&) { return HttpResponse::Text(200, "ok\n"); });
}

}  // namespace zhanqun::hub
