// The WebSub hub engine (websub.h): request intake, verification of intent,
// the scanner and the two delivery lanes.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "websub_internal.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/base/random.h"
#include "zhanqun/base/thread_name.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/feeds/websub.h"

namespace zhanqun::feeds {

using websub_internal::FeedTopicOrigin;
using websub_internal::HubRequest;
using websub_internal::Mode;
using websub_internal::SubscriptionRow;
using websub_internal::SubscriptionStore;

namespace {

// How often a hub without subscriptions scans anyway (a safety net: appends
// and new subscriptions wake the scanner).
constexpr std::int64_t kIdleScanIntervalMs = 60000;

// Per-subscription delivery state. Guarded by Impl::mu.
struct Sub {
  SubscriptionRow row;
  std::uint32_t failures = 0;
  base::TimeMs next_attempt_ms = 0;  // monotonic
  bool slow = false;                 // last delivery failed or was slow: retry lane
  bool queued = false;
  bool in_flight = false;
  bool removed = false;
};
using SubPtr = std::shared_ptr<Sub>;
using SubKey = std::pair<std::string, std::string>;  // (topic, callback)

struct Verification {
  HubRequest req;
  bool denied = false;
};

struct DocTopic {
  std::string content_type;
  WebSubHub::DocumentFn fn;
};

// What a topic is, and what the subscriber gets.
struct Topic {
  enum class Kind { kUnknown, kFeed, kHead, kDocument } kind = Kind::kUnknown;
  std::string origin;
  const DocTopic* doc = nullptr;
};

// A notification ready to send, and the cursor it moves to.
struct Notification {
  std::string body;
  std::string content_type;
  std::string self_url;
  std::uint64_t cursor_seq = 0;
  std::string cursor_hash;
  std::size_t entries = 0;
  bool more = false;  // the feed has entries beyond this page
};

}  // namespace

struct WebSubHub::Impl {
  Impl(const WebSubOptions& options, LogReader& r, AppendNotifier& n, const base::Clock& c,
       std::unique_ptr<SubscriptionStore> s)
      : o(options), reader(r), notifier(n), clock(c), store(std::move(s)) {}

  WebSubOptions o;
  LogReader& reader;
  AppendNotifier& notifier;
  const base::Clock& clock;
  std::unique_ptr<SubscriptionStore> store;
  std::map<std::string, DocTopic> docs;
  WebSubCounters counters;

  std::mutex mu;
  std::condition_variable work_cv;
  std::condition_variable idle_cv;
  std::map<SubKey, SubPtr> subs;
  std::deque<SubPtr> healthy;
  std::deque<SubPtr> retry;
  std::deque<Verification> verifications;
  int in_flight = 0;
  bool stopping = false;
  bool workers_started = false;
  std::atomic<bool> abort{false};
  std::vector<std::thread> threads;

  // What `url` names; an error when the log could not be read (the topic
  // is not taken for unknown because of it).
  base::Result<Topic> Resolve(const std::string& url) {
    Topic t;
    if (auto it = docs.find(url); it != docs.end()) {
      t.kind = Topic::Kind::kDocument;
      t.doc = &it->second;
      return t;
    }
    bool head = false;
    std::optional<std::string> origin = FeedTopicOrigin(o.public_base, url, &head);
    if (!origin) return t;
    base::Result<std::vector<std::string>> held = reader.Origins();
    if (!held.ok()) return held.status();
    if (std::find(held->begin(), held->end(), *origin) == held->end()) {
      base::Result<std::uint64_t> seq = reader.Head(*origin);
      if (!seq.ok()) return seq.status();
      if (*seq == 0) return t;
    }
    t.kind = head ? Topic::Kind::kHead : Topic::Kind::kFeed;
    t.origin = *origin;
    return t;
  }

  // The content of a whole-document topic.
  base::Result<std::string> Document(const Topic& t) {
    if (t.kind == Topic::Kind::kHead) return HeadDocument(reader, t.origin);
    return t.doc->fn();
  }

  std::string ContentType(const Topic& t) {
    if (t.kind == Topic::Kind::kHead) return "text/plain; charset=utf-8";
    return t.doc->content_type;
  }

  // What `row`'s subscriber has not yet seen; nullopt when nothing is new.
  base::Result<std::optional<Notification>> Build(const SubscriptionRow& row) {
    base::Result<Topic> resolved = Resolve(row.topic);
    if (!resolved.ok()) return resolved.status();
    const Topic& t = *resolved;
    if (t.kind == Topic::Kind::kUnknown) return std::optional<Notification>();
    Notification n;
    if (t.kind == Topic::Kind::kFeed) {
      base::Result<std::uint64_t> read = reader.Head(t.origin);
      if (!read.ok()) return read.status();
      const std::uint64_t head = *read;
      if (head <= row.cursor_seq) return std::optional<Notification>();
      base::Result<std::vector<std::string>> wires =
          reader.ReadWire(t.origin, row.cursor_seq, o.page_size);
      if (!wires.ok()) return wires.status();
      if (wires->empty()) return std::optional<Notification>();
      FeedMeta meta;
      meta.origin = t.origin;
      meta.title = o.feed_title + " " + t.origin;
      meta.self_url = feeds::FeedTopicUrl(o.public_base, t.origin);
      meta.hub_url = o.HubUrl();
      meta.head_seq = head;
      meta.updated_ms = clock.NowMs();
      n.cursor_seq = row.cursor_seq + wires->size();
      n.entries = wires->size();
      n.more = n.cursor_seq < head;
      n.body = EncodeFeed(meta, *wires);
      n.content_type = "application/atom+xml; charset=utf-8";
      n.self_url = meta.self_url;
      return std::optional<Notification>(std::move(n));
    }
    base::Result<std::string> doc = Document(t);
    if (!doc.ok()) return doc.status();
    n.cursor_hash = base::Sha256Hex(*doc);
    if (n.cursor_hash == row.cursor_hash) return std::optional<Notification>();
    n.body = std::move(*doc);
    n.content_type = ContentType(t);
    n.self_url = row.topic;
    n.cursor_seq = row.cursor_seq;
    return std::optional<Notification>(std::move(n));
  }

  // The position a new subscriber starts from: only what comes next.
  base::Status StartCursor(SubscriptionRow* row) {
    base::Result<Topic> t = Resolve(row->topic);
    if (!t.ok()) return t.status();
    if (t->kind == Topic::Kind::kFeed) {
      base::Result<std::uint64_t> head = reader.Head(t->origin);
      if (!head.ok()) return head.status();
      row->cursor_seq = *head;
    }
    if (t->kind == Topic::Kind::kHead || t->kind == Topic::Kind::kDocument) {
      base::Result<std::string> doc = Document(*t);
      row->cursor_hash = doc.ok() ? base::Sha256Hex(*doc) : "";
    }
    return base::Status::Ok();
  }

  // REQUIRES: mu held.
  void Enqueue(const SubPtr& s) {
    if (s->queued || s->in_flight || s->removed) return;
    s->queued = true;
    (s->slow ? retry : healthy).push_back(s);
    StartWorkersLocked();
    work_cv.notify_all();
  }

  // The delivery and retry workers start with the first work: most agents
  // (every county) are never subscribed to, and a whole-country cluster on
  // one machine counts its threads. REQUIRES: mu held.
  void StartWorkersLocked() {
    if (workers_started || stopping) return;
    workers_started = true;
    for (int i = 0; i < o.workers; ++i) {
      threads.emplace_back([this] {
        base::SetThreadName("websub deliver");
        WorkerLoop(false);
      });
    }
    for (int i = 0; i < o.retry_workers; ++i) {
      threads.emplace_back([this] {
        base::SetThreadName("websub retry");
        WorkerLoop(true);
      });
    }
  }

  std::int64_t Backoff(std::uint32_t failures) const {
    std::int64_t b = o.min_backoff_ms;
    for (std::uint32_t i = 1; i < failures && b < o.max_backoff_ms; ++i) b *= 2;
    return std::min(b, o.max_backoff_ms);
  }

  void Scan();
  void Verify(net::HttpClient& client, const Verification& v);
  void Deliver(net::HttpClient& client, const SubPtr& s);
  void WorkerLoop(bool retry_lane);
  void ScannerLoop();
};

void WebSubHub::Impl::Scan() {
  const base::TimeMs now = clock.NowMs();
  const base::TimeMs mono = clock.MonotonicMs();
  std::vector<std::pair<SubPtr, SubscriptionRow>> candidates;
  std::vector<SubKey> expired;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = subs.begin(); it != subs.end();) {
      const SubPtr& s = it->second;
      if (s->row.expires_ms <= now) {
        s->removed = true;
        expired.push_back(it->first);
        it = subs.erase(it);
        continue;
      }
      if (!s->queued && !s->in_flight && mono >= s->next_attempt_ms) {
        candidates.push_back({s, s->row});
      }
      ++it;
    }
  }
  for (const SubKey& k : expired) {
    counters.leases_expired++;
    if (!store->Remove(k.first, k.second).ok()) counters.store_errors++;
  }
  // Whole-document topics are read once per scan, however many subscribe.
  std::map<std::string, std::string> doc_hash;
  std::vector<SubPtr> due;
  for (auto& [s, row] : candidates) {
    // A log that cannot be read now is scanned again next time.
    base::Result<Topic> resolved = Resolve(row.topic);
    if (!resolved.ok()) {
      counters.read_errors++;
      continue;
    }
    const Topic& t = *resolved;
    if (t.kind == Topic::Kind::kFeed) {
      base::Result<std::uint64_t> head = reader.Head(t.origin);
      if (!head.ok()) {
        counters.read_errors++;
        continue;
      }
      if (*head > row.cursor_seq) due.push_back(s);
    } else if (t.kind != Topic::Kind::kUnknown) {
      auto it = doc_hash.find(row.topic);
      if (it == doc_hash.end()) {
        base::Result<std::string> doc = Document(t);
        it = doc_hash.emplace(row.topic, doc.ok() ? base::Sha256Hex(*doc) : row.cursor_hash).first;
      }
      if (it->second != row.cursor_hash) due.push_back(s);
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  for (const SubPtr& s : due) Enqueue(s);
}

void WebSubHub::Impl::Verify(net::HttpClient& client, const Verification& v) {
  const HubRequest& r = v.req;
  if (v.denied) {
    counters.denied++;
    (void)client.Get(websub_internal::WithQuery(r.callback, {{"hub.mode", "denied"},
                                                             {"hub.topic", r.topic},
                                                             {"hub.reason",
                                                              "unknown topic: this hub serves "
                                                              "feeds of the origins it holds"}}),
                     o.timeout_ms);
    return;
  }
  const std::string challenge = base::RandomHex(20);
  std::vector<std::pair<std::string, std::string>> params = {
      {"hub.mode", r.mode == Mode::kSubscribe ? "subscribe" : "unsubscribe"},
      {"hub.topic", r.topic},
      {"hub.challenge", challenge}};
  if (r.mode == Mode::kSubscribe)
    params.push_back({"hub.lease_seconds", std::to_string(r.lease_s)});
  base::Result<net::HttpResult> res =
      client.Get(websub_internal::WithQuery(r.callback, params), o.timeout_ms);
  if (!res.ok() || res->status < 200 || res->status > 299 || res->body != challenge) {
    counters.verifications_failed++;
    return;
  }
  const SubKey key{r.topic, r.callback};
  if (r.mode == Mode::kUnsubscribe) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (auto it = subs.find(key); it != subs.end()) {
        it->second->removed = true;
        subs.erase(it);
      }
    }
    if (!store->Remove(r.topic, r.callback).ok()) counters.store_errors++;
    counters.verifications_ok++;
    return;
  }
  SubscriptionRow row{r.topic,
                      r.callback,
                      r.secret,
                      r.lease_s,
                      clock.NowMs() + static_cast<base::TimeMs>(r.lease_s) * 1000,
                      0,
                      ""};
  if (!StartCursor(&row).ok()) {
    // The subscriber asks again; its cursor is never guessed.
    counters.read_errors++;
    counters.verifications_failed++;
    return;
  }
  std::lock_guard<std::mutex> lock(mu);
  auto it = subs.find(key);
  if (it == subs.end() && subs.size() >= o.max_subscriptions) {
    counters.verifications_failed++;
    return;
  }
  if (it != subs.end()) {  // re-subscription: same row, same cursor
    row.cursor_seq = it->second->row.cursor_seq;
    row.cursor_hash = it->second->row.cursor_hash;
    it->second->row = row;
  } else {
    auto s = std::make_shared<Sub>();
    s->row = row;
    subs.emplace(key, s);
    // The scanner of a hub without subscriptions sleeps long; this one's
    // first notification should not wait for it.
    notifier.Notify(AppendNotifier::kAnyKey);
  }
  // Under mu, so a delivery's cursor update cannot interleave with the row write.
  if (!store->Upsert(row).ok()) counters.store_errors++;
  counters.verifications_ok++;
}

void WebSubHub::Impl::Deliver(net::HttpClient& client, const SubPtr& s) {
  SubscriptionRow row;
  {
    std::lock_guard<std::mutex> lock(mu);
    row = s->row;
  }
  base::Result<std::optional<Notification>> n = Build(row);
  if (!n.ok() || !n->has_value()) {
    if (!n.ok()) counters.delivery_failures++;
    return;
  }
  Notification& note = **n;
  std::vector<std::string> headers = {"Link: " + WebSubLinkHeader(o.HubUrl(), note.self_url)};
  if (!row.secret.empty()) {
    headers.push_back("X-Hub-Signature: " + WebSubSignature(row.secret, note.body));
  }
  const auto t0 = std::chrono::steady_clock::now();
  base::Result<net::HttpResult> res =
      client.Post(row.callback, note.body, note.content_type, o.timeout_ms, headers);
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  const bool ok = res.ok() && res->status >= 200 && res->status <= 299;
  std::lock_guard<std::mutex> lock(mu);
  if (!ok) {
    counters.delivery_failures++;
    s->failures++;
    s->slow = true;
    s->next_attempt_ms = clock.MonotonicMs() + Backoff(s->failures);
    return;
  }
  counters.deliveries++;
  counters.entries_delivered += note.entries;
  s->failures = 0;
  s->slow = took > o.slow_ms;
  if (s->removed) return;
  s->row.cursor_seq = note.cursor_seq;
  s->row.cursor_hash = note.cursor_hash;
  if (!store->SaveCursor(row.topic, row.callback, note.cursor_seq, note.cursor_hash).ok()) {
    counters.store_errors++;
  }
  if (note.more) {
    s->in_flight = false;  // Enqueue below requires it; the worker resets it again harmlessly
    Enqueue(s);
  }
}

void WebSubHub::Impl::WorkerLoop(bool retry_lane) {
  net::PocoHttpClient client;
  client.set_abort_flag(&abort);
  client.set_max_response_bytes(64 * 1024);
  std::unique_lock<std::mutex> lock(mu);
  for (;;) {
    std::deque<SubPtr>& mine = retry_lane ? retry : healthy;
    work_cv.wait(
        lock, [&] { return stopping || !mine.empty() || (retry_lane && !verifications.empty()); });
    if (stopping) return;
    ++in_flight;
    if (retry_lane && !verifications.empty()) {
      Verification v = std::move(verifications.front());
      verifications.pop_front();
      lock.unlock();
      Verify(client, v);
      lock.lock();
    } else {
      SubPtr s = mine.front();
      mine.pop_front();
      s->queued = false;
      s->in_flight = true;
      lock.unlock();
      Deliver(client, s);
      lock.lock();
      if (!s->queued) s->in_flight = false;
    }
    --in_flight;
    idle_cv.notify_all();
  }
}

void WebSubHub::Impl::ScannerLoop() {
  while (!abort) {
    const std::uint64_t seen = notifier.generation();
    const base::TimeMs start = clock.MonotonicMs();
    // Periodic scans serve backoffs, leases and document topics, all of which
    // belong to subscriptions: with none, only an append (or the first
    // subscription, which notifies) has anything for a scan to find.
    std::int64_t interval;
    {
      std::lock_guard<std::mutex> lock(mu);
      interval = subs.empty() ? kIdleScanIntervalMs : o.scan_interval_ms;
    }
    notifier.WaitUntil(
        AppendNotifier::kAnyKey,
        [&] {
          return abort || notifier.generation() != seen || clock.MonotonicMs() - start >= interval;
        },
        interval, interval);  // Stop() notifies: no need to poll
    if (abort) return;
    Scan();
  }
}

WebSubHub::WebSubHub(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSubHub::~WebSubHub() { Stop(); }

base::Result<std::unique_ptr<WebSubHub>> WebSubHub::Open(const WebSubOptions& options,
                                                         LogReader& reader,
                                                         AppendNotifier& notifier,
                                                         const base::Clock& clock) {
  if (options.workers < 1 || options.retry_workers < 1) {
    return base::Status::Invalid("websub: workers and retry_workers must be at least 1");
  }
  if (options.min_lease_s < 1 || options.min_lease_s > options.default_lease_s ||
      options.default_lease_s > options.max_lease_s) {
    return base::Status::Invalid(
        "websub: expected 1 <= min_lease_s <= default_lease_s <= max_lease_s");
  }
  base::Result<std::unique_ptr<SubscriptionStore>> store = SubscriptionStore::Open(options.db_path);
  if (!store.ok()) return store.status();
  base::Result<std::vector<SubscriptionRow>> rows = (*store)->All();
  if (!rows.ok()) return rows.status().Context("websub store " + options.db_path);
  auto impl = std::make_unique<Impl>(options, reader, notifier, clock, std::move(*store));
  for (SubscriptionRow& row : *rows) {
    auto s = std::make_shared<Sub>();
    SubKey key{row.topic, row.callback};
    s->row = std::move(row);
    impl->subs.emplace(std::move(key), std::move(s));
  }
  return std::unique_ptr<WebSubHub>(new WebSubHub(std::move(impl)));
}

void WebSubHub::AddDocumentTopic(const std::string& url, const std::string& content_type,
                                 DocumentFn fn) {
  impl_->docs[url] = {content_type, std::move(fn)};
}

base::Status WebSubHub::Start() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (!m.subs.empty()) m.StartWorkersLocked();  // subscriptions from the store
  m.threads.emplace_back([&m] {
    base::SetThreadName("websub scan");
    m.ScannerLoop();
  });
  return base::Status::Ok();
}

void WebSubHub::Stop() {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    m.stopping = true;
    m.abort = true;
  }
  net::HttpClient::WakeAll(&m.abort);  // verifications and deliveries in flight
  m.work_cv.notify_all();
  m.notifier.NotifyAll();  // the scanner waits on it
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    threads.swap(m.threads);  // no worker starts once stopping is set
  }
  for (std::thread& t : threads) t.join();
}

net::HttpResponse WebSubHub::HandleRequest(const net::HttpRequest& req) {
  Impl& m = *impl_;
  base::Result<HubRequest> r = websub_internal::ParseHubRequest(req, m.o);
  if (!r.ok()) {
    m.counters.requests_rejected++;
    return net::HttpResponse::Error(r.status());
  }
  Verification v{std::move(*r), false};
  if (v.req.mode == Mode::kSubscribe) {
    base::Result<Topic> t = m.Resolve(v.req.topic);
    if (!t.ok()) {
      m.counters.read_errors++;
      return net::HttpResponse::ServerError(t.status().Context("topic " + v.req.topic));
    }
    v.denied = t->kind == Topic::Kind::kUnknown;
  }
  {
    std::lock_guard<std::mutex> lock(m.mu);
    if (m.stopping || m.verifications.size() >= m.o.max_pending_verifications) {
      m.counters.requests_rejected++;
      net::HttpResponse busy = net::HttpResponse::Error(
          base::Status::Unavailable("too many pending subscription requests; retry later"));
      busy.headers.push_back({"Retry-After", "30"});
      return busy;
    }
    m.verifications.push_back(std::move(v));
    m.StartWorkersLocked();
  }
  m.work_cv.notify_all();
  m.counters.requests_accepted++;
  return net::HttpResponse::Text(202, "accepted: verification of intent follows\n");
}

void WebSubHub::ScanNow() { impl_->Scan(); }

bool WebSubHub::WaitIdle(std::int64_t timeout_ms) {
  Impl& m = *impl_;
  std::unique_lock<std::mutex> lock(m.mu);
  return m.idle_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    return m.healthy.empty() && m.retry.empty() && m.verifications.empty() && m.in_flight == 0;
  });
}

std::vector<WebSubSubscription> WebSubHub::Subscriptions() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<WebSubSubscription> out;
  for (const auto& [key, s] : impl_->subs) {
    out.push_back({s->row.topic, s->row.callback, !s->row.secret.empty(), s->row.lease_s,
                   s->row.expires_ms, s->row.cursor_seq, s->failures});
  }
  return out;
}

const WebSubCounters& WebSubHub::counters() const { return impl_->counters; }

std::size_t WebSubHub::SubscriptionCount() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->subs.size();
}

const WebSubOptions& WebSubHub::options() const { return impl_->o; }

std::string WebSubHub::FeedTopicUrl(const std::string& origin) const {
  return feeds::FeedTopicUrl(impl_->o.public_base, origin);
}

std::string WebSubHub::HeadTopicUrl(const std::string& origin) const {
  return FeedTopicUrl(origin) + "/head";
}

}  // namespace zhanqun::feeds
