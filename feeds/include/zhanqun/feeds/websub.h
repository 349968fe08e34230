// WebSub (W3C Recommendation, 2018) hub engine: push for zhanqun feeds.
//
// Any ordinary WebSub subscriber can subscribe to the node's topics:
//  - Atom feed topics: {public_base}/api/v1/feeds/{origin} for every origin
//    the LogReader serves. Each notification is a diff: a feed document of
//    the entries after that subscription's delivered cursor (wire bytes
//    verbatim, at most page_size per notification).
//  - head topics: {public_base}/api/v1/feeds/{origin}/head, text/plain
//    "origin seq hash\n" (see HeadDocument in feed_service.h).
//  - document topics registered with AddDocumentTopic (e.g. the hub's JSON
//    release list): the full content is delivered whenever it changes.
//
// POST {hub_url} (application/x-www-form-urlencoded) subscribes or
// unsubscribes; intent is verified asynchronously by a GET to the callback.
// Subscriptions are persisted in their own SQLite file keyed on
// (topic, callback) and survive restarts; leases expire.
//
// Delivery: a scan (after every AppendNotifier wake, and every scan_interval)
// queues each active subscription that has something new; a fixed pool of
// workers delivers. A subscription is never queued twice, so memory is
// bounded by the number of subscriptions; bodies are built at send time.
// Subscriptions whose last attempt failed or was slow go to a separate
// "retry" lane with its own workers, so a slow or dead callback never holds
// the workers of the healthy ones. Failures back off exponentially.
//
// Thread-safe. Owns its threads and database; the LogReader, AppendNotifier
// and Clock must outlive it.
#ifndef ZHANQUN_FEEDS_WEBSUB_H_
#define ZHANQUN_FEEDS_WEBSUB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/counters.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/net/http.h"

namespace zhanqun::feeds {

struct WebSubOptions {
  std::string public_base;  // topics live under it, e.g. http://127.0.0.1:8100
  std::string hub_path = "/websub";
  std::string db_path;  // e.g. <data_dir>/websub.db
  std::string feed_title = "zhanqun";
  int default_lease_s = 86400;  // when the subscriber names none
  int min_lease_s = 60;
  int max_lease_s = 864000;  // 10 days
  int workers = 4;           // healthy lane
  int retry_workers = 2;     // retries, slow callbacks and verifications
  long timeout_ms = 10000;   // per verification or delivery request
  long slow_ms = 2000;       // a delivery slower than this moves to the retry lane
  std::int64_t min_backoff_ms = 1000;
  std::int64_t max_backoff_ms = 600000;
  std::int64_t scan_interval_ms = 1000;
  std::size_t page_size = 100;  // entries per notification at most
  std::size_t max_subscriptions = 10000;
  std::size_t max_pending_verifications = 1024;
  std::string HubUrl() const { return public_base + hub_path; }
};

// The operator-facing "websub" object of hub.json and agent.json.
struct WebSubSettings {
  bool enabled = true;
  int default_lease_s = 86400;
  int min_lease_s = 60;
  int max_lease_s = 864000;
  int workers = 4;
  int retry_workers = 2;
  int timeout_ms = 10000;
  // The engine options for a server at `public_base` keeping subscriptions
  // in `db_path`.
  WebSubOptions Options(const std::string& public_base, const std::string& db_path,
                        const std::string& feed_title, std::size_t page_size) const;
};

// Parses the "websub" object given as JSON text into `out`; returns one line
// per problem, each naming its field ("websub.workers: ...").
std::vector<std::string> ParseWebSubSettings(const std::string& json_text, WebSubSettings* out);

struct WebSubCounters : base::CounterSet {
  base::Counter requests_accepted{*this, "websub_requests_accepted",
                                  "WebSub subscription requests accepted."};
  base::Counter requests_rejected{*this, "websub_requests_rejected",
                                  "WebSub subscription requests refused."};
  base::Counter verifications_ok{*this, "websub_verifications_ok",
                                 "Intents a subscriber's callback confirmed."};
  base::Counter verifications_failed{*this, "websub_verifications_failed",
                                     "Intent verifications that failed or were refused."};
  base::Counter denied{*this, "websub_denied", "Subscriptions denied."};
  base::Counter deliveries{*this, "websub_deliveries", "Notifications delivered."};
  base::Counter delivery_failures{*this, "websub_delivery_failures",
                                  "Notifications that failed (retried with backoff)."};
  base::Counter entries_delivered{*this, "websub_entries_delivered",
                                  "Entries carried by delivered notifications."};
  base::Counter leases_expired{*this, "websub_leases_expired",
                               "Subscriptions whose lease ran out."};
  base::Counter store_errors{*this, "websub_store_errors",
                             "Failures to read or write the subscription database."};
  base::Counter read_errors{*this, "websub_read_errors",
                            "Failures to read the logs served (topics retried later)."};
};

// A snapshot of one active subscription.
struct WebSubSubscription {
  std::string topic;
  std::string callback;
  bool has_secret = false;
  int lease_s = 0;
  base::TimeMs expires_ms = 0;
  std::uint64_t cursor_seq = 0;  // feed topics: last seq delivered
  std::uint32_t failures = 0;    // consecutive failed deliveries
};

class WebSubHub {
 public:
  // Current content of a document topic; called from worker threads.
  using DocumentFn = std::function<base::Result<std::string>()>;

  // Opens (creating) the subscription database; does not start threads.
  static base::Result<std::unique_ptr<WebSubHub>> Open(const WebSubOptions& options,
                                                       LogReader& reader, AppendNotifier& notifier,
                                                       const base::Clock& clock);
  ~WebSubHub();

  // Registers a topic delivered whole. REQUIRES: before Start().
  void AddDocumentTopic(const std::string& url, const std::string& content_type, DocumentFn fn);

  // Starts the scanner and worker threads. Stop() (or the destructor) joins them.
  base::Status Start();
  void Stop();

  // POST {hub_path}: 202 when accepted (verification follows), 400 naming
  // the parameter at fault, 503 when too many requests are pending.
  net::HttpResponse HandleRequest(const net::HttpRequest& req);

  // Queues every subscription with something to deliver now, and drops
  // expired leases. The scanner calls it; tests call it to avoid waiting.
  void ScanNow();
  // Waits until nothing is queued or in flight; false on timeout.
  bool WaitIdle(std::int64_t timeout_ms);

  std::vector<WebSubSubscription> Subscriptions();
  const WebSubCounters& counters() const;
  // Active subscriptions now (reported beside the counters as
  // "websub_subscriptions").
  std::size_t SubscriptionCount() const;
  const WebSubOptions& options() const;

  std::string FeedTopicUrl(const std::string& origin) const;
  std::string HeadTopicUrl(const std::string& origin) const;

  struct Impl;  // opaque; public so the private helpers can name it

 private:
  explicit WebSubHub(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "sha256=<lowercase hex HMAC-SHA256(secret, body)>".
std::string WebSubSignature(const std::string& secret, const std::string& body);

// True when `header` is a valid X-Hub-Signature for `body` under `secret`
// (sha1, sha256, sha384 or sha512; compared in constant time).
bool WebSubSignatureValid(const std::string& secret, const std::string& body,
                          const std::string& header);

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_WEBSUB_H_
