// The WebSub hub engine against real loopback callbacks and a real SQLite
// file; one test per websub.rocks hub test (100-106) plus the failure paths.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "feeds/memory_log.h"
#include "test_support.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/feeds/websub.h"
#include "zhanqun/net/http.h"

namespace zhanqun::feeds {
namespace {

constexpr long kTimeoutMs = 10000;

std::string Base(const net::HttpServer& s) {
  return "http://127.0.0.1:" + std::to_string(s.port());
}

struct Received {
  std::string body;
  std::string content_type;
  std::string link;
  std::string signature;
  bool has_signature = false;
  std::chrono::steady_clock::time_point at;
};

// A subscriber's callback endpoint: /cb/{name}. Verification requests are
// recorded and answered by echoing hub.challenge unless told otherwise;
// notifications are recorded and answered with `status` after `delay_ms`.
class Callbacks {
 public:
  Callbacks() {
    server_.Route("GET", "/cb/{name}", [this](const net::HttpRequest& req) {
      std::lock_guard<std::mutex> lock(mu_);
      verifications_[req.params.at("name")].push_back(req.query);
      if (refuse_) return net::HttpResponse::Text(404, "no\n");
      return net::HttpResponse::Text(200, req.Query("hub.challenge"));
    });
    server_.Route("POST", "/cb/{name}", [this](const net::HttpRequest& req) {
      const std::string name = req.params.at("name");
      std::int64_t delay = 0;
      int status = 200;
      {
        std::lock_guard<std::mutex> lock(mu_);
        attempts_[name]++;
        delay = delay_ms_[name];
        if (!statuses_[name].empty()) {
          status = statuses_[name].front();
          statuses_[name].erase(statuses_[name].begin());
        }
      }
      if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      std::lock_guard<std::mutex> lock(mu_);
      if (status >= 200 && status <= 299) {
        Received r{req.body,
                   req.Header("content-type"),
                   req.Header("link"),
                   req.Header("x-hub-signature"),
                   req.headers.count("x-hub-signature") > 0,
                   std::chrono::steady_clock::now()};
        received_[name].push_back(r);
      }
      return net::HttpResponse::Text(status, "");
    });
    net::HttpServerOptions o;
    REQUIRE(server_.Start(o).ok());
  }
  std::string Url(const std::string& name) const { return Base(server_) + "/cb/" + name; }
  std::vector<Received> Got(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return received_[name];
  }
  std::vector<std::map<std::string, std::string>> Verifications(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return verifications_[name];
  }
  int Attempts(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_[name];
  }
  void SetDelay(const std::string& name, std::int64_t ms) {
    std::lock_guard<std::mutex> lock(mu_);
    delay_ms_[name] = ms;
  }
  void FailNext(const std::string& name, int status) {
    std::lock_guard<std::mutex> lock(mu_);
    statuses_[name].push_back(status);
  }
  void Refuse(bool refuse) {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_ = refuse;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<std::map<std::string, std::string>>> verifications_;
  std::map<std::string, std::vector<Received>> received_;
  std::map<std::string, std::int64_t> delay_ms_;
  std::map<std::string, std::vector<int>> statuses_;
  std::map<std::string, int> attempts_;
  bool refuse_ = false;
  net::HttpServer server_;
};

// A node serving feeds of origin 000000, a JSON document topic and the
// WebSub hub at /websub, with a fake clock and its own SQLite file.
struct HubFixture {
  testing::TempDir dir;
  MemoryLog log;
  AppendNotifier notifier;
  base::FakeClock clock{1700000000000};
  Signer signer{kHubCode};
  std::mutex json_mu;
  std::string json_doc = "[]\n";
  FeedServiceOptions feed_options;
  net::HttpServer server;
  std::unique_ptr<WebSubHub> hub;
  WebSubOptions options;
  net::PocoHttpClient client;

  explicit HubFixture(int workers = 4, int retry_workers = 2) {
    server.Route("POST", "/websub",
                 [this](const net::HttpRequest& req) { return hub->HandleRequest(req); });
    server.Route("GET", "/api/v1/feeds/{origin}", [this](const net::HttpRequest& req) {
      return ServeFeed(req, log, notifier, feed_options, clock);
    });
    server.Route("GET", "/api/v1/feeds/{origin}/head", [this](const net::HttpRequest& req) {
      return ServeFeedHead(req, log, feed_options);
    });
    server.Route("GET", "/api/v1/releases", [this](const net::HttpRequest&) {
      std::lock_guard<std::mutex> lock(json_mu);
      return net::HttpResponse::Json(200, json_doc);
    });
    REQUIRE(server.Start({}).ok());
    feed_options.base_url = Base(server);
    feed_options.websub_hub_url = Base(server) + "/websub";
    options.public_base = Base(server);
    options.db_path = dir.File("websub.db");
    options.workers = workers;
    options.retry_workers = retry_workers;
    options.scan_interval_ms = 3600000;  // tests scan explicitly
    options.min_lease_s = 60;
    options.timeout_ms = 5000;
    Open();
    Append(1);  // the log is not empty before anyone subscribes
  }
  ~HubFixture() {
    server.Stop();
    if (hub) hub->Stop();
  }
  void Open() {
    base::Result<std::unique_ptr<WebSubHub>> h = WebSubHub::Open(options, log, notifier, clock);
    INFO(h.status().ToString());
    REQUIRE(h.ok());
    hub = std::move(*h);
    hub->AddDocumentTopic(Base(server) + "/api/v1/releases", "application/json; charset=utf-8",
                          [this]() -> base::Result<std::string> {
                            std::lock_guard<std::mutex> lock(json_mu);
                            return json_doc;
                          });
    REQUIRE(hub->Start().ok());
  }
  // Appends n entries in one step: the scanner may scan at any moment (a new
  // subscription wakes it), and must not see half of them.
  std::vector<std::string> Append(int n) {
    std::vector<std::string> wires;
    for (int i = 0; i < n; ++i) wires.push_back(signer.Next().wire);
    log.AppendAll(kHubCode, wires);
    notifier.Notify(kHubCode);
    return wires;
  }
  std::string FeedTopic() const { return Base(server) + "/api/v1/feeds/000000"; }
  net::HttpResult Request(const std::string& form) {
    base::Result<net::HttpResult> r = client.Post(Base(server) + "/websub", form,
                                                  "application/x-www-form-urlencoded", kTimeoutMs);
    REQUIRE(r.ok());
    return std::move(*r);
  }
  // Subscribes and waits until the verification ran.
  void Subscribe(const std::string& topic, const std::string& callback,
                 const std::string& extra = "") {
    net::HttpResult r = Request("hub.mode=subscribe&hub.topic=" + net::UrlEncode(topic) +
                                "&hub.callback=" + net::UrlEncode(callback) + extra);
    INFO(r.body);
    REQUIRE(r.status == 202);
    REQUIRE(hub->WaitIdle(kTimeoutMs));
  }
  void Deliver() {
    hub->ScanNow();
    REQUIRE(hub->WaitIdle(kTimeoutMs));
  }
};

// The wire entries of a pushed feed, in order.
std::vector<std::string> Wires(const std::string& body) {
  base::Result<ParsedFeed> feed = DecodeFeed(body);
  INFO(feed.status().ToString());
  REQUIRE(feed.ok());
  std::vector<std::string> out;
  for (const ParsedEntry& e : feed->entries) out.push_back(e.wire);
  return out;
}

// Hub tests 105/106: the one notification callback "a" got is the topic's
// current content, byte for byte, with the topic's Content-Type.
Received DeliveredUnchanged(HubFixture& f, Callbacks& cb, const std::string& topic) {
  base::Result<net::HttpResult> now = f.client.Get(topic, kTimeoutMs);
  REQUIRE(now.ok());
  std::vector<Received> got = cb.Got("a");
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == now->body);
  CHECK(got[0].content_type == now->headers["content-type"]);
  return got[0];
}

TEST_CASE("websub hub 100: a typical subscription is verified and gets the new entries unsigned",
          "[websub][conformance]") {
  HubFixture f;
  Callbacks cb;
  f.Subscribe(f.FeedTopic(), cb.Url("a"));
  auto v = cb.Verifications("a");
  REQUIRE(v.size() == 1);
  CHECK(v[0]["hub.mode"] == "subscribe");
  CHECK(v[0]["hub.topic"] == f.FeedTopic());
  CHECK(v[0]["hub.challenge"].size() >= 32);
  CHECK(v[0]["hub.lease_seconds"] == "86400");
  REQUIRE(f.hub->Subscriptions().size() == 1);

  std::vector<std::string> wires = f.Append(2);
  f.Deliver();
  auto got = cb.Got("a");
  REQUIRE(got.size() == 1);
  CHECK(Wires(got[0].body) == wires);  // a diff: only what came after the subscription
  CHECK(got[0].content_type.rfind("application/atom+xml", 0) == 0);
  CHECK(got[0].link ==
        "<" + f.options.HubUrl() + ">; rel=\"hub\", <" + f.FeedTopic() + ">; rel=\"self\"");
  CHECK_FALSE(got[0].has_signature);
  CHECK(got[0].body.find("<link rel=\"hub\" href=\"" + f.options.HubUrl() + "\"/>") !=
        std::string::npos);
  CHECK(f.hub->counters().deliveries == 1);
  CHECK(f.hub->counters().entries_delivered == 2);

  f.Deliver();  // nothing new: nothing sent
  CHECK(cb.Got("a").size() == 1);
}

TEST_CASE("websub hub 101: a subscription with a secret gets X-Hub-Signature sha256 HMACs",
          "[websub][conformance][security]") {
  HubFixture f;
  Callbacks cb;
  const std::string secret = "s3cret with spaces & symbols";
  f.Subscribe(f.FeedTopic(), cb.Url("a"), "&hub.secret=" + net::UrlEncode(secret));
  REQUIRE(f.hub->Subscriptions().at(0).has_secret);
  f.Append(1);
  f.Deliver();
  auto got = cb.Got("a");
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].has_signature);
  CHECK(got[0].signature == "sha256=" + base::HmacHex("sha256", secret, got[0].body));
  CHECK(WebSubSignatureValid(secret, got[0].body, got[0].signature));
  CHECK_FALSE(WebSubSignatureValid("other secret", got[0].body, got[0].signature));
  CHECK_FALSE(WebSubSignatureValid(secret, got[0].body + " ", got[0].signature));
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2", "[websub][security]") {
  CHECK(base::HmacHex("sha256", "Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(WebSubSignature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(base::HmacHex("md5", "k", "d").empty());
}

TEST_CASE("websub hub 102: unknown subscription parameters are ignored", "[websub][conformance]") {
  HubFixture f;
  Callbacks cb;
  f.Subscribe(f.FeedTopic(), cb.Url("a"), "&foo=bar&hub.unknown=1&hub.verify=sync");
  REQUIRE(f.hub->Subscriptions().size() == 1);
  f.Append(1);
  f.Deliver();
  CHECK(cb.Got("a").size() == 1);
}

TEST_CASE("websub hub 103: re-subscribing updates the one (topic, callback) subscription",
          "[websub][conformance]") {
  HubFixture f;
  Callbacks cb;
  f.Subscribe(f.FeedTopic(), cb.Url("a"), "&hub.lease_seconds=600");
  f.clock.Advance(300000);
  f.Subscribe(f.FeedTopic(), cb.Url("a"), "&hub.lease_seconds=900&hub.secret=k");
  auto subs = f.hub->Subscriptions();
  REQUIRE(subs.size() == 1);
  CHECK(subs[0].lease_s == 900);
  CHECK(subs[0].has_secret);
  CHECK(subs[0].expires_ms == f.clock.NowMs() + 900000);
  f.Append(1);
  f.Deliver();
  auto got = cb.Got("a");
  REQUIRE(got.size() == 1);  // exactly one notification for the next post
  CHECK(WebSubSignatureValid("k", got[0].body, got[0].signature));
}

TEST_CASE("websub hub 104: after a verified unsubscription nothing more is delivered",
          "[websub][conformance]") {
  HubFixture f;
  Callbacks cb;
  f.Subscribe(f.FeedTopic(), cb.Url("a"));
  REQUIRE(f.Request("hub.mode=unsubscribe&hub.topic=" + net::UrlEncode(f.FeedTopic()) +
                    "&hub.callback=" + net::UrlEncode(cb.Url("a")))
              .status == 202);
  REQUIRE(f.hub->WaitIdle(kTimeoutMs));
  auto v = cb.Verifications("a");
  REQUIRE(v.size() == 2);
  CHECK(v[1]["hub.mode"] == "unsubscribe");
  CHECK(v[1]["hub.topic"] == f.FeedTopic());
  CHECK(v[1].count("hub.lease_seconds") == 0);
  CHECK(f.hub->Subscriptions().empty());
  f.Append(1);
  f.Deliver();
  CHECK(cb.Got("a").empty());
  CHECK(cb.Attempts("a") == 0);
}

TEST_CASE("websub hub 105: a text/plain topic is delivered unchanged with its Content-Type",
          "[websub][conformance]") {
  HubFixture f;
  Callbacks cb;
  const std::string topic = f.FeedTopic() + "/head";
  f.Subscribe(topic, cb.Url("a"));
  REQUIRE(f.hub->Subscriptions().size() == 1);
  f.Append(1);
  f.Deliver();
  Received got = DeliveredUnchanged(f, cb, topic);
  CHECK(got.body.rfind("000000 2 ", 0) == 0);
  CHECK(got.content_type.rfind("text/plain", 0) == 0);
}

TEST_CASE("websub hub 106: a JSON topic is delivered unchanged with its Content-Type",
          "[websub][conformance]") {
  HubFixture f;
  Callbacks cb;
  const std::string topic = Base(f.server) + "/api/v1/releases";
  f.Subscribe(topic, cb.Url("a"));
  REQUIRE(f.hub->Subscriptions().size() == 1);
  f.Deliver();
  CHECK(cb.Got("a").empty());  // unchanged since the subscription
  {
    std::lock_guard<std::mutex> lock(f.json_mu);
    f.json_doc = "[{\"id\": \"国办发〔2019〕5号\", \"version\": 1}]\n";
  }
  f.Deliver();
  Received got = DeliveredUnchanged(f, cb, topic);
  CHECK(got.link.find("<" + topic + ">; rel=\"self\"") != std::string::npos);
}

// Threads of this process whose name is `name` (Linux: /proc/self/task/*/comm).
int ThreadsNamed(const std::string& name) {
  int n = 0;
  for (const auto& t : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(t.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++n;
  }
  return n;
}

// Threads name themselves once they run, so a thread just started may not carry
// its name yet: waits up to 5 s for `want` threads named `name`, returns the count.
int ThreadsNamedSoon(const std::string& name, int want) {
  int n = ThreadsNamed(name);
  for (int i = 0; i < 500 && n != want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    n = ThreadsNamed(name);
  }
  return n;
}

TEST_CASE("websub workers start with the first subscription request, not before", "[websub]") {
  HubFixture f(/*workers=*/3, /*retry_workers=*/2);
  CHECK(ThreadsNamedSoon("websub scan", 1) == 1);
  CHECK(ThreadsNamed("websub deliver") == 0);  // an agent nobody subscribes to
  CHECK(ThreadsNamed("websub retry") == 0);
  Callbacks cb;
  f.Subscribe(f.FeedTopic(), cb.Url("a"));
  CHECK(ThreadsNamedSoon("websub deliver", 3) == 3);
  CHECK(ThreadsNamedSoon("websub retry", 2) == 2);
  // The scanner (scan interval one hour here) delivers on the next append.
  std::vector<std::string> wires = f.Append(1);
  for (int i = 0; i < 500 && cb.Got("a").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(cb.Got("a").size() == 1);
  CHECK(Wires(cb.Got("a")[0].body) == wires);
  f.hub->Stop();
  CHECK(ThreadsNamed("websub deliver") == 0);
  CHECK(ThreadsNamed("websub scan") == 0);
}

TEST_CASE("websub hub denies a subscription to a topic it does not serve", "[websub]") {
  HubFixture f;
  Callbacks cb;
  const std::string topic = Base(f.server) + "/api/v1/feeds/330000";  // no such log here
  f.Subscribe(topic, cb.Url("a"));
  auto v = cb.Verifications("a");
  REQUIRE(v.size() == 1);
  CHECK(v[0]["hub.mode"] == "denied");
  CHECK(v[0]["hub.topic"] == topic);
  CHECK_FALSE(v[0]["hub.reason"].empty());
  CHECK(v[0].count("hub.challenge") == 0);
  CHECK(f.hub->Subscriptions().empty());
  CHECK(f.hub->counters().denied == 1);
}

TEST_CASE("websub hub activates nothing when the callback does not echo the challenge",
          "[websub][security]") {
  HubFixture f;
  Callbacks cb;
  cb.Refuse(true);
  f.Subscribe(f.FeedTopic(), cb.Url("a"));
  CHECK(cb.Verifications("a").size() == 1);
  CHECK(f.hub->Subscriptions().empty());
  CHECK(f.hub->counters().verifications_failed == 1);
}

TEST_CASE("websub hub answers 400 naming the parameter at fault", "[websub]") {
  HubFixture f;
  const std::string cb = "&hub.callback=" + net::UrlEncode("http://127.0.0.1:1/cb");
  const std::string topic = "&hub.topic=" + net::UrlEncode(f.FeedTopic());
  struct Case {
    std::string form;
    std::string names;
  };
  std::vector<Case> cases = {
      {"hub.mode=publish" + cb + topic, "hub.mode"},
      {"hub.topic=x" + cb, "hub.mode"},
      {"hub.mode=subscribe" + topic, "hub.callback"},
      {"hub.mode=subscribe&hub.callback=ftp%3A%2F%2Fx" + topic, "hub.callback"},
      {"hub.mode=subscribe" + cb, "hub.topic"},
      {"hub.mode=subscribe" + cb + topic + "&hub.lease_seconds=-5", "hub.lease_seconds"},
      {"hub.mode=subscribe" + cb + topic + "&hub.secret=" + std::string(200, 'x'), "hub.secret"},
  };
  for (const Case& c : cases) {
    net::HttpResult r = f.Request(c.form);
    INFO(c.form << " -> " << r.body);
    CHECK(r.status == 400);
    CHECK(r.body.find(c.names) != std::string::npos);
  }
  CHECK(f.hub->counters().requests_rejected == cases.size());
}

TEST_CASE("websub leases are clamped and expire", "[websub]") {
  HubFixture f;
  Callbacks cb;
  f.Subscribe(f.FeedTopic(), cb.Url("a"), "&hub.lease_seconds=1");
  CHECK(cb.Verifications("a").at(0)["hub.lease_seconds"] == "60");
  f.Subscribe(f.FeedTopic(), cb.Url("b"), "&hub.lease_seconds=999999999");
  CHECK(cb.Verifications("b").at(0)["hub.lease_seconds"] == "864000");
  REQUIRE(f.hub->Subscriptions().size() == 2);
  f.clock.Advance(61000);
  f.Append(1);
  f.Deliver();
  CHECK(cb.Got("a").empty());  // expired before the entry was delivered
  CHECK(cb.Got("b").size() == 1);
  REQUIRE(f.hub->Subscriptions().size() == 1);
  CHECK(f.hub->Subscriptions()[0].callback == cb.Url("b"));
  CHECK(f.hub->counters().leases_expired == 1);
}

TEST_CASE("websub delivery is retried with backoff and keeps its cursor", "[websub]") {
  HubFixture f;
  Callbacks cb;
  f.Subscribe(f.FeedTopic(), cb.Url("a"));
  cb.FailNext("a", 503);
  std::vector<std::string> wires = f.Append(2);
  f.Deliver();
  CHECK(cb.Attempts("a") == 1);
  CHECK(f.hub->counters().delivery_failures == 1);
  CHECK(f.hub->Subscriptions().at(0).failures == 1);
  f.Deliver();  // still backing off: no new attempt
  CHECK(cb.Attempts("a") == 1);
  f.clock.Advance(f.options.min_backoff_ms);
  f.Deliver();
  auto got = cb.Got("a");
  REQUIRE(got.size() == 1);
  CHECK(Wires(got[0].body) == wires);  // the failed entries, nothing skipped
  CHECK(f.hub->Subscriptions().at(0).failures == 0);
  CHECK(f.hub->Subscriptions().at(0).cursor_seq == 3);
}

TEST_CASE("websub a slow callback does not delay a fast one", "[websub][fanout]") {
  HubFixture f(/*workers=*/1, /*retry_workers=*/1);
  f.hub->Stop();
  f.options.slow_ms = 300;
  f.options.timeout_ms = 1000;
  f.hub.reset();
  f.Open();
  // Two subscribers on two hosts. The slow one's callback sorts first, so a
  // shared queue would make the fast one wait behind it.
  Callbacks one, two;
  const bool one_first = one.Url("s") < two.Url("f");
  Callbacks& slow = one_first ? one : two;
  Callbacks& fast = one_first ? two : one;
  slow.SetDelay("s", 2500);  // longer than the delivery timeout: a dead callback
  f.Subscribe(f.FeedTopic(), slow.Url("s"));
  f.Subscribe(f.FeedTopic(), fast.Url("f"));
  f.Append(1);
  f.Deliver();  // the slow one times out and moves to the retry lane
  REQUIRE(fast.Got("f").size() == 1);
  f.clock.Advance(f.options.min_backoff_ms);  // the slow one is due again

  const auto t0 = std::chrono::steady_clock::now();
  f.Append(1);
  f.hub->ScanNow();
  for (int i = 0; i < 300 && fast.Got("f").size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto got = fast.Got("f");
  REQUIRE(got.size() == 2);
  const auto fast_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(got[1].at - t0).count();
  CHECK(fast_ms < 500);
  REQUIRE(f.hub->WaitIdle(kTimeoutMs));
  CHECK(slow.Attempts("s") == 2);  // it was tried in the same round, on its own lane
  CHECK(f.hub->counters().delivery_failures == 2);
}

TEST_CASE("websub subscriptions and cursors survive a restart", "[websub]") {
  HubFixture f;
  Callbacks cb;
  f.Subscribe(f.FeedTopic(), cb.Url("a"), "&hub.secret=k&hub.lease_seconds=3600");
  f.Append(1);
  f.Deliver();
  REQUIRE(cb.Got("a").size() == 1);
  f.hub->Stop();
  f.hub.reset();
  std::vector<std::string> later = f.Append(2);  // appended while the hub was down
  f.Open();
  auto subs = f.hub->Subscriptions();
  REQUIRE(subs.size() == 1);
  CHECK(subs[0].cursor_seq == 2);
  CHECK(subs[0].has_secret);
  CHECK(subs[0].lease_s == 3600);
  f.Deliver();
  auto got = cb.Got("a");
  REQUIRE(got.size() == 2);
  CHECK(Wires(got[1].body) == later);
  CHECK(WebSubSignatureValid("k", got[1].body, got[1].signature));
}

TEST_CASE("feeds advertise the WebSub hub in Link headers and the Atom feed", "[websub]") {
  HubFixture f;
  base::Result<net::HttpResult> r = f.client.Get(FeedUrl(Base(f.server), kHubCode, 0), kTimeoutMs);
  REQUIRE(r.ok());
  CHECK(r->headers["link"] == WebSubLinkHeader(f.options.HubUrl(), f.FeedTopic()));
  base::Result<ParsedFeed> feed = DecodeFeed(r->body);
  REQUIRE(feed.ok());
  REQUIRE(feed->meta.hub_url);
  CHECK(*feed->meta.hub_url == f.options.HubUrl());
}

TEST_CASE("form bodies decode plus signs and percent escapes", "[websub]") {
  auto form = net::ParseFormUrlEncoded("a=x+y&b=%E6%94%BF%26&c&a=second&d=%zz");
  CHECK(form["a"] == "x y");
  CHECK(form["b"] == "政&");
  CHECK(form["c"].empty());
  CHECK(form["d"] == "%zz");
}

TEST_CASE("websub settings: one parser for hub.json and agent.json, one line per problem",
          "[websub][config]") {
  WebSubSettings ok;
  CHECK(ParseWebSubSettings(R"({"enabled": false, "workers": 8, "default_lease_s": 3600})", &ok)
            .empty());
  CHECK_FALSE(ok.enabled);
  CHECK(ok.workers == 8);
  WebSubOptions o = ok.Options("http://h:1", "/d/websub.db", "t", 50);
  CHECK(o.HubUrl() == "http://h:1/websub");
  CHECK(o.default_lease_s == 3600);
  CHECK(o.workers == 8);
  CHECK(o.page_size == 50);

  WebSubSettings bad;
  std::vector<std::string> problems = ParseWebSubSettings(
      R"({"enabled": "yes", "workers": 0, "colour": 1, "min_lease_s": 90000})", &bad);
  REQUIRE(problems.size() == 4);
  CHECK(problems[0] == "websub.colour: unknown setting");
  CHECK(problems[1] == "websub.enabled: expected true or false");
  CHECK(problems[2] == "websub.workers: expected an integer in 1..256");
  CHECK(problems[3] == "websub: expected min_lease_s <= default_lease_s <= max_lease_s");
  CHECK(ParseWebSubSettings("[]", &bad) == std::vector<std::string>{"websub: expected an object"});
}

}  // namespace
}  // namespace zhanqun::feeds
