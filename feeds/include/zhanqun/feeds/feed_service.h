// Serving and following zhanqun feeds over HTTP. Shared by the hub and by
// every agent (each agent is a relay that serves what it holds).
//
// Endpoint: GET /api/v1/feeds/{origin}?after=N[&wait=S]
//  - answers the entries of `origin` with seq in (N, N+page_size], wire bytes
//    embedded verbatim in an Atom feed document;
//  - when nothing is after N and wait=S > 0, holds the request up to S
//    seconds (capped) and answers as soon as an entry is appended;
//  - a page whose N is a multiple of page_size and which is full is
//    immutable: Cache-Control "public, max-age=31536000, immutable" and
//    <fh:archive/>; other pages with entries are short-lived ("public,
//    max-age=1"); an empty page is "no-cache" (no shared cache stores it).
//  - ETag on every answer; If-None-Match answers 304.
//  - answers for a log with a head statement (freshness.h) carry it in
//    X-Zhanqun-Head-Statement, and a long-poll also returns as soon as a
//    newer statement is issued, so a follower's statement is never older than
//    the issuing interval.
#ifndef ZHANQUN_FEEDS_FEED_SERVICE_H_
#define ZHANQUN_FEEDS_FEED_SERVICE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/net/http.h"

namespace zhanqun::feeds {

// Read access to stored logs. Implementations must be thread-safe.
class LogReader {
 public:
  virtual ~LogReader() = default;
  // Wire bytes of entries with seq in (after, after+limit], in seq order.
  virtual base::Result<std::vector<std::string>> ReadWire(const std::string& origin,
                                                          std::uint64_t after,
                                                          std::size_t limit) = 0;
  // Highest stored seq of `origin`; 0 if none. A failed read is an error,
  // never 0: a long-poll asks on every wake-up, so keep it cheap.
  virtual base::Result<std::uint64_t> Head(const std::string& origin) = 0;
  // Origins this reader can serve.
  virtual base::Result<std::vector<std::string>> Origins() = 0;
};

// Wakes long-polls when a log grows. Waits are keyed (by origin), so an
// append to one log wakes only the long-polls held on that log and the
// watchers of every key: a relay holds a long-poll per child and per origin,
// and waking them all for every append costs each a context switch for
// nothing. Thread-safe.
class AppendNotifier {
 public:
  // The key that waits for any notification.
  static constexpr const char* kAnyKey = "";

  // Wakes the waits on `key` and those on kAnyKey.
  void Notify(const std::string& key);
  // Wakes every wait.
  void NotifyAll();
  // Waits on `key` until `ready()` is true or `timeout_ms` passes; re-checks
  // every `poll_ms` as well, so appends by other processes are seen too.
  bool WaitUntil(const std::string& key, const std::function<bool()>& ready,
                 std::int64_t timeout_ms, std::int64_t poll_ms = 200);
  // Ends every wait now and every later one at once: called at shutdown so
  // long-polls held for children do not delay the process exit.
  void Close();
  // Counts notifications of any key; a watcher compares it with what it saw last.
  std::uint64_t generation();
  // Keys with a wait in progress (for tests: channels do not outlive their waits).
  std::size_t ActiveKeys();

 private:
  struct Channel {
    std::condition_variable cv;
    std::uint64_t generation = 0;
    int waiters = 0;
  };
  void BumpLocked(Channel& c);

  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Channel>> channels_;  // only keys being waited on
  std::uint64_t generation_ = 0;
  bool closed_ = false;
};

// Pages recently served, as encoded: when an entry arrives, every child of a
// relay asks at once for the same page (the entries after its head), so the
// page is read and encoded once. A page is keyed by origin, `after` and the
// log's head, which together fix its entries; bounded in bytes, oldest
// dropped first. Thread-safe.
class FeedPageCache {
 public:
  explicit FeedPageCache(std::size_t max_bytes = 4 << 20) : max_bytes_(max_bytes) {}
  bool Find(const std::string& key, std::string* body);
  void Put(const std::string& key, const std::string& body);
  // Drops every page (a relay gone idle needs none of them until the next
  // entry); returns the bytes dropped.
  std::size_t Clear();
  std::uint64_t hits() const { return hits_.load(); }

 private:
  std::mutex mu_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::map<std::string, std::string> pages_;
  std::deque<std::string> order_;  // keys, oldest first
  std::atomic<std::uint64_t> hits_{0};
};

struct FeedServiceOptions {
  std::string base_url;  // e.g. http://127.0.0.1:8100
  std::string title = "zhanqun";
  std::size_t page_size = 100;
  int max_wait_s = 30;
  // How often a held long-poll re-checks the log besides being notified:
  // the hub needs it to see appends by its CLI (another process); an agent
  // appends only in-process and can re-check rarely.
  int recheck_ms = 200;
  // Encoded pages shared between requests. Optional.
  std::shared_ptr<FeedPageCache> page_cache;
  // The newest head statement for an origin ("" when none); an error when
  // it cannot be made (the answer is then 503). Optional.
  std::function<base::Result<std::string>(const std::string& origin)> head_statement;
  // When set (WebSub on), answers carry Link headers rel="hub" (this URL) and
  // rel="self" (the topic URL), and the Atom feed a <link rel="hub">.
  std::string websub_hub_url;
};

// Handles GET /api/v1/feeds/{origin}. Thread-safe.
net::HttpResponse ServeFeed(const net::HttpRequest& req, LogReader& reader,
                            AppendNotifier& notifier, const FeedServiceOptions& options,
                            const base::Clock& clock);

// GET /api/v1/feeds/{origin}/head: text/plain "origin seq hash\n" (hash of
// the head entry's canonical form; seq 0 and 64 zeros for an empty log).
// A WebSub topic too (websub.h).
net::HttpResponse ServeFeedHead(const net::HttpRequest& req, LogReader& reader,
                                const FeedServiceOptions& options);
// The body ServeFeedHead answers for `origin`.
base::Result<std::string> HeadDocument(LogReader& reader, const std::string& origin);

// The topic URL of an origin's feed: {base_url}/api/v1/feeds/{origin}.
std::string FeedTopicUrl(const std::string& base_url, const std::string& origin);

// "<hub>; rel=\"hub\", <self>; rel=\"self\"" for HTTP Link headers (WebSub
// discovery: feed answers carry it when a WebSub hub is on, deliveries too).
std::string WebSubLinkHeader(const std::string& hub_url, const std::string& self_url);

std::string FeedUrl(const std::string& base_url, const std::string& origin, std::uint64_t after,
                    int wait_s = 0);

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_FEED_SERVICE_H_
