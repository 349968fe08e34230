#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "feeds/memory_log.h"
#include "net/http_test_util.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/net/http.h"

namespace zhanqun::feeds {

using net::BaseUrl;
using net::HttpRequest;
using net::HttpResult;
using net::HttpServer;
using net::kTimeoutMs;
using net::MustGet;
using net::PocoHttpClient;
using net::StartServer;

namespace {

// A feed server over a MemoryLog, page size 3.
struct FeedFixture {
  MemoryLog log;
  AppendNotifier notifier;
  base::FakeClock clock{1700000000000};
  FeedServiceOptions options;
  HttpServer server;
  Signer signer{kHubCode};
  std::vector<SignedEntry> entries;

  FeedFixture() {
    options.page_size = 3;
    options.max_wait_s = 10;
    server.Route("GET", "/api/v1/feeds/{origin}", [this](const HttpRequest& req) {
      return ServeFeed(req, log, notifier, options, clock);
    });
    StartServer(server);
    options.base_url = BaseUrl(server);
  }
  void Append(int count) {
    for (int i = 0; i < count; ++i) {
      entries.push_back(signer.Next());
      log.Append(kHubCode, entries.back().wire);
    }
  }
  std::string Url(const std::string& query) const {
    return BaseUrl(server) + "/api/v1/feeds/" + kHubCode + query;
  }
};

ParsedFeed MustDecodeFeed(const std::string& body) {
  base::Result<ParsedFeed> feed = DecodeFeed(body);
  INFO(feed.status().ToString());
  REQUIRE(feed.ok());
  return std::move(feed).value();
}

}  // namespace

TEST_CASE("a feed answers the signed entries after the cursor, verbatim", "[feeds][http][feed]") {
  FeedFixture f;
  f.Append(5);
  PocoHttpClient client;
  HttpResult r = MustGet(client, f.Url("?after=1"));
  REQUIRE(r.status == 200);
  CHECK_THAT(r.headers["content-type"], Catch::StartsWith("application/atom+xml"));
  CHECK(r.headers["x-zhanqun-head"] == "5");
  ParsedFeed feed = MustDecodeFeed(r.body);
  REQUIRE(feed.entries.size() == 3);
  TrustStore trust;
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(feed.entries[i].entry.log.seq == i + 2);
    CHECK(feed.entries[i].wire == f.entries[i + 1].wire);
    CHECK(r.body.find(f.entries[i + 1].wire) != std::string::npos);
  }
  CHECK(feed.meta.origin == kHubCode);
  CHECK(feed.meta.head_seq == 5);
}

TEST_CASE("a full aligned feed page is immutable and archived", "[feeds][http][feed]") {
  FeedFixture f;
  f.Append(5);
  PocoHttpClient client;
  HttpResult r = MustGet(client, f.Url("?after=0"));
  REQUIRE(r.status == 200);
  CHECK_THAT(r.headers["cache-control"], Catch::Contains("immutable"));
  CHECK_THAT(r.headers["cache-control"], Catch::Contains("max-age=31536000"));
  CHECK_THAT(r.body, Catch::Contains("archive"));
  ParsedFeed feed = MustDecodeFeed(r.body);
  CHECK(feed.meta.archive);
  CHECK(feed.entries.size() == 3);
}

TEST_CASE("a partial or unaligned feed page is short-lived", "[feeds][http][feed]") {
  FeedFixture f;
  f.Append(5);
  PocoHttpClient client;
  for (const char* query : {"?after=3", "?after=1"}) {
    INFO(query);
    HttpResult r = MustGet(client, f.Url(query));
    REQUIRE(r.status == 200);
    CHECK(r.headers["cache-control"] == "public, max-age=1");
    CHECK_THAT(r.body, !Catch::Contains("archive/>"));
    CHECK_FALSE(MustDecodeFeed(r.body).meta.archive);
  }
}

TEST_CASE("an empty feed page is not stored by shared caches", "[feeds][http][feed]") {
  FeedFixture f;
  f.Append(5);
  PocoHttpClient client;
  HttpResult r = MustGet(client, f.Url("?after=5"));
  REQUIRE(r.status == 200);
  CHECK(r.headers["cache-control"] == "no-cache");
  CHECK_FALSE(r.headers["etag"].empty());
  CHECK(MustDecodeFeed(r.body).entries.empty());
}

TEST_CASE("a feed answers 304 when If-None-Match carries its ETag", "[feeds][http][feed]") {
  FeedFixture f;
  f.Append(2);
  PocoHttpClient client;
  HttpResult first = MustGet(client, f.Url("?after=0"));
  REQUIRE(first.status == 200);
  const std::string etag = first.headers["etag"];
  REQUIRE_FALSE(etag.empty());

  HttpResult again = MustGet(client, f.Url("?after=0"), {"If-None-Match: " + etag});
  CHECK(again.status == 304);
  CHECK(again.body.empty());

  f.Append(1);  // the page grew: the old tag no longer matches
  HttpResult grown = MustGet(client, f.Url("?after=0"), {"If-None-Match: " + etag});
  CHECK(grown.status == 200);
  CHECK(grown.headers["etag"] != etag);
}

TEST_CASE("a feed request with a bad cursor is answered 400 naming it", "[feeds][http][feed]") {
  FeedFixture f;
  f.Append(1);
  PocoHttpClient client;
  for (const char* query : {"?after=x", "?after=-1", "?after=99999999999999999999"}) {
    INFO(query);
    HttpResult r = MustGet(client, f.Url(query));
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("after"));
  }
  HttpResult bad_origin = MustGet(client, BaseUrl(f.server) + "/api/v1/feeds/abc?after=0");
  CHECK(bad_origin.status == 400);
  CHECK_THAT(bad_origin.body, Catch::Contains("origin"));
}

TEST_CASE("a long-poll at the head returns promptly when an entry is appended",
          "[feeds][http][feed][longpoll]") {
  FeedFixture f;
  f.Append(2);
  auto poll = std::async(std::launch::async, [&] {
    PocoHttpClient client;
    auto start = std::chrono::steady_clock::now();
    base::Result<HttpResult> r = client.Get(f.Url("?after=2&wait=5"), kTimeoutMs);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    return std::make_pair(std::move(r), ms);
  });
  // Give the request a moment to reach the server and start waiting
  // (bounded: the poll itself waits up to 5 s).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto append_time = std::chrono::steady_clock::now();
  f.Append(1);
  f.notifier.Notify(kHubCode);

  REQUIRE(poll.wait_for(std::chrono::seconds(8)) == std::future_status::ready);
  auto [r, total_ms] = poll.get();
  auto after_append_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - append_time)
                             .count();
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(total_ms < 2000);
  CHECK(after_append_ms < 2000);
  ParsedFeed feed = MustDecodeFeed(r->body);
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].entry.log.seq == 3);
}

TEST_CASE("a long-poll with nothing new returns an empty feed after its wait",
          "[feeds][http][feed][longpoll]") {
  FeedFixture f;
  f.Append(1);
  PocoHttpClient client;
  auto start = std::chrono::steady_clock::now();
  HttpResult r = MustGet(client, f.Url("?after=1&wait=1"));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  CHECK(r.status == 200);
  CHECK(ms >= 900);
  CHECK(ms < 3000);
  ParsedFeed feed = MustDecodeFeed(r.body);
  CHECK(feed.entries.empty());
  CHECK(feed.meta.head_seq == 1);
}

TEST_CASE("a feed whose log cannot be read is answered 503, never as an empty page",
          "[feeds][http][feed][errors]") {
  FeedFixture f;
  f.Append(2);
  f.log.FailReads(base::Status::IoError("disk gone"));
  PocoHttpClient client;
  HttpResult r = MustGet(client, f.Url("?after=0"));
  CHECK(r.status == 503);
  CHECK_THAT(r.body, Catch::Contains("disk gone"));
  CHECK(r.headers.count("x-zhanqun-head") == 0);

  HttpRequest head_req;
  head_req.params["origin"] = kHubCode;
  net::HttpResponse head = ServeFeedHead(head_req, f.log, f.options);
  CHECK(head.status == 503);
  CHECK_FALSE(HeadDocument(f.log, kHubCode).ok());

  f.log.FailReads(base::Status::Ok());
  CHECK(MustGet(client, f.Url("?after=0")).status == 200);
}

TEST_CASE("a long-poll whose log becomes unreadable while it waits is answered 503 at once",
          "[feeds][http][feed][longpoll][errors]") {
  FeedFixture f;
  f.Append(2);
  auto poll = std::async(std::launch::async, [&] {
    PocoHttpClient client;
    return client.Get(f.Url("?after=2&wait=5"), kTimeoutMs);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto failed_at = std::chrono::steady_clock::now();
  f.log.FailReads(base::Status::IoError("disk gone"));
  f.notifier.Notify(kHubCode);
  REQUIRE(poll.wait_for(std::chrono::seconds(8)) == std::future_status::ready);
  base::Result<HttpResult> r = poll.get();
  auto after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - failed_at)
                      .count();
  REQUIRE(r.ok());
  CHECK(r->status == 503);
  CHECK(after_ms < 2000);
}

TEST_CASE("children asking for the same page share one encoding", "[feeds][http][feed]") {
  FeedFixture f;
  f.options.page_cache = std::make_shared<FeedPageCache>();
  f.Append(4);
  PocoHttpClient client;
  HttpResult first = MustGet(client, f.Url("?after=2"));
  HttpResult second = MustGet(client, f.Url("?after=2"));
  CHECK(f.options.page_cache->hits() == 1);
  CHECK(second.body == first.body);
  CHECK(second.headers.at("etag") == first.headers.at("etag"));
  CHECK(MustDecodeFeed(second.body).entries.size() == 2);
  // A conditional request is answered from the cached page too.
  HttpResult revalidated =
      MustGet(client, f.Url("?after=2"), {"If-None-Match: " + first.headers.at("etag")});
  CHECK(revalidated.status == 304);
  CHECK(f.options.page_cache->hits() == 2);

  f.Append(1);  // the head moved: a new page, not the cached one
  HttpResult grown = MustGet(client, f.Url("?after=2"));
  CHECK(f.options.page_cache->hits() == 2);
  ParsedFeed feed = MustDecodeFeed(grown.body);
  REQUIRE(feed.entries.size() == 3);
  CHECK(feed.entries.back().entry.log.seq == 5);
  CHECK(grown.headers.at("etag") != first.headers.at("etag"));
}

TEST_CASE("the page cache keeps to its byte bound, dropping the oldest page", "[feeds][feed]") {
  FeedPageCache cache(/*max_bytes=*/1000);
  std::string body;
  cache.Put("a", std::string(200, 'a'));
  cache.Put("b", std::string(200, 'b'));
  cache.Put("big", std::string(300, 'x'));  // over a quarter of the bound: not kept
  CHECK_FALSE(cache.Find("big", &body));
  for (const char* k : {"c", "d", "e"}) cache.Put(k, std::string(200, k[0]));
  REQUIRE(cache.Find("a", &body));  // 5 x 200 bytes: all kept
  cache.Put("f", std::string(200, 'f'));
  CHECK_FALSE(cache.Find("a", &body));  // 6 x 200 bytes > 1000: the oldest went
  REQUIRE(cache.Find("b", &body));
  CHECK(body == std::string(200, 'b'));
  REQUIRE(cache.Find("f", &body));
  CHECK(cache.hits() == 3);

  CHECK(cache.Clear() == 1000);  // b, c, d, e and f
  CHECK_FALSE(cache.Find("f", &body));
  CHECK(cache.Clear() == 0);
  cache.Put("g", std::string(200, 'g'));  // the bound counts from zero again
  for (const char* k : {"h", "i", "j", "k"}) cache.Put(k, std::string(200, k[0]));
  CHECK(cache.Find("g", &body));
}

TEST_CASE("the notifier wakes a waiter before its timeout", "[feeds][feed]") {
  AppendNotifier notifier;
  std::atomic<bool> ready{false};
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ready = true;
    notifier.Notify(kHubCode);
  });
  auto start = std::chrono::steady_clock::now();
  bool ok = notifier.WaitUntil(
      kHubCode, [&] { return ready.load(); }, 5000, 60000);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  t.join();
  CHECK(ok);
  CHECK(ms < 2000);
  CHECK(notifier.ActiveKeys() == 0);
}

TEST_CASE("the notifier wakes only the waits on the key notified, and the any-key waits",
          "[feeds][feed]") {
  AppendNotifier notifier;
  std::atomic<int> hub_checks{0}, any_checks{0};
  std::atomic<bool> stop{false};
  // poll_ms is far beyond the test, so every check after the first is a wake-up.
  std::thread hub_waiter([&] {
    notifier.WaitUntil(
        kHubCode,
        [&] {
          ++hub_checks;
          return stop.load();
        },
        20000, 60000);
  });
  std::thread any_waiter([&] {
    notifier.WaitUntil(
        AppendNotifier::kAnyKey,
        [&] {
          ++any_checks;
          return stop.load();
        },
        20000, 60000);
  });
  auto settle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(150)); };
  settle();
  REQUIRE(hub_checks == 1);
  REQUIRE(any_checks == 1);
  CHECK(notifier.ActiveKeys() == 2);

  notifier.Notify("330000");  // another log grew: only the any-key watcher looks
  settle();
  CHECK(hub_checks == 1);
  CHECK(any_checks == 2);

  notifier.Notify(kHubCode);
  settle();
  CHECK(hub_checks == 2);
  CHECK(any_checks == 3);

  notifier.NotifyAll();
  settle();
  CHECK(hub_checks == 3);
  CHECK(any_checks == 4);

  stop = true;
  notifier.Close();
  hub_waiter.join();
  any_waiter.join();
  CHECK(notifier.ActiveKeys() == 0);  // keys come from URLs: nothing is left behind
  CHECK(notifier.generation() == 3);
}

}  // namespace zhanqun::feeds
