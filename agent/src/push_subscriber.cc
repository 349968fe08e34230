#include "zhanqun/agent/push_subscriber.h"

#include <nlohmann/json.hpp>

#include "zhanqun/base/thread_name.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/websub.h"

namespace zhanqun::agent {

using base::Result;
using net::HttpRequest;
using net::HttpResponse;

namespace {

constexpr std::int64_t kRetryMs = 60000;         // after a failed or unverified request
constexpr std::int64_t kDeniedRetryMs = 600000;  // after hub.mode=denied
constexpr long kRequestTimeoutMs = 10000;

}  // namespace

PushSubscriber::PushSubscriber(Agent& agent) : agent_(agent) {}

PushSubscriber::~PushSubscriber() { Stop(); }

std::string PushSubscriber::Token(const std::string& origin) const {
  return agent_.DeriveSecret("websub callback " + agent_.config().parent_url + " " + origin)
      .substr(0, 32);
}

std::string PushSubscriber::CallbackUrl(const std::string& origin) const {
  return agent_.config().push_callback_url + "/websub/callback/" + Token(origin);
}

std::string PushSubscriber::TopicUrl(const std::string& origin) const {
  return feeds::FeedTopicUrl(agent_.config().parent_url, origin);
}

PushSubscriber::State& PushSubscriber::StateFor(const std::string& origin) {
  const std::string token = Token(origin);
  auto it = by_token_.find(token);
  if (it == by_token_.end()) {
    State s;
    s.origin = origin;
    s.secret = agent_.DeriveSecret("websub secret " + agent_.config().parent_url + " " + origin);
    it = by_token_.emplace(token, std::move(s)).first;
  }
  return it->second;
}

bool PushSubscriber::Active(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  return StateFor(origin).active;
}

void PushSubscriber::RegisterRoutes(net::HttpServer& server) {
  server.Route("GET", "/websub/callback/{token}", [this](const HttpRequest& req) {
    return HandleVerification(req.params.at("token"), req);
  });
  server.Route("POST", "/websub/callback/{token}", [this](const HttpRequest& req) {
    return HandleNotification(req.params.at("token"), req);
  });
}

void PushSubscriber::SubscribeDue(net::HttpClient& client) {
  const std::int64_t now = agent_.clock().MonotonicMs();
  for (const std::string& origin : agent_.FollowedOrigins()) {
    std::string secret;
    {
      std::lock_guard<std::mutex> lock(mu_);
      State& s = StateFor(origin);
      if (now < s.next_ms) continue;
      s.next_ms = now + kRetryMs;  // unless the verification arrives and sets the renewal
      secret = s.secret;
    }
    const std::string form = "hub.mode=subscribe&hub.topic=" + net::UrlEncode(TopicUrl(origin)) +
                             "&hub.callback=" + net::UrlEncode(CallbackUrl(origin)) +
                             "&hub.secret=" + secret +
                             "&hub.lease_seconds=" + std::to_string(agent_.config().push_lease_s);
    counters_.subscribe_requests++;
    Result<net::HttpResult> r = client.Post(agent_.config().parent_url + "/websub", form,
                                            "application/x-www-form-urlencoded", kRequestTimeoutMs);
    if (!r.ok() || r->status != 202) counters_.subscribe_errors++;
  }
}

HttpResponse PushSubscriber::HandleVerification(const std::string& token, const HttpRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_token_.find(token);
  // Only a subscription we asked for, for the topic we asked for (websub.rocks 205).
  if (it == by_token_.end() || req.Query("hub.topic") != TopicUrl(it->second.origin)) {
    counters_.verifications_refused++;
    return HttpResponse::Text(404, "no such subscription\n");
  }
  State& s = it->second;
  const std::string mode = req.Query("hub.mode");
  const std::int64_t now = agent_.clock().MonotonicMs();
  if (mode == "denied") {
    counters_.denied++;
    s.active = false;
    s.next_ms = now + kDeniedRetryMs;
    return HttpResponse::Text(200, "");
  }
  const std::string challenge = req.Query("hub.challenge");
  long lease = 0;
  try {
    lease = std::stol(req.Query("hub.lease_seconds", "0"));
  } catch (const std::exception&) {
    lease = 0;
  }
  if (mode != "subscribe" || challenge.empty() || lease <= 0) {  // we never unsubscribe
    counters_.verifications_refused++;
    return HttpResponse::Text(404, "not confirmed\n");
  }
  s.active = true;
  s.next_ms = now + lease * 800;  // renew at 80 % of the lease
  counters_.verifications_confirmed++;
  return HttpResponse::Text(200, challenge);
}

HttpResponse PushSubscriber::HandleNotification(const std::string& token, const HttpRequest& req) {
  std::string origin, secret;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_token_.find(token);
    if (it == by_token_.end()) return HttpResponse::Text(404, "no such subscription\n");
    origin = it->second.origin;
    secret = it->second.secret;
  }
  counters_.pushes_received++;
  if (!feeds::WebSubSignatureValid(secret, req.body, req.Header("x-hub-signature"))) {
    counters_.pushes_bad_signature++;
    return HttpResponse::Text(403, "X-Hub-Signature missing or invalid\n");
  }
  Result<feeds::ParsedFeed> feed = feeds::DecodeFeed(req.body);
  if (!feed.ok() || feed->meta.origin != origin) {
    counters_.pushes_bad_feed++;
    return HttpResponse::Text(400, "not a feed of origin " + origin + "\n");
  }
  std::vector<feeds::ParsedEntry> next;
  const Result<std::uint64_t> stored = agent_.store().Head(origin);
  // The hub retries a delivery that failed; the long-poll catches up meanwhile.
  if (!stored.ok()) return HttpResponse::ServerError(stored.status());
  const std::uint64_t head = *stored;
  for (feeds::ParsedEntry& e : feed->entries) {
    if (e.entry.log.seq > head) next.push_back(std::move(e));
  }
  if (next.empty()) return HttpResponse::Text(200, "");  // nothing new to us
  if (next.front().entry.log.seq != head + 1) {
    counters_.pushes_gap++;  // the long-poll fills the gap
    return HttpResponse::Text(200, "");
  }
  ApplyOutcome out = agent_.applier().ApplyPage(origin, next, "websub push " + TopicUrl(origin));
  counters_.entries_applied += out.applied;
  return HttpResponse::Text(200, "");
}

void PushSubscriber::Loop() {
  std::unique_ptr<net::HttpClient> client = agent_.http_clients()();
  client->set_abort_flag(&abort_);
  for (;;) {
    SubscribeDue(*client);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return stopping_; });
    if (stopping_) return;
  }
}

void PushSubscriber::Start() {
  thread_ = std::thread([this] {
    base::SetThreadName("push renew");
    Loop();
  });
}

void PushSubscriber::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    abort_ = true;
  }
  net::HttpClient::WakeAll(&abort_);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace zhanqun::agent
